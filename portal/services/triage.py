"""Staff triage: the queue, service targets, and the actions on one report (each in the timeline)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.coords import LonLat
from gis.nearby import open_reports_near, report_point
from models import (OPEN, PRIORITY_LABELS, TRANSITIONS, Category, Crew, Report, ReportEvent, ResponseTemplate, Status, Supporter,
                    User, Ward, utcnow)

from . import notifications
from .errors import DomainError
from .reports import record_status
from .transaction import unit_of_work

PRIORITIES = PRIORITY_LABELS
#: "attention" (the default): overdue first (most urgent priority first, then the most recently overdue: a report
#: overdue for years does not bury this week's), then the rest by due soonest.
SORTS = ("attention", "due", "-due", "created", "-created", "priority", "supporters", "category", "ward")
PAGE_SIZE = 50
#: The most reports one bulk assignment may name (a page of the queue holds PAGE_SIZE).
QUEUE_LIMIT = 200


def due_at(report: Report) -> datetime:
    """When the category's service target runs out for this report."""
    return report.created_at + timedelta(hours=report.category.target_hours)


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    return report.status.is_open and (now or utcnow()) > due_at(report)


def supporter_count(session: Session, report: Report) -> int:
    return session.scalar(select(func.count()).where(Supporter.report_id == report.id)) or 0


@dataclass
class QueueFilter:
    ward_id: int | None = None
    category_id: int | None = None
    status: Status | None = None
    max_age_days: int | None = None
    overdue: bool = False
    unassigned: bool = False
    sort: str = "attention"
    page: int = 1


@dataclass
class QueuePage:
    rows: list
    total: int
    page: int
    pages: int


def queue(session: Session, f: QueueFilter, now: datetime | None = None) -> list:
    """Rows of (Report, supporters, due_at) of one page of the triage queue (see queue_page)."""
    return queue_page(session, f, now).rows


def queue_page(session: Session, f: QueueFilter, now: datetime | None = None) -> QueuePage:
    """One page (PAGE_SIZE rows of (Report, supporters, due_at)) of the triage queue, with the count of all:
    open reports unless a status is chosen.

    The page's ids are chosen first, through an index in the order asked for where there is one (the open
    reports' due time and priority, models.Report), then only those reports are loaded with their supporters."""
    now = now or utcnow()
    due = Report.due_at            # made + the category's target, stored (models.Report.due_at)
    conditions = [Report.status == f.status] if f.status else [Report.status.in_(OPEN)]
    if f.ward_id:
        conditions.append(Report.ward_id == f.ward_id)
    if f.category_id:
        conditions.append(Report.category_id == f.category_id)
    if f.max_age_days:
        conditions.append(Report.created_at >= now - timedelta(days=f.max_age_days))
    if f.overdue:
        conditions.extend((due < now, Report.status.in_(OPEN)))
    if f.unassigned:
        conditions.append(Report.crew_id.is_(None))
    total, late = session.execute(select(func.count(), func.count().filter(due < now))
                                  .select_from(Report).where(*conditions)).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, f.page or 1), pages)
    ids = _page_ids(session, conditions, f.sort if f.sort in SORTS else "attention", (page - 1) * PAGE_SIZE,
                    late, now)
    supporters = (select(func.count()).where(Supporter.report_id == Report.id).correlate(Report)
                  .scalar_subquery())
    found = {row[0].id: row for row in session.execute(
        select(Report, supporters.label("supporters"), due.label("due")).where(Report.id.in_(ids)))} if ids else {}
    return QueuePage(rows=[found[i] for i in ids if i in found], total=total, page=page, pages=pages)


def _page_ids(session: Session, conditions: list, sort: str, offset: int, late: int, now: datetime) -> list[int]:
    """The ids of one page of the queue in ``sort`` order (``late``: how many of the matches are overdue)."""
    due = Report.due_at
    ids = select(Report.id).where(*conditions)
    if sort == "attention":
        # The overdue first (most urgent, then most recently overdue), then the rest by due soonest: each half
        # read in its own index's order (ix_reports_open_overdue_order, ix_reports_open_due), an index scan +
        # LIMIT instead of a sort of every open report.
        found = []
        if offset < late:
            found = list(session.scalars(ids.where(due < now).order_by(Report.priority, due.desc(), Report.id)
                                         .offset(offset).limit(PAGE_SIZE)))
        if len(found) < PAGE_SIZE and offset + PAGE_SIZE > late:
            found += session.scalars(ids.where(due >= now).order_by(due, Report.id)
                                     .offset(max(0, offset - late)).limit(PAGE_SIZE - len(found)))
        return found
    if sort == "supporters":
        counted = (select(Supporter.report_id, func.count().label("n")).group_by(Supporter.report_id)
                   .subquery())
        ids = ids.outerjoin(counted, counted.c.report_id == Report.id)
        order = (func.coalesce(counted.c.n, 0).desc(), due)
    elif sort == "category":
        ids = ids.join(Category, Category.id == Report.category_id)
        order = (Category.name, due)
    elif sort == "ward":
        ids = ids.outerjoin(Ward, Ward.id == Report.ward_id)
        order = (Ward.name, due)
    else:
        order = {"due": (due,), "-due": (due.desc(),), "created": (Report.created_at,),
                 "-created": (Report.created_at.desc(),), "priority": (Report.priority, due)}[sort]
    return list(session.scalars(ids.order_by(*order, Report.id).offset(offset).limit(PAGE_SIZE)))


@unit_of_work
def change_status(session: Session, report: Report, new: Status, actor: User, note: str = "",
                  internal: bool = False, template_id: int | None = None) -> ReportEvent:
    """Change the status from the report page, with a response template's text when no message is written. A
    template is used only for the status it was written for, and for the report's category (or any)."""
    if template_id is not None:
        template = session.get(ResponseTemplate, template_id)
        if template is None:
            raise DomainError("Choose a response template from the list, or none.", field="template")
        if template.status is not new:
            raise DomainError(f"The template “{template.title}” is for “{template.status.label}”, not "
                              f"“{new.label}”: choose one written for that status, or none.", field="template")
        if template.category_id is not None and template.category_id != report.category_id:
            raise DomainError(f"The template “{template.title}” is for another category: choose one for "
                              f"{report.category.name}, or none.", field="template")
        note = (note or "").strip() or template.text
    event = record_status(session, report, new, actor, note or "", internal)
    session.commit()
    return event


def templates_for(session: Session, report: Report) -> list[ResponseTemplate]:
    """The response templates that may be offered on a report's page: for its category (or any) and for a
    status it can move to, by status then title."""
    reachable = TRANSITIONS.get(report.status, frozenset())
    if not reachable:
        return []
    return list(session.scalars(
        select(ResponseTemplate).where((ResponseTemplate.category_id == report.category_id)
                                       | ResponseTemplate.category_id.is_(None),
                                       ResponseTemplate.status.in_(reachable))
        .order_by(ResponseTemplate.status, ResponseTemplate.title)))


def _note(session: Session, report: Report, actor: User, note: str, internal: bool,
          for_crews: bool = False) -> ReportEvent:
    event = ReportEvent(report=report, actor=actor, note=note, internal=internal, for_crews=for_crews)
    session.add(event)
    session.flush()
    return event


@unit_of_work
def add_update(session: Session, report: Report, actor: User, note: str, internal: bool,
               for_crews: bool = False) -> ReportEvent:
    """A public update (emailed to subscribers) or an internal note (staff only), without a status change. An
    internal note may be a safety note for crews (``for_crews``): shown on the job card, never to the public."""
    note = (note or "").strip()
    if not note:
        raise DomainError("Write the update or note.", field="note")
    if len(note) > 2000:
        raise DomainError("Keep the update to 2,000 characters or fewer.", field="note")
    if for_crews and not internal:
        raise DomainError("A safety note for crews is never public: tick “Internal note” as well, or untick "
                          "“Safety note for crews”.", field="for_crews")
    event = _note(session, report, actor, note, internal, for_crews=bool(for_crews))
    notifications.status_changed(session, report, event)
    session.commit()
    return event


@unit_of_work
def update_details(session: Session, report: Report, actor: User, category_id: int | None = None,
                   priority: int | None = None) -> None:
    """Change category and/or priority; both recorded in the timeline (priority as an internal note)."""
    if category_id is not None and category_id != report.category_id:
        category = session.get(Category, category_id)
        if category is None or not category.active:
            raise DomainError("Choose a category from the list.", field="category")
        old = report.category.name
        report.category = category
        _note(session, report, actor, f"Category changed from {old} to {category.name}.", internal=False)
    if priority is not None and priority != report.priority:
        if priority not in PRIORITIES:
            raise DomainError("Choose a priority from the list.", field="priority")
        _note(session, report, actor, f"Priority changed from {PRIORITIES[report.priority]} to "
                                      f"{PRIORITIES[priority]}.", internal=True)
        report.priority = priority
    session.commit()


@unit_of_work
def mark_duplicate(session: Session, report: Report, original: Report, actor: User) -> None:
    """Close ``report`` as a duplicate of an open ``original``; its reporter follows the original instead.

    No report may duplicate itself, a duplicate (which would build chains and loops) or a closed report.
    """
    if original.id == report.id:
        raise DomainError("A report cannot be a duplicate of itself.", field="original")
    if original.status is Status.DUPLICATE or original.duplicate_of_id is not None:
        target = original.duplicate_of.reference if original.duplicate_of else "another report"
        raise DomainError(f"{original.reference} is itself a duplicate (of {target}); choose that report.",
                          field="original")
    if not original.status.is_open:
        raise DomainError(f"{original.reference} is “{original.status.label}”: choose an open report.",
                          field="original")
    if original.hidden:
        # Its page is a 404 to the public: the duplicate would link nowhere, and its reporter would follow a
        # report they cannot see.
        raise DomainError(f"{original.reference} is hidden from the public: choose a report residents can see.",
                          field="original")
    report.duplicate_of = original
    record_status(session, report, Status.DUPLICATE, actor, f"Duplicate of {original.reference}: "
                                                            "updates will appear there.")
    # the duplicate's reporter and supporters now follow (and count towards) the original
    people = [report.reporter] if report.reporter is not None else []
    people += list(session.scalars(select(User).join(Supporter, Supporter.user_id == User.id)
                                   .where(Supporter.report_id == report.id)))
    already = set(session.scalars(select(Supporter.user_id).where(Supporter.report_id == original.id)))
    for person in people:
        notifications.subscribe(session, original, person)
        if person.id not in already and person.id != original.reporter_id:
            session.add(Supporter(report_id=original.id, user_id=person.id))
            already.add(person.id)
    session.commit()


@unit_of_work
def mark_not_responsible(session: Session, report: Report, actor: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why it is not the council's responsibility, and who to contact instead.",
                          field="reason")
    record_status(session, report, Status.NOT_RESPONSIBLE, actor, reason)
    session.commit()


@unit_of_work
def assign(session: Session, reports: list[Report], crew: Crew, actor: User) -> int:
    """Give reports to a crew (one or many, all or none); each is marked assigned unless already in progress."""
    if not crew.active:
        raise DomainError(f"{crew.name} is not an active crew.", field="crew")
    if not reports:
        raise DomainError("Choose at least one report.", field="reports")
    for report in reports:
        if not report.status.is_open:
            raise DomainError(f"{report.reference} is “{report.status.label}” and cannot be assigned.",
                              field="reports")
    for report in reports:
        report.crew = crew
        if report.status is not Status.IN_PROGRESS and report.status is not Status.ASSIGNED:
            record_status(session, report, Status.ASSIGNED, actor, f"Assigned to {crew.name}.")
        else:
            _note(session, report, actor, f"Assigned to {crew.name}.", internal=True)
    session.commit()
    return len(reports)


def nearby_open(session: Session, report: Report, metres: float = 250):
    """Other open reports within ``metres`` of this one, nearest first: candidates for "duplicate of".
    Rows of (Report, metres, lon, lat)."""
    # Staff see every report: the source is all of them.
    return open_reports_near(session, select(Report), report_point(session, report), metres=metres,
                             exclude_id=report.id,
                             limit=20)


def points_of(session: Session, reports: list[Report]) -> list[tuple[LonLat, str]]:
    """(WGS84 point, reference) of each report, for maps."""
    if not reports:
        return []
    rows = session.execute(select(Report.reference, func.ST_X(Report.geom), func.ST_Y(Report.geom))
                           .where(Report.id.in_([r.id for r in reports])).order_by(Report.id)).all()
    return [(LonLat(lon=x, lat=y), ref) for ref, x, y in rows]
