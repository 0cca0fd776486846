"""The defensible measures (gis/measures.py, trends, promises) on hand-made reports with known answers:
reopened, overdue and open, closed without a fix, fixed late, not yet due, tiny samples."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from gis.measures import (MIN_COUNT, Share, data_end, due_window, kaplan_meier, measures_table, ward_headline)
from gis.performance import Period
from gis.promises import promise_by_month, promise_years, promises, what_to_expect
from gis.trends import monthly_points, year_on_year
from models import ALL_CATEGORIES, Category, FixRating, Status, Ward
from portal.services.reports import change_status
from tests.maps.conftest import BROCKLEY, RUSHEY_GREEN, add_report

from .conftest import DAY, NOW, rebuild_summaries

MARCH = Period(date(2020, 3, 1), date(2020, 3, 31))


def cat(session, code):
    return session.scalars(select(Category).where(Category.code == code)).one()


def ward_id(session, name):
    return session.scalars(select(Ward.id).where(Ward.name == name)).one()


def rushey(table):
    return next(w for w in table.wards if w.name == "Rushey Green")


def test_kaplan_meier_counts_open_reports_as_not_yet_fixed():
    assert kaplan_meier({2: 1, 4: 1, 10: 1, 30: 1, 102: 1}, {}) == [10, 102]
    # Two still open at 240 h: half are fixed only by 30 h, nine in ten never (yet).
    assert kaplan_meier({2: 1, 4: 1, 10: 1, 30: 1, 102: 1}, {240: 2}) == [30, None]
    # Censored early: they leave the risk set, the estimate rests on the rest.
    assert kaplan_meier({10: 2, 20: 2}, {1: 4}) == [10, 20]
    assert kaplan_meier({}, {}) == [None, None]


def test_within_target_counts_open_and_late_as_missed_and_closed_apart(db_session, made):
    table = measures_table(db_session, MARCH, cat(db_session, "fly_tipping").id, now=NOW)
    m = rushey(table)
    assert (m.within.yes, m.within.of) == (4, 7)         # kept 4; late 1, open 1, reopened 1 missed
    assert (m.overdue_open, m.closed_unfixed) == (2, 1)
    assert m.reported == 8
    assert table.due_window == Period(date(2020, 3, 1), date(2020, 3, 19))


def test_time_to_fix_treats_open_reports_as_censored(db_session, made):
    m = rushey(measures_table(db_session, MARCH, cat(db_session, "fly_tipping").id, now=NOW))
    assert (m.fix.fixed, m.fix.still_open) == (5, 2)     # the closed report is left out
    assert m.fix.median_hours == 30                      # fixed-only would say 10
    assert m.fix.p90_hours is None                       # nine in ten are not (yet) fixed


def test_tiny_samples_have_no_figure(db_session, made):
    m = rushey(measures_table(db_session, MARCH, cat(db_session, "fly_tipping").id, now=NOW))
    assert not m.enough("within_target") and m.value("within_target") is None
    assert not m.enough("median_hours") and m.value("median_hours") is None
    assert m.count("median_hours") == 7 < MIN_COUNT
    assert m.enough("backlog") and m.value("backlog") == 2


def test_enough_reports_give_figures(db_session):
    for _ in range(MIN_COUNT):
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, 1)
    m = rushey(measures_table(db_session, MARCH, cat(db_session, "fly_tipping").id, now=NOW))
    assert m.value("within_target") == 1.0 and m.value("median_hours") == 1 and m.value("p90_hours") == 1


def test_backlog_is_measured_at_the_periods_end(db_session, made):
    fly = cat(db_session, "fly_tipping").id
    at_end = rushey(measures_table(db_session, MARCH, fly, now=NOW))
    assert (at_end.backlog, at_end.backlog_age_days) == (2, 10.5)        # open + reopened, aged to now
    early = rushey(measures_table(db_session, Period(date(2020, 3, 1), date(2020, 3, 11)), fly, now=NOW))
    assert (early.backlog, early.backlog_age_days) == (3, 2.0)          # 100 h fix still to come; age at 12 March
    before = rushey(measures_table(db_session, Period(date(2020, 3, 1), date(2020, 3, 9)), fly, now=NOW))
    assert (before.backlog, before.backlog_age_days) == (0, None)


def test_a_report_not_yet_due_is_not_missed(db_session, made):
    fly = cat(db_session, "fly_tipping").id
    add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, datetime(2020, 3, 19, tzinfo=timezone.utc))
    assert rushey(measures_table(db_session, MARCH, fly, now=NOW)).within == Share(4, 7)
    later = datetime(2020, 4, 10, tzinfo=timezone.utc)
    assert rushey(measures_table(db_session, MARCH, fly, now=later)).within == Share(4, 8)
    assert due_window(Period(date(2020, 3, 20), date(2020, 3, 20)), NOW) is None


def test_borough_pools_categories_and_wards(db_session, made):
    table = measures_table(db_session, MARCH, ALL_CATEGORIES, now=NOW)
    brockley = next(w for w in table.wards if w.name == "Brockley")
    assert brockley.within == Share(0, 1) and brockley.fix.median_hours == 216
    assert table.borough.within == Share(4, 8) and table.borough.reported == 9
    assert table.borough.closed_unfixed == 1 and table.borough.backlog == 2


def test_satisfaction_counts_ratings_given_in_the_period(db_session, made):
    for key, score in (("fixed2", 5), ("fixed4", 4), ("fixed10", 2)):
        r = made[key]
        db_session.add(FixRating(report_id=r.id, fixed_at=r.fixed_at, score=score,
                                 created_at=datetime(2020, 3, 15, tzinfo=timezone.utc)))
    db_session.flush()
    m = rushey(measures_table(db_session, MARCH, ALL_CATEGORIES, now=NOW))
    assert m.satisfaction == Share(2, 3)
    made["fixed2"].hidden = True
    db_session.flush()
    assert rushey(measures_table(db_session, MARCH, ALL_CATEGORIES, now=NOW)).satisfaction == Share(1, 2)


def test_figures_follow_status_changes_and_the_rebuild_agrees(db_session, made):
    fly = cat(db_session, "fly_tipping").id
    change_status(db_session, made["open"], Status.FIXED, None)          # fixed years late
    change_status(db_session, made["fixed2"], Status.REOPENED, None)
    made["closed"].hidden = True
    db_session.flush()
    kept = measures_table(db_session, MARCH, fly, now=NOW)
    m = rushey(kept)
    assert m.within == Share(3, 7) and (m.overdue_open, m.closed_unfixed) == (2, 0)
    rebuild_summaries(db_session)
    assert measures_table(db_session, MARCH, fly, now=NOW) == kept


def test_ward_headline_is_the_ward_beside_the_borough(db_session, made):
    h = ward_headline(db_session, ward_id(db_session, "Rushey Green"), MARCH, now=NOW)
    assert h.ward.name == "Rushey Green" and h.ward.within == Share(4, 7)
    assert h.borough.within == Share(4, 8)


def test_monthly_trend_and_year_on_year(db_session, made):
    rg = ward_id(db_session, "Rushey Green")
    fly = cat(db_session, "fly_tipping").id
    for _ in range(10):   # a year earlier: 10 fixed after 5 h
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY - timedelta(days=366), 5)
    for _ in range(5):
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, 40)
    points = monthly_points(db_session, [rg], date(2020, 3, 31), 24, fly, now=NOW)
    assert len(points) == 24 and points[-1].month == date(2020, 3, 1) and points[0].month == date(2018, 4, 1)
    march = points[-1]
    assert (march.fix.fixed, march.fix.still_open, march.fix.median_hours) == (10, 2, 40)
    assert march.within == Share(9, 12)
    assert points[-13].month == date(2019, 3, 1) and points[-13].fix.median_hours == 5
    yoy = year_on_year(points)
    assert yoy.last_year.median_hours == 5 and yoy.this_year.median_hours == 40 and yoy.verdict == "slower"
    borough = monthly_points(db_session, None, date(2020, 3, 31), 24, fly, now=NOW)
    assert borough[-1].fix.count == 12


def test_a_verdict_needs_enough_reports(db_session, made):
    rg = ward_id(db_session, "Rushey Green")
    points = monthly_points(db_session, [rg], date(2020, 3, 31), 24, now=NOW)
    assert year_on_year(points).verdict is None


def test_promises_per_category_this_year_and_last(db_session, made):
    add_report(db_session, "fly_tipping", BROCKLEY, Status.FIXED, DAY - timedelta(days=300), 1)
    years = promise_years(date(2020, 3, 31), NOW)
    assert years.this == Period(date(2019, 3, 21), date(2020, 3, 19))
    rows = {p.code: p for p in promises(db_session, years)}
    fly = rows["fly_tipping"]
    assert fly.target_hours == 48 and fly.this_year == Share(5, 8) and fly.closed_unfixed == 1
    assert fly.last_year == Share()
    assert {w.name: w.this_year for w in fly.wards}["Rushey Green"] == Share(4, 7)
    assert rows["all"].this_year == Share(5, 9)
    assert rows["pothole"].this_year == Share(0, 1)
    assert fly.worst == []                                              # no ward has enough reports
    months = dict(promise_by_month(db_session, cat(db_session, "fly_tipping").id, date(2020, 3, 31), 24, NOW))
    assert months[date(2020, 3, 1)] == Share(4, 7) and months[date(2019, 5, 1)] == Share(1, 1)


def test_what_to_expect_in_a_ward(db_session, made):
    fly = cat(db_session, "fly_tipping")
    e = what_to_expect(db_session, fly.id, fly.target_hours, ward_id(db_session, "Rushey Green"),
                       date(2020, 3, 31), NOW)
    assert (e.ward.median_hours, e.ward.count, e.target_hours) == (30, 7, 48)
    assert not e.enough and e.first == date(2019, 4, 1)
    brockley = what_to_expect(db_session, fly.id, 48, ward_id(db_session, "Brockley"), date(2020, 3, 31), NOW)
    assert brockley.ward.count == 0 and brockley.borough.count == 7


def test_data_end_anchors_to_the_history_when_reports_stopped(db_session, made):
    today = date(2026, 1, 1)
    assert data_end(db_session, today) == date(2020, 3, 10)           # 9 reports: the last day with any
    for _ in range(3):
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, DAY + timedelta(days=1))
    assert data_end(db_session, today) == date(2020, 3, 11)           # 12 in the 30 days up to 11 March
    for _ in range(3):   # a handful of new reports do not replace the history
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, datetime(2025, 12, 31, tzinfo=timezone.utc))
    assert data_end(db_session, today) == date(2020, 3, 11)
    for _ in range(MIN_COUNT):
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, datetime(2025, 12, 28, tzinfo=timezone.utc))
    assert data_end(db_session, today) == today


def test_data_end_without_reports_is_today(db_session):
    assert data_end(db_session, date(2026, 1, 1)) == date(2026, 1, 1)


def test_a_new_target_refiles_every_report(db_session, made):
    fly = cat(db_session, "fly_tipping")
    fly.target_hours = 120                      # the 100 h fix is now kept; due on 15 March
    db_session.flush()
    m = rushey(measures_table(db_session, MARCH, fly.id, now=NOW))
    assert m.within == Share(5, 7)
    change_status(db_session, made["open"], Status.INVESTIGATING, None)   # taken off the day it was filed under
    daily = db_session.execute(text("SELECT min(due), min(kept), min(open) FROM perf_due_daily")).one()
    assert min(daily) >= 0
    kept = measures_table(db_session, MARCH, fly.id, now=NOW)
    rebuild_summaries(db_session)
    assert measures_table(db_session, MARCH, fly.id, now=NOW) == kept


def test_promises_broken_most_names_only_wards_that_broke_them(db_session, made):
    for where in (RUSHEY_GREEN, BROCKLEY):
        for _ in range(10):
            add_report(db_session, "fly_tipping", where, Status.FIXED, DAY, 1)
    fly = {p.code: p for p in promises(db_session, promise_years(date(2020, 3, 31), NOW))}["fly_tipping"]
    assert [(w.name, w.this_year) for w in fly.worst] == [("Rushey Green", Share(14, 17))]   # Brockley kept all 10


# --- Counts, areas and how the summaries follow the reports (the trigger, the rebuild) ----------------------

def test_counts_per_ward_and_per_km2(db_session, made):
    table = measures_table(db_session, MARCH, cat(db_session, "fly_tipping").id, now=NOW)
    m = rushey(table)
    assert (m.reported, m.fix.fixed, m.backlog) == (8, 5, 2)
    assert m.per_km2 == pytest.approx(8 / m.area_km2) and m.value("per_km2") == m.per_km2
    assert next(w for w in table.wards if w.name == "Brockley").reported == 0
    assert table.borough.reported == 8
    assert table.borough.area_km2 == pytest.approx(sum(w.area_km2 for w in table.wards))


def test_a_period_without_reports_has_no_figures_but_the_backlog_carried_into_it(db_session, made):
    april = Period(date(2020, 4, 1), date(2020, 4, 30))
    b = measures_table(db_session, april, ALL_CATEGORIES, now=datetime(2020, 5, 10, tzinfo=timezone.utc)).borough
    assert (b.reported, b.fix.count, b.fix.median_hours, b.within.of, b.within.value) == (0, 0, None, 0, None)
    assert (b.backlog, b.backlog_age_days) == (2, 52.0)     # open and reopened, made 10 March, aged at 1 May


def test_figures_change_the_moment_a_status_changes(db_session, made):
    fly = cat(db_session, "fly_tipping").id
    before = rushey(measures_table(db_session, MARCH, fly, now=NOW))
    change_status(db_session, made["open"], Status.INVESTIGATING, None)       # still waiting
    change_status(db_session, made["fixed2"], Status.REOPENED, None)          # a kept promise undone
    after = rushey(measures_table(db_session, MARCH, fly, now=NOW))
    assert (before.fix.fixed, before.fix.still_open, before.within, before.backlog) == (5, 2, Share(4, 7), 2)
    assert (after.fix.fixed, after.fix.still_open, after.within, after.backlog) == (4, 3, Share(3, 7), 3)
    assert after.overdue_open == 3
    change_status(db_session, made["fixed2"], Status.FIXED, None)             # fixed now, years late
    again = rushey(measures_table(db_session, MARCH, fly, now=NOW))
    assert (again.fix.fixed, again.within, again.overdue_open) == (5, Share(3, 7), 2)
    assert again.backlog == 3                     # still waiting at the end of March: fixed years later


def test_deleting_and_moving_a_report_update_the_figures(db_session, made):
    db_session.delete(made["closed"])
    made["pothole"].geom = f"SRID=4326;{RUSHEY_GREEN}"
    db_session.flush()
    table = measures_table(db_session, MARCH, ALL_CATEGORIES, now=NOW)
    assert rushey(table).reported == 8 and rushey(table).within == Share(4, 8)
    assert next(w for w in table.wards if w.name == "Brockley").reported == 0


def test_hidden_reports_leave_the_figures_the_moment_they_are_hidden(db_session, made):
    """A moderator's hide takes a report out of every public figure, as it leaves every public list; the
    summary hexagons then agree with the live count that filters visibility."""
    from gis.explore import report_conditions
    from gis.hexagons import hexagon_counts, hexagon_counts_summary
    from portal.services.moderation import set_hidden
    from portal.services.visibility import visible_to
    fly = cat(db_session, "fly_tipping").id
    before = rushey(measures_table(db_session, MARCH, fly, now=NOW))
    set_hidden(db_session, made["fixed2"], None, True, "abusive words")
    set_hidden(db_session, made["open"], None, True, "personal details")
    hidden = rushey(measures_table(db_session, MARCH, fly, now=NOW))
    assert (before.reported, before.fix.fixed, before.backlog) == (8, 5, 2)
    assert (hidden.reported, hidden.fix.fixed, hidden.backlog, hidden.within) == (6, 4, 1, Share(3, 5))
    live = hexagon_counts(db_session, report_conditions(visible_to(None), MARCH))
    assert [(c.i, c.j, c.count) for c in hexagon_counts_summary(db_session, MARCH)] == \
        [(c.i, c.j, c.count) for c in live]
    assert sum(c.count for c in live) == 7                          # 9 reports, 2 hidden
    set_hidden(db_session, made["fixed2"], None, False, "checked: not abusive")
    assert rushey(measures_table(db_session, MARCH, fly, now=NOW)).fix.fixed == 5


def test_rebuild_matches_what_the_triggers_kept_hexagons_too(db_session, made):
    from gis.hexagons import hexagon_counts_summary
    made["fixed30"].hidden = True
    db_session.flush()
    kept = measures_table(db_session, MARCH, ALL_CATEGORIES, now=NOW)
    kept_cells = [(c.i, c.j, c.count) for c in hexagon_counts_summary(db_session, MARCH)]
    rebuild_summaries(db_session)
    assert measures_table(db_session, MARCH, ALL_CATEGORIES, now=NOW) == kept
    assert kept_cells == [(c.i, c.j, c.count) for c in hexagon_counts_summary(db_session, MARCH)]


@pytest.mark.parametrize("start,end", [("2020-03-01", "2020-03-31"), ("2020-03-05", "2020-04-30"),
                                       ("2020-02-01", "2020-03-10"), ("2020-03-10", "2020-03-10"),
                                       ("2019-12-20", "2020-06-02")])
def test_month_and_day_tables_give_the_same_answer(db_session, made, start, end):
    """Whole months come from the monthly tables, the edge days from the daily ones: any cut agrees."""
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    b = measures_table(db_session, period, ALL_CATEGORIES, now=NOW).borough
    # fixed after 2, 4, 10, 30, 100 (102 in 6 h steps) and 200 h (216 in days); two still open
    assert (b.fix.median_hours, b.fix.p90_hours, b.fix.fixed, b.fix.still_open, b.reported) == (30, None, 6, 2, 9)


def test_satisfaction_counts_questionnaire_answers_with_the_ratings(db_session, made):
    """Known answers in Rushey Green, March: two ratings (5: satisfied; 2: not), three questionnaire answers
    (fixed: satisfied; not fixed, with a comment: not) and a questionnaire asked but never answered (left out).
    Left out too: an answer given in April, and one about a report a moderator hid. So 2 satisfied of 4."""
    from models import Questionnaire
    in_march, in_april = (datetime(2020, 3, 15, tzinfo=timezone.utc), datetime(2020, 4, 2, tzinfo=timezone.utc))
    for key, score in (("fixed2", 5), ("fixed4", 2)):
        db_session.add(FixRating(report_id=made[key].id, fixed_at=made[key].fixed_at, score=score,
                                 created_at=in_march))
    hidden = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, 3)
    hidden.hidden = True
    db_session.flush()
    for key, fixed, at in (("fixed10", True, in_march), ("open", False, in_march), ("fixed100", True, in_april)):
        db_session.add(Questionnaire(report_id=made[key].id, sent_at=DAY, answered_at=at, fixed=fixed,
                                     comment="" if fixed else "It is back"))
    db_session.add(Questionnaire(report_id=hidden.id, sent_at=DAY, answered_at=in_march, fixed=True))
    db_session.add(Questionnaire(report_id=made["reopened"].id, sent_at=DAY))            # asked, never answered
    db_session.flush()
    m = rushey(measures_table(db_session, MARCH, ALL_CATEGORIES, now=NOW))
    assert m.satisfaction == Share(2, 4)
    assert m.count("satisfaction") == 4
    april = Period(date(2020, 4, 1), date(2020, 4, 30))
    assert rushey(measures_table(db_session, april, ALL_CATEGORIES, now=NOW)).satisfaction == Share(1, 1)
