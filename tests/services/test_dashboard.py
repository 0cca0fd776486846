"""The dashboard's figures per category, ward and crew (checked against hand-made reports), its CSV, the lead
told once of each overdue report, and the daily digest sent once per lead and day."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import func, select

from models import Crew, DigestSent, OutboxMessage, Report, Role, Status, utcnow
from portal.services import dashboard
from portal.services.submission import submit_report

from .test_submission import submission


def make(db_session, store, user, **kw):
    report = submit_report(db_session, submission(**kw), user, store).report
    return report


def emails_to(db_session, address: str) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == address)
                                   .order_by(OutboxMessage.id)))


def test_figures_per_category_ward_and_crew(db_session, store, resident):
    now = utcnow()
    overdue = make(db_session, store, resident, description="Old sofa")
    overdue.created_at = now - timedelta(days=30)               # fly-tipping's target is hours: long overdue
    soon = make(db_session, store, resident, description="New sofa")
    fixed = make(db_session, store, resident, description="Fixed sofa")
    fixed.status, fixed.created_at, fixed.fixed_at = Status.FIXED, now - timedelta(hours=10), now - timedelta(hours=4)
    hidden = make(db_session, store, resident, description="Hidden sofa")
    hidden.hidden = True
    crew = Crew(name="Dash crew")
    db_session.add(crew)
    soon.crew = crew
    db_session.commit()
    board = dashboard.dashboard(db_session, "category", now)
    row = next(r for r in board.rows if r.name == overdue.category.name)
    assert (row.open, row.overdue, row.fixed_week) == (2, 1, 1)
    assert row.due_week == (1 if soon.category.target_hours <= 24 * 7 else 0)      # the new one, if due in 7 days
    assert row.median_hours == 6.0
    same_month = (overdue.created_at.year, overdue.created_at.month) == (now.year, now.month)
    assert row.months[-1] == (3 if same_month else 2) and sum(row.months) == 3   # not the hidden one; the old in its month
    assert board.total.open == sum(r.open for r in board.rows)
    by_crew = dashboard.dashboard(db_session, "crew", now)
    assert next(r for r in by_crew.rows if r.name == "Dash crew").open == 1
    assert next(r for r in by_crew.rows if r.name == "Not assigned").open == 1
    by_ward = dashboard.dashboard(db_session, "ward", now)
    assert sum(r.open for r in by_ward.rows) == 2
    table = list(csv.reader(io.StringIO(dashboard.as_csv(board))))
    assert table[0][:6] == ["category", "open", "overdue", "due_next_7_days", "fixed_last_7_days",
                            "median_hours_to_fix_last_90_days"]
    assert [overdue.category.name, "2", "1"] == next(r for r in table if r[0] == overdue.category.name)[:3]
    assert table[-1][0] == "All" and len(table[0]) == 6 + dashboard.MONTHS


def test_the_csv_is_safe_in_a_spreadsheet():
    board = dashboard.Dashboard("category", "Category", [dashboard.Row(key=1, name="=HYPERLINK(\"x\")", months=[0])],
                                [date(2024, 1, 1)], dashboard.Row(key=None, name="All", months=[0]))
    assert "'=HYPERLINK" in dashboard.as_csv(board)


def test_the_lead_is_told_once_of_each_overdue_report(db_session, store, resident, make_user):
    admin = make_user(Role.ADMIN)
    late = make(db_session, store, resident)
    late.created_at = utcnow() - timedelta(days=30)
    on_time = make(db_session, store, resident, description="Recent")
    db_session.commit()
    assert dashboard.notify_overdue(db_session) >= 1
    first = emails_to(db_session, admin.email)          # nobody asked: the admins are told
    assert len(first) == 1 and late.reference in first[0].body and on_time.reference not in first[0].body
    assert dashboard.notify_overdue(db_session) == 0      # once
    assert len(emails_to(db_session, admin.email)) == 1
    lead = make_user(Role.STAFF)
    dashboard.set_overdue_notices(db_session, lead, True)
    later = make(db_session, store, resident, description="Later")
    later.created_at = utcnow() - timedelta(days=20)
    db_session.commit()
    assert dashboard.notify_overdue(db_session) == 1
    assert later.reference in emails_to(db_session, lead.email)[0].body
    assert len(emails_to(db_session, admin.email)) == 1   # a lead asked: the admins are no longer told
    fixed_late = make(db_session, store, resident, description="Closed before the notice")
    fixed_late.created_at, fixed_late.status = utcnow() - timedelta(days=20), Status.FIXED
    db_session.commit()
    assert dashboard.notify_overdue(db_session) == 0


def test_the_digest_goes_once_a_day_to_each_lead(db_session, store, resident, make_user):
    lead, other = make_user(Role.STAFF), make_user(Role.STAFF)
    make_user(Role.ADMIN)
    dashboard.set_overdue_notices(db_session, lead, True)
    dashboard.set_overdue_notices(db_session, other, True)
    make(db_session, store, resident)
    day = date(2030, 1, 2)
    assert dashboard.send_digest(db_session, day) == 2
    assert dashboard.send_digest(db_session, day) == 0        # idempotent per day
    assert dashboard.send_digest(db_session, day + timedelta(days=1)) == 2
    digests = emails_to(db_session, lead.email)
    assert len(digests) == 2 and "Open: " in digests[0].body and "2 January 2030" in digests[0].subject
    assert db_session.scalar(select(func.count()).select_from(DigestSent)) == 4
    dashboard.set_overdue_notices(db_session, other, False)
    assert dashboard.send_digest(db_session, day + timedelta(days=2)) == 1


def plain_figures(db_session, grouping: str, now) -> dict:
    """Every figure of the dashboard counted in Python from every report, the slow and obvious way."""
    import statistics
    attr = {"category": "category_id", "ward": "ward_id", "crew": "crew_id"}[grouping]
    starts = dashboard._month_starts(now)
    figures: dict = {}
    fixes: dict = {}
    for r in db_session.scalars(select(Report).where(Report.hidden.is_(False))):
        key = getattr(r, attr)
        due = r.created_at + timedelta(hours=r.category.target_hours)
        f = figures.setdefault(key, [0, 0, 0, 0, None, [0] * len(starts)])
        is_open = r.status.is_open
        f[0] += is_open
        f[1] += is_open and due < now
        f[2] += is_open and now <= due < now + timedelta(days=7)
        if r.fixed_at is not None and r.fixed_at >= now - timedelta(days=dashboard.MEDIAN_DAYS):
            f[3] += r.fixed_at >= now - timedelta(days=7)
            fixes.setdefault(key, []).append((r.fixed_at - r.created_at).total_seconds() / 3600)
        month = date(r.created_at.year, r.created_at.month, 1)
        if month in starts:
            f[5][starts.index(month)] += 1
    for key, hours in fixes.items():
        figures[key][4] = round(statistics.median(hours), 6)
    return {k: f for k, f in figures.items() if f[0] or k in fixes or any(f[5])}


def test_figures_follow_moves_status_changes_new_targets_and_deletion(db_session, store, resident):
    now = utcnow()
    made = [make(db_session, store, resident, description=f"Sofa {n}", category_code=code,
                 **({} if code == "fly_tipping" else {"answers": {}}))
            for n, code in enumerate(["fly_tipping", "fly_tipping", "pothole", "graffiti", "pothole", "tree"])]
    made[0].created_at = now - timedelta(days=20)
    made[1].status, made[1].created_at = Status.FIXED, now - timedelta(days=3)
    made[1].fixed_at = now - timedelta(days=1)
    made[2].geom = "SRID=4326;POINT(-0.0530 51.4390)"                       # moved to Forest Hill
    made[3].status, made[3].created_at, made[3].fixed_at = Status.FIXED, now - timedelta(days=2), now - timedelta(hours=2)
    made[3].status = Status.REOPENED
    crew = Crew(name="Figures crew")
    db_session.add(crew)
    made[4].crew = crew
    db_session.commit()
    made[4].category.target_hours = 1                                        # potholes: now overdue
    db_session.delete(made[5])
    db_session.commit()
    db_session.expire_all()
    assert made[2].ward_id != made[0].ward_id
    for grouping in dashboard.GROUPINGS:
        board = dashboard.dashboard(db_session, grouping, now)
        got = {r.key: [r.open, r.overdue, r.due_week, r.fixed_week,
                       None if r.median_hours is None else round(float(r.median_hours), 6), r.months] for r in board.rows}
        assert got == plain_figures(db_session, grouping, now), grouping
