"""Password reset by an emailed link: signed, expiring after an hour, and single-use (the link carries a
fingerprint of the current password hash, so it dies as soon as the password changes).

Asking for a reset looks the same whether or not the address has an account."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import LoginThrottle, User

from .accounts import user_by_email
from .emails import email_key
from .errors import DomainError
from .links import BadLink, external_url, make_token, read_token, use_token
from .notifications import queue_email
from .passwords import hash_password

PURPOSE = "password-reset"
LIFETIME = timedelta(hours=1)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "no-password").encode()).hexdigest()[:16]


def request_reset(session: Session, email: str) -> None:
    """Queue a reset link if the address has an active account; say nothing either way."""
    user = user_by_email(session, email or "")
    if user is not None and user.active:
        token = make_token(session, PURPOSE, {"u": user.id, "f": _fingerprint(user)})
        link = external_url(session, "account.reset_password", token=token)
        queue_email(session, user.email, "Reset your Kerbside password",
                    f"Hello {user.greeting},\n\nSomeone (we hope you) asked to reset the password of your "
                    f"Kerbside account. Choose a new password here within the next hour:\n\n{link}\n\n"
                    "The link works once. If you did not ask for this, ignore this email: your password has not "
                    "changed.\n")
    session.commit()


def user_for_token(session: Session, token: str) -> User:
    """The user a still-valid, unused reset link is for; BadLink otherwise."""
    payload = read_token(session, PURPOSE, token, LIFETIME)
    user = session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("f") != _fingerprint(user):
        raise BadLink("This link has already been used or is no longer valid. Ask for a new one.")
    return user


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set the new password, use the link up and end every session of the account (whoever had it before
    the reset is logged out everywhere)."""
    user = user_for_token(session, token)
    if len(new_password or "") < 10:
        raise DomainError("Use at least 10 characters.", field="password")
    use_token(session, PURPOSE, token, LIFETIME)
    user.password_hash = hash_password(new_password)
    user.end_sessions()
    session.execute(delete(LoginThrottle).where(LoginThrottle.email_key == email_key(user.email)))
    session.commit()
    return user
