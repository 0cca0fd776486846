"""Settings from the environment, read once at start-up into one typed object (``Settings``).

A bad value stops start-up with a message that names the variable and says what it takes, rather than being
guessed at: ``RATELIMIT_ENABLED=flase`` must not leave rate limits on, nor ``KERBSIDE_ENV=Production`` leave
the site in development mode. Unset or empty means the default. No default secrets outside development.

The development tooling (``devtools``) writes the private database's and Redis's addresses into files under
``instance/``; they are read here by path, so the web app never imports the tooling.
"""
from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from limits import parse_many
from pydantic import BeforeValidator, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("KERBSIDE_INSTANCE", ROOT / "instance"))
#: Written by ``python -m devtools.cluster ensure``: the private cluster's database URL.
DATABASE_URL_FILE = INSTANCE / "database_url"
#: Written by ``python -m devtools.redis_server ensure``: the private Redis's Flask-Limiter storage URI.
RATELIMIT_URI_FILE = INSTANCE / "ratelimit_storage_uri"

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
ENVIRONMENTS = ("development", "production")
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class SettingsError(RuntimeError):
    """One or more settings in the environment are wrong; the message has a line per variable."""


# --- value types: each parser's message completes "NAME ..., not 'value'" ------------------------------------

def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"must be one of {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)} (any case)")


def _whole(minimum: int, maximum: int | None = None):
    def parse(raw: Any) -> int:
        text = str(raw).strip()
        value = int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            upto = f" to {maximum}" if maximum is not None else " or more"
            raise ValueError(f"must be a whole number, {minimum}{upto}")
        return value
    return BeforeValidator(parse)


def _environment(raw: Any) -> str:
    word = str(raw).strip().lower()
    if word not in ENVIRONMENTS:
        raise ValueError(f"must be {' or '.join(ENVIRONMENTS)}")
    return word


def _hosts(raw: Any) -> list[str]:
    hosts = [h.strip().lower() for h in (raw.split(",") if isinstance(raw, str) else raw) if h.strip()]
    for host in hosts:
        if not re.fullmatch(r"[a-z0-9.\-\[\]:]+", host) or "://" in host:
            raise ValueError("must be host names separated by commas, e.g. kerbside.example.gov.uk,"
                             "www.kerbside.example.gov.uk (no scheme, no path)")
    return hosts


def _base_url(raw: Any) -> str:
    url = str(raw).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("must be an http(s) address like https://kerbside.example.gov.uk")
    return url.rstrip("/")


def _database_url(raw: Any) -> str:
    url = str(raw).strip()
    try:
        backend = make_url(url).get_backend_name()
    except (ArgumentError, ValueError):
        backend = None
    if backend != "postgresql":
        raise ValueError("must be a PostgreSQL (PostGIS) database URL like "
                         "postgresql+psycopg2://user:password@host/kerbside")
    return url


def _storage_uri(raw: Any) -> str:
    uri = str(raw).strip()
    if not re.fullmatch(r"[a-z][a-z0-9+.\-]*://\S*", uri):
        raise ValueError("must be a Flask-Limiter storage URI like redis://host:6379/0 or memory://")
    return uri


def _in_process_memory(uri: str) -> bool:
    """A storage URI whose counters live in each process (memory://, async+memory://): no limit behind
    several workers."""
    return urlsplit(uri).scheme.split("+")[-1] == "memory"


def _rate_limit(raw: Any) -> str:
    text = str(raw).strip()
    try:
        parse_many(text)
    except ValueError:
        raise ValueError("must be a rate limit like 600/minute or 10/second;1000/hour") from None
    return text


def _accel_prefix(raw: Any) -> str:
    prefix = str(raw).strip()
    if not re.fullmatch(r"/(?:[A-Za-z0-9_\-]+/)+", prefix):
        raise ValueError("must be an internal nginx location like /internal-photos/ (starting and ending with /)")
    return prefix


def _fernet_keys(raw: Any) -> str:
    keys = [k.strip() for k in str(raw).split(",") if k.strip()]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError("must be Fernet keys separated by commas (make one with: python -c \"from "
                             "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\")") from None
    return ",".join(keys)


def _mailbox(raw: Any) -> str:
    address = str(raw).strip()
    if address and not re.fullmatch(r"[!-~]+@[!-~]+", address):
        raise ValueError("must be one email address, like moderation@council.example.gov.uk (or empty)")
    return address


Flag = Annotated[bool, BeforeValidator(_flag)]


class _Environment(EnvSettingsSource):
    """The process environment, where a value of only spaces counts as unset, like an empty one."""

    def _load_env_vars(self):
        return {name: value for name, value in super()._load_env_vars().items()
                if value is None or value.strip()}


class Settings(BaseSettings):
    """Every setting the environment gives, typed and checked. Field names are the variables' names."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore",
                                      validate_default=False)

    KERBSIDE_ENV: Annotated[str, BeforeValidator(_environment)] = "development"
    SECRET_KEY: str | None = None
    BASE_URL: Annotated[str, BeforeValidator(_base_url)] = DEFAULT_BASE_URL
    #: Extra host names the site answers to; production refuses any other Host header (400).
    TRUSTED_HOSTS: Annotated[list[str], NoDecode, BeforeValidator(_hosts)] = Field(default_factory=list)
    DATABASE_URL: Annotated[str | None, BeforeValidator(_database_url)] = None
    #: A streaming replica (hot standby) of DATABASE_URL: public pages read from it (portal/db.py).
    REPLICA_DATABASE_URL: Annotated[str | None, BeforeValidator(_database_url)] = None
    #: Public pages read the primary while the replica is further behind than this.
    REPLICA_MAX_LAG_SECONDS: Annotated[int, _whole(1, 3600)] = 10
    #: How often each process asks the replica how far behind it is (and retries one that was down).
    REPLICA_CHECK_SECONDS: Annotated[int, _whole(1, 300)] = 5
    #: After a request that wrote, the same browser reads the primary for this long (its own writes).
    READ_YOUR_WRITES_SECONDS: Annotated[int, _whole(1, 3600)] = 30
    PHOTO_DIR: Path = INSTANCE / "photos"
    #: Where browsers fetch map tiles: by default this site (/tiles/, portal/services/tiles.py), so that no third
    #: party learns which streets a resident looks at. An absolute URL sends browsers there (and into the CSP).
    TILE_URL: str = "/tiles/{z}/{x}/{y}.png"
    #: The tile server /tiles/ fetches each tile from, once a week (kept in TILE_CACHE_DIR); empty: none.
    TILE_UPSTREAM: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_CACHE_DIR: Path = INSTANCE / "tiles"
    TILE_ATTRIBUTION: str = ('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                             "contributors")
    MAIL_HOST: str = "127.0.0.1"
    MAIL_PORT: Annotated[int, _whole(1, 65535)] = 8025
    MAIL_FROM: str = "Kerbside <no-reply@kerbside.invalid>"
    #: Sent emails (addresses, single-use links) are deleted this many days after sending.
    OUTBOX_KEEP_DAYS: Annotated[int, _whole(0)] = 30
    #: The moderators' mailbox: each report or update residents flag (offensive, personal details, wrong) is
    #: emailed there as well as listed at /staff/flags. Empty: listed only.
    MODERATION_EMAIL: Annotated[str, BeforeValidator(_mailbox)] = ""
    #: Photos uploaded with a report that was never sent are deleted after this many hours.
    PHOTO_PENDING_HOURS: Annotated[int, _whole(1)] = 24
    #: Fernet key(s) for the two-factor secrets, comma-separated (the first encrypts; all decrypt). Unset: a
    #: key derived from SECRET_KEY (then changing SECRET_KEY means resetting every staff account's 2FA).
    TOTP_ENCRYPTION_KEY: Annotated[str, BeforeValidator(_fernet_keys)] = ""
    COUNCIL_NAME: str = "Lewisham"
    #: Shared by every worker process: the private Redis that `make run/serve/test` start, unless set.
    RATELIMIT_STORAGE_URI: Annotated[str | None, BeforeValidator(_storage_uri)] = None
    #: Sets apart the keys of two sites sharing one store. Read once per process: Flask-Limiter keeps the
    #: first non-empty prefix for every later app made in the same process.
    RATELIMIT_KEY_PREFIX: str = ""
    RATELIMIT_ENABLED: Flag = True
    #: `flask users anonymise-inactive` takes at least 30 days too.
    INACTIVE_DAYS: Annotated[int, _whole(30)] = 730
    SESSION_HOURS: Annotated[int, _whole(1)] = 12
    #: Per API key (or per address without one), Flask-Limiter syntax.
    OPEN311_READ_LIMIT: Annotated[str, BeforeValidator(_rate_limit)] = "600/minute"
    OPEN311_WRITE_LIMIT: Annotated[str, BeforeValidator(_rate_limit)] = "60/minute"
    #: Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto are trusted that many hops
    #: deep, so rate limits count each visitor's address and HTTPS is seen; 0 trusts no such header.
    PROXY_COUNT: Annotated[int, _whole(0, 5)] = 0
    #: nginx's internal location for the photo store (e.g. /internal-photos/): the app checks who may see a
    #: photo and nginx sends the file (X-Accel-Redirect). Empty: the app sends it.
    PHOTO_ACCEL_REDIRECT: Annotated[str, BeforeValidator(_accel_prefix)] = ""
    #: Public figures worked out from the summaries (a year's measures for every ward and the borough, 24-month
    #: trends) are kept this many seconds per process and shared by every page showing them; 0: never kept.
    FIGURES_CACHE_SECONDS: Annotated[int, _whole(0, 3600)] = 60
    #: nginx may keep a public page this many seconds for visitors without a cookie, and give out the old copy
    #: for as long again while the next is drawn (portal/shared_cache.py); 0: never. At most
    #: REPLICA_MAX_LAG_SECONDS, the other bound on how late a hidden report leaves the public pages (the two
    #: add up for a page drawn from a replica: lag + 2 × this).
    SHARED_CACHE_SECONDS: Annotated[int, _whole(0, 3600)] = 5

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return (init_settings, _Environment(settings_cls))

    @property
    def production(self) -> bool:
        return self.KERBSIDE_ENV == "production"

    @model_validator(mode="after")
    def _cache_within_lag(self) -> "Settings":
        if "SHARED_CACHE_SECONDS" not in self.model_fields_set:    # the default yields to a tighter bound
            self.SHARED_CACHE_SECONDS = min(self.SHARED_CACHE_SECONDS, self.REPLICA_MAX_LAG_SECONDS)
        if self.SHARED_CACHE_SECONDS > self.REPLICA_MAX_LAG_SECONDS:
            raise ValueError(f"SHARED_CACHE_SECONDS ({self.SHARED_CACHE_SECONDS}) may not exceed "
                             f"REPLICA_MAX_LAG_SECONDS ({self.REPLICA_MAX_LAG_SECONDS}): both bound how long a "
                             "public page may show a report after it was hidden")
        return self

    @model_validator(mode="after")
    def _production_rules(self) -> "Settings":
        if self.production and not self.SECRET_KEY:
            raise ValueError("SECRET_KEY must be set in production (KERBSIDE_ENV=production)")
        if self.production and "BASE_URL" not in self.model_fields_set:
            raise ValueError("BASE_URL must be set in production (KERBSIDE_ENV=production), e.g. "
                             "https://kerbside.example.gov.uk: every link in emails, feeds and APIs uses it")
        if self.production and self.RATELIMIT_ENABLED and _in_process_memory(self.ratelimit_storage_uri()):
            raise ValueError("RATELIMIT_STORAGE_URI must name a store every worker shares in production "
                             "(KERBSIDE_ENV=production), e.g. redis://127.0.0.1:6379/0 or "
                             "redis+unix:///run/redis/redis-server.sock: with memory:// each gunicorn worker "
                             "counts alone, so a limit of 10 is 40 with four workers "
                             "(RATELIMIT_ENABLED=false turns rate limits off instead)")
        return self

    def ratelimit_storage_uri(self) -> str:
        """Where rate limits are counted: RATELIMIT_STORAGE_URI, else the private Redis the tooling set up
        (instance/ratelimit_storage_uri), else each process's own memory."""
        return self.RATELIMIT_STORAGE_URI or _read(RATELIMIT_URI_FILE) or "memory://"

    def trusted_hosts(self) -> list[str] | None:
        """Hosts the site answers to: BASE_URL's and TRUSTED_HOSTS in production (or when any is listed);
        None (any host) in development."""
        if not (self.production or self.TRUSTED_HOSTS):
            return None
        return [urlsplit(self.BASE_URL).hostname, *self.TRUSTED_HOSTS]

    def flask_config(self) -> dict:
        """The Flask configuration these settings make, with the addresses the tooling left under instance/
        and the development secret filled in."""
        production = self.production
        return {
            **FIXED,
            "SECRET_KEY": self.SECRET_KEY or _dev_secret(),
            "DATABASE_URL": self.DATABASE_URL or _read(DATABASE_URL_FILE),
            "REPLICA_DATABASE_URL": self.REPLICA_DATABASE_URL,
            "REPLICA_MAX_LAG_SECONDS": self.REPLICA_MAX_LAG_SECONDS,
            "REPLICA_CHECK_SECONDS": self.REPLICA_CHECK_SECONDS,
            "READ_YOUR_WRITES_SECONDS": self.READ_YOUR_WRITES_SECONDS,
            "PHOTO_DIR": self.PHOTO_DIR,
            "TILE_URL": self.TILE_URL,
            "TILE_UPSTREAM": self.TILE_UPSTREAM,
            "TILE_CACHE_DIR": self.TILE_CACHE_DIR,
            "TILE_ATTRIBUTION": self.TILE_ATTRIBUTION,
            "MAIL_HOST": self.MAIL_HOST,
            "MAIL_PORT": self.MAIL_PORT,
            "MAIL_FROM": self.MAIL_FROM,
            "OUTBOX_KEEP_DAYS": self.OUTBOX_KEEP_DAYS,
            "MODERATION_EMAIL": self.MODERATION_EMAIL,
            "BASE_URL": self.BASE_URL,     # every absolute link (emails, feeds, Open311) starts with it
            "TRUSTED_HOSTS": self.trusted_hosts(),
            "PHOTO_PENDING_HOURS": self.PHOTO_PENDING_HOURS,
            "TOTP_ENCRYPTION_KEY": self.TOTP_ENCRYPTION_KEY,
            "COUNCIL_NAME": self.COUNCIL_NAME,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri(),
            "RATELIMIT_KEY_PREFIX": self.RATELIMIT_KEY_PREFIX,
            "RATELIMIT_ENABLED": self.RATELIMIT_ENABLED,
            "PRODUCTION": production,
            "INACTIVE_DAYS": self.INACTIVE_DAYS,
            "SESSION_COOKIE_SECURE": production,
            "REMEMBER_COOKIE_SECURE": production,
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=self.SESSION_HOURS),
            "OPEN311_READ_LIMIT": self.OPEN311_READ_LIMIT,
            "OPEN311_WRITE_LIMIT": self.OPEN311_WRITE_LIMIT,
            "PROXY_COUNT": self.PROXY_COUNT,
            "PHOTO_ACCEL_REDIRECT": self.PHOTO_ACCEL_REDIRECT,
            "FIGURES_CACHE_SECONDS": self.FIGURES_CACHE_SECONDS,
            "SHARED_CACHE_SECONDS": self.SHARED_CACHE_SECONDS,
        }


#: Settings that are not read from the environment.
FIXED = {
    # Redis away: count in each process's memory meanwhile (looser limits) rather than answer 500.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    # Three photos of at most PHOTO_MAX_BYTES each plus the form: larger bodies are refused outright.
    "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "PHOTO_MAX_COUNT": 3,
    "MAX_CONTENT_LENGTH": 34 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # The Open311 API authenticates with API keys, not cookies: no CSRF token.
    "CSRF_EXEMPT_BLUEPRINTS": ("open311",),
}


def load_settings() -> Settings:
    """Read and check the environment; a ``SettingsError`` names every wrong variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError("\n".join(_explain(e) for e in error.errors())) from None


def _explain(error: dict) -> str:
    name = ".".join(str(part) for part in error.get("loc", ()) if not isinstance(part, int))
    cause = (error.get("ctx") or {}).get("error")
    what = str(cause) if isinstance(cause, ValueError) else error["msg"]
    if not name:                        # a rule across settings: its message names them
        return what
    return f"{name} {what}, not {_shown(error.get('input'))}"


def _shown(value: Any, limit: int = 60) -> str:
    """A wrong value as the message shows it: quoted, and cut short (it may be huge)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(str(value))} characters)"


def database_url() -> str | None:
    """DATABASE_URL, else the private cluster's (instance/database_url), else None. Only this setting is
    read (migrations need no secret)."""
    raw = (os.environ.get("DATABASE_URL") or "").strip()
    if not raw:
        return _read(DATABASE_URL_FILE)
    try:
        return _database_url(raw)
    except ValueError as error:
        raise SettingsError(f"DATABASE_URL {error}, not {_shown(raw)}") from None


def _read(path: Path) -> str | None:
    return (path.read_text().strip() or None) if path.exists() else None


def _dev_secret() -> str:
    """Development only: a random key generated once and kept under instance/."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
