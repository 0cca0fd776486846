"""Settings read from the environment: boolean syntax, and where rate limits are counted."""
import pytest

from portal import redis_server
from portal.config import env_bool, from_environment


@pytest.mark.parametrize("raw", ["true", "TRUE", "True", "yes", "Yes", "on", "ON", "1", " true "])
def test_true_words(raw):
    assert env_bool({"FLAG": raw}, "FLAG", default=False) is True


@pytest.mark.parametrize("raw", ["false", "FALSE", "False", "no", "NO", "off", "Off", "0", " off\n"])
def test_false_words(raw):
    assert env_bool({"FLAG": raw}, "FLAG", default=True) is False


@pytest.mark.parametrize("env", [{}, {"FLAG": ""}, {"FLAG": "  "}])
def test_unset_or_empty_means_the_default(env):
    assert env_bool(env, "FLAG", default=True) is True
    assert env_bool(env, "FLAG", default=False) is False


@pytest.mark.parametrize("raw", ["2", "-1", "enabled", "disable", "tru", "nope", "y", "n", "t", "f", "o", "0.0"])
def test_any_other_value_is_a_clear_error(raw):
    with pytest.raises(RuntimeError) as err:
        env_bool({"FLAG": raw}, "FLAG", default=True)
    assert "FLAG" in str(err.value) and repr(raw) in str(err.value)
    assert "true/yes/on/1" in str(err.value) and "false/no/off/0" in str(err.value)


@pytest.fixture()
def environment(monkeypatch, tmp_path):
    """A clean environment for from_environment(), and a private redis that was never set up."""
    for name in ("RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "KERBSIDE_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "config-test-secret")
    monkeypatch.setattr(redis_server, "URI_FILE", tmp_path / "ratelimit_storage_uri")
    return monkeypatch


@pytest.mark.parametrize("raw, enabled", [(None, True), ("false", False), ("FALSE", False), ("no", False),
                                          ("off", False), ("0", False), ("true", True), ("on", True)])
def test_ratelimit_enabled_from_the_environment(environment, raw, enabled):
    if raw is not None:
        environment.setenv("RATELIMIT_ENABLED", raw)
    assert from_environment()["RATELIMIT_ENABLED"] is enabled


def test_a_misspelt_ratelimit_enabled_stops_start_up(environment):
    environment.setenv("RATELIMIT_ENABLED", "flase")
    with pytest.raises(RuntimeError, match="RATELIMIT_ENABLED must be one of"):
        from_environment()


def test_storage_is_memory_until_the_private_redis_is_set_up(environment):
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "memory://"


def test_storage_is_the_private_redis_once_set_up(environment):
    redis_server.URI_FILE.write_text("redis+unix:///somewhere/redis.sock\n")
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "redis+unix:///somewhere/redis.sock"


def test_ratelimit_storage_uri_from_the_environment_wins(environment):
    redis_server.URI_FILE.write_text("redis+unix:///somewhere/redis.sock\n")
    environment.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/2")
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"


def test_private_redis_uri_is_the_limits_unix_socket_form():
    uri = redis_server.storage_uri()
    assert uri.startswith("redis+unix:///") and uri.endswith("/redis.sock")
    assert len(uri.removeprefix("redis+unix://")) < 100
