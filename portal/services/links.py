"""Links in emails: absolute addresses from the configured BASE_URL (never from a request's Host header), and
signed tokens that expire and, when the link grants something, work once.

No Flask here: the app gives every database session a ``Links`` (``session.info["links"]``, see portal/db.py),
so a service that writes an email builds its links from the session it was handed, in a request, the mail
worker or a test alike.

A token's digest is recorded in ``used_links`` in the same transaction as what the link does, so a replay
(a forwarded email, a mail scanner, a browser's history) finds it used; a failed action leaves it unused.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from models import UsedLink, utcnow

if TYPE_CHECKING:     # the app's routes are handed in; nothing here imports werkzeug at run time
    from werkzeug.routing import Map, MapAdapter

USED = "This link has already been used. Each link in our emails works once."


class BadLink(Exception):
    """A link that was forged, altered, used already or has expired; ``message`` says which in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def bind_base_url(url_map: Map, base_url: str) -> MapAdapter:
    """The routes bound to BASE_URL's scheme, host and path: the only way an absolute URL is built."""
    base = urlsplit(base_url)
    return url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme)


@dataclass(frozen=True)
class Links:
    """Builds absolute URLs under ``base_url`` from the app's routes, and signs tokens with its secret."""
    base_url: str
    url_map: Map
    secret_key: str
    #: The app's settings, for services that need one (e.g. the two-factor encryption keys).
    config: Mapping

    def url(self, endpoint: str, **values) -> str:
        return bind_base_url(self.url_map, self.base_url).build(endpoint, values, force_external=True)

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=f"kerbside.{purpose}")

    def make_token(self, purpose: str, payload) -> str:
        return self._serializer(purpose).dumps(payload)

    def keyed_digest(self, purpose: str, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` under the secret, for ``purpose`` (hex): the same data always gives the same
        digest, which nobody without the secret can compute, so it cannot be used to test guesses of what went
        into it (a plain hash of mostly public content and one email address could)."""
        return hmac.new(f"kerbside.{purpose}:{self.secret_key}".encode(), data, hashlib.sha256).hexdigest()

    def read_token(self, purpose: str, token: str, max_age: timedelta):
        try:
            return self._serializer(purpose).loads(token or "", max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise BadLink("This link has expired. Ask for a new one.") from None
        except BadSignature:
            raise BadLink("This link is not valid. Check that you copied all of it.") from None


def links_of(session: Session) -> Links:
    try:
        return session.info["links"]
    except KeyError:
        raise RuntimeError("this session has no link builder: make sessions with portal.db (create_app), or "
                           "put a Links in session.info['links']") from None


def external_url(session: Session, endpoint: str, **values) -> str:
    """An absolute link, always under BASE_URL."""
    return links_of(session).url(endpoint, **values)


def make_token(session: Session, purpose: str, payload) -> str:
    return links_of(session).make_token(purpose, payload)


def read_token(session: Session, purpose: str, token: str, max_age: timedelta):
    """The payload of a token made by ``make_token`` for this purpose, or BadLink. Does not use it up."""
    return links_of(session).read_token(purpose, token, max_age)


def use_token(session: Session, purpose: str, token: str, max_age: timedelta):
    """Read a token and mark it used, in the caller's transaction; BadLink if it was used before.

    The insert takes the row lock, so of two concurrent uses one waits and then finds it used."""
    payload = read_token(session, purpose, token, max_age)
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
