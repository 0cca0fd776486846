"""Periods and the raw summary readers of gis/performance.py, on the hand-made reports of tests/gis/conftest.py."""
from datetime import date

import pytest
from sqlalchemy import select

from gis.performance import Period, PeriodError, parse_period, whole_months, \
    category_breakdown, ward_counts
from models import ALL_CATEGORIES, Ward

MARCH = Period(date(2020, 3, 1), date(2020, 3, 31))
BOROUGH = (-0.08, 51.41, 0.04, 51.49)


@pytest.mark.parametrize("choice,start,end,message", [
    ("7", None, None, "last 30, 90 or 365"),
    (None, "2020-13-01", "2020-12-31", "YYYY-MM-DD"),
    (None, "2020-01-01", None, "YYYY-MM-DD"),
    (None, "2020-02-01", "2020-01-01", "before the start"),
    (None, "2010-01-01", "2020-01-01", "at most"),
    (None, "1900-01-01", "1900-01-31", "Give dates from 1970-01-01"),
])
def test_bad_periods_are_refused(choice, start, end, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(choice, start, end, date(2026, 1, 1))


def test_periods():
    assert parse_period(None, None, None, date(2026, 1, 1)).days == 365
    assert parse_period("30", "", "", date(2026, 1, 31)) == Period(date(2026, 1, 2), date(2026, 1, 31))
    assert parse_period(None, "2020-01-01", "2020-01-31", date(2026, 1, 1)).days == 31


@pytest.mark.parametrize("start,end,months", [
    ("2020-03-01", "2020-03-31", ("2020-03-01", "2020-04-01")),
    ("2020-03-02", "2020-05-30", ("2020-04-01", "2020-05-01")),
    ("2020-03-02", "2020-03-30", None),
    ("2020-02-15", "2021-02-28", ("2020-03-01", "2021-03-01")),
])
def test_whole_months_of_a_period(start, end, months):
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    first, after = whole_months(period)
    if months is None:
        assert first == after
    else:
        assert (first.isoformat(), after.isoformat()) == months


def test_categories_of_a_ward(db_session, made):
    rushey = db_session.scalars(select(Ward.id).where(Ward.name == "Rushey Green")).one()
    cats = category_breakdown(db_session, [rushey], MARCH)
    assert [(c["code"], c["reported"], c["fixed"], c["open"]) for c in cats] == [("fly_tipping", 8, 5, 2)]
    assert category_breakdown(db_session, [rushey], Period(date(2020, 4, 1), date(2020, 4, 30))) == []


def test_ward_counts_for_the_map_feed(db_session, made):
    counts = {w["name"]: w["count"] for w in ward_counts(db_session, MARCH, ALL_CATEGORIES, "all", BOROUGH)}
    assert counts == {"Rushey Green": 8, "Brockley": 1}
    opened = ward_counts(db_session, MARCH, ALL_CATEGORIES, "open", BOROUGH)
    assert [(w["name"], w["count"]) for w in opened] == [("Rushey Green", 2)]
    assert ward_counts(db_session, MARCH, ALL_CATEGORIES, "all", (0.5, 51.0, 0.6, 51.1)) == []


