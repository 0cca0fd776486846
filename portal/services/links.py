"""Links in emails: absolute addresses from the configured BASE_URL (never from a request's Host header), and
signed tokens that expire and, when the link grants something, work once.

A token's digest is recorded in ``used_links`` in the same transaction as what the link does, so a replay
(a forwarded email, a mail scanner, a browser's history) finds it used; a failed action leaves it unused.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import UsedLink, utcnow

USED = "This link has already been used. Each link in our emails works once."


class BadLink(Exception):
    """A link that was forged, altered, used already or has expired; ``message`` says which in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Remember the app, so services called outside a request or app context (the mail worker, scripts,
    tests) can still sign links and build URLs with its secret key and routes."""
    global _app
    _app = app


def _the_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        raise RuntimeError("links need an app: call create_app() first")
    return _app


def external_url(endpoint: str, **values) -> str:
    """An absolute link, always under BASE_URL (see portal.app.Kerbside.url_for)."""
    return _the_app().url_for(endpoint, _external=True, **values)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_the_app().config["SECRET_KEY"], salt=f"kerbside.{purpose}")


def make_token(purpose: str, payload) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: timedelta):
    """The payload of a token made by ``make_token`` for this purpose, or BadLink. Does not use it up."""
    try:
        return _serializer(purpose).loads(token or "", max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise BadLink("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise BadLink("This link is not valid. Check that you copied all of it.") from None


def use_token(session: Session, purpose: str, token: str, max_age: timedelta):
    """Read a token and mark it used, in the caller's transaction; BadLink if it was used before.

    The insert takes the row lock, so of two concurrent uses one waits and then finds it used."""
    payload = read_token(purpose, token, max_age)
    now = utcnow()
    digest = hashlib.sha256(f"{purpose}:{token}".encode()).hexdigest()
    inserted = session.execute(
        insert(UsedLink).values(digest=digest, purpose=purpose[:40], used_at=now, expires_at=now + max_age)
        .on_conflict_do_nothing(index_elements=["digest"]).returning(UsedLink.digest)).first()
    if inserted is None:
        raise BadLink(USED)
    return payload


def purge_used_links(session: Session) -> int:
    """Forget used links that have expired anyway (the worker calls this hourly)."""
    result = session.execute(delete(UsedLink).where(UsedLink.expires_at < utcnow()))
    session.commit()
    return result.rowcount
