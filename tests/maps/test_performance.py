"""Measures on a hand-made set of reports with known answers, kept current by the trigger."""
from datetime import date

import pytest
from sqlalchemy import select

from gis.performance import Period, PeriodError, parse_period, percentile, rebuild_summaries, ward_measures, \
    monthly_trend, category_breakdown
from models import ALL_CATEGORIES, Category, Status, Ward
from portal.services.reports import change_status

from .conftest import NOW

MARCH = Period(date(2020, 3, 1), date(2020, 3, 31))


def category_id(session, code):
    return session.scalars(select(Category.id).where(Category.code == code)).one()


def ward(table, name):
    return next(w for w in table.wards if w.name == name)


def test_percentile_is_nearest_rank():
    assert percentile([(2, 1), (4, 1), (10, 1), (30, 1), (102, 1)], 0.5) == 10
    assert percentile([(2, 1), (4, 1), (10, 1), (30, 1), (102, 1)], 0.9) == 102
    assert percentile([(1, 3), (5, 1)], 0.5) == 1
    assert percentile([], 0.5) is None


def test_fly_tipping_measures_have_known_answers(db_session, known_reports):
    table = ward_measures(db_session, MARCH, category_id(db_session, "fly_tipping"), now=NOW)
    rushey = ward(table, "Rushey Green")
    assert (rushey.reported, rushey.fixed, rushey.fixed_within, rushey.backlog) == (8, 5, 4, 2)
    assert rushey.median_hours == 10          # 2, 4, 10, 30, 100 h; the reopened report is not fixed
    assert rushey.p90_hours == 102            # 100 h rounds up to the 6-hour step
    assert rushey.within_target == pytest.approx(0.8)
    assert rushey.backlog_age_days == 10.0
    assert rushey.per_km2 == pytest.approx(8 / rushey.area_km2)
    assert ward(table, "Brockley").reported == 0
    assert table.borough.reported == 8 and table.borough.median_hours == 10


def test_all_categories_pool_every_ward_for_the_borough(db_session, known_reports):
    table = ward_measures(db_session, MARCH, ALL_CATEGORIES, now=NOW)
    brockley = ward(table, "Brockley")
    assert (brockley.reported, brockley.fixed, brockley.median_hours) == (1, 1, 216)
    assert brockley.within_target == 0
    assert (table.borough.reported, table.borough.fixed, table.borough.backlog) == (9, 6, 2)
    assert table.borough.median_hours == 10 and table.borough.p90_hours == 216
    assert table.borough.area_km2 == pytest.approx(sum(w.area_km2 for w in table.wards))


def test_period_outside_the_reports_is_empty(db_session, known_reports):
    table = ward_measures(db_session, Period(date(2020, 4, 1), date(2020, 4, 30)), now=NOW)
    assert table.borough.reported == 0 and table.borough.median_hours is None
    assert table.borough.within_target is None and table.borough.backlog_age_days is None


def test_figures_change_the_moment_a_status_changes(db_session, known_reports):
    fly = category_id(db_session, "fly_tipping")
    before = ward(ward_measures(db_session, MARCH, fly, now=NOW), "Rushey Green")
    change_status(db_session, known_reports["open"], Status.INVESTIGATING, None)
    change_status(db_session, known_reports["fixed2"], Status.REOPENED, None)
    after = ward(ward_measures(db_session, MARCH, fly, now=NOW), "Rushey Green")
    assert (before.fixed, before.backlog) == (5, 2)
    assert (after.fixed, after.fixed_within, after.backlog) == (4, 3, 3)
    assert after.median_hours == 10           # 4, 10, 30, 100 h: nearest rank 2
    change_status(db_session, known_reports["fixed2"], Status.FIXED, None)   # fixed now, years later
    again = ward(ward_measures(db_session, MARCH, fly, now=NOW), "Rushey Green")
    assert (again.fixed, again.fixed_within, again.backlog) == (5, 3, 2)


def test_deleting_and_moving_a_report_update_the_figures(db_session, known_reports):
    db_session.delete(known_reports["closed"])
    known_reports["pothole"].geom = "SRID=4326;POINT(-0.0214 51.4442)"   # into Rushey Green
    db_session.flush()
    table = ward_measures(db_session, MARCH, ALL_CATEGORIES, now=NOW)
    assert ward(table, "Rushey Green").reported == 8
    assert ward(table, "Brockley").reported == 0


def test_hidden_reports_leave_the_figures_the_moment_they_are_hidden(db_session, known_reports):
    """A moderator's hide takes a report out of every public figure, as it leaves every public list; the
    summary hexagons then agree with the live count that filters visibility."""
    from gis.explore import report_conditions
    from gis.hexagons import hexagon_counts, hexagon_counts_summary
    from portal.services.moderation import set_hidden
    from portal.services.visibility import visible_to
    fly = category_id(db_session, "fly_tipping")
    before = ward(ward_measures(db_session, MARCH, fly, now=NOW), "Rushey Green")
    set_hidden(db_session, known_reports["fixed2"], None, True, "abusive words")
    set_hidden(db_session, known_reports["open"], None, True, "personal details")
    hidden = ward(ward_measures(db_session, MARCH, fly, now=NOW), "Rushey Green")
    assert (before.reported, before.fixed, before.backlog) == (8, 5, 2)
    assert (hidden.reported, hidden.fixed, hidden.backlog) == (6, 4, 1)
    live = hexagon_counts(db_session, report_conditions(visible_to(None), MARCH))
    assert [(c.i, c.j, c.count) for c in hexagon_counts_summary(db_session, MARCH)] == \
        [(c.i, c.j, c.count) for c in live]
    assert sum(c.count for c in live) == 7                          # 9 reports, 2 hidden
    set_hidden(db_session, known_reports["fixed2"], None, False, "checked: not abusive")
    assert ward(ward_measures(db_session, MARCH, fly, now=NOW), "Rushey Green").fixed == 5


def test_rebuild_matches_what_the_trigger_kept(db_session, known_reports):
    from gis.hexagons import hexagon_counts_summary
    known_reports["fixed30"].hidden = True
    db_session.flush()
    kept = ward_measures(db_session, MARCH, ALL_CATEGORIES, now=NOW)
    kept_cells = [(c.i, c.j, c.count) for c in hexagon_counts_summary(db_session, MARCH)]
    rebuild_summaries(db_session)
    rebuilt = ward_measures(db_session, MARCH, ALL_CATEGORIES, now=NOW)
    assert kept == rebuilt
    assert kept_cells == [(c.i, c.j, c.count) for c in hexagon_counts_summary(db_session, MARCH)]


def test_monthly_trend_and_categories(db_session, known_reports):
    rushey = db_session.scalars(select(Ward.id).where(Ward.name == "Rushey Green")).one()
    trend = monthly_trend(db_session, [rushey], 3, date(2020, 4, 15))
    assert [m.month for m in trend] == [date(2020, 2, 1), date(2020, 3, 1), date(2020, 4, 1)]
    assert (trend[1].reported, trend[1].fixed, trend[1].median_hours) == (8, 5, 10)
    assert trend[0].reported == 0 and trend[0].median_hours is None
    cats = category_breakdown(db_session, [rushey], MARCH)
    assert [(c["code"], c["reported"], c["open"]) for c in cats] == [("fly_tipping", 8, 2)]


@pytest.mark.parametrize("choice,start,end,message", [
    ("7", None, None, "last 30, 90 or 365"),
    (None, "2020-13-01", "2020-12-31", "YYYY-MM-DD"),
    (None, "2020-01-01", None, "YYYY-MM-DD"),
    (None, "2020-02-01", "2020-01-01", "before the start"),
    (None, "2010-01-01", "2020-01-01", "at most"),
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
    from gis.performance import whole_months
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    first, after = whole_months(period)
    if months is None:
        assert first == after
    else:
        assert (first.isoformat(), after.isoformat()) == months


@pytest.mark.parametrize("start,end", [("2020-03-01", "2020-03-31"), ("2020-03-05", "2020-04-30"),
                                       ("2020-02-01", "2020-03-10"), ("2020-03-10", "2020-03-10"),
                                       ("2019-12-20", "2020-06-02")])
def test_month_and_day_tables_give_the_same_answer(db_session, known_reports, start, end):
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    table = ward_measures(db_session, period, ALL_CATEGORIES, now=NOW)
    assert (table.borough.median_hours, table.borough.p90_hours, table.borough.fixed) == (10, 216, 6)
