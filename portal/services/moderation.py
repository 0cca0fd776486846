"""Staff moderation: hide a report, redact its text, remove a photo (faces, number plates). Each action needs
a reason and is recorded in the report's timeline as an internal entry with who did it and why. Whoever wrote
what was changed (the reporter, or an update's author) is told by email what was done, as FixMyStreet tells
them, without the moderator's reason (an internal note) or name: their report or update did not change, or
disappear, without a word."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Photo, Report, ReportEvent, User

from .errors import DomainError
from .links import external_url
from .notifications import queue_email
from .photos import PhotoStore
from .transaction import unit_of_work

REASON_MAX = 500


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for this moderation; it is kept in the internal log.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return reason


def _log(session: Session, report: Report, actor: User, what: str, reason: str) -> None:
    session.add(ReportEvent(report=report, actor=actor, note=f"Moderation: {what}. Reason: {reason}",
                            internal=True))


def _tell_author(session: Session, report: Report, author: User | None, actor: User, what: str) -> None:
    """Email the author of what was moderated (not a moderator acting on their own words, nor an account that
    is disabled or has no address)."""
    if author is None or author.id == actor.id or not author.active or not author.email:
        return
    link = external_url(session, "reports.detail", reference=report.reference)
    queue_email(session, author.email, f"Your words on report {report.reference} were moderated",
                f"Hello {author.greeting},\n\nA moderator has {what} on the report of "
                f"{report.category.name.lower()} ({report.reference}), to keep the site within its rules "
                "(for example no one's personal details, nothing offensive).\n"
                f"The report: {link}\n\nIf you think this is a mistake, please contact the council (this address "
                "takes no replies).", report)


@unit_of_work
def set_hidden(session: Session, report: Report, actor: User, hidden: bool, reason: str) -> None:
    reason = _reason(reason)
    if report.hidden == hidden:
        raise DomainError("The report is already hidden." if hidden else "The report is not hidden.")
    report.hidden = hidden
    _log(session, report, actor, "hidden from the public" if hidden else "shown to the public again", reason)
    _tell_author(session, report, report.reporter, actor,
                 "hidden your report from the public" if hidden else "shown your report to the public again")
    session.commit()


@unit_of_work
def redact_description(session: Session, report: Report, actor: User, new_text: str, reason: str) -> None:
    """Replace the description (e.g. to remove a name or a phone number); the old text is not kept."""
    reason = _reason(reason)
    text = (new_text or "").strip()
    if not text:
        raise DomainError("Enter the redacted description (it cannot be empty).", field="description")
    if len(text) > len(report.description) + 100:
        raise DomainError("A redaction should remove text, not add it.", field="description")
    report.description = text
    _log(session, report, actor, "description redacted", reason)
    _tell_author(session, report, report.reporter, actor, "edited your description")
    session.commit()


@unit_of_work
def remove_photo(session: Session, report: Report, photo_id: int, actor: User, reason: str,
                 store: PhotoStore) -> None:
    """Delete a photo and its file (e.g. it shows a face or a number plate)."""
    reason = _reason(reason)
    photo = session.get(Photo, photo_id)
    if photo is None or photo.report_id != report.id:
        raise DomainError("That photo is not part of this report.")
    key = photo.key
    author = photo.event.actor if photo.event is not None else (report.reporter if photo.kind == "before" else None)
    session.delete(photo)
    _log(session, report, actor, f"{photo.kind} photo removed", reason)
    _tell_author(session, report, author, actor, "removed a photo you added")
    session.commit()
    store.path(key).unlink(missing_ok=True)   # after the commit: a failed commit keeps the file


def _resident_entry(session: Session, report: Report, event_id: int | None) -> ReportEvent:
    event = session.get(ReportEvent, event_id or 0)
    if event is None or event.report_id != report.id or event.source == "council":
        raise DomainError("That update is not part of this report.")
    return event


@unit_of_work
def set_update_hidden(session: Session, report: Report, event_id: int | None, actor: User, hidden: bool,
                      reason: str) -> None:
    """Hide a resident's update (or questionnaire answer) from the public, or show it again."""
    reason = _reason(reason)
    event = _resident_entry(session, report, event_id)
    if event.hidden == hidden:
        raise DomainError("The update is already hidden." if hidden else "The update is not hidden.")
    event.hidden = hidden
    _log(session, report, actor, "a resident's update hidden" if hidden else "a resident's update shown again",
         reason)
    _tell_author(session, report, event.actor, actor,
                 "hidden your update from the public" if hidden else "shown your update to the public again")
    session.commit()


@unit_of_work
def redact_update(session: Session, report: Report, event_id: int | None, actor: User, new_text: str,
                  reason: str) -> None:
    """Replace a resident's update text (e.g. to remove a name); the old text is not kept."""
    reason = _reason(reason)
    event = _resident_entry(session, report, event_id)
    text = (new_text or "").strip()
    if not text:
        raise DomainError("Enter the redacted update (it cannot be empty).", field="note")
    if len(text) > len(event.note) + 100:
        raise DomainError("A redaction should remove text, not add it.", field="note")
    event.note = text
    _log(session, report, actor, "a resident's update redacted", reason)
    _tell_author(session, report, event.actor, actor, "edited your update")
    session.commit()
