"""Accounts: register, authenticate (with lockout and back-off), export and delete.

Passwords are hashed with scrypt (passwords.py). Nothing here tells whether an email address has an account:
unknown addresses cost the same time and are throttled the same way.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from models import LoginThrottle, OutboxMessage, Report, ReportContact, ReportEvent, Role, User, utcnow

from .emails import email_key, lookup_key, normalise_email
from .errors import DomainError, EmailTaken
from .passwords import hash_password, password_matches
from .transaction import duplicates_refused, unit_of_work

# Checked against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = hash_password("kerbside-timing-equaliser")
#: Failed second steps (two-factor codes) are counted under this prefix and the account's email address.
SECOND_STEP_PREFIX = "2fa:"
FREE_FAILURES = 5                 # attempts before the first lock
MAX_LOCK = timedelta(hours=1)


class NotConfirmed(DomainError):
    """Right password, but the email address has not been confirmed yet (only said after a right password)."""

    def __init__(self, user: User):
        super().__init__("Confirm your email address first: we have sent you the link again.", field="email")
        self.user = user


class LockedOut(DomainError):
    """Too many failed logins for this email address; ``until`` says when to try again."""

    def __init__(self, until: datetime):
        super().__init__("Too many failed attempts to log in with this email address. "
                         "Wait a few minutes, then try again (or reset your password).", field="email")
        self.until = until


def user_by_email(session: Session, email: str | None) -> User | None:
    """The account with this address (compared case-folded), or None; never raises on a malformed one."""
    key = lookup_key(email)
    if key is None:
        return None
    return session.scalars(select(User).where(func.lower(User.email) == key)).first()


def register_user(session: Session, *, email: str, password: str, display_name: str,
                  role: Role = Role.RESIDENT, confirmed: bool = True) -> User:
    """Create an account directly (CLI, demo, admin tools). The public sign-up uses ``registration``."""
    email = normalise_email(email)
    taken = EmailTaken("An account with that email address already exists. Log in instead.")
    if user_by_email(session, email) is not None:       # before the (slow) password hash
        raise taken
    user = User(email=email, password_hash=hash_password(password),
                display_name=display_name.strip(), role=role, email_confirmed_at=utcnow() if confirmed else None)
    session.add(user)
    with duplicates_refused(session, {"uq_users_email_lower": taken}):    # a concurrent registration
        session.commit()
    return user


def second_step_key(email: str) -> str:
    """The throttle key of an account's failed two-factor codes (kept apart from its failed passwords)."""
    return (SECOND_STEP_PREFIX + email.strip().lower())[:254]


def lock_duration(failures: int) -> timedelta | None:
    """No lock for the first FREE_FAILURES failures, then 1, 2, 4 ... minutes, at most an hour."""
    if failures < FREE_FAILURES:
        return None
    return min(timedelta(minutes=2 ** (failures - FREE_FAILURES)), MAX_LOCK)


def locked_until(session: Session, key: str, now: datetime) -> datetime | None:
    """When the lock on this throttle key (an email address, or "2fa:" + one) ends, if it is locked now."""
    throttle = session.get(LoginThrottle, key)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        return throttle.locked_until
    return None


def record_failure(session: Session, key: str, now: datetime) -> None:
    """Count one failed attempt under ``key`` and lock it for a while after FREE_FAILURES (the caller commits)."""
    throttle = session.get(LoginThrottle, key) or LoginThrottle(email_key=key, failures=0)
    throttle.failures += 1
    throttle.last_failure_at = now
    lock = lock_duration(throttle.failures)
    throttle.locked_until = now + lock if lock else None
    session.add(throttle)


def clear_failures(session: Session, *keys: str) -> int:
    """Forget the failed attempts under these keys (the caller commits); returns how many keys had some."""
    return session.execute(delete(LoginThrottle).where(LoginThrottle.email_key.in_(keys))).rowcount


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> User | None:
    """The active user with this email and password, else None; raises LockedOut while locked.

    For an account that needs two-factor sign-in this is only the first step: see ``twofactor.verify``."""
    now = now or utcnow()
    key = lookup_key(email) or (email or "").strip().lower()[:254]
    until = locked_until(session, key, now)
    if until is not None:
        password_matches(_DUMMY_HASH, password)
        raise LockedOut(until)
    user = user_by_email(session, email)
    ok = False
    if user is None or not user.password_hash:
        password_matches(_DUMMY_HASH, password)
    else:
        ok = password_matches(user.password_hash, password) and user.active
    if not ok:
        record_failure(session, key, now)
        session.commit()
        return None
    clear_failures(session, key)
    if user.email_confirmed_at is None:
        session.commit()
        raise NotConfirmed(user)
    user.last_login_at = now
    session.commit()
    return user


@unit_of_work
def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change a password knowing the current one; every session of the account ends (the caller re-issues
    its own)."""
    if not check_password(user, current):
        raise DomainError("That is not your current password.", field="current")
    if not 10 <= len(new or "") <= 200:
        raise DomainError("Use at least 10 characters.", field="new")
    user.password_hash = hash_password(new)
    user.end_sessions()
    session.commit()


CONTACT_CHOICES = ("email", "none")


@unit_of_work
def set_contact_preference(session: Session, user: User, choice: str) -> None:
    """How the person wants to hear from us at all ("email" or "none": "none" stops every email below)."""
    if choice not in CONTACT_CHOICES:
        raise DomainError("Choose how we should contact you.", field="contact_preference")
    user.contact_preference = choice
    session.add(user)
    session.commit()


@unit_of_work
def set_notifications(session: Session, user: User, *, contact: str, updates: bool, questionnaire: bool,
                      digest: bool | None = None) -> None:
    """Every notification switch of an account at once (the account page's one form). ``digest`` is only
    changed for a councillor (None: left as it is)."""
    if contact not in CONTACT_CHOICES:
        raise DomainError("Choose how we should contact you.", field="contact_preference")
    user.contact_preference = contact
    user.notify_updates, user.notify_questionnaire = bool(updates), bool(questionnaire)
    if digest is not None and user.role is Role.COUNCILLOR:
        user.notify_digest = bool(digest)
    session.add(user)
    session.commit()


def end_sessions(session: Session, user: User) -> None:
    """End every session of this account ("log out everywhere"); the caller re-issues its own if it should
    stay."""
    user.end_sessions()
    session.commit()


def check_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and password_matches(user.password_hash, password or "")


def export_user_data(session: Session, user: User) -> dict:
    """Everything we hold about a user, for a data-subject access request (JSON-ready)."""
    reports = session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at))
    return {
        "account": {"email": user.email, "display_name": user.display_name, "role": user.role.value,
                    "created_at": user.created_at.isoformat(),
                    "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None},
        "reports": [{
            "reference": r.reference, "category": r.category.name, "description": r.description,
            "status": r.status.value, "name_hidden": r.anonymous, "answers": r.answers,
            "created_at": r.created_at.isoformat(), "ward": r.ward.name if r.ward else None,
            "photos": len(r.photos),
            "timeline": [{"at": e.at.isoformat(), "status": e.to_status.value if e.to_status else None,
                          "note": e.note} for e in r.events if not e.internal],
        } for r in reports],
    }


def delete_account(session: Session, user: User) -> int:
    """Delete a user; their reports stay as an anonymous public record. Returns the reports kept."""
    kept = session.execute(update(Report).where(Report.reporter_id == user.id)
                           .values(reporter_id=None, anonymous=True)).rowcount
    session.execute(update(ReportEvent).where(ReportEvent.actor_id == user.id).values(actor_id=None))
    clear_failures(session, email_key(user.email), second_step_key(user.email))
    # Contact details given with reports through Open311 or staff, under the same address, go too.
    session.execute(update(ReportContact).where(func.lower(ReportContact.email) == user.email.lower())
                    .values(email="", first_name="", last_name="", phone=""))
    # Mail about the account must not outlive it (queued or already sent).
    session.execute(delete(OutboxMessage).where(func.lower(OutboxMessage.to_addr) == user.email.lower()))
    session.delete(user)
    session.commit()
    return kept


def anonymise_inactive(session: Session, days: int, now: datetime | None = None) -> int:
    """Delete resident accounts with no login (or, never logged in, no sign-up) for ``days``."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    stale = session.scalars(select(User).where(
        User.role == Role.RESIDENT, func.coalesce(User.last_login_at, User.created_at) < cutoff)).all()
    for user in stale:
        delete_account(session, user)
    return len(stale)
