"""Settings read from the environment: boolean syntax."""
import pytest

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
def environment(monkeypatch):
    """A clean environment for from_environment()."""
    for name in ("RATELIMIT_ENABLED", "KERBSIDE_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "config-test-secret")
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
