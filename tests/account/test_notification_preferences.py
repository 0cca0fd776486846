"""Every notification preference on the account page: the contact preference, report updates, the questionnaire,
the councillor digest, and the alerts with a link to each."""
from sqlalchemy import func, select

from models import Alert, OutboxMessage, Role, Status
from portal.services.reports import change_status
from tests.conftest import login

SAVE = "/notifications"


def _save(client, **data):
    return client.submit(SAVE, data, page="/account")


def test_the_account_page_holds_every_preference_and_saves_them(resident, resident_client, db_session):
    html = resident_client.get("/account").get_data(as_text=True)
    for text in ('id="notifications"', "How should we contact you?", "Updates on reports I made",
                 "four weeks after a report", "Your alerts", "Change your email address", "Change your password"):
        assert text in html, text
    resp = _save(resident_client, contact_preference="email", questionnaire="y")      # updates unticked
    assert resp.status_code == 302 and resp.headers["Location"] == "/account#notifications"
    db_session.refresh(resident)
    assert (resident.contact_preference, resident.notify_updates, resident.notify_questionnaire) == \
        ("email", False, True)


def test_the_old_address_opens_the_account_page(resident_client):
    resp = resident_client.get(SAVE)
    assert resp.status_code == 302 and resp.headers["Location"] == "/account#notifications"


def test_a_bad_choice_changes_nothing(resident, resident_client, db_session):
    for bad in ({"contact_preference": "carrier-pigeon", "updates": "y"}, {"updates": "y"},
                {"contact_preference": "x" * 10_000}):
        resp = _save(resident_client, **bad)
        assert resp.status_code == 400 and "Choose how we should contact you." in resp.get_data(as_text=True)
    db_session.refresh(resident)
    assert (resident.contact_preference, resident.notify_updates) == ("email", True)


def test_updates_turned_off_stop_the_report_emails(make_report, resident, resident_client, db_session, make_user):
    report = make_report(reporter=resident)
    _save(resident_client, contact_preference="email", questionnaire="y")
    before = db_session.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.to_addr == resident.email))
    change_status(db_session, report, Status.INVESTIGATING, make_user(Role.STAFF), "Looking into it")
    after = db_session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.to_addr == resident.email))
    assert after == before
    _save(resident_client, contact_preference="email", updates="y", questionnaire="y")
    change_status(db_session, report, Status.FIXED, make_user(Role.STAFF), "Cleared")
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_addr == resident.email)) == after + 1


def test_only_a_councillor_can_turn_the_digest_off(app, make_user, resident, resident_client, db_session):
    _save(resident_client, contact_preference="email", updates="y", questionnaire="y")     # digest unticked
    db_session.refresh(resident)
    assert resident.notify_digest is True                   # not a councillor: the switch is not theirs
    councillor = make_user(Role.COUNCILLOR)
    client = login(app.test_client(), councillor.email)
    _save(client, contact_preference="email", updates="y", questionnaire="y")
    db_session.refresh(councillor)
    assert councillor.notify_digest is False


def test_alerts_are_listed_with_a_link_to_each(app, resident, resident_client, db_session):
    assert "You have no alerts." in resident_client.get("/account").get_data(as_text=True)
    resp = resident_client.submit("/alerts", {"kind": "council", "new_reports": "y", "frequency": "daily"})
    assert resp.status_code == 302
    alert = db_session.scalars(select(Alert).where(Alert.user_id == resident.id)).one()
    html = resident_client.get("/account").get_data(as_text=True)
    assert f'href="/alerts#alert-{alert.id}"' in html
    assert f'id="alert-{alert.id}"' in resident_client.get("/alerts").get_data(as_text=True)
