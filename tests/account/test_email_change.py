"""Changing one's email address from the account page: a single-use, expiring link to the new address; the old
address stays until then and is told; a taken address is refused without saying so; other sessions end."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import OutboxMessage, Role
from portal.services import email_change
from tests.conftest import PASSWORD, login

PAGE = "/account"
NEW = "new.address@example.test"


def _mail_to(db_session, address: str) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).where(func.lower(OutboxMessage.to_addr) == address.lower())
                                   .order_by(OutboxMessage.id)))


def _outbox_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(OutboxMessage))


def _confirm_path(db_session, address: str) -> str:
    body = _mail_to(db_session, address)[-1].body
    return re.search(r"https?://[^/]+(/account/email/confirm/\S+)", body).group(1)


def _ask(client, new_email: str, password: str = PASSWORD):
    return client.submit("/account/email", {"new_email": new_email, "email_password": password}, page=PAGE,
                         follow_redirects=True)


def _neutral(html: str) -> str:
    """A page with its addresses and CSRF tokens blanked out, to compare two answers."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", re.sub(r"[\w.+-]+@example\.test", "ADDRESS", html))


def _logged_in(client) -> bool:
    return client.get("/my/reports").status_code == 200


def test_the_link_goes_to_the_new_address_and_nothing_changes_until_it_is_followed(
        app, resident, resident_client, db_session):
    old = resident.email
    resp = _ask(resident_client, "  New.Address@Example.TEST ")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Check your new email address" in html
    db_session.refresh(resident)
    assert resident.email == old                                      # the old address stays until confirmed
    stored = "New.Address@example.test"                               # the one rule: the domain is lower-cased
    assert "/account/email/confirm/" in _mail_to(db_session, stored)[-1].body
    told = _mail_to(db_session, old)[-1]
    assert "a change was asked for" in told.subject and "N…@example.test" in told.body
    assert stored not in told.body                                    # the old address sees it masked
    # A GET only shows the button (mail scanners follow links); the POST changes the address.
    path = _confirm_path(db_session, stored)
    page = resident_client.get(path)
    assert page.status_code == 200 and stored in page.get_data(as_text=True)
    db_session.refresh(resident)
    assert resident.email == old
    done = resident_client.submit(path, {})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    db_session.refresh(resident)
    assert resident.email == stored
    assert "has changed" in _mail_to(db_session, old)[-1].subject     # the old address is told it is done
    assert _logged_in(resident_client)                                # the session that confirmed stays
    login(app.test_client(), "new.address@example.test")             # log in with it, in any case
    bad = app.test_client().post("/login", data={"email": old, "password": PASSWORD})
    assert bad.status_code == 400


def test_confirming_ends_every_other_session(app, resident, resident_client, db_session):
    other = login(app.test_client(), resident.email)                 # e.g. a phone, or a thief
    _ask(resident_client, NEW)
    path = _confirm_path(db_session, NEW)
    elsewhere = app.test_client()                                     # the link opened in a mail app's browser
    from tests.conftest import FormClient
    resp = FormClient(elsewhere).submit(path, {})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert not _logged_in(other) and not _logged_in(resident_client)
    assert _logged_in(login(app.test_client(), NEW))


def test_a_replayed_link_gets_a_clear_page(app, resident, resident_client, db_session):
    _ask(resident_client, NEW)
    path = _confirm_path(db_session, NEW)
    assert resident_client.submit(path, {}).status_code == 302
    again = resident_client.submit(path, {}, page="/account")
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    shown = resident_client.get(path)             # the page behind the link says so before any button too
    assert shown.status_code == 400 and "That link did not work" in shown.get_data(as_text=True)


def test_an_expired_link_gets_a_clear_page_and_changes_nothing(app, resident, resident_client, db_session,
                                                               monkeypatch):
    old = resident.email
    _ask(resident_client, NEW)
    path = _confirm_path(db_session, NEW)
    monkeypatch.setattr(email_change, "LIFETIME", timedelta(seconds=-1))
    resp = resident_client.get(path)
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    db_session.refresh(resident)
    assert resident.email == old


def test_forged_and_altered_links_are_refused(app, resident, resident_client, db_session):
    assert app.test_client().get("/account/email/confirm/not-a-real-token").status_code == 400
    _ask(resident_client, NEW)
    path = _confirm_path(db_session, NEW)
    resp = app.test_client().get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert resp.status_code == 400 and "not valid" in resp.get_data(as_text=True)


def test_a_link_dies_when_the_address_changed_in_between(app, resident, resident_client, db_session):
    _ask(resident_client, NEW)
    first = _confirm_path(db_session, NEW)
    _ask(resident_client, "second@example.test")
    assert resident_client.submit(_confirm_path(db_session, "second@example.test"), {}).status_code == 302
    resp = resident_client.get(first)
    assert resp.status_code == 400 and "has changed since it was sent" in resp.get_data(as_text=True)
    db_session.refresh(resident)
    assert resident.email == "second@example.test"


def test_a_taken_address_is_refused_without_saying_so(app, resident, resident_client, db_session, make_user):
    taken = make_user(email="someone.else@example.test")
    free = _ask(resident_client, "fresh@example.test").get_data(as_text=True)
    before = _outbox_count(db_session)
    resp = _ask(resident_client, "Someone.Else@example.test")       # another case of an existing account's
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Check your new email address" in html
    assert _neutral(html) == _neutral(free)
    assert _outbox_count(db_session) == before + 2                    # one to each address, as when it is free
    to_taken = _mail_to(db_session, taken.email)[-1]
    assert "/account/email/confirm/" not in to_taken.body and "already has one" in to_taken.body
    db_session.refresh(resident)
    assert resident.email != taken.email


def test_a_link_to_an_address_taken_since_is_refused(app, resident, resident_client, db_session, make_user):
    _ask(resident_client, NEW)
    path = _confirm_path(db_session, NEW)
    make_user(email=NEW.upper().replace("EXAMPLE.TEST", "example.test"))   # someone signs up with it meanwhile
    resp = resident_client.submit(path, {}, page="/account")
    assert resp.status_code == 400 and "belongs to another account" in resp.get_data(as_text=True)
    db_session.refresh(resident)
    assert resident.email != NEW


@pytest.mark.parametrize("typed, message", [
    ("", "Enter your new email address."),
    ("   ", "Enter your email address."),
    ("not-an-address", "Enter a valid email address."),
    ("someone@", "Enter a valid email address."),
    ("a" * 250 + "@example.test", "at most 254 characters"),
    ("victim@example.test\r\nBcc: everyone@example.test", "Enter a valid email address."),
    ("victim@example.test\nBcc: everyone@example.test", "Enter a valid email address."),
    ("one@example.test, two@example.test", "Enter a valid email address."),
    ("one@example.test;two@example.test", "Enter a valid email address."),
    ("Mallory <mallory@example.test>", "Enter a valid email address."),
    ("jürgen@example.test", "only plain letters"),
    ("\u0130nfo@example.test", "only plain letters"),                # the dotted-İ look-alike
])
def test_bad_addresses_are_refused_beside_the_field(resident, resident_client, db_session, typed, message):
    before, old = _outbox_count(db_session), resident.email
    resp = _ask(resident_client, typed)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'id="new_email-error"' in html and message in html
    assert 'aria-describedby="new_email-hint new_email-error"' in html
    assert _outbox_count(db_session) == before
    db_session.refresh(resident)
    assert resident.email == old


def test_a_nul_byte_is_refused_before_anything(resident, resident_client, db_session):
    before = _outbox_count(db_session)
    resp = _ask(resident_client, "evil\x00@example.test")
    assert resp.status_code == 400 and "NUL" in resp.get_data(as_text=True)
    assert _outbox_count(db_session) == before


@pytest.mark.parametrize("typed", ["{email}", "{upper}", " {email} "])
def test_the_same_address_is_refused(resident, resident_client, db_session, typed):
    before = _outbox_count(db_session)
    resp = _ask(resident_client, typed.format(email=resident.email, upper=resident.email.upper()))
    assert resp.status_code == 400 and "already your email address" in resp.get_data(as_text=True)
    assert _outbox_count(db_session) == before


@pytest.mark.parametrize("password, message", [("", "Enter your password to confirm."),
                                               ("not my password", "That is not your password."),
                                               ("x" * 201, "Field cannot be longer than 200 characters.")])
def test_a_wrong_or_missing_password_is_refused_and_the_address_kept(resident, resident_client, db_session,
                                                                     password, message):
    before = _outbox_count(db_session)
    resp = _ask(resident_client, NEW, password)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html and 'id="email_password-error"' in html
    assert f'value="{NEW}"' in html                                   # what was typed is kept
    assert _outbox_count(db_session) == before


def test_only_a_signed_in_account_can_ask(app, db_session):
    resp = app.test_client().get("/account")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert app.test_client().post("/account/email", data={"new_email": NEW}).status_code in (302, 400)


def test_a_councillor_sees_the_digest_switch_and_a_resident_does_not(app, make_user, resident_client):
    assert "weekly digest" not in resident_client.get("/account").get_data(as_text=True)
    councillor = login(app.test_client(), make_user(Role.COUNCILLOR).email)
    assert "weekly digest" in councillor.get("/account").get_data(as_text=True)
