"""Residents and their reports after the first report: updates from anyone (text and up to three photos),
following a report with or without an account, the reporter marking it fixed or reopening it from its page,
and stopping one's support. An update or a follow from someone without an account waits for the link emailed to
them (single-use). Everything here acts only on what the public may see (``visibility``)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CLOSED, Photo, Report, ReportEvent, Status, Subscription, Supporter, User

from . import notifications, visibility
from .contacts import contact_user, usable
from .errors import DomainError, InvalidPhoto
from .links import BadLink, external_url, make_token, use_token
from .notifications import queue_email, subscribe
from .photos import PhotoStore
from .reports import REPORTER_MAY_REOPEN, record_status
from .transaction import unit_of_work

UPDATE_MAX = 2000
MAX_PHOTOS = 3
CONFIRM_DAYS = 7
NOT_PUBLIC = "This link is not valid any more: the report is not public."


def _public(session: Session, report_id) -> Report:
    report = session.scalars(visibility.visible_reports(None).where(Report.id == report_id)).first() \
        if isinstance(report_id, int) else None
    if report is None:
        raise BadLink(NOT_PUBLIC)
    return report


def _check_public(report: Report) -> None:
    if not visibility.can_view(report, None):
        raise DomainError("Updates can only be added to public reports.")


def clean_update(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("Write your update: what has changed?", field="text")
    if len(text) > UPDATE_MAX:
        raise DomainError(f"Keep the update to {UPDATE_MAX:,} characters or fewer (it has {len(text):,}).",
                          field="text")
    return text


@unit_of_work
def add_update(session: Session, report: Report, viewer, text: str, photo_keys: list[str], store: PhotoStore,
               email: str = "", name: str = "") -> ReportEvent:
    """A resident's update on a public report. Signed in: on the timeline and sent to followers at once.
    Otherwise held (with its photos) until the link emailed to ``email`` is followed. Writes nothing on error."""
    _check_public(report)
    note = clean_update(text)
    keys = list(dict.fromkeys(photo_keys))
    if len(keys) > MAX_PHOTOS:
        raise InvalidPhoto(f"You can add at most {MAX_PHOTOS} photos.")
    for key in keys:
        if not store.pending_exists(key):
            raise InvalidPhoto("A photo was lost before the update was saved; please add it again.")
    signed_in = getattr(viewer, "is_authenticated", False)
    if signed_in:
        author = viewer
    else:
        if not (email or "").strip():
            raise DomainError("Enter your email address, so that you can confirm the update.", field="email")
        author = contact_user(session, email, name)
    event = ReportEvent(report=report, actor=author, note=note, source="resident",
                        awaiting_confirmation=not signed_in)
    session.add(event)
    for key in keys:
        width, height = store.pending_size(key)
        session.add(Photo(report=report, event=event, key=key, width=width, height=height, kind="update"))
    session.flush()
    for key in keys:
        store.publish(key)
    if signed_in:
        notifications.update_added(session, report, event)
    else:
        link = external_url(session, "updates.confirm_update",
                            token=make_token(session, "update-confirm", {"e": event.id}))
        queue_email(session, author.email, f"Confirm your update on {report.reference}",
                    f"Hello {author.greeting},\n\nPlease confirm your update on {report.reference} "
                    f"({report.category.name.lower()}) so that it is published:\n{link}\n\n"
                    f"The link works for {CONFIRM_DAYS} days. If you did not write this, ignore this email.",
                    report)
    session.commit()
    return event


def confirm_update(session: Session, token: str) -> Report:
    """The emailed link of an update sent without an account: it is published (once)."""
    payload = use_token(session, "update-confirm", token, timedelta(days=CONFIRM_DAYS))
    event = session.get(ReportEvent, payload.get("e")) if isinstance(payload, dict) and isinstance(payload.get("e"), int) else None
    if event is None or event.source != "resident" or (event.actor is not None and not usable(event.actor)):
        raise BadLink("This link is not valid. Check that you copied all of it.")
    report = _public(session, event.report_id)
    if not event.awaiting_confirmation:
        raise BadLink("This update is already published.")
    event.awaiting_confirmation = False
    session.flush()
    notifications.update_added(session, report, event)
    session.commit()
    return report


@unit_of_work
def reporter_sets_status(session: Session, report: Report, viewer, fixed: bool) -> ReportEvent:
    """The reporter, on the report's page: "it is fixed" (an open report) or "it is not fixed" (a fixed one)."""
    if not visibility.is_reporter(report, viewer):
        raise DomainError("Only the person who made the report can do this.")
    if fixed:
        if not report.status.is_open:
            raise DomainError(f"{report.reference} is “{report.status.label}” already.")
        event = record_status(session, report, Status.FIXED, viewer, "The reporter says it is fixed.")
    else:
        if report.status not in CLOSED:
            raise DomainError(f"{report.reference} is still open.")
        if report.status not in REPORTER_MAY_REOPEN:
            # A decision of staff's (another report is the same problem; another body's to fix): the reporter
            # says why it is wrong in an update, staff decide again. Reopened, a duplicate still named its
            # original and its supporters stayed moved there.
            raise DomainError(f"{report.reference} is “{report.status.label}”, a decision of the council's: if "
                              "you think it is wrong, add an update saying why.")
        event = record_status(session, report, Status.REOPENED, viewer, "The reporter says it is not fixed.")
    session.commit()
    return event


# Following and support ----------------------------------------------------------------------------------------

def follows(session: Session, report: Report, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return session.scalars(select(Subscription.id).where(Subscription.report_id == report.id,
                                                         Subscription.user_id == user.id,
                                                         Subscription.active.is_(True))).first() is not None


def supports(session: Session, report: Report, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return session.scalars(select(Supporter.id).where(Supporter.report_id == report.id,
                                                      Supporter.user_id == user.id)).first() is not None


@unit_of_work
def follow(session: Session, report: Report, viewer, email: str = "") -> bool:
    """Follow a public report's updates. Signed in: at once (True). Otherwise a link goes to ``email`` (False)."""
    _check_public(report)
    if getattr(viewer, "is_authenticated", False):
        subscribe(session, report, viewer)
        session.commit()
        return True
    if not (email or "").strip():
        raise DomainError("Enter your email address, so that we can send you the updates.", field="email")
    user = contact_user(session, email)
    link = external_url(session, "updates.confirm_follow",
                        token=make_token(session, "follow", {"r": report.id, "u": user.id}))
    queue_email(session, user.email, f"Confirm: follow {report.reference}",
                f"Hello {user.greeting},\n\nTo get an email when {report.reference} "
                f"({report.category.name.lower()}) changes, confirm here:\n{link}\n\nThe link works for "
                f"{CONFIRM_DAYS} days. If you did not ask for this, ignore this email.", report)
    session.commit()
    return False


def confirm_follow(session: Session, token: str) -> Report:
    payload = use_token(session, "follow", token, timedelta(days=CONFIRM_DAYS))
    if not isinstance(payload, dict):
        raise BadLink("This link is not valid. Check that you copied all of it.")
    report = _public(session, payload.get("r"))
    user = session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if not usable(user):
        raise BadLink("This link is not valid. Check that you copied all of it.")
    subscribe(session, report, user)
    session.commit()
    return report


@unit_of_work
def unfollow(session: Session, report: Report, user: User) -> None:
    sub = session.scalars(select(Subscription).where(Subscription.report_id == report.id,
                                                     Subscription.user_id == user.id)).first()
    if sub is None or not sub.active:
        raise DomainError("You do not follow this report.")
    sub.active = False
    session.commit()


@unit_of_work
def stop_supporting(session: Session, report: Report, user: User) -> None:
    """Take back one's "me too" (and stop the updates it brought)."""
    gone = session.execute(delete(Supporter).where(Supporter.report_id == report.id,
                                                   Supporter.user_id == user.id)).rowcount
    if not gone:
        raise DomainError("You do not support this report.")
    for sub in session.scalars(select(Subscription).where(Subscription.report_id == report.id,
                                                          Subscription.user_id == user.id)):
        sub.active = False
    session.commit()


def followed_reports(session: Session, user: User, limit: int = 500) -> list[tuple[Report, bool]]:
    """Reports (not the user's own) the user supports or follows, as (report, supported?), newest first."""
    supported = select(Supporter.report_id).where(Supporter.user_id == user.id)
    followed = select(Subscription.report_id).where(Subscription.user_id == user.id, Subscription.active.is_(True))
    reports = session.scalars(
        visibility.visible_reports(user)
        .where(Report.id.in_(supported.union(followed)),
               Report.reporter_id.is_distinct_from(user.id))
        .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)).all()
    mine = set(session.scalars(supported.where(Supporter.report_id.in_([r.id for r in reports]))))
    return [(r, r.id in mine) for r in reports]
