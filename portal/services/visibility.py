"""The one place that decides what a viewer may see of reports.

Every public list, map, export and API feed filters with ``visible_to`` and shows fields through
``reporter_name``; privacy bugs then have one place to live.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, true
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
    if report.reporter is None:
        return None
    if not report.anonymous or is_reporter(report, viewer) or is_staff(viewer):
        return report.reporter.display_name
    return None


def timeline(report: Report, viewer) -> list[ReportEvent]:
    """Timeline entries this viewer may see: internal notes are for staff only."""
    return [e for e in report.events if not e.internal or is_staff(viewer)]
