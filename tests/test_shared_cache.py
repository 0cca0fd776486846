"""Which answers nginx may keep for every visitor without a cookie (portal/shared_cache.py), and the
Content-Security-Policy of a kept page: its inline scripts named by hash, since a nonce is for one response.
tests/deploy/test_nginx.py checks nginx keeps exactly these."""
from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

import pytest

from portal.app import create_app

from .factories import CATFORD


class InlineScripts(HTMLParser):
    """The text of every inline <script> of a page, with its attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.scripts: list[tuple[dict, str]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script" and "src" not in dict(attrs):
            self._open, self._text = dict(attrs), []

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.scripts.append((self._open, "".join(self._text)))
            self._open = None


def script_src(resp) -> list[str]:
    policy = dict(part.strip().split(" ", 1) for part in resp.headers["Content-Security-Policy"].split(";"))
    return policy["script-src"].split()


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", ["/", "/map", "/performance", "/about", "/open311/v2/services.json",
                                  "/api/map?bbox=-0.03,51.44,-0.02,51.45"])
def test_a_public_page_for_a_visitor_without_a_cookie_may_be_kept(client, app, path):
    resp = client.get(path)
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
    assert resp.headers["X-Accel-Expires"] == str(app.config["SHARED_CACHE_SECONDS"]) == "5"
    # The old copy may be given out for as long again while the next is drawn, and no longer: nginx reads
    # stale-while-revalidate only from a Cache-Control before X-Accel-Expires. Browsers must ask again.
    assert resp.cache_control.stale_while_revalidate == 5 and resp.cache_control.must_revalidate
    names = [name.lower() for name, _ in resp.headers.items()]
    assert names.index("cache-control") < names.index("x-accel-expires")


def test_a_view_s_own_browser_caching_is_kept_and_bounded_for_nginx(client):
    """A feed tells browsers to keep it five minutes; nginx keeps it SHARED_CACHE_SECONDS, stale no longer."""
    resp = client.get("/feeds/reports.atom")
    assert resp.status_code == 200 and resp.headers["X-Accel-Expires"] == "5"
    assert resp.cache_control.max_age == 300 and resp.cache_control.public
    assert resp.cache_control.stale_while_revalidate == 5


def test_a_kept_page_names_each_inline_script_by_hash_and_carries_no_nonce(client, make_report, db_session):
    report = make_report(point=CATFORD, description="Bags by the bus stop")
    db_session.commit()
    for path in ("/map", f"/reports/{report.reference}"):
        resp = client.get(path)
        assert resp.headers["X-Accel-Expires"] == "5", path
        parser = InlineScripts()
        parser.feed(resp.get_data(as_text=True))
        inline = [text for attrs, text in parser.scripts if attrs.get("type", "text/javascript") != "application/json"]
        assert inline, f"{path} has its map script inline"
        sources = script_src(resp)
        assert sources[0] == "'self'" and not any(s.startswith("'nonce-") for s in sources)
        assert sorted(sources[1:]) == sorted({sha256_source(text) for text in inline}), path


def test_the_hash_is_of_the_script_the_app_wrote_not_of_one_without_the_nonce():
    from portal.shared_cache import script_hashes
    page = ('<script nonce="abc">let a = 1;</script><script>alert("injected")</script>'
            '<script nonce="other">alert(2)</script><script src="/static/x.js" nonce="abc"></script>'
            '<SCRIPT type="module" nonce="abc">\nlet b = 2;\n</SCRIPT><script nonce="abc">let a = 1;</script>')
    assert script_hashes(page, "abc") == [sha256_source("let a = 1;"), sha256_source("\nlet b = 2;\n")]


def test_a_report_page_is_kept_and_so_is_its_not_found_once_hidden(client, make_report, db_session):
    """nginx gives out the old copy while it asks again: a "not found" must be kept to replace it."""
    shown = make_report(point=CATFORD)
    hidden = make_report(point=CATFORD)
    hidden.hidden = True
    db_session.commit()
    assert client.get(f"/reports/{shown.reference}").headers.get("X-Accel-Expires") == "5"
    for ref in (hidden.reference, "KB-ZZZZZ"):
        resp = client.get(f"/reports/{ref}")
        assert resp.status_code == 404 and resp.headers["X-Accel-Expires"] == "5"


def test_a_visitor_with_any_cookie_gets_the_page_drawn_for_them(app, resident_client):
    for client in (resident_client, app.test_client()):
        if client is not resident_client:
            client.set_cookie("anything", "1")
        resp = client.get("/map")
        assert resp.status_code == 200 and resp.headers["X-Accel-Expires"] == "0"
        assert any(s.startswith("'nonce-") for s in script_src(resp))


@pytest.mark.parametrize("headers, query", [({"Authorization": "Bearer x"}, ""), ({"X-Api-Key": "abc"}, ""),
                                           ({}, "&api_key=abc")])
def test_a_request_with_credentials_is_not_kept(client, headers, query):
    resp = client.get("/open311/v2/requests.json?service_code=fly_tipping" + query, headers=headers)
    assert resp.headers["X-Accel-Expires"] == "0"


def test_a_page_that_starts_a_session_or_is_not_public_is_not_kept(client):
    assert client.get("/healthz").headers["X-Accel-Expires"] == "0"        # not marked public
    resp = client.get("/login")                                                # a form: a CSRF token
    assert resp.status_code == 200 and resp.headers["X-Accel-Expires"] == "0"
    resp = client.get("/my/reports")                                           # a person's own page
    assert resp.status_code == 302 and resp.headers["X-Accel-Expires"] == "0"


def test_nothing_but_a_read_is_kept(app):
    client = app.test_client()
    resp = client.post("/open311/v2/requests.json", data={"service_code": "fly_tipping"})
    assert resp.status_code >= 400 and resp.headers["X-Accel-Expires"] == "0"


def test_an_answer_for_one_visitor_is_not_kept(connection, app_config):
    """A rate limit is one visitor's (429); a 304 answers one browser's If-None-Match."""
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "OPEN311_READ_LIMIT": "1/minute"}, bind=connection)
    client = app.test_client()
    path = "/open311/v2/requests.json?service_code=fly_tipping"
    assert client.get(path).headers["X-Accel-Expires"] == "5"
    resp = client.get(path)
    assert resp.status_code == 429 and resp.headers["X-Accel-Expires"] == "0"
    from flask import Response
    from portal.shared_cache import KEPT_STATUSES
    assert 304 not in KEPT_STATUSES and 429 not in KEPT_STATUSES
    with app.test_request_context("/map"):
        app.preprocess_request()
        from portal.shared_cache import keep_for
        assert keep_for(Response(status=304)) == 0 and keep_for(Response(status=200)) == 5
        for says in ("private", "no-store", "no-cache", "max-age=0"):     # the view's own word wins
            assert keep_for(Response(headers={"Cache-Control": says})) == 0


def test_nothing_is_kept_when_the_setting_is_0(connection, app_config):
    app = create_app({**app_config, "SHARED_CACHE_SECONDS": 0}, bind=connection)
    resp = app.test_client().get("/map")
    assert resp.status_code == 200 and resp.headers["X-Accel-Expires"] == "0"
    assert any(s.startswith("'nonce-") for s in script_src(resp))


def test_a_script_with_a_data_src_or_crlf_line_breaks_is_hashed_as_the_browser_hashes_it(client):
    """A data-src attribute is not a src (the script is inline), and the browser hashes a script with its line
    breaks made LF; a script without this response's nonce, or loaded by src, gets no hash."""
    from portal.shared_cache import script_hashes
    html = ('<script nonce="n" data-src="x">a\r\nb\rc</script><script nonce="n" src="/x.js"></script>'
            '<script nonce="other">d</script>')
    assert script_hashes(html, "n") == [sha256_source("a\nb\nc")]
    assert client.get("/about").headers["X-Accel-Expires"] == "5"      # the page itself is kept
