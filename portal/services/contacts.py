"""People who report without an account (or through staff): an email-only user with no password."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import User

from .accounts import user_by_email
from .emails import normalise_email


def contact_user(session: Session, email: str, name: str = "") -> User:
    """The user with this email, or a new email-only one (no password: cannot log in until claimed).
    Raises InvalidEmail. The name is only ever one the person typed (never derived from the address)."""
    email = normalise_email(email)
    user = user_by_email(session, email)
    if user is None:
        user = User(email=email, password_hash=None, display_name=(name or "").strip()[:80])
        session.add(user)
        session.flush()
    return user
