"""One rule for email addresses, for every way in; Python's and PostgreSQL's case folding agree on it."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models import OutboxMessage, User
from portal.services.accounts import register_user, user_by_email
from portal.services.contacts import contact_user
from portal.services.emails import InvalidEmail, email_key, normalise_email

HOSTILE = [
    "victim@example.org\r\nBcc: everyone@example.org",      # header injection
    "a@example.org\nb@example.org",
    "a@example.org, b@example.org",                        # a list
    "a@example.org;b@example.org",
    "Name <a@example.org>",                                # a display name
    '"a b"@example.org',                                   # quoting
    "a@[127.0.0.1]",                                       # a domain literal
    "İnes@example.org",                                    # dotted capital I: lower() differs by language
    "josé@example.org",                                    # needs SMTPUTF8
    "a\x00b@example.org", "a\x0bb@example.org",
    "@example.org", "a@", "a@localhost", "plain", "", "   ",
    "a" * 250 + "@example.org",
]


@pytest.mark.parametrize("address", HOSTILE)
def test_hostile_and_unsendable_addresses_are_refused(address):
    with pytest.raises(InvalidEmail) as info:
        normalise_email(address)
    assert info.value.field == "email" and info.value.message


@pytest.mark.parametrize("typed, stored", [
    ("  Ann.Other+bins@Example.ORG ", "Ann.Other+bins@example.org"),
    ("resident@bücher.de", "resident@xn--bcher-kva.de"),
    ("walker@example.test", "walker@example.test"),
])
def test_addresses_are_stored_as_they_can_be_sent(typed, stored):
    assert normalise_email(typed) == stored and stored.isascii()


def test_case_folding_agrees_with_postgresql(db_session):
    for address in ("Ann.Other+bins@Example.ORG", "ZZ_top-9@EXAMPLE.test", "A~b!c#d$e%f&g'h*i=j^k`l{m|n}o@x.io"):
        stored = normalise_email(address)
        assert db_session.execute(text("SELECT lower(:a)"), {"a": stored}).scalar() == email_key(stored)


def test_lookalike_of_an_existing_address_is_refused_not_a_server_error(db_session, forms):
    register_user(db_session, email="ines@example.org", password="a long password here", display_name="Ines")
    with pytest.raises(InvalidEmail):
        contact_user(db_session, "İnes@example.org")
    assert user_by_email(db_session, "İNES@example.org") is None           # a look-up never raises
    resp = forms.submit("/register", {"display_name": "X", "email": "İnes@example.org",
                                      "password": "a long password here", "confirm": "a long password here"})
    assert resp.status_code == 400 and "plain letters" in resp.get_data(as_text=True)


def test_the_database_refuses_what_the_rule_refuses(db_session):
    """Integrity in the database too (migration 0011), for any path that skipped the service."""
    for model in (User(email="a@example.org\r\nBcc: x@example.org", display_name="x"),
                  OutboxMessage(to_addr="josé@example.org", subject="s", body="b")):
        nested = db_session.begin_nested()
        db_session.add(model)
        with pytest.raises(IntegrityError):
            db_session.flush()
        nested.rollback()


def test_no_account_report_form_refuses_hostile_addresses_and_keeps_the_rest(app, forms, db_session):
    from tests.factories import report_form
    for n, address in enumerate(["victim@example.org\r\nBcc: all@example.org", "a@example.org, b@example.org"]):
        resp = forms.submit("/report", report_form(email=address, your_name="Wendy", submission_token=f"h{n}"))
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "valid email address" in html
        assert "Sofa and bags dumped by the lamp post" in html                     # the rest is kept
    assert db_session.scalar(text("SELECT count(*) FROM outbox WHERE to_addr LIKE '%example.org%'")) == 0


ENTRY_HOSTILE = ["victim@example.org\r\nBcc: all@example.org", "a@example.org, b@example.org",
                 "İnes@example.org", "josé@example.org"]


def test_staff_reporting_for_a_caller_refuses_hostile_addresses_and_keeps_the_rest(staff_client, db_session):
    from tests.factories import report_form
    before = db_session.scalar(text("SELECT count(*) FROM reports"))
    for n, address in enumerate(ENTRY_HOSTILE):
        resp = staff_client.submit("/report", report_form(channel="phone", email=address, your_name="Carl",
                                                          submission_token=f"caller-{n}"))
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400, address
        assert "plain letters" in html or "valid email address" in html, address
        assert "Sofa and bags dumped by the lamp post" in html, address                # the rest is kept
    assert db_session.scalar(text("SELECT count(*) FROM reports")) == before
    assert db_session.scalar(text("SELECT count(*) FROM outbox")) == 0


def test_the_report_form_refuses_a_lookalike_of_an_existing_address_clearly(forms, db_session):
    from tests.factories import report_form
    register_user(db_session, email="ines@example.org", password="a long password here", display_name="Ines")
    resp = forms.submit("/report", report_form(email="İnes@example.org", your_name="Ines", submission_token="li"))
    assert resp.status_code == 400 and "plain letters" in resp.get_data(as_text=True)


@pytest.mark.parametrize("address", ENTRY_HOSTILE)
def test_the_command_line_refuses_hostile_addresses(app, db_session, address):
    result = app.test_cli_runner().invoke(args=["users", "create", address, "--name", "X", "--role", "admin",
                                                "--password", "a long password here"])
    assert result.exit_code != 0 and "email" in result.output.lower(), result.output
    assert db_session.scalar(text("SELECT count(*) FROM users WHERE email LIKE '%example.org%'")) == 0
