"""The fuzz's fixtures: one transaction per test module (rolled back at its end: a package-wide one outlived the other tests that pytest-randomly shuffles between the fuzz modules, holding locks and overflowing subtransactions for a whole run) holding the site's data,
each fuzzed request in a savepoint of its own (rolled back after it, so every example meets the same site), and
one logged-in "browser" per role whose session cookie is restored before every request (a request that logs
out, ends sessions or deletes the account does not leak into the next one)."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, seed, settings
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from models import Role
from portal.app import create_app
from portal.db import links_for

from ..conftest import csrf_from, login
from .site import Crawl, build_site, crawl, email_links, match, seed_urls
from .strategies import Upload

#: Examples per form, and per route and method; raise it to run deeper by hand (FUZZ_EXAMPLES=200).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
#: Unset: derandomized (the same examples on every run, as CI needs). Set: a fresh draw from that seed.
SEED = os.environ.get("FUZZ_SEED")
ROLES = [None, *Role]
ROLE_IDS = ["visitor", *(r.value for r in Role)]
#: Reference data no request writes (and large), Alembic's bookkeeping, and the login throttle, which records
#: failed logins on purpose (a refused login must write there: see services/accounts.py).
#: hotspot_cache and fairness_figures/fairness_refresh are caches a public page may fill when they are missing or
#: stale (gis/hotspots.py, gis/fairness.py): derived from reports, never user data.
NOT_WATCHED = {"spatial_ref_sys", "alembic_version", "postcodes", "wards", "login_throttle", "hotspot_cache",
               "fairness_figures", "fairness_refresh"}
#: Refusals that write on purpose, whole: logging in to an account whose address is not confirmed yet answers
#: 400 and emails the confirmation link again (portal/account/views.py login).
WRITES_WHEN_REFUSED = {"account.login": {"outbox"}}


def fuzz(strategy, check, examples: int = EXAMPLES) -> None:
    """Run ``check`` on ``examples`` values drawn from ``strategy`` (shrinking to a minimal one on failure)."""
    @settings(max_examples=examples, deadline=None, derandomize=SEED is None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(strategy)
    def run(value):
        check(value)
    if SEED is not None:
        run = seed(int(SEED))(run)
    run()


@pytest.fixture(scope="module")
def fuzz_connection(engine):
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture(scope="module")
def fuzz_app(fuzz_connection, tmp_path_factory):
    return create_app({"TESTING": True, "PHOTO_DIR": tmp_path_factory.mktemp("fuzz-photos"),
                       "RATELIMIT_ENABLED": False, "SECRET_KEY": "fuzz-secret-not-for-production",
                       "SERVER_NAME": "localhost", "BASE_URL": "http://localhost"}, bind=fuzz_connection)


@pytest.fixture(scope="module")
def site(fuzz_app, fuzz_connection):
    session = Session(bind=fuzz_connection, join_transaction_mode="create_savepoint", expire_on_commit=False,
                      info={"links": links_for(fuzz_app)})
    try:
        return build_site(session, fuzz_app, fuzz_app.config["PHOTO_DIR"])
    finally:
        session.close()


@pytest.fixture(scope="module")
def isolated(fuzz_connection):
    """A context in which whatever the app writes is undone afterwards (a savepoint rolled back)."""
    @contextmanager
    def savepoint():
        nested = fuzz_connection.begin_nested()
        try:
            yield
        finally:
            nested.rollback()
    return savepoint


@pytest.fixture(scope="module")
def snapshot(fuzz_connection):
    """Row count and a checksum of every row, per table: any insert, update or delete shows."""
    tables = sorted(set(fuzz_connection.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE'")).scalars()) - NOT_WATCHED)
    assert {"reports", "report_events", "users", "outbox", "photos", "supporters", "subscriptions", "categories",
            "crews", "crew_members", "api_keys", "used_links", "fix_ratings"} <= set(tables)
    query = text(" UNION ALL ".join(f"SELECT '{t}', count(*), coalesce(sum(hashtext(x::text)), 0) FROM {t} x"
                                    for t in tables))

    def take() -> dict[str, tuple[int, int]]:
        return {name: (rows, checksum) for name, rows, checksum in fuzz_connection.execute(query)}
    return take


@dataclass
class Visitor:
    """One role's browser: its session cookie (with a CSRF secret), a valid token, and what its crawl found."""
    app: object
    role: Role | None
    cookie: str | None
    csrf: str
    foreign_csrf: str
    crawl: Crawl

    @property
    def name(self) -> str:
        return self.role.value if self.role else "visitor"

    def client(self):
        client = self.app.test_client()
        if self.cookie:
            client.set_cookie("session", self.cookie)
        return client

    def token(self, mode: str) -> str | None:
        return {"page": self.csrf, "missing": None, "altered": self.csrf[:-3] + "abc",
                "foreign": self.foreign_csrf}[mode]


@pytest.fixture(scope="module")
def visitors(fuzz_app, fuzz_connection, site, isolated):
    """role -> Visitor, logged in through the real form and crawled on first use."""
    cache: dict = {}
    seeds = seed_urls(fuzz_app, site) + email_links(fuzz_connection)
    foreign = csrf_from(fuzz_app.test_client().get("/report").get_data(as_text=True))

    def get(role: Role | None) -> Visitor:
        if role not in cache:
            client = fuzz_app.test_client()
            if role is not None:
                login(client, site["users"][role].email)
            token = csrf_from(client.get("/report").get_data(as_text=True))
            cookie = client.get_cookie("session")
            cache[role] = Visitor(fuzz_app, role, cookie.value if cookie else None, token, foreign,
                                  crawl(fuzz_app, client, seeds, isolated))
        return cache[role]
    return get


def _text(value):
    return value.filename if isinstance(value, Upload) else value.decode("utf-8", "replace") \
        if isinstance(value, bytes) else value


def send(client, method: str, url: str, fields: dict[str, list], csrf: str | None = None, multipart: bool = False,
         encoding: str = "form"):
    """Send fields as a browser would (a query string for GET, else a urlencoded or multipart body), or, with
    ``encoding``, as a program might: a JSON object, a JSON list, or plain text."""
    pairs = [("csrf_token", csrf)] if csrf is not None else []
    pairs += [(name, value) for name, values in fields.items() for value in values]
    if method == "GET":
        query = urlencode([(n, v.filename if isinstance(v, Upload) else v) for n, v in pairs])
        return client.get(f"{url}{'&' if '?' in url else '?'}{query}" if query else url)
    if encoding == "json":
        body: dict[str, list] = {}
        for name, value in pairs:
            body.setdefault(name, []).append(_text(value))
        return client.open(url, method=method, json={n: v[0] if len(v) == 1 else v for n, v in body.items()})
    if encoding == "json-list":
        return client.open(url, method=method, json=[[n, _text(v)] for n, v in pairs])
    if encoding == "text":
        return client.open(url, method=method, data="\n".join(f"{n}={_text(v)}" for n, v in pairs),
                           content_type="text/plain")
    if multipart or any(isinstance(v, Upload) for _, v in pairs):
        # Encoded in memory: the test client spools a body over 500 KB to a temporary file it never closes.
        boundary, body = encode_multipart(MultiDict([(n, v.part() if isinstance(v, Upload) else _text(v))
                                                     for n, v in pairs]))
        return client.open(url, method=method, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return client.open(url, method=method, data=urlencode(pairs), content_type="application/x-www-form-urlencoded")


def _describe(fields: dict[str, list], csrf: str | None) -> str:
    """The fields sent, each value cut short (a failing example may hold 100,000 characters)."""
    shown = {name: [repr(v)[:60] + ("..." if len(repr(v)) > 60 else "") for v in values]
             for name, values in fields.items()}
    return f"csrf {'sent' if csrf else 'none'}, fields {shown}"


@pytest.fixture(params=ROLES, ids=ROLE_IDS)
def visitor(request, visitors) -> Visitor:
    return visitors(request.param)


@pytest.fixture()
def probe(visitor, isolated, snapshot):
    """Send one request in a savepoint: no 5xx, and a refusal (or any GET) wrote nothing. Returns the status.

    A refusal is a 4xx, or the 303 See Other with which the app sends a refused action back to its page (with
    the reason flashed); a success (2xx, 302) may write.

    Every request starts from the same data (the savepoint before it is rolled back), so the tables are
    snapshot once, here, after the role's login, and compared after each request."""
    baseline = snapshot()

    def run(method: str, url: str, fields: dict[str, list], csrf: str | None = None, multipart: bool = False,
            encoding: str = "form") -> int:
        with isolated():
            sent = f"{visitor.name}: {method} {url[:300]} ({encoding}, {_describe(fields, csrf)})"
            try:
                resp = send(visitor.client(), method, url, fields, csrf, multipart, encoding)
                body = resp.get_data()      # a streamed export runs its queries now
                resp.close()
            except Exception as exc:     # TESTING propagates what would be a 500
                raise AssertionError(f"{sent} raised {exc!r:.500}") from exc
            where = f"{sent} -> {resp.status_code}"
            assert resp.status_code < 500, where + "\n" + body[:2000].decode("utf-8", "replace")
            if method == "GET" or resp.status_code >= 400 or resp.status_code == 303:
                after = snapshot()
                changed = sorted(t for t in baseline if baseline[t] != after[t])
                if method != "GET" and changed:
                    target = match(visitor.app, urlsplit(url).path, method)
                    changed = sorted(set(changed) - WRITES_WHEN_REFUSED.get(target and target[0].endpoint, set()))
                assert not changed, f"{where} but wrote to {changed}"
            return resp.status_code
    return run
