"""Emails to residents about their reports, written to the outbox in the caller's transaction.

Nothing here talks to a mail server: the worker in ``outbox.py`` does, later, so an outage never blocks a
status change and loses nothing. Links in emails carry signed tokens (itsdangerous) so that a resident can
reopen a fix, rate it or unsubscribe without logging in.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models import OutboxMessage, Report, ReportEvent, Status, Subscription, User

from .links import BadLink, external_url, make_token, use_token

REOPEN_DAYS = 14
RATE_DAYS = 60
UNSUBSCRIBE_DAYS = 3650
CONFIRM_DAYS = 7


def _email_row(to: str, subject: str, body: str, report: Report | None) -> dict:
    return {"to_addr": to, "subject": subject[:200], "body": body, "report_id": report.id if report else None}


def queue_email(session: Session, to: str, subject: str, body: str, report: Report | None = None) -> OutboxMessage:
    """Add an email to the outbox; the caller's commit sends it on its way."""
    message = OutboxMessage(**_email_row(to, subject, body, report))
    session.add(message)
    return message


#: The lean path's INSERTs, built once and run on the session's connection (no ORM object, no unit of work).
_INSERT_EMAIL = insert(OutboxMessage)
_SUBSCRIBE = insert(Subscription)


def insert_email(session: Session, to: str, subject: str, body: str, report: Report | None = None) -> None:
    """queue_email as one INSERT, now, without an object in the session (the lean path of a new report)."""
    session.connection().execute(_INSERT_EMAIL, _email_row(to, subject, body, report))


def subscribe(session: Session, report: Report, user: User) -> None:
    """Make sure this user hears about the report (again, if they had unsubscribed)."""
    sub = session.scalars(select(Subscription).where(Subscription.report_id == report.id,
                                                     Subscription.user_id == user.id)).first()
    if sub is None:
        session.add(Subscription(report_id=report.id, user_id=user.id))
    else:
        sub.active = True


def unsubscribe(session: Session, token: str) -> Report:
    """Follow an unsubscribe link: stop updates about one report for one user."""
    payload = use_token(session, "unsubscribe", token, timedelta(days=UNSUBSCRIBE_DAYS))
    sub = session.scalars(select(Subscription).where(Subscription.report_id == payload.get("r"),
                                                     Subscription.user_id == payload.get("u"))).first()
    if sub is None:
        raise BadLink("This link is not valid. Check that you copied all of it.")
    sub.active = False
    session.commit()
    return session.get(Report, sub.report_id)


def _recipients(session: Session, report: Report) -> list[User]:
    """Who hears of a change: the report's active followers who want updates; of a hidden report, only its
    reporter (to everyone else its page is a 404, and the email would tell them what it no longer shows)."""
    query = (select(User).join(Subscription, Subscription.user_id == User.id)
             .where(Subscription.report_id == report.id, Subscription.active.is_(True), User.wants_updates)
             .order_by(User.id))
    if report.hidden:
        query = query.where(User.id == report.reporter_id)
    return list(session.scalars(query))


def _footer(session: Session, report: Report, user: User) -> str:
    token = make_token(session, "unsubscribe", {"r": report.id, "u": user.id})
    return ("\n\n--\nYou get these emails because you reported, supported or follow this problem.\n"
            f"Stop emails about {report.reference}: {external_url(session, 'notices.unsubscribe', token=token)}\n"
            f"Choose how we contact you: {external_url(session, 'account.notifications')}\n")


def report_received(session: Session, report: Report, new: bool = False) -> None:
    """Subscribe the reporter and tell them we have their report (call before the commit). A report made
    without an account (UNCONFIRMED) gets the confirmation link instead, whatever the contact preference.
    ``new``: the report was made in this transaction, so its reporter is its only follower (nobody else can
    have subscribed to it yet): nothing to look up."""
    if report.reporter is None:
        return
    session.flush()
    if report.status is Status.UNCONFIRMED:
        link = external_url(session, "notices.confirm", token=make_token(session, "confirm", {"r": report.id}))
        queue_email(session, report.reporter.email, f"Confirm your report {report.reference}",
                    f"Hello {report.reporter.greeting},\n\nPlease confirm your report of "
                    f"{report.category.name.lower()} ({report.reference}) so that we can act on it:\n{link}\n\n"
                    f"The link works for {CONFIRM_DAYS} days. If you did not make this report, ignore this email.",
                    report)
        return
    if new:     # no subscription to look for, and the reporter is the only one _recipients could choose
        user = report.reporter
        session.connection().execute(_SUBSCRIBE, {"report_id": report.id, "user_id": user.id})
        if user.wants_updates:
            _queue_received(session, report, user, at_once=True)
        return
    subscribe(session, report, report.reporter)
    session.flush()
    for user in _recipients(session, report):
        _queue_received(session, report, user)


def _queue_received(session: Session, report: Report, user: User, at_once: bool = False) -> None:
    """The "we have your report" email (``at_once``: as one INSERT, for a report made in this transaction)."""
    link = external_url(session, "reports.detail", reference=report.reference)
    send = insert_email if at_once else queue_email
    send(session, user.email, f"We have your report {report.reference}: {report.category.name}",
         f"Hello {user.greeting},\n\nThank you: we have your report of {report.category.name.lower()} "
         f"({report.reference}).\nThe council aims to deal with it within {report.category.target_hours} hours. "
         f"Follow it here: {link}" + _footer(session, report, user), report)


def status_changed(session: Session, report: Report, event: ReportEvent) -> None:
    """Tell subscribers about a public status change (internal notes are never sent), except whoever made it.

    A fix's "not fixed?" and "rate the work" links go to the reporter alone, made for them: they are the
    reporter's to use (each link works once, so one link mailed to every follower went to whoever clicked
    first, and a stranger following the report could reopen it or give the fix its rating)."""
    changed = event.to_status is not None and event.to_status is not event.from_status
    if event.internal or (changed and event.to_status is Status.NEW) or (not changed and not event.note):
        return          # a report made or confirmed has its own email (report_received)
    recipients = [user for user in _recipients(session, report) if user.id != event.actor_id]
    if not recipients:
        return
    link = external_url(session, "reports.detail", reference=report.reference)
    note = f"\n\nUpdate from the council: {event.note}" if event.note else ""
    if not changed:
        subject, news = f"Update on {report.reference}", "has an update"
    else:
        subject, news = f"{report.reference} is now: {event.to_status.label}", f"is now “{event.to_status.label}”"
    for user in recipients:
        yours = user.id == report.reporter_id
        queue_email(session, user.email, subject,
                    f"Hello {user.greeting},\n\n{'Your report' if yours else 'The report you follow'} of "
                    f"{report.category.name.lower()} ({report.reference}) {news}.{note}\n\nSee it here: {link}"
                    + (_fix_links(session, report, user) if yours and changed and event.to_status is Status.FIXED
                       else "")
                    + _footer(session, report, user), report)


def _fix_links(session: Session, report: Report, user: User) -> str:
    """The reporter's own links to say a fix is not one, or to rate it."""
    if report.fixed_at is None:
        return ""
    made = {"r": report.id, "f": report.fixed_at.isoformat(), "u": user.id}
    reopen = external_url(session, "notices.reopen", token=make_token(session, "reopen", made))
    rate = external_url(session, "notices.rate", token=make_token(session, "rate", made))
    return (f"\n\nNot fixed? Tell us within {REOPEN_DAYS} days and we will reopen it: {reopen}\n"
            f"How did we do? Rate the work: {rate}")


def update_added(session: Session, report: Report, event: ReportEvent) -> None:
    """Tell the report's followers (not the update's author) that a resident added an update."""
    link = external_url(session, "reports.detail", reference=report.reference)
    photos = len(event.photos)
    extra = f"\n({photos} photo{'s' if photos != 1 else ''} added: see the report's page.)" if photos else ""
    for user in _recipients(session, report):
        if user.id == event.actor_id:
            continue
        queue_email(session, user.email, f"Update on {report.reference}: from a resident",
                    f"Hello {user.greeting},\n\nSomeone added an update to the report of "
                    f"{report.category.name.lower()} ({report.reference}):\n\n{event.note}{extra}\n\n"
                    f"See it here: {link}" + _footer(session, report, user), report)
