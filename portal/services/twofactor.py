"""Two-factor sign-in (TOTP, RFC 6238, 6 digits every 30 s) for the accounts that see residents' contact details.

Who needs it is the visibility rule's own list of staff roles, so the two cannot drift apart. A code is
accepted for the current 30-second step or one either side (clock drift), and never twice: the step of the
last accepted code is stored and a code of that step or an earlier one is refused. Ten single-use recovery
codes stand in for a lost authenticator; only their digests are kept. Wrong codes are throttled and locked
like wrong passwords (``accounts.record_failure``), under the account's own key.

The shared secret is encrypted in the database with Fernet (AES-128-CBC + HMAC-SHA256). The key is
``TOTP_ENCRYPTION_KEY`` (one or more Fernet keys, comma-separated: the first encrypts, all decrypt, so keys can
be rotated), else one derived from ``SECRET_KEY`` with HKDF, in which case changing ``SECRET_KEY`` makes every
secret unreadable and each account must be reset by an administrator (``flask users reset-2fa``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import RecoveryCode, User, utcnow

from . import accounts
from .errors import DomainError
from .visibility import STAFF_ROLES
from .links import links_of

#: The roles that must sign in with a second factor: those that see residents' contact details.
REQUIRED_ROLES = STAFF_ROLES
STEP_SECONDS = 30
DRIFT_STEPS = 1                   # a code of the step before or after the server's is accepted too
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i: read from paper without doubt
RECOVERY_LENGTH = 12              # 31^12 ~ 2^59
TOTP_RE = re.compile(r"^[0-9]{6}$")


class WrongCode(DomainError):
    field = "code"


class CodeLockedOut(DomainError):
    """Too many wrong codes for this account: ``until`` says when to try again."""
    field = "code"

    def __init__(self, until: datetime):
        super().__init__("Too many wrong codes. Wait a few minutes, then try again, or use a recovery code "
                         "later. An administrator can unlock your account.")
        self.until = until


class SecretUnreadable(DomainError):
    field = "code"


def required_for(user) -> bool:
    """Whether this account must pass a second step to sign in."""
    return user is not None and getattr(user, "role", None) in REQUIRED_ROLES


# --- the secret, encrypted at rest ------------------------------------------------------------------------

def secret_box(config: Mapping) -> MultiFernet:
    keys = [k.strip() for k in (config.get("TOTP_ENCRYPTION_KEY") or "").split(",") if k.strip()]
    if not keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kerbside totp secrets").derive(
            config["SECRET_KEY"].encode())
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def seal(secret: str, config: Mapping) -> str:
    return secret_box(config).encrypt(secret.encode()).decode()


def unseal(token: str, config: Mapping) -> str:
    try:
        return secret_box(config).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("Your two-factor secret cannot be read (the server's key has changed). Use a "
                               "recovery code, or ask an administrator to reset two-factor sign-in.") from None


# --- codes ------------------------------------------------------------------------------------------------

def normalise(code: str | None) -> str:
    """What was typed, without spaces or hyphens, lower-cased (codes are read aloud and copied from paper)."""
    return re.sub(r"[\s\-]+", "", code or "").lower()[:64]


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step (near ``now``) whose TOTP code is ``code``, else None."""
    if not TOTP_RE.match(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in (current, *(current + d for n in range(1, DRIFT_STEPS + 1) for d in (-n, n))):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _digest(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{normalise(code)}".encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    session.add_all([RecoveryCode(user_id=user.id, code_hash=_digest(user, c), created_at=now) for c in codes])
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).where(RecoveryCode.user_id == user.id,
                                                     RecoveryCode.used_at.is_(None)))


def _check_lock(session: Session, user: User, now: datetime) -> None:
    until = accounts.locked_until(session, accounts.second_step_key(user.email), now)
    if until is not None:
        raise CodeLockedOut(until)


def _fail(session: Session, user: User, now: datetime, message: str) -> WrongCode:
    accounts.record_failure(session, accounts.second_step_key(user.email), now)
    session.commit()
    return WrongCode(message)


# --- enrolment --------------------------------------------------------------------------------------------

def start_enrolment(session: Session, user: User) -> str:
    """The secret to show to a user setting up their authenticator: the one waiting for confirmation, or a new
    one (160 random bits). Nothing is enabled until ``confirm_enrolment``."""
    if user.two_factor_enabled:
        raise DomainError("Two-factor sign-in is already set up for this account.")
    if user.totp_secret:
        try:
            return unseal(user.totp_secret, links_of(session).config)
        except SecretUnreadable:
            pass                          # made under an old key: start again with a new one
    secret = pyotp.random_base32(32)
    user.totp_secret, user.totp_last_step = seal(secret, links_of(session).config), None
    session.commit()
    return secret


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=issuer)


def confirm_enrolment(session: Session, user: User, code: str, now: datetime | None = None) -> list[str]:
    """Enable two-factor sign-in once the user proves their authenticator works; returns the recovery codes,
    in clear for the only time (they are stored as digests)."""
    now = now or utcnow()
    session.refresh(user, with_for_update=True)    # one confirmation at a time: one set of recovery codes
    if user.two_factor_enabled or not user.totp_secret:
        raise DomainError("Two-factor sign-in is set up already, or its set-up has ended: log in again.",
                          field="code")
    _check_lock(session, user, now)
    step = matching_step(unseal(user.totp_secret, links_of(session).config), normalise(code), now)
    if step is None:
        raise _fail(session, user, now, "That code is not right. Enter the 6-digit code your app shows now.")
    user.totp_enabled_at, user.totp_last_step = now, step
    accounts.clear_failures(session, accounts.second_step_key(user.email))
    codes = _new_recovery_codes(session, user, now)
    session.commit()
    return codes


# --- the second step --------------------------------------------------------------------------------------

def verify(session: Session, user: User, code: str, now: datetime | None = None) -> str:
    """Check the second step: a TOTP code not used before, or an unused recovery code (then spent).
    Returns "totp" or "recovery"; raises WrongCode (counted towards a lock) or CodeLockedOut."""
    now = now or utcnow()
    if not user.two_factor_enabled:
        raise DomainError("Two-factor sign-in is not set up for this account.", field="code")
    _check_lock(session, user, now)
    entered = normalise(code)
    if TOTP_RE.match(entered):
        step = matching_step(unseal(user.totp_secret, links_of(session).config), entered, now)
        if step is None:
            raise _fail(session, user, now, "That code is not right. Enter the 6-digit code your app shows now.")
        # Claim the step atomically: of two requests with the same code, only one moves it forward.
        claimed = session.execute(
            update(User).where(User.id == user.id,
                               (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            raise _fail(session, user, now, "That code has been used already. Wait for your app to show the "
                                            "next one.")
        user.totp_last_step = step
        how = "totp"
    else:
        spent = session.execute(
            update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                       RecoveryCode.code_hash == _digest(user, entered),
                                       RecoveryCode.used_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False)).rowcount
        if not spent:
            raise _fail(session, user, now, "That code is not right. Enter the 6-digit code from your app, "
                                            "or one of your unused recovery codes.")
        how = "recovery"
    accounts.clear_failures(session, accounts.second_step_key(user.email))
    user.last_login_at = now
    session.commit()
    return how


def clear(session: Session, user: User) -> None:
    """Remove the account's second factor and recovery codes (the caller logs and commits): it enrols anew at
    its next sign-in."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    accounts.clear_failures(session, accounts.second_step_key(user.email))
