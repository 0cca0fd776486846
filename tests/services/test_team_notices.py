"""A council team's mailbox is told of the new reports in its categories (what FixMyStreet does for a council's
contacts): one email per team per round of the mail worker, each report once, only reports the public can see,
and nobody's name or address in it (real SMTP)."""
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from models import Category, OutboxMessage, Status, Team, utcnow
from portal.services import alerts
from portal.services.alerts import match_new_events
from portal.services.reports import change_status
from tests.conftest import send
from tests.factories import alerts_start_now

LATER = timedelta(minutes=5)
MAILBOX = "cleansing@council.example"


@pytest.fixture()
def cleansing(db_session):
    """A team with a mailbox doing fly-tipping; graffiti goes to a team without one."""
    team, quiet = Team(name="Street cleansing", email=MAILBOX), Team(name="Graffiti squad")
    db_session.add_all([team, quiet])
    db_session.flush()
    for code, owner in (("fly_tipping", team), ("graffiti", quiet)):
        db_session.scalars(select(Category).where(Category.code == code)).one().team_id = owner.id
    db_session.commit()
    alerts_start_now(db_session)
    return team


def mails_to(db_session, address: str) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == address)
                                   .order_by(OutboxMessage.id)))


def test_a_round_emails_the_team_its_new_public_reports_once(db_session, app_ctx, cleansing, make_user, make_report,
                                                               smtp):
    reporter = make_user(name="Pat Reporter", email="pat@example.test")
    first = make_report(reporter=reporter, description="Mattress\r\nby the   bus stop")
    second = make_report()
    graffiti = make_report(category="graffiti")                        # another team's, without a mailbox
    hidden = make_report()
    hidden.hidden = True
    waiting = make_report(status=Status.UNCONFIRMED)                   # not public until its link is followed
    db_session.commit()
    match_new_events(db_session, now=utcnow() + LATER)

    [mail] = mails_to(db_session, MAILBOX)
    assert mail.subject == "Kerbside: 2 new reports for Street cleansing"
    assert first.reference in mail.body and second.reference in mail.body
    assert f"http://localhost/reports/{first.reference}" in mail.body
    assert "“Mattress by the bus stop”" in mail.body                   # one line, whatever was typed
    for absent in (graffiti.reference, hidden.reference, waiting.reference, "Pat Reporter", "pat@example.test"):
        assert absent not in mail.body
    send(db_session, smtp)
    [envelope] = [m for m in smtp.inbox.messages if MAILBOX in m.rcpt_tos]
    assert first.reference in message_from_bytes(envelope.content, policy=policy.default).get_content()

    match_new_events(db_session, now=utcnow() + LATER)
    assert len(mails_to(db_session, MAILBOX)) == 1                     # the round moved on: nothing twice

    change_status(db_session, waiting, Status.NEW, None, "Confirmed by email.")     # now public: told then
    change_status(db_session, first, Status.FIXED, None, "Cleared")                 # a fix is not news to them
    match_new_events(db_session, now=utcnow() + LATER)
    later = mails_to(db_session, MAILBOX)[1:]
    assert [m.subject for m in later] == ["Kerbside: 1 new report for Street cleansing"]
    assert waiting.reference in later[0].body and first.reference not in later[0].body


def test_an_inactive_team_or_one_without_a_mailbox_is_not_emailed(db_session, app_ctx, cleansing, make_report):
    cleansing.active = False
    db_session.commit()
    make_report()
    match_new_events(db_session, now=utcnow() + LATER)
    cleansing.active, cleansing.email = True, ""
    db_session.commit()
    make_report()
    match_new_events(db_session, now=utcnow() + LATER)
    assert mails_to(db_session, MAILBOX) == []
    assert db_session.scalars(select(OutboxMessage.subject).where(OutboxMessage.subject.contains("Street cleansing"))
                              ).all() == []


def test_a_long_round_lists_the_first_reports_and_says_how_many_more(db_session, app_ctx, cleansing, make_report,
                                                                      monkeypatch):
    monkeypatch.setattr(alerts, "ITEMS_PER_EMAIL", 2)
    made = [make_report() for _ in range(3)]
    match_new_events(db_session, now=utcnow() + LATER)
    [mail] = mails_to(db_session, MAILBOX)
    assert mail.subject == "Kerbside: 3 new reports for Street cleansing"
    assert made[0].reference in mail.body and made[1].reference in mail.body and made[2].reference not in mail.body
    assert "...and 1 more in the queue: http://localhost/staff" in mail.body
