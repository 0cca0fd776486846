"""Two-factor sign-in for staff and admin accounts: the second step, enrolment, replay, recovery codes, the
lock on wrong codes, and hostile input. Real forms with CSRF tokens, real TOTP codes (pyotp), real database."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from models import LoginThrottle, RecoveryCode, Role, User, utcnow
from portal.services import accounts, twofactor

from ..conftest import FormClient, login
from ..factories import PASSWORD, TOTP_SECRET, totp_code


def password_step(client, email: str, next_url: str = "") -> FormClient:
    fc = FormClient(client)
    resp = fc.submit("/login" + (f"?next={next_url}" if next_url else ""), {"email": email, "password": PASSWORD})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    fc.second_step = resp.headers["Location"]
    return fc


def wrong_code(secret: str = TOTP_SECRET) -> str:
    """A 6-digit code that is not valid in any step the server accepts now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + 30 * d) for d in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in valid)


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_staff_password_alone_never_reaches_staff_pages(app, make_user, db_session):
    staff = make_user(Role.STAFF)
    fc = password_step(app.test_client(), staff.email)
    assert fc.second_step == "/login/code"
    for url in ("/staff/", "/account", "/crew/jobs"):
        resp = fc.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login"), url
    page = fc.get("/login/code").get_data(as_text=True)
    assert "Enter your sign-in code" in page and 'autocomplete="one-time-code"' in page


def test_wrong_code_is_refused_and_counted(app, make_user, db_session):
    staff = make_user(Role.STAFF)
    fc = password_step(app.test_client(), staff.email)
    resp = fc.submit("/login/code", {"code": wrong_code()})
    assert resp.status_code == 400 and "That code is not right" in resp.get_data(as_text=True)
    assert not logged_in(fc)
    assert db_session.get(LoginThrottle, accounts.second_step_key(staff.email)).failures == 1


def test_right_code_signs_in_and_keeps_next(app, make_user, db_session):
    staff = make_user(Role.STAFF)
    fc = password_step(app.test_client(), staff.email, next_url="/staff/")
    resp = fc.submit("/login/code", {"code": totp_code()})
    assert resp.status_code == 302 and resp.headers["Location"] == "/staff/"
    assert fc.get("/staff/").status_code == 200
    db_session.refresh(staff)
    step = pyotp.TOTP(TOTP_SECRET).timecode(utcnow())
    assert staff.totp_last_step in (step - 1, step)
    assert fc.get("/login/code").status_code == 302            # the half-done sign-in is gone


def test_a_code_is_accepted_once(app, make_user):
    staff = make_user(Role.STAFF)
    code = totp_code()
    first, second = password_step(app.test_client(), staff.email), password_step(app.test_client(), staff.email)
    assert first.submit("/login/code", {"code": code}).status_code == 302
    resp = second.submit("/login/code", {"code": code})
    assert resp.status_code == 400 and "used already" in resp.get_data(as_text=True)
    assert not logged_in(second)


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app


def test_replay_and_drift_by_time_step(db_session, app_ctx, make_user):
    staff = make_user(Role.STAFF)
    totp, now = pyotp.TOTP(TOTP_SECRET), utcnow()
    at = lambda steps: totp.at(now + timedelta(seconds=30 * steps))            # noqa: E731
    with pytest.raises(twofactor.WrongCode, match="not right"):
        twofactor.verify(db_session, staff, at(-2), now=now)                    # too old
    assert twofactor.verify(db_session, staff, at(1), now=now) == "totp"        # a fast phone: one step ahead
    for steps in (1, 0, -1):                                                    # that step and those before: never
        with pytest.raises(twofactor.WrongCode, match="used already"):
            twofactor.verify(db_session, staff, at(steps), now=now)
    later = now + timedelta(seconds=60)                                         # the next step's code works
    assert twofactor.verify(db_session, staff, totp.at(later), now=later) == "totp"
    assert db_session.get(LoginThrottle, accounts.second_step_key(staff.email)) is None   # success clears


def test_enrolment_then_recovery_codes_work_once(app, make_user, db_session):
    staff = make_user(Role.STAFF, two_factor=False)
    fc = password_step(app.test_client(), staff.email, next_url="/staff/")
    assert fc.second_step == "/login/enrol"
    assert fc.get("/login/code").headers["Location"] == "/login/enrol"
    page = fc.get("/login/enrol")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert '<svg role="img" aria-label="QR code' in html and "<path" in html
    assert "https://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]     # made here, not fetched
    assert fc.get("/login/enrol").get_data(as_text=True).count(" ".join(
        secret[i:i + 4] for i in range(0, len(secret), 4))) == 1              # a reload keeps the same key
    assert not logged_in(fc)

    resp = fc.submit("/login/enrol", {"code": wrong_code(secret)})
    assert resp.status_code == 400 and "That code is not right" in resp.get_data(as_text=True)
    db_session.refresh(staff)
    assert staff.totp_enabled_at is None and staff.totp_secret and secret not in staff.totp_secret

    resp = fc.submit("/login/enrol", {"code": pyotp.TOTP(secret).now()})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", html)
    assert len(codes) == 10 == len(set(codes)) and 'href="/staff/"' in html
    assert fc.get("/staff/").status_code == 200
    db_session.refresh(staff)
    assert staff.two_factor_enabled
    stored = db_session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == staff.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)

    # a recovery code stands in for the app once, typed loosely (capitals, spaces)
    fc.submit("/logout", {}, page="/account")
    fc = password_step(app.test_client(), staff.email)
    loose = codes[3].upper().replace("-", " ")
    resp = fc.submit("/login/code", {"code": loose})
    assert resp.status_code == 302 and logged_in(fc)
    fc.get("/")  # the flash about codes left is shown on the next page
    fc = password_step(app.test_client(), staff.email)
    resp = fc.submit("/login/code", {"code": codes[3]})
    assert resp.status_code == 400 and not logged_in(fc)
    assert twofactor.recovery_codes_left(db_session, staff) == 9


def test_wrong_codes_lock_the_second_step(app, make_user, db_session):
    staff, other = make_user(Role.STAFF), make_user(Role.STAFF)
    fc = password_step(app.test_client(), staff.email)
    for _ in range(accounts.FREE_FAILURES):
        assert fc.submit("/login/code", {"code": wrong_code()}).status_code == 400
    resp = fc.submit("/login/code", {"code": totp_code()})
    assert resp.status_code == 429 and "Too many wrong codes" in resp.get_data(as_text=True)
    assert not logged_in(fc)
    # the password step does not clear the lock on codes
    again = password_step(app.test_client(), staff.email)
    assert again.submit("/login/code", {"code": totp_code()}).status_code == 429
    # another account is not affected
    login(app.test_client(), other.email)


def test_a_staff_session_without_a_second_factor_is_sent_to_set_one_up(app, make_user, db_session):
    """A session opened before two-factor sign-in was required (or a remember cookie) sees nothing else."""
    staff = make_user(Role.STAFF, two_factor=False)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = staff.get_id(), True
    resp = client.get("/staff/?ward=1")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login/enrol"
    assert client.get("/account").status_code == 302                      # no longer signed in
    page = client.get("/login/enrol")
    assert page.status_code == 200 and "Set up two-factor sign-in" in page.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["pending_login"]["n"] == "/staff/?ward=1"


def test_crew_and_residents_sign_in_with_a_password_only(app, make_user):
    for role in (Role.CREW, Role.RESIDENT, Role.COUNCILLOR):
        fc = FormClient(app.test_client())
        resp = fc.submit("/login", {"email": make_user(role).email, "password": PASSWORD})
        assert resp.status_code == 302 and logged_in(fc), role


def test_second_step_without_a_password_step_goes_back_to_login(client):
    for url in ("/login/code", "/login/enrol"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp.headers["Location"] == "/login", url


def test_a_stale_or_ended_half_sign_in_is_refused(app, make_user, db_session):
    staff = make_user(Role.STAFF)
    fc = password_step(app.test_client(), staff.email)
    with fc.session_transaction() as session:
        pending = session["pending_login"]
        session["pending_login"] = {**pending, "t": pending["t"] - 3600}
    assert fc.get("/login/code").headers["Location"] == "/login"
    fc = password_step(app.test_client(), staff.email)
    staff.end_sessions()                     # e.g. disabled or its password reset between the two steps
    db_session.commit()
    resp = fc.submit("/login/code", {"code": totp_code()}, page="/login")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login" and not logged_in(fc)
    with fc.session_transaction() as session:
        session["pending_login"] = {"u": "1 OR 1=1", "v": [], "t": "now"}
    assert fc.get("/login/code").headers["Location"] == "/login"


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abc\x00def", "\x00" * 6, "<script>alert(1)</script>",
                                  "ünïcødé-ＤＩＧＩＴＳ", "١٢٣٤٥٦", "0" * 41, "x" * 5000,
                                  "' OR 1=1 --"])
def test_hostile_codes_get_a_clear_400(app, make_user, db_session, code):
    staff = make_user(Role.STAFF)
    fc = password_step(app.test_client(), staff.email)
    resp = fc.submit("/login/code", {"code": code})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "<script>alert(1)" not in html
    if "\x00" in code:          # refused at the request boundary, before any form
        assert "NUL character" in html
    else:
        assert re.search(r'class="error-message"', html)
    assert not logged_in(fc)


def test_remember_me_is_kept_through_the_second_step(app, make_user):
    staff = make_user(Role.STAFF)
    fc = FormClient(app.test_client())
    fc.submit("/login", {"email": staff.email, "password": PASSWORD, "remember": "y"})
    resp = fc.submit("/login/code", {"code": totp_code()})
    assert resp.status_code == 302 and "remember_token=" in resp.headers.get("Set-Cookie", "")


def test_secret_is_encrypted_at_rest(db_session, app_config, make_user):
    staff = make_user(Role.STAFF)
    stored = db_session.scalar(select(User.totp_secret).where(User.id == staff.id))
    assert TOTP_SECRET not in stored
    assert twofactor.unseal(stored, app_config) == TOTP_SECRET
    with pytest.raises(twofactor.SecretUnreadable):
        twofactor.unseal(stored, {**app_config, "SECRET_KEY": "another key"})
    from cryptography.fernet import Fernet
    new_key = Fernet.generate_key().decode()
    old_key_config = {"TOTP_ENCRYPTION_KEY": new_key}
    rotated = {"TOTP_ENCRYPTION_KEY": f"{Fernet.generate_key().decode()},{new_key}"}
    assert twofactor.unseal(twofactor.seal("S3CRET", old_key_config), rotated) == "S3CRET"


def test_account_page_counts_recovery_codes(app, make_user, db_session):
    staff = make_user(Role.STAFF, two_factor=False)
    with app.app_context():
        secret = twofactor.start_enrolment(db_session, staff)
        assert twofactor.unseal(staff.totp_secret, db_session.info["links"].config) == secret
        twofactor.confirm_enrolment(db_session, staff, pyotp.TOTP(secret).now())
    fc = FormClient(app.test_client())
    fc.submit("/login", {"email": staff.email, "password": PASSWORD})
    assert fc.submit("/login/code", {"code": pyotp.TOTP(secret).at(time.time() + 30)}).status_code == 302
    assert "You have 10 unused recovery" in fc.get("/account").get_data(as_text=True)


def test_a_confirmation_link_does_not_skip_the_second_step(app, db_session, app_config):
    from portal.services import registration
    from portal.services.accounts import register_user
    from ..factories import enrol_two_factor
    staff = register_user(db_session, email="new-staff@example.test", password=PASSWORD, display_name="New",
                          role=Role.STAFF, confirmed=False)
    enrol_two_factor(db_session, staff, app_config)
    with app.test_request_context():
        link = registration.confirmation_link(db_session, staff).split("localhost", 1)[1]
    fc = FormClient(app.test_client())
    resp = fc.submit(link, {})
    assert resp.status_code == 303 and resp.headers["Location"] == "/login/code"
    assert not logged_in(fc)
    db_session.refresh(staff)
    assert staff.email_confirmed_at is not None
    assert fc.submit("/login/code", {"code": totp_code()}).status_code == 302 and logged_in(fc)


def test_an_admins_password_alone_never_reaches_admin_or_staff_pages(app, make_user):
    admin = make_user(Role.ADMIN)
    fc = password_step(app.test_client(), admin.email)
    assert fc.second_step == "/login/code"
    for url in ("/admin/", "/admin/users", "/admin/log", "/staff/", "/account"):
        resp = fc.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login"), url
