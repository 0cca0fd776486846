"""Register, log in, log out: messages, safe redirects, CSRF and rate limits."""
from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import func, select

from models import LoginThrottle, Role, User
from portal.app import create_app

from ..conftest import FormClient, login
from ..factories import PASSWORD

NEW = {"display_name": "Nadia New", "email": "nadia@example.org", "password": PASSWORD, "confirm": PASSWORD}


def users(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def _last_link(db_session, email: str) -> str:
    from models import OutboxMessage
    import re
    body = db_session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_addr == email)
                              .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def test_register_confirms_by_email_then_logs_in(forms, db_session):
    before = users(db_session)
    resp = forms.submit("/register", NEW, follow_redirects=True)
    assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
    assert users(db_session) == before + 1
    user = db_session.scalars(select(User).where(User.email == "nadia@example.org")).one()
    assert user.password_hash != PASSWORD and user.display_name == "Nadia New" and user.email_confirmed_at is None
    # before confirming, the right password only says "confirm first" (and sends the link again)
    early = forms.submit("/login", {"email": NEW["email"], "password": PASSWORD})
    assert early.status_code == 400 and "Confirm your email address first" in early.get_data(as_text=True)
    link = _last_link(db_session, NEW["email"])
    assert forms.get(link).status_code == 200                      # a GET changes nothing (mail scanners)
    assert db_session.get(User, user.id).email_confirmed_at is None
    done = forms.submit(link, {})
    assert done.status_code == 302 and done.headers["Location"] == "/my/reports"
    page = forms.get("/my/reports").get_data(as_text=True)
    assert "Welcome to Kerbside" in page and "Log out" in page
    again = forms.submit(link, {}, page="/")
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)     # once only


def test_forged_confirmation_link_is_refused(forms, db_session):
    resp = forms.submit("/register/confirm/forged-token", {})
    assert resp.status_code == 400 and "This link is not valid" in resp.get_data(as_text=True)


@pytest.mark.parametrize("change, field, message", [
    ({"display_name": ""}, "display_name", "Enter your name."),
    ({"email": ""}, "email", "Enter your email address."),
    ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ({"email": "<script>@x.org"}, "email", "Enter a valid email address."),
    ({"password": "short", "confirm": "short"}, "password", "Use at least 10 characters."),
    ({"confirm": "something else entirely"}, "confirm", "The two passwords do not match."),
    ({"display_name": "x" * 81}, "display_name", "Field cannot be longer than 80 characters."),
])
def test_register_bad_input(forms, db_session, change, field, message):
    before = users(db_session)
    resp = forms.submit("/register", {**NEW, **change})
    page = htmllib.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 400 and message in page and f'href="#{field}"' in page
    assert users(db_session) == before
    if field != "email":
        assert 'value="nadia@example.org"' in page        # other input kept
    if field != "display_name":
        assert 'value="Nadia New"' in page
    assert PASSWORD not in page                               # passwords are never echoed back


def test_register_with_a_taken_email_looks_the_same_and_tells_the_owner(forms, db_session, make_user):
    owner = make_user(email="taken@example.org")
    before = users(db_session)
    taken = forms.submit("/register", {**NEW, "email": "Taken@Example.org"}, follow_redirects=True)
    fresh = forms.submit("/register", {**NEW, "email": "fresh@example.org"}, follow_redirects=True)
    strip = lambda r: re.sub(r"[\w.+-]+@[\w.-]+", "ADDRESS", r.get_data(as_text=True))
    assert taken.status_code == fresh.status_code == 200 and strip(taken) == strip(fresh)
    assert users(db_session) == before + 1                          # only the new address made an account
    from models import OutboxMessage
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == owner.email)).one()
    assert "already has an account" in mail.body
    assert db_session.get(User, owner.id).password_hash == owner.password_hash   # nothing changed


def test_register_without_csrf_token(client, db_session):
    before = users(db_session)
    resp = client.post("/register", data=NEW)
    assert resp.status_code == 400 and "This form had expired" in resp.get_data(as_text=True)
    assert users(db_session) == before


def test_login_and_logout(forms, resident):
    resp = forms.submit("/login", {"email": resident.email, "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/my/reports"
    assert forms.get("/my/reports").status_code == 200
    resp = forms.submit("/logout", {}, page="/my/reports")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert "You have logged out." in forms.get("/").get_data(as_text=True)
    assert forms.get("/my/reports").status_code == 302


def test_logout_needs_csrf(forms, resident):
    login(forms.client, resident.email)
    assert forms.post("/logout").status_code == 400
    assert forms.get("/my/reports").status_code == 200  # still logged in


def test_wrong_password_message_keeps_the_email(forms, resident, db_session):
    resp = forms.submit("/login", {"email": resident.email, "password": "not my password"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "That email address and password do not match an account." in page
    assert f'value="{resident.email}"' in page and "not my password" not in page
    assert forms.get("/my/reports").status_code == 302


def test_login_empty_fields(forms):
    page = forms.submit("/login", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email address." in page and "Enter your password." in page


def test_login_without_csrf_token(client, resident, db_session):
    resp = client.post("/login", data={"email": resident.email, "password": PASSWORD})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "This form had expired" in page
    assert f'value="{resident.email}"' in page
    assert client.get("/my/reports").status_code == 302  # not logged in
    assert db_session.get(LoginThrottle, resident.email.lower()) is None


@pytest.mark.parametrize("target", ["/report", "/reports/KB-ABCDE?x=1"])
def test_safe_next_is_followed(forms, resident, target):
    resp = forms.submit(f"/login?next={target}", {"email": resident.email, "password": PASSWORD})
    assert resp.headers["Location"] == target


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com", "\\\\evil.com",
                                    "http://localhost.evil.com/", "javascript:alert(1)", "///evil.com",
                                    "/\r\nLocation: https://evil.com", "evil.com", " //evil.com"])
def test_unsafe_next_goes_to_my_reports(forms, resident, target):
    from urllib.parse import quote
    resp = forms.submit(f"/login?next={quote(target, safe='')}", {"email": resident.email, "password": PASSWORD})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/my/reports"


def test_login_rate_limit(connection, app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True}, bind=connection)
    fc = FormClient(app.test_client())
    codes = [fc.submit("/login", {"email": f"nobody{i}@example.test", "password": "wrong wrong"}).status_code
             for i in range(11)]
    assert codes == [400] * 10 + [429]
    limited = fc.submit("/login", {"email": "x@example.test", "password": "y"})
    page = limited.get_data(as_text=True)
    # How long to wait, in words and in Retry-After (not the limiter's own "10 per 1 minute").
    assert "Too many attempts" in page and "Please try again in" in page and "per 1" not in page
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert fc.get("/login").status_code == 200  # reading the page is not limited


def test_nul_bytes_in_login_and_register_are_not_a_server_error(forms, db_session):
    resp = forms.submit("/login", {"email": "a\x00@example.org", "password": "p\x00"})
    assert resp.status_code == 400 and "NUL character" in resp.get_data(as_text=True)
    resp = forms.submit("/register", {**NEW, "display_name": "Nadia\x00 New"})
    assert resp.status_code == 400 and "NUL character" in resp.get_data(as_text=True)
    assert db_session.scalars(select(User.display_name).where(User.email == NEW["email"])).first() is None


@pytest.mark.parametrize("role,start", [(Role.RESIDENT, "/my/reports"), (Role.CREW, "/crew/jobs"),
                                        (Role.COUNCILLOR, "/my/ward")])
def test_each_role_starts_at_its_own_work(app, make_user, role, start):
    """Without a page asked for, a crew member starts at their jobs and a councillor at their ward (everyone
    landed on "My reports"); a page asked for still wins."""
    user = make_user(role)
    forms = FormClient(app.test_client())
    resp = forms.submit("/login", {"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == start
    again = FormClient(app.test_client())
    asked = again.submit("/login?next=/alerts", {"email": user.email, "password": PASSWORD}, page="/login")
    assert asked.headers["Location"] == "/alerts"
