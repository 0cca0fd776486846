"""Changing the email address of an account: confirmed at the new address, by a single-use link that expires.

Until the link is followed nothing changes and the old address stays the account's. Asking needs the account's
password (a session left open on a shared computer must not be enough to take the account over). The old
address is told when the change is asked for and again when it is done. When it is done every other session of
the account ends (issue 10), and the link dies if the account's address changed in between.

An address another account already has is refused without telling the person asking: the page says the same
("check the new address"), and what reaches that address says it already has an account and nothing changes.
Only its owner learns it. The database's unique index on ``lower(email)`` is the last word if two accounts race.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import User, utcnow

from .accounts import check_password, user_by_email
from .emails import email_key, normalise_email
from .errors import DomainError
from .links import BadLink, external_url, make_token, use_token
from .notifications import queue_email
from .transaction import unit_of_work

PURPOSE = "email-change"
LIFETIME = timedelta(hours=24)
GONE = "This link is no longer valid: your account's email address has changed since it was sent, or the " \
       "account is closed. Ask for a new one from your account page."
TAKEN = "That address now belongs to another account, so your email address has not changed."


def masked(address: str) -> str:
    """An address as shown to someone who may not own it: its first letter and its domain (``n…@example.com``)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


@unit_of_work
def request_change(session: Session, user: User, password: str, new_email: str) -> str:
    """Send the confirmation link to ``new_email`` (normalised: the one email rule) and tell the old address.
    Returns the address as it will be stored. Raises DomainError (field "email" or "password"); writes nothing
    then."""
    if not check_password(user, password):
        raise DomainError("That is not your password.", field="password")
    address = normalise_email(new_email)
    if email_key(address) == email_key(user.email):
        raise DomainError("That is already your email address. Enter the new one.", field="email")
    other = user_by_email(session, address)
    if other is not None:
        queue_email(session, address, "Someone tried to move a Kerbside account to this address",
                    f"Hello {other.greeting},\n\nSomeone (perhaps you, from another account) asked to use this "
                    "address for a Kerbside account, but it already has one, so nothing has changed. An address "
                    "can belong to one account only.\n\nIf you did not ask for this, you need do nothing.\n")
    else:
        token = make_token(session, PURPOSE, {"u": user.id, "e": address, "o": email_key(user.email)})
        link = external_url(session, "account.confirm_email", token=token)
        queue_email(session, address, "Confirm your new email address for Kerbside",
                    f"Hello {user.greeting},\n\nTo use this address for your Kerbside account, confirm it within "
                    f"24 hours:\n\n{link}\n\nThe link works once. Until you follow it, your account keeps its "
                    "old address. If you did not ask for this, ignore this email.\n")
    # The old address hears of it either way (what it was asked to change to stays masked).
    queue_email(session, user.email, "Your Kerbside email address: a change was asked for",
                f"Hello {user.greeting},\n\nSomeone signed in to your Kerbside account asked to change its email "
                f"address to {masked(address)}. Nothing changes until the link sent there is followed.\n\n"
                "If this was not you, change your password now and log out of every other device from your "
                f"account page: {external_url(session, 'account.settings')}\n")
    session.commit()
    return address


def check_link(session: Session, token: str) -> tuple[User, str]:
    """The account and new address a still-valid, unused link is for; BadLink otherwise (nothing used up)."""
    from .links import read_token
    return _target(session, read_token(session, PURPOSE, token, LIFETIME))


def _target(session: Session, payload) -> tuple[User, str]:
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int) \
            or not isinstance(payload.get("e"), str) or not isinstance(payload.get("o"), str):
        raise BadLink("This link is not valid. Check that you copied all of it.")
    user = session.get(User, payload["u"])
    if user is None or not user.active or email_key(user.email) != payload["o"]:
        raise BadLink(GONE)
    other = user_by_email(session, payload["e"])
    if other is not None and other.id != user.id:
        raise BadLink(TAKEN)
    return user, payload["e"]


def confirm_change(session: Session, token: str) -> User:
    """Follow the link (once): the account takes the new address, the old one is told, and every session of
    the account ends (the caller re-issues its own if it is this account's). Raises BadLink."""
    try:
        payload = use_token(session, PURPOSE, token, LIFETIME)
        user, address = _target(session, payload)
        old = user.email
        user.email = address
        user.email_confirmed_at = utcnow()
        user.end_sessions()
        session.flush()
        queue_email(session, old, "Your Kerbside email address has changed",
                    f"Hello {user.greeting},\n\nThe email address of your Kerbside account is now "
                    f"{masked(address)}, and every device that was logged in has been logged out. Emails about "
                    "your account will go there from now on.\n\nIf this was not you, contact the council at once.\n")
        session.commit()
    except IntegrityError:        # another account took the address between the check and the write
        session.rollback()
        raise BadLink(TAKEN) from None
    except BaseException:
        session.rollback()
        raise
    return user
