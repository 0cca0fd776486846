"""API keys for machine clients: issued by an admin, named, revocable; only their hash is stored."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiKey, utcnow

from .errors import DomainError
from .transaction import duplicates_refused, unit_of_work

KEY_PREFIX = "kb_"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@unit_of_work
def create_key(session: Session, name: str, may_update: bool = False) -> tuple[ApiKey, str]:
    """A new key; returns (record, the key itself). The key is shown once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError("Give the key a name of 1 to 80 characters (who it is for).", field="name")
    raw = KEY_PREFIX + secrets.token_urlsafe(24)
    key = ApiKey(name=name, key_hash=hash_key(raw), may_update=may_update)
    session.add(key)
    with duplicates_refused(session, {ApiKey.name: DomainError(f"There is already a key named “{name}”.",
                                                               field="name")}):
        session.commit()
    return key, raw


def revoke_key(session: Session, name: str) -> ApiKey:
    key = session.scalars(select(ApiKey).where(ApiKey.name == (name or "").strip())).first()
    if key is None:
        raise DomainError(f"No key named “{name}”.", field="name")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.commit()
    return key


def all_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def active_key(session: Session, raw: str | None) -> ApiKey | None:
    """The unrevoked key matching ``raw``, or None (missing, unknown or revoked)."""
    if not raw or len(raw) > 200:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(raw))).first()
    return key if key is not None and key.active else None
