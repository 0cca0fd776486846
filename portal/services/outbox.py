"""Sending the outbox over SMTP, with retries and back-off: an outage delays mail and loses none."""
from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from models import OutboxMessage, utcnow

from .emails import InvalidEmail, normalise_email

BATCH = 50
#: Headers a message may add to the standard ones (alerts: one-click unsubscribe, RFC 2369 and RFC 8058).
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post"})
#: A message that still cannot be sent after this many tries is marked failed, with its last error.
MAX_ATTEMPTS = 8
BACKOFF_START = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    timeout: float = 10.0


@dataclass
class SendSummary:
    sent: int = 0
    deferred: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 30 s, 1 min, 2 min, ... at most one hour."""
    return min(BACKOFF_START * (2 ** min(max(attempts - 1, 0), 16)), BACKOFF_MAX)


def _email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}")
    for name, value in (message.headers or {}).items():
        if name not in EXTRA_HEADERS:
            raise ValueError(f"header {name!r} is not one we send")
        email[name] = value          # a line break in it raises ValueError: the message is failed, not sent
    email.set_content(message.body)
    return email


def _defer(message: OutboxMessage, error: str, now: datetime, summary: SendSummary, give_up: bool = True) -> None:
    """Try again later; after MAX_ATTEMPTS, give up (failed) unless ``give_up`` is False (the mail server is
    unreachable: nothing is wrong with the message, and an outage must lose no mail)."""
    if give_up and message.attempts + 1 >= MAX_ATTEMPTS:
        _fail(message, error, now, summary)
        return
    message.attempts += 1
    message.last_error = error[:500]
    message.next_attempt_at = now + backoff(message.attempts)
    summary.deferred += 1


def _fail(message: OutboxMessage, error: str, now: datetime, summary: SendSummary) -> None:
    """This message will not be sent (a refused mailbox, an address no mail server takes, too many tries)."""
    message.attempts += 1
    message.failed_at, message.last_error = now, error[:500]
    summary.failed += 1


def _send_one(smtp: smtplib.SMTP, message: OutboxMessage, sender: str, now: datetime,
              summary: SendSummary) -> bool:
    """Send one message and record its outcome; returns False if the connection is gone. Whatever is wrong
    with this one message (its address, its headers, a refusal), it never stops the others."""
    try:
        address = normalise_email(message.to_addr)       # the one rule: rows from before it are checked too
        # One recipient, given explicitly: never the (possibly several) addresses a To header could hold.
        smtp.send_message(_email(message, sender), to_addrs=[address])
    except InvalidEmail as exc:
        _fail(message, f"not a deliverable address: {exc.message}", now, summary)
    except smtplib.SMTPRecipientsRefused as exc:
        if all(500 <= code < 600 for code, _ in exc.recipients.values()):
            _fail(message, f"refused: {exc.recipients}", now, summary)
        else:
            _defer(message, f"refused for now: {exc.recipients}", now, summary)
    except (smtplib.SMTPServerDisconnected, socket.timeout, ConnectionError) as exc:
        _defer(message, f"connection lost: {exc}", now, summary)
        return False
    except (smtplib.SMTPNotSupportedError, ValueError, UnicodeError, TypeError) as exc:
        # e.g. a line break in a header, an address that needs SMTPUTF8: retrying cannot help.
        _fail(message, f"cannot be sent: {type(exc).__name__}: {exc}", now, summary)
    except (smtplib.SMTPException, OSError) as exc:
        _defer(message, f"{type(exc).__name__}: {exc}", now, summary)
    else:
        message.sent_at, message.last_error = now, ""
        summary.sent += 1
    return True


def send_due(session: Session, mail: MailSettings, now: datetime | None = None, batch: int = BATCH) -> SendSummary:
    """Send up to ``batch`` due messages over one SMTP connection and record each outcome.

    Rows are locked with SKIP LOCKED until the batch is recorded, so two workers never take the same message.
    A worker killed mid-batch may send a message again (at least once, never lost).
    """
    now = now or utcnow()
    summary = SendSummary()
    due = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
                                    OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch).with_for_update(skip_locked=True)))
    if not due:
        session.commit()
        return summary
    try:
        smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        for message in due:
            _defer(message, f"cannot reach mail server: {exc}", now, summary, give_up=False)
        session.commit()
        return summary
    try:
        for message in due:
            if not _send_one(smtp, message, mail.sender, now, summary):
                break       # the rest of the batch stays due and goes with the next connection
        # one commit for the batch: the row locks are held until every outcome is recorded
        session.commit()
        return summary
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def purge_finished(session: Session, keep: timedelta, now: datetime | None = None) -> int:
    """Delete emails sent or refused for good more than ``keep`` ago (OUTBOX_KEEP_DAYS: they hold addresses
    and single-use links); waiting ones stay whatever their age. Returns how many were deleted."""
    cutoff = (now or utcnow()) - keep
    result = session.execute(delete(OutboxMessage).where(or_(OutboxMessage.sent_at < cutoff,
                                                              OutboxMessage.failed_at < cutoff)))
    session.commit()
    return result.rowcount
