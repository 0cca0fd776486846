"""Configuration from the environment. No default secrets outside development and tests."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from . import cluster, redis_server

INSTANCE = cluster.INSTANCE

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def env_bool(env, name: str, default: bool) -> bool:
    """A boolean setting: true/yes/on/1 or false/no/off/0, in any case; unset or empty means ``default``.
    Anything else is an error rather than a guess, so a typo cannot leave a protection switched on or off."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise RuntimeError(f"{name} must be one of {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)} "
                       f"(any case), not {raw!r}")


def _dev_secret() -> str:
    """Development only: a random key generated once and kept under instance/."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment() -> dict:
    env = os.environ
    production = env.get("KERBSIDE_ENV") == "production"
    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise RuntimeError("SECRET_KEY must be set in production (KERBSIDE_ENV=production)")
        secret = _dev_secret()
    base_url = env.get("BASE_URL", "").strip()
    if not base_url:
        if production:
            raise RuntimeError("BASE_URL must be set in production (KERBSIDE_ENV=production), e.g. "
                               "https://kerbside.example.gov.uk: every link in emails, feeds and APIs uses it")
        base_url = "http://127.0.0.1:5000"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"BASE_URL must be an http(s) address like https://kerbside.example.gov.uk, "
                           f"not {base_url!r}")
    # Hosts the site answers to: production refuses any other Host header (400). TRUSTED_HOSTS adds more.
    trusted = [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    trusted_hosts = [parts.hostname, *trusted] if production or trusted else None
    return {
        "SECRET_KEY": secret,
        "DATABASE_URL": env.get("DATABASE_URL") or (cluster.URL_FILE.read_text().strip()
                                                    if cluster.URL_FILE.exists() else None),
        "PHOTO_DIR": Path(env.get("PHOTO_DIR", INSTANCE / "photos")),
        "TILE_URL": env.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "TILE_ATTRIBUTION": env.get("TILE_ATTRIBUTION",
                                    '&copy; <a href="https://www.openstreetmap.org/copyright">'
                                    "OpenStreetMap</a> contributors"),
        "MAIL_HOST": env.get("MAIL_HOST", "127.0.0.1"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "8025")),
        "MAIL_FROM": env.get("MAIL_FROM", "Kerbside <no-reply@kerbside.invalid>"),
        # Sent emails (addresses, single-use links) are deleted this many days after sending.
        "OUTBOX_KEEP_DAYS": int(env.get("OUTBOX_KEEP_DAYS", "30")),
        "BASE_URL": base_url.rstrip("/"),     # every absolute link (emails, feeds, Open311) starts with it
        "TRUSTED_HOSTS": trusted_hosts,
        # Photos uploaded with a report that was never sent are deleted after this many hours.
        "PHOTO_PENDING_HOURS": int(env.get("PHOTO_PENDING_HOURS", "24")),
        # Fernet key(s) for the two-factor secrets, comma-separated (the first encrypts; all decrypt). Unset: a
        # key derived from SECRET_KEY (then changing SECRET_KEY means resetting every staff account's 2FA).
        "TOTP_ENCRYPTION_KEY": env.get("TOTP_ENCRYPTION_KEY", ""),
        "COUNCIL_NAME": env.get("COUNCIL_NAME", "Lewisham"),
        # Shared by every worker process: the private redis that `make run/serve/test` start, unless set.
        "RATELIMIT_STORAGE_URI": (env.get("RATELIMIT_STORAGE_URI") or redis_server.configured_uri()
                                  or "memory://"),
        # Sets apart the keys of two sites sharing one store. Read once per process: Flask-Limiter keeps the
        # first non-empty prefix for every later app made in the same process.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_ENABLED": env_bool(env, "RATELIMIT_ENABLED", True),
        # Redis away: count in each process's memory meanwhile (looser limits) rather than answer 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "PRODUCTION": production,
        "INACTIVE_DAYS": int(env.get("INACTIVE_DAYS", "730")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        # Three photos of at most PHOTO_MAX_BYTES each plus the form: larger bodies are refused outright.
        "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
        "PHOTO_MAX_COUNT": 3,
        "MAX_CONTENT_LENGTH": 34 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(env.get("SESSION_HOURS", "12"))),
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The Open311 API authenticates with API keys, not cookies: no CSRF token.
        "CSRF_EXEMPT_BLUEPRINTS": ("open311",),
        # Per API key (or per address without one), Flask-Limiter syntax.
        "OPEN311_READ_LIMIT": env.get("OPEN311_READ_LIMIT", "600/minute"),
        "OPEN311_WRITE_LIMIT": env.get("OPEN311_WRITE_LIMIT", "60/minute"),
    }
