"""People who report without an account (or through staff): an email-only user with no password."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import User

from .accounts import user_by_email
from .emails import normalise_email
from .errors import DomainError


class AccountDisabled(DomainError):
    """The address belongs to an account an admin has disabled: nothing is made in its name."""
    field = "email"


DISABLED = "This email address cannot be used here. If you think this is a mistake, contact the council."


def usable(user: User | None) -> bool:
    """Whether a link mailed to this person may still act in their name (their account not disabled since)."""
    return user is not None and user.active


def contact_user(session: Session, email: str, name: str = "") -> User:
    """The user with this email, or a new email-only one (no password: cannot log in until claimed).
    Raises InvalidEmail, or AccountDisabled for a disabled account's address: every way in without an account
    (a report, an update, following a report, an alert) comes here, so a disabled account cannot go on through
    any of them. The name is only ever one the person typed (never derived from the address)."""
    email = normalise_email(email)
    user = user_by_email(session, email)
    if user is not None and not user.active:
        raise AccountDisabled(DISABLED)
    if user is None:
        user = User(email=email, password_hash=None, display_name=(name or "").strip()[:80])
        session.add(user)
        session.flush()
    return user
