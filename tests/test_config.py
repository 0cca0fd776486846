"""Settings read from the environment (portal/config.py): the syntax people write, a clear error naming the
variable for each bad value, the production rules, and the addresses the tooling leaves under instance/."""
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet

from portal import config
from portal.app import create_app
from portal.config import FALSE_WORDS, TRUE_WORDS, Settings, SettingsError, database_url, load_settings

#: A valid Fernet key, fixed (test ids must be the same in every pytest-xdist worker).
GOOD_KEY = "G8nmLlSVXVcVkKxtG0wLYGq93umivMYqejf7Dm9_aHg="

#: Every variable Settings reads, cleared before each test here.
VARIABLES = tuple(Settings.model_fields)


@pytest.fixture()
def environment(monkeypatch, tmp_path):
    """A clean environment, with no database or Redis ever set up by the tooling."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "config-test-secret")
    monkeypatch.setattr(config, "RATELIMIT_URI_FILE", tmp_path / "ratelimit_storage_uri")
    monkeypatch.setattr(config, "DATABASE_URL_FILE", tmp_path / "database_url")
    return monkeypatch


def flask_config() -> dict:
    return load_settings().flask_config()


def test_every_variable_is_cleared_by_the_fixture():
    assert {"RATELIMIT_ENABLED", "KERBSIDE_ENV", "BASE_URL", "TRUSTED_HOSTS", "MAIL_PORT"} <= set(VARIABLES)


# --- booleans -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["true", "TRUE", "True", "yes", "Yes", "on", "ON", "1", " true "])
def test_true_words(environment, raw):
    environment.setenv("RATELIMIT_ENABLED", raw)
    assert flask_config()["RATELIMIT_ENABLED"] is True


@pytest.mark.parametrize("raw", ["false", "FALSE", "False", "no", "NO", "off", "Off", "0", " off\n"])
def test_false_words(environment, raw):
    environment.setenv("RATELIMIT_ENABLED", raw)
    assert flask_config()["RATELIMIT_ENABLED"] is False


@pytest.mark.parametrize("raw", [None, "", "  ", "\t\n"])
def test_unset_or_empty_means_the_default(environment, raw):
    if raw is not None:
        environment.setenv("RATELIMIT_ENABLED", raw)
    assert flask_config()["RATELIMIT_ENABLED"] is True


@pytest.mark.parametrize("raw", ["2", "-1", "enabled", "disable", "tru", "nope", "y", "n", "t", "f", "o", "0.0",
                                 "flase", "yes please"])
def test_any_other_boolean_is_a_clear_error(environment, raw):
    environment.setenv("RATELIMIT_ENABLED", raw)
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert message.startswith("RATELIMIT_ENABLED must be one of") and repr(raw) in message
    assert "/".join(TRUE_WORDS) in message and "/".join(FALSE_WORDS) in message


# --- every other variable: a wrong value names the variable and says what it takes -------------------------

BAD = [
    ("KERBSIDE_ENV", "prod", "must be development or production"),
    ("KERBSIDE_ENV", "staging", "must be development or production"),
    ("BASE_URL", "ftp://kerbside.example.gov.uk", "must be an http(s) address"),
    ("BASE_URL", "kerbside.example.gov.uk", "must be an http(s) address"),
    ("BASE_URL", "https://kerbside.example.gov.uk/?next=x", "must be an http(s) address"),
    ("TRUSTED_HOSTS", "https://kerbside.example.gov.uk", "must be host names separated by commas"),
    ("TRUSTED_HOSTS", "a.example, b.example/path", "must be host names separated by commas"),
    ("TRUSTED_HOSTS", "a.example b.example", "must be host names separated by commas"),
    ("DATABASE_URL", "not a url", "must be a PostgreSQL (PostGIS) database URL"),
    ("DATABASE_URL", "postgresql://db:notaport/kerbside", "must be a PostgreSQL (PostGIS) database URL"),
    ("DATABASE_URL", "sqlite:///kerbside.db", "must be a PostgreSQL (PostGIS) database URL"),
    ("REPLICA_DATABASE_URL", "mysql://replica.internal/kerbside", "must be a PostgreSQL (PostGIS) database URL"),
    ("REPLICA_MAX_LAG_SECONDS", "0", "must be a whole number, 1 to 3600"),
    ("REPLICA_MAX_LAG_SECONDS", "5s", "must be a whole number, 1 to 3600"),
    ("REPLICA_CHECK_SECONDS", "301", "must be a whole number, 1 to 300"),
    ("READ_YOUR_WRITES_SECONDS", "-30", "must be a whole number, 1 to 3600"),
    ("MAIL_PORT", "smtp", "must be a whole number, 1 to 65535"),
    ("MAIL_PORT", "0", "must be a whole number, 1 to 65535"),
    ("MAIL_PORT", "70000", "must be a whole number, 1 to 65535"),
    ("MAIL_PORT", "25.0", "must be a whole number, 1 to 65535"),
    ("OUTBOX_KEEP_DAYS", "-1", "must be a whole number, 0 or more"),
    ("OUTBOX_KEEP_DAYS", "thirty", "must be a whole number, 0 or more"),
    ("OUTBOX_KEEP_DAYS", "1e3", "must be a whole number, 0 or more"),
    ("PHOTO_PENDING_HOURS", "0", "must be a whole number, 1 or more"),
    ("INACTIVE_DAYS", "29", "must be a whole number, 30 or more"),
    ("INACTIVE_DAYS", "1_000", "must be a whole number, 30 or more"),
    ("SESSION_HOURS", "12h", "must be a whole number, 1 or more"),
    ("TOTP_ENCRYPTION_KEY", "short", "must be Fernet keys separated by commas"),
    ("TOTP_ENCRYPTION_KEY", f"{GOOD_KEY},short", "must be Fernet keys separated by commas"),
    ("RATELIMIT_STORAGE_URI", "localhost:6379", "must be a Flask-Limiter storage URI"),
    ("OPEN311_READ_LIMIT", "lots", "must be a rate limit like 600/minute"),
    ("OPEN311_WRITE_LIMIT", "60 per fortnight", "must be a rate limit like 600/minute"),
    ("PROXY_COUNT", "6", "must be a whole number, 0 to 5"),
    ("PROXY_COUNT", "yes", "must be a whole number, 0 to 5"),
    ("PHOTO_ACCEL_REDIRECT", "internal-photos", "must be an internal nginx location like /internal-photos/"),
    ("PHOTO_ACCEL_REDIRECT", "/internal-photos", "must be an internal nginx location like /internal-photos/"),
    ("PHOTO_ACCEL_REDIRECT", "/../etc/", "must be an internal nginx location like /internal-photos/"),
    ("MODERATION_EMAIL", "moderation", "must be one email address"),
    ("MODERATION_EMAIL", "a@b.org, c@d.org", "must be one email address"),
    ("MODERATION_EMAIL", "modé@council.example", "must be one email address"),
]


@pytest.mark.parametrize("name, raw, says", BAD, ids=[f"{n}={r}" for n, r, _ in BAD])
def test_a_bad_value_stops_start_up_naming_the_variable(environment, name, raw, says):
    environment.setenv(name, raw)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(f"{name} {says}") and str(err.value).endswith(f", not {raw!r}")


def test_a_huge_value_is_cut_short_in_the_message(environment):
    environment.setenv("MAIL_PORT", "9" * 100_000)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith("MAIL_PORT must be a whole number") and len(str(err.value)) < 200
    assert "(100000 characters)" in str(err.value)


def test_every_bad_value_is_named_at_once(environment):
    environment.setenv("MAIL_PORT", "smtp")
    environment.setenv("RATELIMIT_ENABLED", "flase")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert [line.split()[0] for line in str(err.value).splitlines()] == ["MAIL_PORT", "RATELIMIT_ENABLED"]


def test_create_app_refuses_a_bad_environment_whatever_it_is_given(environment, connection):
    environment.setenv("SESSION_HOURS", "twelve")
    with pytest.raises(SettingsError, match="SESSION_HOURS must be a whole number"):
        create_app({"TESTING": True, "SESSION_HOURS": 12}, bind=connection)


def test_pages_may_not_be_kept_longer_than_a_replica_may_lag(environment):
    environment.setenv("SHARED_CACHE_SECONDS", "11")
    with pytest.raises(SettingsError, match=r"^SHARED_CACHE_SECONDS \(11\) may not exceed REPLICA_MAX_LAG_SECONDS"):
        load_settings()
    environment.setenv("REPLICA_MAX_LAG_SECONDS", "11")
    assert flask_config()["SHARED_CACHE_SECONDS"] == 11
    environment.delenv("SHARED_CACHE_SECONDS")
    environment.setenv("REPLICA_MAX_LAG_SECONDS", "3")         # the default (5) yields to a tighter bound
    assert flask_config()["SHARED_CACHE_SECONDS"] == 3


def test_create_app_takes_overrides_after_the_environment(environment, connection):
    environment.setenv("COUNCIL_NAME", "Catford")
    app = create_app({"TESTING": True, "MAIL_PORT": 2525}, bind=connection)
    assert app.config["COUNCIL_NAME"] == "Catford" and app.config["MAIL_PORT"] == 2525


# --- good values are typed ------------------------------------------------------------------------------------

def test_defaults(environment):
    cfg = flask_config()
    assert cfg["MAIL_PORT"] == 8025 and cfg["OUTBOX_KEEP_DAYS"] == 30 and cfg["INACTIVE_DAYS"] == 730
    assert cfg["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert cfg["BASE_URL"] == "http://127.0.0.1:5000" and cfg["TRUSTED_HOSTS"] is None
    assert cfg["PRODUCTION"] is False and cfg["SESSION_COOKIE_SECURE"] is False
    assert cfg["DATABASE_URL"] is None and cfg["REPLICA_DATABASE_URL"] is None
    assert (cfg["REPLICA_MAX_LAG_SECONDS"], cfg["REPLICA_CHECK_SECONDS"], cfg["READ_YOUR_WRITES_SECONDS"]) == (10, 5, 30)
    assert cfg["SHARED_CACHE_SECONDS"] == 5


def test_values_as_people_write_them(environment):
    key = Fernet.generate_key().decode()
    for name, raw in {"MAIL_PORT": " 2525 ", "SESSION_HOURS": "8", "OUTBOX_KEEP_DAYS": "0",
                      "BASE_URL": "https://kerbside.example.gov.uk/", "KERBSIDE_ENV": " Production",
                      "TOTP_ENCRYPTION_KEY": f" {key} ,", "OPEN311_READ_LIMIT": "10/second;1000/hour",
                      "DATABASE_URL": "postgresql+psycopg2://kerbside@db.internal/kerbside",
                      "REPLICA_DATABASE_URL": "postgresql://kerbside@replica.internal/kerbside",
                      "REPLICA_MAX_LAG_SECONDS": " 3 ", "MODERATION_EMAIL": " moderation@council.example.gov.uk ",
                      "RATELIMIT_STORAGE_URI": " redis://cache.internal:6379/0 "}.items():
        environment.setenv(name, raw)
    cfg = flask_config()
    assert cfg["MAIL_PORT"] == 2525 and cfg["OUTBOX_KEEP_DAYS"] == 0
    assert cfg["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    assert cfg["BASE_URL"] == "https://kerbside.example.gov.uk" and cfg["PRODUCTION"] is True
    assert cfg["TOTP_ENCRYPTION_KEY"] == key and cfg["OPEN311_READ_LIMIT"] == "10/second;1000/hour"
    assert cfg["DATABASE_URL"] == "postgresql+psycopg2://kerbside@db.internal/kerbside"
    assert cfg["REPLICA_DATABASE_URL"] == "postgresql://kerbside@replica.internal/kerbside"
    assert cfg["REPLICA_MAX_LAG_SECONDS"] == 3
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    assert cfg["MODERATION_EMAIL"] == "moderation@council.example.gov.uk"


# --- production ----------------------------------------------------------------------------------------------

def test_production_requires_a_secret_key(environment):
    environment.setenv("KERBSIDE_ENV", "production")
    environment.setenv("BASE_URL", "https://kerbside.example.gov.uk")
    environment.delenv("SECRET_KEY")
    with pytest.raises(SettingsError, match=r"^SECRET_KEY must be set in production"):
        load_settings()


def test_production_requires_a_base_url(environment):
    environment.setenv("KERBSIDE_ENV", "production")
    environment.setenv("BASE_URL", "")
    with pytest.raises(SettingsError, match=r"^BASE_URL must be set in production"):
        load_settings()


def test_production_answers_only_to_its_own_and_trusted_hosts(environment):
    environment.setenv("KERBSIDE_ENV", "production")
    environment.setenv("BASE_URL", "https://kerbside.example.gov.uk")
    environment.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/0")
    assert flask_config()["TRUSTED_HOSTS"] == ["kerbside.example.gov.uk"]
    environment.setenv("TRUSTED_HOSTS", " www.kerbside.example.gov.uk,, Old.Example ")
    cfg = flask_config()
    assert cfg["TRUSTED_HOSTS"] == ["kerbside.example.gov.uk", "www.kerbside.example.gov.uk", "old.example"]
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("storage", [None, "memory://", "async+memory://"])
def test_production_refuses_rate_limits_counted_in_each_process(environment, storage):
    """Behind gunicorn's several workers a per-process counter is no limit: start-up stops and says why."""
    environment.setenv("KERBSIDE_ENV", "production")
    environment.setenv("BASE_URL", "https://kerbside.example.gov.uk")
    if storage:
        environment.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(SettingsError, match=r"^RATELIMIT_STORAGE_URI must name a store every worker shares "
                                            r"in production .*each gunicorn worker counts alone"):
        load_settings()


def test_production_counts_rate_limits_in_the_store_it_is_given(environment):
    environment.setenv("KERBSIDE_ENV", "production")
    environment.setenv("BASE_URL", "https://kerbside.example.gov.uk")
    config.RATELIMIT_URI_FILE.write_text("redis+unix:///somewhere/redis.sock\n")
    assert flask_config()["RATELIMIT_STORAGE_URI"] == "redis+unix:///somewhere/redis.sock"
    environment.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/2")
    assert flask_config()["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"


def test_production_with_rate_limits_turned_off_needs_no_store(environment):
    environment.setenv("KERBSIDE_ENV", "production")
    environment.setenv("BASE_URL", "https://kerbside.example.gov.uk")
    environment.setenv("RATELIMIT_ENABLED", "false")
    assert flask_config()["RATELIMIT_ENABLED"] is False


def test_trusted_hosts_in_development_are_kept_with_base_urls(environment):
    environment.setenv("TRUSTED_HOSTS", "kerbside.test")
    assert flask_config()["TRUSTED_HOSTS"] == ["127.0.0.1", "kerbside.test"]


# --- what the tooling leaves under instance/ -------------------------------------------------------------------

def test_storage_is_memory_until_the_private_redis_is_set_up(environment):
    assert flask_config()["RATELIMIT_STORAGE_URI"] == "memory://"


def test_storage_is_the_private_redis_once_set_up(environment):
    config.RATELIMIT_URI_FILE.write_text("redis+unix:///somewhere/redis.sock\n")
    assert flask_config()["RATELIMIT_STORAGE_URI"] == "redis+unix:///somewhere/redis.sock"


def test_ratelimit_storage_uri_from_the_environment_wins(environment):
    config.RATELIMIT_URI_FILE.write_text("redis+unix:///somewhere/redis.sock\n")
    environment.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/2")
    assert flask_config()["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"


def test_database_is_the_private_cluster_once_set_up_unless_database_url_is_set(environment):
    assert database_url() is None
    config.DATABASE_URL_FILE.write_text("postgresql+psycopg2://postgres@/kerbside?host=/tmp/x\n")
    assert flask_config()["DATABASE_URL"] == database_url() == "postgresql+psycopg2://postgres@/kerbside?host=/tmp/x"
    environment.setenv("DATABASE_URL", "postgresql://kerbside@db.internal/kerbside")
    assert flask_config()["DATABASE_URL"] == database_url() == "postgresql://kerbside@db.internal/kerbside"
    environment.setenv("DATABASE_URL", "mysql://db/kerbside")
    with pytest.raises(SettingsError, match="^DATABASE_URL must be a PostgreSQL"):
        database_url()

