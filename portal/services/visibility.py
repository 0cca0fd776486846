"""The one place that decides what a viewer may see of reports.

Every public list, suggestion, map, hotspot, export, feed and API starts from ``visible_reports`` (a select
already limited to what the viewer may see) or from ``visible_to`` (the same rule as a condition, for the
spatial query builders in gis/ that take their conditions as arguments); every action on one report (view,
support, subscribe, update, reopen, rate) finds it with ``report_for``, which answers None (a 404) for what
the viewer may not see. Fields are shown through ``reporter_name``. In SQL (summary triggers, hotspots), the
same rule is the function ``kerbside_report_is_public``, declared in models/sql from ``models.PUBLIC``.
tests/services/test_visibility_source.py fails when a query over reports is built elsewhere.
"""
from __future__ import annotations

import re

from sqlalchemy import Select, and_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from models import PUBLIC, Report, ReportEvent, Role, Status, User

STAFF_ROLES = (Role.STAFF, Role.ADMIN)
#: Fields any member of the public may see of a report (exports and APIs use exactly these).
PUBLIC_FIELDS = ("reference", "category", "status", "ward", "latitude", "longitude", "created_at",
                 "updated_at", "fixed_at", "description")


def _user(viewer) -> User | None:
    return viewer if isinstance(viewer, User) else None


def is_staff(viewer) -> bool:
    user = _user(viewer)
    return user is not None and user.role in STAFF_ROLES


def visible_to(viewer) -> ColumnElement[bool]:
    """SQL condition: the reports this viewer may open."""
    if is_staff(viewer):
        return true()
    public = and_(Report.status.in_(PUBLIC), Report.hidden.is_(False))
    user = _user(viewer)
    return or_(public, mine(user)) if user else public


def visible_reports(viewer) -> Select:
    """The select every list of reports for this viewer starts from (add columns with
    ``with_only_columns``, filters with ``where``)."""
    return select(Report).where(visible_to(viewer))


#: The database's CHECK on reports.reference: junk (even a NUL byte) never reaches a query.
REFERENCE_RE = re.compile(r"^KB-[0-9A-Z]{5,8}$")


def report_for(session: Session, reference: str, viewer) -> Report | None:
    """The report with this reference if the viewer may see it, else None: the caller answers 404 whether
    it does not exist, awaits confirmation or was hidden by a moderator, so nothing tells them apart."""
    reference = (reference or "").strip().upper()
    if not REFERENCE_RE.fullmatch(reference):
        return None
    return session.scalars(visible_reports(viewer).where(Report.reference == reference)).first()


def mine(user: User) -> ColumnElement[bool]:
    """SQL condition: the reports listed under the user's "My reports" (see ``is_reporter``)."""
    return and_(Report.reporter_id == user.id, Report.status != Status.UNCONFIRMED)


def can_view(report: Report, viewer) -> bool:
    return (report.status in PUBLIC and not report.hidden) or is_staff(viewer) or is_reporter(report, viewer)


def is_reporter(report: Report, viewer) -> bool:
    """The viewer made this report. Not while it awaits its emailed confirmation: anyone can type another
    person's address into the form, and that must not put a report in their account."""
    user = _user(viewer)
    return (user is not None and report.reporter_id is not None and report.reporter_id == user.id
            and report.status is not Status.UNCONFIRMED)


def reporter_name(report: Report, viewer) -> str | None:
    """The reporter's display name if this viewer may see it; never their email or phone."""
    if report.reporter is None or not report.reporter.display_name:
        return None
    if not report.anonymous or is_reporter(report, viewer) or is_staff(viewer):
        return report.reporter.display_name
    return None


def event_is_public(event: ReportEvent) -> bool:
    """A timeline entry anyone may read (of a report they may see): not an internal note, not an update hidden
    by a moderator, not an update still waiting for its author's emailed confirmation."""
    return not (event.internal or event.hidden or event.awaiting_confirmation)


def timeline(report: Report, viewer) -> list[ReportEvent]:
    """Timeline entries this viewer may see: staff see everything (internal notes, hidden updates)."""
    return [e for e in report.events if is_staff(viewer) or event_is_public(e)]


def can_view_photo(photo, viewer) -> bool:
    """A photo is seen with its report, and a resident's update photo only while its update may be."""
    if not can_view(photo.report, viewer):
        return False
    return photo.event is None or is_staff(viewer) or event_is_public(photo.event)


def safety_notes(report: Report) -> list[ReportEvent]:
    """The safety notes staff wrote for crews (internal notes marked ``for_crews``): for the crew's job card and
    staff only. They are internal, so ``timeline`` and every public output leave them out."""
    return [e for e in report.events if e.for_crews and e.internal and not e.hidden]
