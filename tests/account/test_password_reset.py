import re
from datetime import timedelta

from sqlalchemy import func, select

from models import OutboxMessage
from portal.services import password_reset

from ..conftest import FormClient, login
from ..factories import PASSWORD

NEW = "a brand new passphrase"


def _outbox(db_session, email):
    return db_session.scalars(select(OutboxMessage).where(func.lower(OutboxMessage.to_addr) == email.lower())
                              .order_by(OutboxMessage.id)).all()


def _link(message) -> str:
    return re.search(r"https?://[^/]+(/password/reset/\S+)", message.body).group(1)


def test_known_and_unknown_addresses_get_the_same_answer(forms, resident, db_session):
    a = forms.submit("/password/forgot", {"email": resident.email}, follow_redirects=True)
    b = forms.submit("/password/forgot", {"email": "ghost@example.org"}, follow_redirects=True)
    strip = lambda html: re.sub(r'value="[^"]*"|If there is an account for [^,]+,|<input[^>]*csrf[^>]*>', "", html)
    assert a.status_code == b.status_code == 200
    assert strip(a.get_data(as_text=True)) == strip(b.get_data(as_text=True))
    assert len(_outbox(db_session, resident.email)) == 1
    assert _outbox(db_session, "ghost@example.org") == []


def test_reset_link_changes_password_once(app, forms, resident, db_session):
    forms.submit("/password/forgot", {"email": resident.email})
    link = _link(_outbox(db_session, resident.email)[-1])
    client = FormClient(app.test_client())
    resp = client.submit(link, {"password": NEW, "confirm": NEW})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    login(app.test_client(), resident.email, NEW)
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_mismatched_passwords_keep_the_link_usable(app, forms, resident, db_session):
    forms.submit("/password/forgot", {"email": resident.email})
    link = _link(_outbox(db_session, resident.email)[-1])
    client = FormClient(app.test_client())
    resp = client.submit(link, {"password": NEW, "confirm": "something else entirely"})
    assert resp.status_code == 400 and "do not match" in resp.get_data(as_text=True)
    login(app.test_client(), resident.email, PASSWORD)      # unchanged


def test_forged_and_expired_links_are_refused(app, forms, resident, db_session, monkeypatch):
    assert app.test_client().get("/password/reset/not-a-real-token").status_code == 400
    forms.submit("/password/forgot", {"email": resident.email})
    link = _link(_outbox(db_session, resident.email)[-1])
    monkeypatch.setattr(password_reset, "LIFETIME", timedelta(seconds=-1))
    resp = app.test_client().get(link)
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)


def test_reset_requests_are_rate_limited_per_account(connection, app_config, resident):
    from portal.app import create_app
    app = create_app(dict(app_config, RATELIMIT_ENABLED=True), bind=connection)
    fc = FormClient(app.test_client())
    codes = [fc.submit("/password/forgot", {"email": resident.email}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    other = fc.submit("/password/forgot", {"email": "someone-else@example.org"})
    assert other.status_code == 302


def test_report_submissions_are_rate_limited_per_address_and_per_account(connection, app_config, make_user):
    from portal.app import create_app
    from ..factories import report_form
    app = create_app(dict(app_config, RATELIMIT_ENABLED=True), bind=connection)
    first, second = make_user(), make_user()
    one, two = login(app.test_client(), first.email), login(app.test_client(), second.email)

    def send(fc, i, addr):
        return fc.submit("/report", report_form(submission_token=f"rl-{i}", action="submit_new"),
                         environ_base={"REMOTE_ADDR": addr}).status_code
    assert [send(one, i, "10.0.0.1") for i in range(20)] == [302] * 20
    assert send(two, 50, "10.0.0.1") == 429                       # 20 an hour per address, whoever sends
    assert [send(one, 100 + i, "10.0.0.2") for i in range(10)] == [302] * 10
    assert send(one, 200, "10.0.0.3") == 429                      # 30 an hour per account, whatever the address
    assert send(two, 300, "10.0.0.3") == 302                      # another account from that address is fine
