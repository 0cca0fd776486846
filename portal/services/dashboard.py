"""The staff dashboard: per category, ward or crew, how much is open, overdue, due soon and fixed, how long
fixes take and how many reports came in each month; the lead told once of each overdue report; a daily digest.

Teams: issue 14 routes each category to a team (another branch). Until it lands, the dashboard groups by
category, and the leads are the staff who asked for overdue notices (else the admins). Two seams: add a
"team" entry to GROUPINGS, and make ``leads_for`` answer with each team's lead.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, func, literal, literal_column, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import OPEN, Category, Crew, DigestSent, Report, Role, User, Ward, utcnow

from .links import external_url
from .notifications import queue_email
from .text import csv_safe
from .transaction import unit_of_work

#: name -> (label, the column grouped on, the column that names the group)
GROUPINGS = {
    "category": ("Category", Report.category_id, Category.name),
    "ward": ("Ward", Report.ward_id, Ward.name),
    "crew": ("Crew", Report.crew_id, Crew.name),
}
MONTHS = 6
MEDIAN_DAYS = 90
#: The medians sort every report fixed in MEDIAN_DAYS days by group (~70,000 at a million reports): with the
#: default 4 MB the sort spills to disk (as for hotspots, gis/hotspots.py; for this transaction only).
WORK_MEM = text("SET LOCAL work_mem = '32MB'")
#: An overdue notice lists at most this many reports (the count says how many there are).
NOTICE_LIST = 50


def due_expr():
    """When a report's service target runs out: made + the category's target, stored (models.Report.due_at)."""
    return Report.due_at


@dataclass
class Row:
    key: int | None
    name: str
    open: int = 0
    overdue: int = 0
    due_week: int = 0
    fixed_week: int = 0
    median_hours: float | None = None
    #: Reports made in each of the last MONTHS months, oldest first.
    months: list[int] = field(default_factory=list)


@dataclass
class Dashboard:
    grouping: str
    label: str
    rows: list[Row]
    months: list[date]
    total: Row


def _month_starts(now: datetime) -> list[date]:
    first = date(now.year, now.month, 1)
    out = [first]
    for _ in range(MONTHS - 1):
        prev = out[-1] - timedelta(days=1)
        out.append(date(prev.year, prev.month, 1))
    return out[::-1]


def _group_name(grouping: str, name: str | None) -> str:
    return name or ("Not assigned" if grouping == "crew" else "None")


def dashboard(session: Session, grouping: str = "category", now: datetime | None = None) -> Dashboard:
    """Three narrow reads, each from one index that holds the columns it needs (index-only scans): the open
    reports (ix_reports_open_due), those fixed in the last MEDIAN_DAYS days (ix_reports_fixed_at: each group's
    median and, in the same read, everyone's), those made since the first of the MONTHS months
    (ix_reports_created_id: counted into the months by ranges of created_at, not grouped by a computed month)."""
    now = now or utcnow()
    label, key, name = GROUPINGS[grouping]
    # The groups' names from their own small table: joined into the reads, they would widen every row sorted.
    names = dict(session.execute(select(name.class_.id, name)).all())
    due = due_expr()
    week, median_since = now + timedelta(days=7), now - timedelta(days=MEDIAN_DAYS)
    hours = func.extract("epoch", Report.fixed_at - Report.created_at) / 3600
    base = select(Report).where(Report.hidden.is_(False))
    still_open = base.with_only_columns(
        key.label("key"), func.count().label("open"),
        func.count().filter(due < now).label("overdue"),
        func.count().filter(and_(due >= now, due < week)).label("due_week"),
    ).where(Report.status.in_(OPEN)).group_by(key)
    fixed = base.with_only_columns(
        key.label("key"), func.grouping(key).label("everyone"),
        func.count().filter(Report.fixed_at >= now - timedelta(days=7)).label("fixed_week"),
        func.percentile_cont(0.5).within_group(hours).label("median"),
    ).where(Report.fixed_at >= median_since).group_by(func.grouping_sets(tuple_(key), literal_column("()")))
    rows = {r.key: Row(key=r.key, name=_group_name(grouping, names.get(r.key)), open=r.open, overdue=r.overdue,
                       due_week=r.due_week) for r in session.execute(still_open)}
    overall_median = None
    session.execute(WORK_MEM)
    for r in session.execute(fixed):
        if r.everyone:
            overall_median = r.median
            continue
        row = rows.setdefault(r.key, Row(key=r.key, name=_group_name(grouping, names.get(r.key))))
        row.fixed_week, row.median_hours = r.fixed_week, r.median
    starts = _month_starts(now)
    edges = [datetime.combine(m, datetime.min.time(), tzinfo=timezone.utc) for m in [*starts, _next_month(starts[-1])]]
    made = base.with_only_columns(
        key.label("key"),
        *(func.count().filter(Report.created_at >= edges[i], Report.created_at < edges[i + 1])
          for i in range(len(starts))),      # the reports made in each month (UTC)
    ).where(Report.created_at >= datetime.combine(starts[0], datetime.min.time(), tzinfo=now.tzinfo)).group_by(key)
    for r in session.execute(made):
        row = rows.setdefault(r.key, Row(key=r.key, name=_group_name(grouping, names.get(r.key))))
        row.months = list(r[1:])
    for row in rows.values():
        row.months = row.months or [0] * len(starts)
    ordered = sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.name))
    total = Row(key=None, name="All", open=sum(r.open for r in ordered), overdue=sum(r.overdue for r in ordered),
                due_week=sum(r.due_week for r in ordered), fixed_week=sum(r.fixed_week for r in ordered),
                median_hours=overall_median,
                months=[sum(r.months[i] for r in ordered) for i in range(len(starts))])
    return Dashboard(grouping=grouping, label=label, rows=ordered, months=starts, total=total)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def as_csv(board: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([board.label.lower(), "open", "overdue", "due_next_7_days", "fixed_last_7_days",
                     f"median_hours_to_fix_last_{MEDIAN_DAYS}_days",
                     *(f"made_{m:%Y-%m}" for m in board.months)])
    for row in [*board.rows, board.total]:
        writer.writerow([csv_safe(row.name), row.open, row.overdue, row.due_week, row.fixed_week,
                         "" if row.median_hours is None else f"{row.median_hours:.1f}", *row.months])
    return out.getvalue()


# --- the lead: told once of each overdue report, and a daily digest -------------------------------------------

def leads_for(session: Session) -> list[User]:
    """Who is told of overdue reports and sent the digest: active staff and admins who asked for it, else every
    active admin. (The seam for teams: each team's lead, for that team's reports.)"""
    staff = (Role.STAFF, Role.ADMIN)
    leads = list(session.scalars(select(User).where(User.notify_overdue.is_(True), User.active.is_(True),
                                                    User.role.in_(staff)).order_by(User.id)))
    if leads:
        return leads
    return list(session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))
                                .order_by(User.id)))


@unit_of_work
def set_overdue_notices(session: Session, user: User, on: bool) -> None:
    """A staff member asks for (or stops) overdue notices and the daily digest."""
    user.notify_overdue = on
    session.commit()


@unit_of_work
def notify_overdue(session: Session, now: datetime | None = None) -> int:
    """Tell the leads of every open report that has become overdue since the last run: one email each, listing
    the most recently overdue. Each report is told once (``overdue_notified_at``); running again sends nothing
    new. Returns how many reports were told of."""
    now = now or utcnow()
    due = due_expr()
    pending = list(session.execute(
        select(Report.id, Report.reference, Category.name, due.label("due"))
        .join(Category, Category.id == Report.category_id)
        .where(Report.overdue_notified_at.is_(None), Report.status.in_(OPEN), Report.hidden.is_(False), due < now)
        .order_by(due.desc(), Report.id).with_for_update(of=Report, skip_locked=True)))
    if not pending:
        return 0
    leads = leads_for(session)
    link = external_url(session, "staff.queue", overdue="y")
    lines = [f"- {r.reference}: {r.name}, due {r.due:%d %b %Y %H:%M} UTC" for r in pending[:NOTICE_LIST]]
    more = f"\n... and {len(pending) - NOTICE_LIST} more." if len(pending) > NOTICE_LIST else ""
    for lead in leads:
        queue_email(session, lead.email, f"{len(pending)} report{'s' if len(pending) != 1 else ''} now overdue",
                    f"Hello {lead.greeting},\n\nThese reports have passed their service target since the last "
                    f"notice:\n" + "\n".join(lines) + more + f"\n\nSee every overdue report: {link}\n")
    session.execute(Report.__table__.update().where(Report.id.in_([r.id for r in pending]))
                    .values(overdue_notified_at=now))
    session.commit()
    return len(pending)


@unit_of_work
def send_digest(session: Session, day: date | None = None, now: datetime | None = None) -> int:
    """The day's digest to each lead, through the outbox: sent once per lead and day, however often this runs
    (or however many run at once). Returns how many digests were queued."""
    now = now or utcnow()
    day = day or now.date()
    board = dashboard(session, "category", now)
    top = [r for r in board.rows if r.overdue][:10]
    body = (f"Open: {board.total.open}\nOverdue: {board.total.overdue}\nDue in the next 7 days: "
            f"{board.total.due_week}\nFixed in the last 7 days: {board.total.fixed_week}\n")
    if top:
        body += "\nMost overdue by category:\n" + "\n".join(f"- {r.name}: {r.overdue} overdue, {r.open} open"
                                                           for r in top) + "\n"
    body += f"\nThe dashboard: {external_url(session, 'staff.dashboard')}\n"
    queued = 0
    for lead in leads_for(session):
        claimed = session.execute(insert(DigestSent).values(day=day, user_id=lead.id, at=now)
                                  .on_conflict_do_nothing().returning(literal(1))).first()
        if claimed is None:
            continue
        queue_email(session, lead.email, f"Street services digest for {day:%-d %B %Y}",
                    f"Hello {lead.greeting},\n\n{body}")
        queued += 1
    session.commit()
    return queued
