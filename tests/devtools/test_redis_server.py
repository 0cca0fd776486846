"""The private Redis tooling (devtools/redis_server.py)."""
from devtools import redis_server
from portal import config


def test_private_redis_uri_is_the_limits_unix_socket_form():
    uri = redis_server.storage_uri()
    assert uri.startswith("redis+unix:///") and uri.endswith("/redis.sock")
    assert len(uri.removeprefix("redis+unix://")) < 100


def test_it_writes_the_file_the_web_app_reads():
    assert redis_server.URI_FILE == config.RATELIMIT_URI_FILE
