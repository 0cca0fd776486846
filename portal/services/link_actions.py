"""What the links in residents' emails do, each once: confirm a report made without an account, reopen or
rate a fix, and give an email-only reporter an account. The emails themselves are written in
``notifications.py``; the status changes go through ``reports.py``, which writes those emails."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FixRating, Report, Status, User, utcnow

from . import visibility
from .contacts import usable
from .links import BadLink, make_token, use_token
from .notifications import CONFIRM_DAYS, RATE_DAYS, REOPEN_DAYS, report_received
from .passwords import hash_password
from .reports import change_status, record_status


def _fixed_report(session: Session, purpose: str, token: str, max_age: timedelta) -> Report:
    payload = use_token(session, purpose, token, max_age)
    # The link is followed by whoever holds it (no account): it acts only on what the public may see, so a
    # report a moderator has hidden since is out of its reach.
    report = session.scalars(visibility.visible_reports(None).where(Report.id == payload.get("r"))).first() \
        if isinstance(payload, dict) and isinstance(payload.get("r"), int) else None
    if report is None:
        raise BadLink("This link is not valid. Check that you copied all of it.")
    if report.status is not Status.FIXED or report.fixed_at is None or report.fixed_at.isoformat() != payload.get("f"):
        raise BadLink("This link has already been used, or the report has changed since.")
    return report


def reopen_by_link(session: Session, token: str) -> Report:
    """The "not fixed" link: reopen a fixed report once, within 14 days of the fix."""
    report = _fixed_report(session, "reopen", token, timedelta(days=REOPEN_DAYS))
    change_status(session, report, Status.REOPENED, None, "The resident told us it is not fixed.")
    return report


def rate_by_link(session: Session, token: str, score: int) -> Report:
    if score not in range(1, 6):
        raise BadLink("Choose a rating from 1 to 5.")
    report = _fixed_report(session, "rate", token, timedelta(days=RATE_DAYS))
    exists = session.scalars(select(FixRating).where(FixRating.report_id == report.id,
                                                     FixRating.fixed_at == report.fixed_at)).first()
    if exists is not None:
        raise BadLink("You have already rated this fix. Thank you.")
    session.add(FixRating(report_id=report.id, fixed_at=report.fixed_at, score=score))
    session.commit()
    return report


def confirm_by_link(session: Session, token: str) -> Report:
    """The link emailed for a report made without an account: the report becomes NEW (once)."""
    payload = use_token(session, "confirm", token, timedelta(days=CONFIRM_DAYS))
    report = session.get(Report, payload.get("r")) if isinstance(payload, dict) else None
    if report is None:
        raise BadLink("This link is not valid. Check that you copied all of it.")
    if report.status is not Status.UNCONFIRMED:
        raise BadLink(f"{report.reference} is already confirmed. Thank you.")
    if report.reporter is not None and not usable(report.reporter):     # disabled since the link was mailed
        raise BadLink("This link is not valid. Check that you copied all of it.")
    record_status(session, report, Status.NEW, report.reporter, "Confirmed by email.")
    report_received(session, report)
    session.commit()
    return report


def claim_token(session: Session, user: User) -> str:
    return make_token(session, "claim", {"u": user.id})


def claim_account(session: Session, token: str, password: str) -> User:
    """Give an email-only reporter a password, so their reports are in an account they can log in to."""
    if not 10 <= len(password or "") <= 200:      # before the link is used up: the person may try again
        raise BadLink("Use a password of at least 10 characters.")
    payload = use_token(session, "claim", token, timedelta(days=CONFIRM_DAYS))
    user = session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or not user.active:
        raise BadLink("This link is not valid. Check that you copied all of it.")
    if user.password_hash:
        raise BadLink("This email address already has an account: log in instead.")
    user.password_hash = hash_password(password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()   # the link came to this address
    session.commit()
    return user
