"""One message that cannot be sent never stops the others (real SMTP server on loopback)."""
from sqlalchemy import text

from models import OutboxMessage
from portal.services import outbox

from tests.conftest import send


def _queue(db_session, *addresses):
    messages = [OutboxMessage(to_addr=a, subject=f"to {a}", body="hello") for a in addresses]
    db_session.add_all(messages)
    db_session.commit()
    return messages


def test_a_refused_recipient_fails_alone_and_the_rest_is_sent(db_session, smtp):
    first, refused, last = _queue(db_session, "one@example.org", "bounce@example.org", "two@example.org")
    summary = send(db_session, smtp)
    assert (summary.sent, summary.failed) == (2, 1)
    assert [m.rcpt_tos for m in smtp.inbox.messages] == [["one@example.org"], ["two@example.org"]]
    assert refused.failed_at is not None and "550" in refused.last_error
    assert first.sent_at and last.sent_at


def test_an_address_stored_before_the_rule_cannot_crash_the_worker(db_session, smtp):
    """Rows written before migration 0011's CHECK (NOT VALID) may hold anything: the worker isolates them."""
    db_session.execute(text("ALTER TABLE outbox DROP CONSTRAINT ck_outbox_to_addr_ascii"))
    bad = _queue(db_session, "victim@example.org\r\nBcc: all@example.org", "josé@example.org",
                 "a@example.org, b@example.org")
    [good] = _queue(db_session, "fine@example.org")
    summary = send(db_session, smtp)
    assert summary.sent == 1 and [m.rcpt_tos for m in smtp.inbox.messages] == [["fine@example.org"]]
    for message in bad:
        assert message.failed_at is not None or message.sent_at is None
    assert all("all@example.org" not in m.rcpt_tos for m in smtp.inbox.messages)
    again = send(db_session, smtp)            # nothing blocks the next pass either
    assert again.sent == 0 and good.sent_at is not None


def test_a_message_refused_for_now_gives_up_after_max_attempts(db_session, smtp, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 3)
    [busy] = _queue(db_session, "busy@example.org")
    for _ in range(3):
        busy.next_attempt_at = busy.created_at
        db_session.commit()
        send(db_session, smtp)
    assert busy.failed_at is not None and busy.attempts == 3 and "451" in busy.last_error


def test_an_unreachable_server_never_fails_mail(db_session, smtp_down, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    [message] = _queue(db_session, "someone@example.org")
    for _ in range(4):
        message.next_attempt_at = message.created_at
        db_session.commit()
        send(db_session, smtp_down)
    assert message.failed_at is None and message.sent_at is None and message.attempts == 4
