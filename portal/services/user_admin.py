"""Administrators' actions on accounts: role, disable and re-enable, unlock sign-in, resend the sign-up
confirmation, reset two-factor sign-in. Each is logged (who, when, what, on whom) in the same transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AdminAction, AdminActionKind, LoginThrottle, RecoveryCode, Role, User, utcnow

from . import accounts, registration, twofactor
from .errors import DomainError
from .transaction import unit_of_work

LOG_PAGE = 200


def _log(session: Session, actor: User | None, target: User, kind: AdminActionKind, detail: str = "") -> AdminAction:
    """One line of the action log; no actor means the command line (someone with access to the server)."""
    entry = AdminAction(actor_id=actor.id if actor else None, target_user_id=target.id, action=kind,
                        detail=detail[:500], at=utcnow())
    session.add(entry)
    return entry


def _keep_an_admin(session: Session, user: User, field: str) -> None:
    """Refuse to take away the last active administrator. The active admins' rows are locked first, so two
    admins demoting or disabling each other at the same moment cannot both succeed."""
    if user.role is not Role.ADMIN or not user.active:
        return
    admins = session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
                             .with_for_update()).all()
    if len(admins) <= 1:
        raise DomainError("There must be at least one active administrator.", field=field)


@unit_of_work
def set_role(session: Session, user: User, role: Role, actor: User) -> bool:
    """Change a user's role and end their sessions (their rights changed); an admin cannot remove the last
    admin (themselves included). Returns False when the role was already that."""
    if user.role is role:
        return False
    if role is not Role.ADMIN:
        _keep_an_admin(session, user, "role")
    old = user.role
    user.role = role
    user.end_sessions()
    _log(session, actor, user, AdminActionKind.ROLE_CHANGED, f"{old.label} → {role.label}")
    session.commit()
    return True


@unit_of_work
def disable(session: Session, user: User, actor: User, reason: str = "") -> None:
    """The account can no longer sign in and every session of it ends now."""
    if not user.active:
        raise DomainError("This account is disabled already.")
    if user.id == actor.id:
        raise DomainError("You cannot disable your own account.")
    _keep_an_admin(session, user, "reason")
    user.active = False
    user.end_sessions()
    _log(session, actor, user, AdminActionKind.DISABLED, " ".join((reason or "").split()))
    session.commit()


@unit_of_work
def enable(session: Session, user: User, actor: User) -> None:
    if user.active:
        raise DomainError("This account is active already.")
    user.active = True
    _log(session, actor, user, AdminActionKind.ENABLED)
    session.commit()


def lock_state(session: Session, user: User, now: datetime | None = None) -> dict:
    """Failed sign-in attempts counted against the account: passwords and second-step codes, and whether either
    is locked now."""
    now = now or utcnow()
    keys = {"password": user.email.lower()[:254], "code": accounts.second_step_key(user.email)}
    rows = {t.email_key: t for t in session.scalars(select(LoginThrottle).where(
        LoginThrottle.email_key.in_(keys.values())))}
    state = {}
    for name, key in keys.items():
        t = rows.get(key)
        state[name] = {"failures": t.failures if t else 0,
                       "locked_until": t.locked_until if t and t.locked_until and t.locked_until > now else None}
    state["locked"] = any(s["locked_until"] for s in (state["password"], state["code"]))
    state["failures"] = state["password"]["failures"] + state["code"]["failures"]
    return state


@unit_of_work
def unlock(session: Session, user: User, actor: User) -> None:
    """Forget the failed sign-in attempts (passwords and two-factor codes) counted against the account."""
    state = lock_state(session, user)
    if not state["failures"]:
        raise DomainError("This account has no failed sign-in attempts to clear.")
    accounts.clear_failures(session, user.email.lower()[:254], accounts.second_step_key(user.email))
    _log(session, actor, user, AdminActionKind.UNLOCKED,
         f"{state['failures']} failed attempt(s) cleared" + (" (was locked)" if state["locked"] else ""))
    session.commit()


@unit_of_work
def resend_confirmation(session: Session, user: User, actor: User) -> None:
    """Send the sign-up confirmation link again to an account that has not confirmed its address."""
    if user.email_confirmed_at is not None:
        raise DomainError("This account has confirmed its email address already.")
    if not user.password_hash:
        raise DomainError("This address has no account to confirm (it was only given with a report).")
    if not user.active:
        raise DomainError("This account is disabled: re-enable it first.")
    registration.send_confirmation(session, user)
    _log(session, actor, user, AdminActionKind.CONFIRMATION_RESENT)
    session.commit()


@unit_of_work
def reset_two_factor(session: Session, user: User, actor: User | None) -> None:
    """Remove the account's authenticator and recovery codes and end its sessions: it sets up two-factor sign-in
    again at its next sign-in (for someone who lost their phone and their codes). ``actor`` None: the command
    line (``flask users reset-2fa``), for when no administrator can sign in."""
    has_codes = session.scalar(select(func.count()).where(RecoveryCode.user_id == user.id))
    if not user.totp_secret and not has_codes:
        raise DomainError("Two-factor sign-in is not set up for this account.")
    twofactor.clear(session, user)
    user.end_sessions()
    _log(session, actor, user, AdminActionKind.TWO_FACTOR_RESET, "" if actor else "from the command line")
    session.commit()


def recent_actions(session: Session, *, target: User | None = None, limit: int = LOG_PAGE) -> list[AdminAction]:
    """The latest administrator actions, newest first (on one account if ``target`` is given)."""
    stmt = select(AdminAction).order_by(AdminAction.at.desc(), AdminAction.id.desc()).limit(limit)
    if target is not None:
        stmt = stmt.where(AdminAction.target_user_id == target.id)
    return list(session.scalars(stmt))
