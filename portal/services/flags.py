"""Residents tell the moderators about a public report, or one entry of its public timeline, that is offensive,
shows someone's personal details, or is wrong (FixMyStreet's "Report abuse"). Staff see what waits at
/staff/flags, use the moderation tools on the report (services/moderation.py), then say the flag is dealt with.

Only what the person flagging may see can be flagged (the caller found the report with ``visibility.report_for``;
the entry must be public), so a flag never confirms that a hidden report or entry exists. The note and the
address it came with are for the moderators only. Flags dealt with are deleted after ``KEEP_HANDLED``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from models import FLAG_MESSAGE_MAX, FLAG_OUTCOMES, FLAG_REASONS, ContentFlag, Report, ReportEvent, User, utcnow

from . import visibility
from .errors import DomainError
from .links import links_of
from .notifications import queue_email
from .transaction import unit_of_work

#: A flag dealt with is kept this long (who looked at what, and what they did), then deleted with the address
#: and note it came with.
KEEP_HANDLED = timedelta(days=90)
#: The most flags one list shows (oldest first: the longest waiting).
LIST_LIMIT = 200


def public_entry(report: Report, event_id: int | None) -> ReportEvent | None:
    """The entry of the report's public timeline with this id (None when it is not one)."""
    if event_id is None:
        return None
    return next((e for e in report.events if e.id == event_id and visibility.event_is_public(e)), None)


def _same_thing(report_id: int, event_id: int | None):
    """SQL condition: flags waiting on this report itself (``event_id`` None), or on this entry of it."""
    return (ContentFlag.report_id == report_id, ContentFlag.handled_at.is_(None),
            ContentFlag.event_id.is_(None) if event_id is None else ContentFlag.event_id == event_id)


def _reason(reason: str | None) -> str:
    if reason not in FLAG_REASONS:
        raise DomainError("Choose what is wrong with it.", field="reason")
    return reason


def _message(reason: str, message: str | None) -> str:
    message = (message or "").strip()
    if len(message) > FLAG_MESSAGE_MAX:
        raise DomainError(f"Keep it under {FLAG_MESSAGE_MAX:,} characters.", field="message")
    if reason == "other" and not message:
        raise DomainError("Tell us what is wrong with it.", field="message")
    return message


@unit_of_work
def flag(session: Session, report: Report, viewer, reason: str | None, message: str | None,
         email: str = "", event_id: int | None = None) -> ContentFlag:
    """Record a flag on a report the viewer may see (or on one entry of its public timeline), and email the
    moderators' mailbox if there is one. The same person flagging the same thing again while it waits adds
    nothing: the flag already waiting is returned."""
    reason = _reason(reason)
    message = _message(reason, message)
    event = public_entry(report, event_id)
    if event_id is not None and event is None:
        raise DomainError("That entry is not on this report's public timeline.", field="reason")
    user = viewer if isinstance(viewer, User) else None
    email = "" if user is not None else (email or "").strip()
    if user is not None or email:
        waiting = session.scalars(select(ContentFlag).where(
            *_same_thing(report.id, event.id if event is not None else None),
            ContentFlag.user_id == user.id if user is not None else func.lower(ContentFlag.email) == email.lower(),
        )).first()
        if waiting is not None:
            return waiting
    flagged = ContentFlag(report=report, event=event, reason=reason, message=message, user=user, email=email)
    session.add(flagged)
    links = links_of(session)
    mailbox = links.config.get("MODERATION_EMAIL", "")
    if mailbox:
        what = "an update on " if event is not None else ""
        queue_email(session, mailbox, f"Flagged: {what}{report.reference} ({FLAG_REASONS[reason]})", "\n".join([
            f"Someone has flagged {what}report {report.reference} ({report.category.name}).",
            f"What is wrong: {FLAG_REASONS[reason]}.",
            *([f"The entry of {event.at:%d %b %Y %H:%M} UTC: {event.note[:300]}"] if event is not None else []),
            *([f"Their note: {message}"] if message else []),
            "",
            f"Look at it, and say what you did: {links.url('staff.flags')}",
            f"The report, with the moderation tools: {links.url('staff.report', reference=report.reference)}",
        ]), report=report)
    session.commit()
    return flagged


@dataclass(frozen=True)
class Waiting:
    flags: list[ContentFlag]
    total: int


def waiting(session: Session, report: Report | None = None) -> Waiting:
    """Flags not yet dealt with, the longest waiting first (of one report, or all)."""
    condition = [ContentFlag.handled_at.is_(None)]
    if report is not None:
        condition.append(ContentFlag.report_id == report.id)
    flags = session.scalars(select(ContentFlag).where(*condition)
                            .options(joinedload(ContentFlag.report).joinedload(Report.category),
                                     joinedload(ContentFlag.event), joinedload(ContentFlag.user))
                            .order_by(ContentFlag.created_at, ContentFlag.id).limit(LIST_LIMIT)).all()
    total = len(flags) if len(flags) < LIST_LIMIT else session.scalar(
        select(func.count()).select_from(ContentFlag).where(*condition))
    return Waiting(list(flags), total)


def waiting_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ContentFlag).where(ContentFlag.handled_at.is_(None)))


@unit_of_work
def settle(session: Session, flag_id: int, actor: User, outcome: str | None, now: datetime | None = None) -> int:
    """Say a flag is dealt with, and with it every other flag waiting on the same thing (several residents
    often flag one update). Logged in the report's internal timeline. Answers how many were settled."""
    if outcome not in FLAG_OUTCOMES:
        raise DomainError("Choose what was done about it.", field="outcome")
    chosen = session.get(ContentFlag, flag_id, with_for_update=True)
    if chosen is None or chosen.handled_at is not None:
        raise DomainError("This flag was already dealt with, by you or another moderator.", field="outcome")
    same = session.scalars(select(ContentFlag).where(*_same_thing(chosen.report_id, chosen.event_id))
                           .with_for_update()).all()
    at = now or utcnow()
    for f in same:
        f.handled_at, f.handled_by, f.outcome = at, actor, outcome
    what = "an entry of its timeline" if chosen.event_id is not None else "the report"
    session.add(ReportEvent(report_id=chosen.report_id, actor=actor, internal=True,
                            note=f"Moderation: {len(same)} flag{'s' if len(same) != 1 else ''} from residents on "
                                 f"{what} ({FLAG_REASONS[chosen.reason].lower()}): "
                                 f"{FLAG_OUTCOMES[outcome].lower()}."))
    session.commit()
    return len(same)


def purge_handled(session: Session, now: datetime | None = None, keep: timedelta = KEEP_HANDLED) -> int:
    """Delete flags dealt with more than ``keep`` ago (with the address and note they came with). Commits."""
    done = session.execute(delete(ContentFlag).where(ContentFlag.handled_at < (now or utcnow()) - keep)).rowcount
    session.commit()
    return done


__all__ = ["KEEP_HANDLED", "Waiting", "flag", "public_entry", "purge_handled", "settle", "waiting", "waiting_count"]
