"""Administrators' actions on accounts (disable/enable, unlock, resend the confirmation, reset two-factor
sign-in, role) through the real forms: each ends the right sessions, writes one log row with its actor and time
in the same transaction, and is refused to everyone else."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AdminAction, AdminActionKind, LoginThrottle, OutboxMessage, RecoveryCode, Role, User, utcnow
from portal.services import accounts, user_admin
from portal.services.errors import DomainError

from ..conftest import FormClient, csrf_from, login
from ..factories import PASSWORD, totp_code
from tests.conftest import client_for

ACTIONS = ["disable", "enable", "unlock", "resend-confirmation", "reset-two-factor"]


@pytest.fixture()
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture()
def admin_client(app, admin):
    return client_for(app, admin)


def act(admin_client, user: User, action: str, data: dict | None = None):
    return admin_client.submit(f"/admin/users/{user.id}/{action}", data or {}, page=f"/admin/users/{user.id}")


def log_rows(db_session, user: User) -> list[AdminAction]:
    return list(db_session.scalars(select(AdminAction).where(AdminAction.target_user_id == user.id)
                                   .order_by(AdminAction.id)))


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_disable_ends_every_session_and_is_logged(app, admin_client, admin, make_user, db_session):
    victim = make_user(Role.STAFF)
    phone, laptop = client_for(app, victim), client_for(app, victim)
    assert is_signed_in(phone) and is_signed_in(laptop)
    before = utcnow()
    resp = act(admin_client, victim, "disable", {"reason": "Left the council <b>today</b>"})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/admin/users/{victim.id}"
    for client in (phone, laptop):
        resp = client.get("/staff/")
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")   # anonymous now
    again = FormClient(app.test_client()).submit("/login", {"email": victim.email, "password": PASSWORD})
    assert again.status_code == 400
    db_session.refresh(victim)
    assert victim.active is False
    [row] = log_rows(db_session, victim)
    assert (row.actor_id, row.action) == (admin.id, AdminActionKind.DISABLED)
    assert row.detail == "Left the council <b>today</b>"
    assert before <= row.at <= utcnow()
    page = admin_client.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert "Disabled: cannot sign in" in page and "&lt;b&gt;today" in page and "<b>today" not in page

    assert act(admin_client, victim, "enable").status_code == 302
    assert not is_signed_in(phone)                # re-enabling does not bring the old sessions back
    db_session.refresh(victim)
    assert victim.active and [r.action for r in log_rows(db_session, victim)] == [AdminActionKind.DISABLED,
                                                                                   AdminActionKind.ENABLED]
    login(app.test_client(), victim.email)


def test_disable_refusals(app, admin_client, admin, make_user, db_session):
    resp = act(admin_client, admin, "disable")
    assert resp.status_code == 400 and "cannot disable your own account" in resp.get_data(as_text=True)
    resident = make_user()
    assert act(admin_client, resident, "disable", {"reason": "x" * 201}).status_code == 400
    assert act(admin_client, resident, "enable").status_code == 400          # active already
    db_session.refresh(resident)
    assert resident.active and log_rows(db_session, resident) == []
    # the last active administrator cannot be disabled or demoted, whoever asks (here: another account)
    only_admins = db_session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))).all()
    for other in only_admins:
        if other.id != admin.id:
            other.active = False
    db_session.commit()
    with pytest.raises(DomainError, match="at least one active administrator"):
        user_admin.disable(db_session, admin, actor=resident)
    with pytest.raises(DomainError, match="at least one active administrator"):
        user_admin.set_role(db_session, admin, Role.STAFF, actor=resident)
    db_session.rollback()
    resp = admin_client.submit(f"/admin/users/{admin.id}/role", {"role": "staff"}, page="/admin/users")
    assert resp.status_code == 400 and "at least one active administrator" in resp.get_data(as_text=True)


def test_unlock_clears_password_and_code_failures(app, admin_client, admin, make_user, db_session):
    resident, staff = make_user(), make_user(Role.STAFF)
    for _ in range(accounts.FREE_FAILURES):
        FormClient(app.test_client()).submit("/login", {"email": resident.email, "password": "wrong wrong"})
    locked = FormClient(app.test_client()).submit("/login", {"email": resident.email, "password": PASSWORD})
    assert locked.status_code == 429
    page = admin_client.get(f"/admin/users/{resident.id}").get_data(as_text=True)
    assert "password sign-in locked until" in page and "Unlock sign-in" in page
    assert act(admin_client, resident, "unlock").status_code == 302
    login(app.test_client(), resident.email)
    [row] = log_rows(db_session, resident)
    assert row.action is AdminActionKind.UNLOCKED and row.actor_id == admin.id and "was locked" in row.detail

    accounts.record_failure(db_session, accounts.second_step_key(staff.email), utcnow())
    db_session.commit()
    assert act(admin_client, staff, "unlock").status_code == 302
    assert db_session.get(LoginThrottle, accounts.second_step_key(staff.email)) is None
    resp = act(admin_client, staff, "unlock")                               # nothing left to clear
    assert resp.status_code == 400 and "no failed sign-in attempts" in resp.get_data(as_text=True)
    assert len(log_rows(db_session, staff)) == 1


def test_resend_confirmation_queues_the_link(app, admin_client, admin, make_user, db_session):
    from portal.services.accounts import register_user
    waiting = register_user(db_session, email="waiting@example.test", password=PASSWORD, display_name="Wait",
                            confirmed=False)
    count = lambda: db_session.scalar(select(func.count()).select_from(OutboxMessage)       # noqa: E731
                                      .where(OutboxMessage.to_addr == "waiting@example.test"))
    assert count() == 0
    page = admin_client.get(f"/admin/users/{waiting.id}").get_data(as_text=True)
    assert "Not confirmed yet" in page and "Resend the sign-up confirmation" in page
    assert act(admin_client, waiting, "resend-confirmation").status_code == 302
    assert count() == 1
    body = db_session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_addr == waiting.email)).one()
    assert "/register/confirm/" in body
    [row] = log_rows(db_session, waiting)
    assert row.action is AdminActionKind.CONFIRMATION_RESENT and row.actor_id == admin.id

    confirmed = make_user()
    resp = act(admin_client, confirmed, "resend-confirmation")
    assert resp.status_code == 400 and "confirmed its email address already" in resp.get_data(as_text=True)
    assert log_rows(db_session, confirmed) == []
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_addr == confirmed.email)) == 0


def test_reset_two_factor_ends_sessions_and_asks_to_enrol_again(app, admin_client, admin, make_user, db_session):
    staff = make_user(Role.STAFF)
    db_session.add(RecoveryCode(user_id=staff.id, code_hash="0" * 64))
    db_session.commit()
    staff_client = client_for(app, staff)
    assert act(admin_client, staff, "reset-two-factor").status_code == 302
    assert staff_client.get("/staff/").status_code == 302
    db_session.refresh(staff)
    assert staff.totp_secret is None and not staff.two_factor_enabled
    assert db_session.scalar(select(func.count()).where(RecoveryCode.user_id == staff.id)) == 0
    fc = FormClient(app.test_client())
    resp = fc.submit("/login", {"email": staff.email, "password": PASSWORD})
    assert resp.headers["Location"] == "/login/enrol"
    [row] = log_rows(db_session, staff)
    assert row.action is AdminActionKind.TWO_FACTOR_RESET and row.actor_id == admin.id
    resp = act(admin_client, staff, "reset-two-factor")                      # nothing to reset now
    assert resp.status_code == 400 and "not set up" in resp.get_data(as_text=True)


def test_role_change_ends_the_targets_sessions_and_is_logged(app, admin_client, admin, make_user, db_session):
    resident = make_user()
    resident_client = client_for(app, resident)
    resp = admin_client.submit(f"/admin/users/{resident.id}/role", {"role": "crew"}, page="/admin/users")
    assert resp.status_code == 302
    assert not is_signed_in(resident_client)
    [row] = log_rows(db_session, resident)
    assert row.action is AdminActionKind.ROLE_CHANGED and row.detail == "Resident → Crew" and row.actor_id == admin.id
    # the same role again changes nothing and logs nothing
    admin_client.submit(f"/admin/users/{resident.id}/role", {"role": "crew"}, page="/admin/users")
    assert len(log_rows(db_session, resident)) == 1


def test_an_admin_demoting_themselves_keeps_this_session_only(app, admin_client, admin, make_user, db_session):
    make_user(Role.ADMIN)                                         # someone stays in charge
    other_device = client_for(app, admin)
    resp = admin_client.submit(f"/admin/users/{admin.id}/role", {"role": "staff"}, page="/admin/users")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert admin_client.get("/staff/").status_code == 200          # this session goes on, as staff
    assert admin_client.get("/admin/users").status_code == 403
    assert not is_signed_in(other_device)


def test_action_log_page_lists_who_when_what_and_whom(admin_client, admin, make_user, db_session):
    resident = make_user()
    act(admin_client, resident, "disable", {"reason": "Spam reports"})
    html = admin_client.get("/admin/log").get_data(as_text=True)
    row = html[html.index("<tbody>"):]
    assert admin.email in row and resident.email in row and "Disabled account" in row and "Spam reports" in row
    assert f'href="/admin/users/{resident.id}"' in row and "<time datetime=" in row


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.CREW, Role.STAFF, Role.COUNCILLOR])
def test_only_admins_may_act_on_accounts(app, make_user, db_session, role):
    client = client_for(app, make_user(role))
    target = make_user()
    for url in (f"/admin/users/{target.id}", "/admin/log"):
        assert client.get(url).status_code == 403, url
    csrf = csrf_from(client.get("/account").get_data(as_text=True))
    for action in [*ACTIONS, "role"]:
        resp = client.post(f"/admin/users/{target.id}/{action}", data={"csrf_token": csrf, "role": "admin"})
        assert resp.status_code == 403, action
    assert log_rows(db_session, target) == []
    db_session.refresh(target)
    assert target.role is Role.RESIDENT and target.active


def test_anonymous_visitors_are_sent_to_log_in(client, make_user):
    target = make_user()
    for action in [*ACTIONS, "role"]:
        resp = client.post(f"/admin/users/{target.id}/{action}", data={})
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], action


def test_bad_requests_are_clear_and_change_nothing(admin_client, make_user, db_session):
    target = make_user()
    for url in ("/admin/users/999999", "/admin/users/99999999999999999999", "/admin/users/-1", "/admin/users/abc"):
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.get("/admin/users/1%00").status_code == 400     # NUL: refused at the boundary
    for action in [*ACTIONS, "role"]:
        for user_id in ("999999", "99999999999999999999"):
            resp = admin_client.submit(f"/admin/users/{user_id}/{action}", {"role": "staff"}, page="/admin/users")
            assert resp.status_code == 404, (action, user_id)
    assert admin_client.submit(f"/admin/users/{target.id}/explode", {}, page="/admin/users").status_code in (404, 405)
    # no CSRF token: nothing happens
    for action in ["disable", "role"]:
        resp = admin_client.post(f"/admin/users/{target.id}/{action}", data={"role": "admin"})
        assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True), action
    # hostile text: a NUL is refused at the boundary (nothing done), markup is shown as text, never a 500
    resp = act(admin_client, target, "disable", {"reason": "bad\x00actor"})
    assert resp.status_code == 400 and log_rows(db_session, target) == []
    resp = act(admin_client, target, "disable", {"reason": "bad\x0bactor <script>alert(1)</script>"})
    assert resp.status_code == 302
    assert log_rows(db_session, target)[0].detail == "badactor <script>alert(1)</script>"
    for role in ("", "admin\x00x", "ADMIN", "x" * 5000):
        resp = admin_client.submit(f"/admin/users/{target.id}/role", {"role": role}, page="/admin/users")
        assert resp.status_code == 400, role
    db_session.refresh(target)
    assert target.role is Role.RESIDENT and target.active is False
    assert len(log_rows(db_session, target)) == 1


def test_the_log_outlives_the_accounts(db_session, make_user):
    actor, target = make_user(Role.ADMIN), make_user()
    user_admin.disable(db_session, target, actor, "gone")
    accounts.delete_account(db_session, target)
    row = db_session.scalars(select(AdminAction).where(AdminAction.detail == "gone")).one()
    db_session.refresh(row)
    assert row.target_user_id is None and row.actor_id == actor.id and row.at > utcnow() - timedelta(minutes=1)


def test_reset_two_factor_from_the_command_line(app, make_user, db_session):
    staff = make_user(Role.STAFF)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-2fa", staff.email.upper()])
    assert result.exit_code == 0, result.output
    db_session.refresh(staff)
    assert not staff.two_factor_enabled
    [row] = log_rows(db_session, staff)
    assert row.actor_id is None and row.detail == "from the command line"
    assert runner.invoke(args=["users", "reset-2fa", staff.email]).exit_code == 1        # nothing to reset
    assert "No account" in runner.invoke(args=["users", "reset-2fa", "ghost@example.test"]).output
