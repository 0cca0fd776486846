"""Behind nginx (PROXY_COUNT=1) the app sees the visitor's address and scheme from X-Forwarded-For/-Proto, so
rate limits count each visitor rather than nginx's loopback address; without it those headers are ignored
(a visitor could otherwise pick any address)."""
from __future__ import annotations

from flask import request

from portal.app import create_app

VISITOR = "203.0.113.9"


def addr_app(app_config, connection, proxies: int):
    app = create_app({**app_config, "PROXY_COUNT": proxies}, bind=connection)
    app.add_url_rule("/_test/addr", "addr", lambda: request.remote_addr or "")
    return app


def test_behind_one_proxy_the_visitor_address_and_https_come_from_it(app_config, connection):
    client = addr_app(app_config, connection, 1).test_client()
    headers = {"X-Forwarded-For": f"198.51.100.1, {VISITOR}", "X-Forwarded-Proto": "https"}
    resp = client.get("/_test/addr", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert resp.get_data(as_text=True) == VISITOR      # the hop nginx added, not what the client wrote before
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


def test_without_a_proxy_forwarded_headers_are_ignored(app_config, connection):
    client = addr_app(app_config, connection, 0).test_client()
    headers = {"X-Forwarded-For": VISITOR, "X-Forwarded-Proto": "https"}
    resp = client.get("/_test/addr", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert resp.get_data(as_text=True) == "127.0.0.1"
    assert "Strict-Transport-Security" not in resp.headers
