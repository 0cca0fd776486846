"""Accounts: register and authenticate. Passwords are hashed with scrypt (werkzeug)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import Role, User, utcnow

from .errors import EmailTaken

# Checked against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("kerbside-timing-equaliser")


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def register_user(session: Session, *, email: str, password: str, display_name: str,
                  role: Role = Role.RESIDENT) -> User:
    email = email.strip()
    if user_by_email(session, email) is not None:
        raise EmailTaken("An account with that email address already exists. Log in instead.")
    user = User(email=email, password_hash=generate_password_hash(password),
                display_name=display_name.strip(), role=role)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # a concurrent registration with the same email
        session.rollback()
        raise EmailTaken("An account with that email address already exists. Log in instead.") from None
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (in the same time either way)."""
    user = user_by_email(session, email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    session.commit()
    return user
