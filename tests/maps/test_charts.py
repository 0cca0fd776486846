"""The trend charts' drawing (portal/maps/figures.py): text that stays legible on a phone, and month labels that
never run into each other, however many months are drawn."""
from __future__ import annotations

from datetime import date

import pytest

from portal.maps.figures import CHART_WIDTH, MONTH_LABEL_ROOM, line_chart


def _months(n: int) -> list[date]:
    return [date(2024 + (m // 12), m % 12 + 1, 1) for m in range(n)]


@pytest.mark.parametrize("n", [2, 6, 12, 13, 24, 36, 60])
def test_month_labels_have_room_and_the_last_month_is_labelled(n):
    months = _months(n)
    chart = line_chart("Median time to fix", months, [("Borough", "line-ward", [5.0] * n)], "hours")
    xs = [m["x"] for m in chart.months]
    assert all(b - a >= MONTH_LABEL_ROOM for a, b in zip(xs, xs[1:])), xs
    assert chart.months[-1]["label"] == months[-1].strftime("%b %y")
    assert all(chart.left <= x <= chart.width for x in xs)


def test_the_drawing_is_narrow_enough_for_its_text_to_be_read_on_a_phone():
    """The SVG scales to its box: 358 px of chart on a 390 px phone. Its 13-unit text must stay near 12 px
    (drawn 640 units wide, it had shrunk to ~6 px)."""
    chart = line_chart("Share fixed within target", _months(24), [("Borough", "line-ward", [0.5] * 24)], "share")
    assert chart.width == CHART_WIDTH and 13 * 358 / chart.width >= 11.5
    longest_tick = max(len(t["label"]) for t in chart.ticks)
    assert longest_tick * 13 * 0.6 <= chart.left - 6               # tick labels fit left of the axis
    days = line_chart("Median time to fix", _months(24), [("Borough", "line-ward", [300.0] * 24)], "hours",
                      hours_as="days")
    assert max(len(t["label"]) for t in days.ticks) * 13 * 0.6 <= days.left - 6
