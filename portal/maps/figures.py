"""How the measures read on a page: one unit per column, "too few reports to say", legends with values, units
and which way is better, and line charts drawn as SVG on the server (axes, values, a text alternative)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from gis.choropleth import PALETTE, colour
from gis.measures import MEASURES, MIN_COUNT, AreaMeasures

TOO_FEW = "too few reports to say"


def hours_unit(values) -> str:
    """"hours" when every time in the column is under two days, else "days" (one unit per column)."""
    known = [v for v in values if v is not None]
    return "hours" if known and max(known) < 48 else "days"


def fmt(value, unit: str, hours_as: str = "hours") -> str:
    if value is None:
        return "–"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "hours":
        return f"{value:.0f} h" if hours_as == "hours" else f"{value / 24:.1f} days"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "per_km2":
        return f"{value:,.1f}"
    return f"{value:,}"


def cell(m: AreaMeasures, measure: str, hours_as: str = "hours") -> str:
    """A table cell: the figure, or why there is none."""
    if not m.enough(measure):
        return TOO_FEW
    value = m.value(measure)
    if value is None and measure in ("median_hours", "p90_hours") and m.fix.count:
        share = "half" if measure == "median_hours" else "nine in ten"
        return f"not reached: fewer than {share} fixed yet"
    return fmt(value, MEASURES[measure].unit, hours_as)


def count_text(m: AreaMeasures, measure: str) -> str:
    n = m.count(measure)
    return f"{n:,} answer{'s' if n != 1 else ''}" if measure == "satisfaction" else \
        f"{n:,} report{'s' if n != 1 else ''}"


def unit_words(measure: str, hours_as: str) -> str:
    unit = MEASURES[measure].unit
    return {"share": "per cent", "hours": hours_as, "days": "days", "reports": "reports",
            "per_km2": "reports per km²"}[unit]


def direction_words(measure: str) -> str:
    better = MEASURES[measure].better
    if better is None:
        return "Darker wards have more reports; more is not better or worse in itself."
    return f"{'Higher' if better == 'higher' else 'Lower'} is better: darker wards do worse."


def legend(bounds: list[float], measure: str, hours_as: str) -> list[tuple[str, str]]:
    """(colour, "from – to unit") per class, lightest (best) first; the colours are the map's."""
    reverse = MEASURES[measure].better == "higher"
    unit = MEASURES[measure].unit
    entries, low = [], None
    for b in bounds:
        text = f"up to {fmt(b, unit, hours_as)}" if low is None else f"{fmt(low, unit, hours_as)} to {fmt(b, unit, hours_as)}"
        entries.append((colour(b, bounds, reverse=reverse), text))
        low = b
    return list(reversed(entries)) if reverse else entries


# --- Line charts --------------------------------------------------------------------------------------------

@dataclass
class Chart:
    width: int
    height: int
    left: int
    bottom: int
    ticks: list[dict]
    months: list[dict]
    lines: list[dict]
    title: str
    summary: str


#: The chart's drawing units: the SVG scales to the width it is given (at most 28rem, static/css/maps.css), and
#: its text with it. At 400 units wide, 13-unit labels are ~11.6 px on a phone (358 px of chart at 390 px) and
#: ~14.6 px on a desktop; drawn 640 wide they had shrunk to ~6 px on a phone.
CHART_WIDTH, CHART_HEIGHT = 400, 220
#: The least room (units) between two month labels ("Sep 25" is ~45 units of 13-unit text).
MONTH_LABEL_ROOM = 60


def line_chart(title: str, months: list[date], series: list[tuple[str, str, list[float | None]]], unit: str,
               hours_as: str = "hours", width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> Chart:
    """Lines over months. ``series``: (name, css class, values with None for "no figure"); the y axis starts
    at 0 and has three ticks with values; each point has a title with its value. Every month is labelled, or
    every 2nd, 3rd, 4th, 6th or 12th (or years apart), whichever first leaves the labels room; the last month
    always is."""
    left, right, top, bottom = 80, 28, 12, 36
    known = [v for _n, _c, values in series for v in values if v is not None]
    scale = (lambda v: v * 100) if unit == "share" else (lambda v: v / 24 if hours_as == "days" else v)
    top_value = 100 if unit == "share" else max([scale(v) for v in known] + [1])
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(months) - 1)

    def y(v):
        return round(top + plot_h - scale(v) / top_value * plot_h, 1)
    ticks = [{"y": round(top + plot_h - f * plot_h, 1), "label": _tick(top_value * f, unit, hours_as)}
             for f in (0, 0.5, 1)]
    every = next((k for k in (1, 2, 3, 4, 6, 12) if k * step >= MONTH_LABEL_ROOM),
                 12 * math.ceil(MONTH_LABEL_ROOM / step / 12))
    labels = [{"x": round(left + i * step, 1), "label": m.strftime("%b %y")} for i, m in enumerate(months)
              if i % every == (len(months) - 1) % every]
    lines = []
    for name, css, values in series:
        points = [{"x": round(left + i * step, 1), "y": y(v), "title": f"{name}, {months[i]:%b %Y}: "
                   f"{fmt(v, unit, hours_as)}"} for i, v in enumerate(values) if v is not None]
        runs, current = [], []
        for i, v in enumerate(values):   # a gap where there is no figure
            if v is None:
                if current:
                    runs.append(current)
                current = []
            else:
                current.append(f"{round(left + i * step, 1)},{y(v)}")
        if current:
            runs.append(current)
        lines.append({"name": name, "css": css, "points": points, "paths": [" ".join(r) for r in runs]})
    summary = "; ".join(f"{name}: " + (", ".join(f"{months[i]:%b %Y} {fmt(v, unit, hours_as)}"
                                               for i, v in enumerate(values) if v is not None) or "no figures")
                        for name, _c, values in series)
    return Chart(width, height, left, bottom, ticks, labels, lines, title,
                 f"{title}. Months with fewer than {MIN_COUNT} reports have no point. {summary}.")


def _tick(value: float, unit: str, hours_as: str) -> str:
    if unit == "share":
        return f"{value:.0f}%"
    return f"{value:.1f} days" if hours_as == "days" else f"{value:.0f} h"


__all__ = ["Chart", "PALETTE", "TOO_FEW", "cell", "count_text", "direction_words", "fmt", "hours_unit", "legend",
           "line_chart", "unit_words"]
