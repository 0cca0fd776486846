"""Public sign-up with email confirmation, so that the sign-up form never tells whether an address already
has an account: every valid sign-up gets the same answer ("check your email") and the same work (one scrypt
hash); what the email says depends on the address, and only its owner reads it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from models import User, utcnow

from .accounts import user_by_email
from .emails import normalise_email
from .links import BadLink, external_url, make_token, use_token
from .notifications import queue_email
from .passwords import hash_password

PURPOSE = "register"
LIFETIME = timedelta(days=3)


def confirmation_link(session: Session, user: User) -> str:
    # The hash fingerprint makes the link single-use and void once a newer sign-up changes the password.
    token = make_token(session, PURPOSE, {"u": user.id, "f": (user.password_hash or "")[-16:]})
    return external_url(session, "account.confirm_registration", token=token)


def send_confirmation(session: Session, user: User) -> None:
    queue_email(session, user.email, "Confirm your Kerbside account",
                f"Hello {user.greeting},\n\nTo finish creating your Kerbside account, confirm your email "
                f"address within three days:\n\n{confirmation_link(session, user)}\n\nIf you did not sign up, ignore "
                "this email and no account will be made.\n")


def resend_confirmation(session: Session, user: User) -> None:
    """Send the confirmation link again (a right password for an unconfirmed account)."""
    send_confirmation(session, user)
    session.commit()


def start_registration(session: Session, *, email: str, password: str, display_name: str) -> None:
    """Begin a sign-up; the caller shows "check your email" whatever happened here."""
    email, name = normalise_email(email), display_name.strip()
    password_hash = hash_password(password)     # same work whether or not the address is known
    user = user_by_email(session, email)
    if user is not None and user.email_confirmed_at is not None and user.password_hash:
        queue_email(session, user.email, "You already have a Kerbside account",
                    f"Hello {user.greeting},\n\nSomeone (we hope you) tried to sign up with this address, "
                    f"but it already has an account. Log in at {external_url(session, 'account.login')}, or if you have "
                    f"forgotten your password, reset it at {external_url(session, 'account.forgot_password')}.\n")
    else:
        if user is None:
            user = User(email=email, display_name=name, password_hash=password_hash)
            session.add(user)
        else:   # an earlier unconfirmed sign-up, or someone who reported with just this email address
            user.password_hash, user.display_name = password_hash, name or user.display_name
        session.flush()
        send_confirmation(session, user)
    session.commit()


def confirm_registration(session: Session, token: str) -> User:
    payload = use_token(session, PURPOSE, token, LIFETIME)
    user = session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("f") != (user.password_hash or "")[-16:]:
        raise BadLink("This link has already been used or is no longer valid. Sign up again to get a new one.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    session.commit()
    return user
