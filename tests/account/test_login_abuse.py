from datetime import timedelta

import pytest
from sqlalchemy import select

from models import LoginThrottle, utcnow
from portal.services import accounts

from ..factories import PASSWORD


def test_lock_duration_backs_off_and_caps():
    assert [accounts.lock_duration(n) for n in range(5)] == [None] * 5
    assert accounts.lock_duration(5) == timedelta(minutes=1)
    assert accounts.lock_duration(7) == timedelta(minutes=4)
    assert accounts.lock_duration(40) == timedelta(hours=1)


def test_lockout_after_repeated_failures_then_expires(db_session, resident):
    now = utcnow()
    for _ in range(5):
        assert accounts.authenticate(db_session, resident.email, "wrong password", now=now) is None
    with pytest.raises(accounts.LockedOut):
        accounts.authenticate(db_session, resident.email, PASSWORD, now=now + timedelta(seconds=30))
    # after the lock, the right password works and clears the record
    assert accounts.authenticate(db_session, resident.email, PASSWORD, now=now + timedelta(minutes=2)) == resident
    assert db_session.get(LoginThrottle, resident.email.lower()) is None


def test_unknown_email_is_throttled_exactly_like_a_known_one(db_session, resident):
    now = utcnow()
    for email in (resident.email, "nobody-here@example.test"):
        for _ in range(5):
            accounts.authenticate(db_session, email, "wrong", now=now)
        with pytest.raises(accounts.LockedOut) as exc:
            accounts.authenticate(db_session, email, "wrong", now=now)
        assert "Too many failed attempts" in exc.value.message


def test_login_page_gives_the_same_message_for_unknown_email_and_wrong_password(forms, resident):
    a = forms.submit("/login", {"email": resident.email, "password": "not it at all"})
    b = forms.submit("/login", {"email": "ghost@example.test", "password": "not it at all"})
    assert a.status_code == b.status_code == 400
    msg = "That email address and password do not match an account."
    assert msg in a.get_data(as_text=True) and msg in b.get_data(as_text=True)


def test_locked_login_page_says_wait_and_keeps_email(forms, resident):
    for _ in range(5):
        forms.submit("/login", {"email": resident.email, "password": "nope nope"})
    resp = forms.submit("/login", {"email": resident.email, "password": PASSWORD})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 429
    assert "Too many failed attempts" in html and f'value="{resident.email}"' in html


def test_login_rate_limit_per_address(connection, app_config):
    from portal.app import create_app
    app = create_app(dict(app_config, RATELIMIT_ENABLED=True), bind=connection)
    client = app.test_client()
    from ..conftest import FormClient
    fc = FormClient(client)
    codes = [fc.submit("/login", {"email": f"x{i}@example.test", "password": "whatever1"}).status_code
             for i in range(12)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
    assert "Too many attempts" in client.post("/login", data={}).get_data(as_text=True)
