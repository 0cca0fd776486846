"""Enforcement actions on fly-tipping reports (staff only) and the month's WasteDataFlow fly-tipping return
(``gis.flytipping_return`` counts). Nothing here is ever shown to the public."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.flytipping_return import CATEGORY, FlyTippingReturn, flytipping_return
from gis.flytipping_return import answer_mapping as flytipping_mapping
from models import ENFORCEMENT_ACTIONS, Category, ENFORCEMENT_NOTE_MAX, EnforcementAction, Report, User

from .errors import DomainError
from .transaction import unit_of_work

LONDON = ZoneInfo("Europe/London")
#: The first month the return page offers (WasteDataFlow's fly-tipping return began in 2004).
FIRST_MONTH = date(2004, 4, 1)


def london_today(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(LONDON).date()


@unit_of_work
def record_action(session: Session, report: Report, actor: User, action: str, taken_on: date | None,
                  note: str = "", today: date | None = None) -> EnforcementAction:
    """Record that ``action`` was taken on ``report`` on ``taken_on`` (not in the future, not before the report)."""
    if report.category.code != CATEGORY:
        raise DomainError("Enforcement actions are recorded on fly-tipping reports only.")
    if action not in ENFORCEMENT_ACTIONS:
        raise DomainError("Choose the action taken.", field="action")
    if taken_on is None:
        raise DomainError("Enter the date the action was taken, for example 14/10/2026.", field="taken_on")
    if taken_on > (today or london_today()):
        raise DomainError("The date the action was taken cannot be in the future.", field="taken_on")
    made = report.created_at.astimezone(LONDON).date()
    if taken_on < made:
        raise DomainError(f"The action cannot be taken before the report was made ({made:%d/%m/%Y}).",
                          field="taken_on")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > ENFORCEMENT_NOTE_MAX:
        raise DomainError(f"Keep the note to {ENFORCEMENT_NOTE_MAX} characters or fewer (it has {len(note):,}).",
                          field="note")
    entry = EnforcementAction(report=report, action=action, taken_on=taken_on, note=note, recorded_by=actor)
    session.add(entry)
    session.commit()
    return entry


@unit_of_work
def remove_action(session: Session, report: Report, action_id: int) -> None:
    """Remove an action recorded by mistake."""
    entry = session.get(EnforcementAction, action_id)
    if entry is None or entry.report_id != report.id:
        raise DomainError("That enforcement action is not on this report (it may have been removed already).")
    session.delete(entry)
    session.commit()


def month_return(session: Session, month: date, today: date | None = None) -> FlyTippingReturn:
    """The fly-tipping return of ``month`` (any day in it); refuses a month before the return began or in the
    future. The month so far is allowed: the page says it is not complete."""
    first = month.replace(day=1)
    this_month = (today or london_today()).replace(day=1)
    if first > this_month:
        raise DomainError(f"{first:%B %Y} has not happened yet: choose {this_month:%B %Y} or an earlier month.",
                          field="month")
    if first < FIRST_MONTH:
        raise DomainError(f"The fly-tipping return began in {FIRST_MONTH:%B %Y}: choose that month or a later one.",
                          field="month")
    return flytipping_return(session, first)


def answer_mapping(session: Session):
    """How the fly-tipping category's current answers map onto the return (see gis.flytipping_return)."""
    questions = session.scalars(select(Category.questions).where(Category.code == CATEGORY)).first() or []
    return flytipping_mapping(questions)
