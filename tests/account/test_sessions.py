"""Sessions end with what should end them: a password reset, "log out everywhere", a disabled account."""
import re

from sqlalchemy import select

from models import OutboxMessage
from tests.conftest import FormClient, login

NEW = "a brand new passphrase"


def _logged_in(client) -> bool:
    return client.get("/my/reports").status_code == 200


def _reset_link(db_session, email) -> str:
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == email)
                              .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/]+(/password/reset/\S+)", mail.body).group(1)


def test_a_password_reset_ends_every_session_opened_before(app, resident, db_session):
    thief = login(app.test_client(), resident.email)                     # e.g. a shared computer
    remembered = app.test_client()
    FormClient(remembered).submit("/login", {"email": resident.email, "password": "correct horse battery staple",
                                             "remember": "y"})
    remembered.delete_cookie("session", domain="localhost")               # only the remember-me cookie left
    assert _logged_in(thief) and _logged_in(remembered)
    owner = FormClient(app.test_client())
    owner.submit("/password/forgot", {"email": resident.email})
    resp = owner.submit(_reset_link(db_session, resident.email), {"password": NEW, "confirm": NEW})
    assert resp.status_code == 302
    assert not _logged_in(thief) and not _logged_in(remembered)
    assert _logged_in(login(app.test_client(), resident.email, NEW))


def test_log_out_everywhere_keeps_only_this_session(app, resident):
    other, here = login(app.test_client(), resident.email), login(app.test_client(), resident.email)
    page = here.get("/account").get_data(as_text=True)
    assert "Log out of every other device" in page
    resp = here.submit("/account/sessions/end", {}, page="/account")
    assert resp.status_code == 302
    assert _logged_in(here) and not _logged_in(other)


def test_a_session_cookie_with_a_stale_or_junk_identity_is_anonymous(app, resident):
    client = app.test_client()
    for identity in (str(resident.id), f"{resident.id}:99", f"{resident.id}:²", "x:0", f"{resident.id}:0:0", ""):
        with client.session_transaction() as session:
            session["_user_id"] = identity
            session["_fresh"] = True
        assert not _logged_in(client), identity


def test_a_password_change_ends_every_other_session(app, resident):
    other, here = login(app.test_client(), resident.email), login(app.test_client(), resident.email)
    wrong = here.submit("/account/password", {"current": "not my password", "new": NEW, "confirm": NEW},
                        page="/account")
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    assert _logged_in(other)                                              # a refusal changes nothing
    short = here.submit("/account/password", {"current": "correct horse battery staple", "new": "short",
                                              "confirm": "short"}, page="/account")
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    resp = here.submit("/account/password", {"current": "correct horse battery staple", "new": NEW,
                                             "confirm": NEW}, page="/account")
    assert resp.status_code == 302
    assert _logged_in(here) and not _logged_in(other)
    assert _logged_in(login(app.test_client(), resident.email, NEW))


def test_deleting_the_account_ends_every_other_session(app, resident):
    other = app.test_client()
    FormClient(other).submit("/login", {"email": resident.email, "password": "correct horse battery staple",
                                        "remember": "y"})
    here = login(app.test_client(), resident.email)
    assert _logged_in(other) and _logged_in(here)
    resp = here.submit("/account/delete", {"password": "correct horse battery staple"}, page="/account")
    assert resp.status_code == 302
    assert not _logged_in(here) and not _logged_in(other)
    other.delete_cookie("session", domain="localhost")                     # the remember-me cookie alone
    assert not _logged_in(other)
