"""Fixtures: a real PostGIS test database built by `alembic upgrade`, each test inside a rolled-back
transaction; an app bound to that transaction; clients logged in per role through the real login form."""
from __future__ import annotations

import functools
import os
import re
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from devtools import cluster, redis_server
from portal.app import create_app
from portal.cli import alembic_config
from portal.services import demo, twofactor
from portal.services.accounts import register_user
from models import Role

from .factories import PASSWORD, enrol_two_factor, totp_code

ROOT = Path(__file__).resolve().parent.parent

# Figures are worked out afresh for every page in tests (each test changes the data inside its own transaction);
# tests/gis/test_figure_cache.py turns the cache on where it is the subject. Set before any app (or live server
# started from this process) reads its settings.
os.environ.setdefault("FIGURES_CACHE_SECONDS", "0")


def _test_url() -> str:
    """The test database; under pytest-xdist, one per worker (kerbside_test_gw0, ...) on the same server."""
    url = os.environ.get("TEST_DATABASE_URL") or cluster.ensure(test=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        from sqlalchemy.engine import make_url
        base = make_url(url)
        url = base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)
        cluster.ensure_database(url)
    return url


@pytest.fixture(scope="session")
def database_url() -> str:
    """A fresh test database: schema dropped, postgis re-created, every migration applied."""
    return build_test_database(_test_url())


def build_test_database(url: str) -> str:
    """Empty the database of ``url``, apply every migration and commit the reference data tests rely on."""
    dsn = cluster._dsn(url)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; CREATE EXTENSION postgis")
    conn.close()
    cfg = alembic_config(url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "heads")
    engine = create_engine(url)
    with Session(engine) as session:  # reference data every test may rely on (committed once)
        from gis.importers import import_postcodes, import_wards
        import_wards(session, demo.WARDS_FILE)
        import_postcodes(session, demo.POSTCODES_FILE)
        from gis.streets import import_streets
        import_streets(session, demo.STREETS_FILE)
        demo.load_categories(session)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def connection(engine):
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@functools.cache
def links_for_tests():
    """The link builder an app gives its sessions (BASE_URL, routes, secret, settings), for sessions that
    tests make themselves: ``Session(..., info={"links": links_for_tests()})``. (The engine is never connected.)"""
    from portal.db import links_for
    return links_for(create_app({"TESTING": True, "SECRET_KEY": "test-secret-not-for-production",
                                 "BASE_URL": "http://localhost", "RATELIMIT_ENABLED": False},
                                bind=create_engine("postgresql+psycopg2://")))


@pytest.fixture(scope="session")
def links():
    return links_for_tests()


@pytest.fixture()
def db_session(connection, links):
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False,
                      info={"links": links})
    yield session
    session.close()


@pytest.fixture(scope="session")
def ratelimit_storage_uri() -> str:
    """The shared rate-limit store: RATELIMIT_STORAGE_URI, else the private redis (started if needed)."""
    return redis_server.ensure()


@pytest.fixture()
def app_config(tmp_path, ratelimit_storage_uri):
    """Rate limits are off unless a test turns them on. A test that does counts under its own storage key
    prefix, so no test (nor an earlier run) uses up another's limits: the storage is made anew by each app,
    whereas Flask-Limiter keeps the first RATELIMIT_KEY_PREFIX it saw for every later app of the process."""
    return {"TESTING": True, "PHOTO_DIR": tmp_path / "photos", "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": ratelimit_storage_uri,
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"kerbside-test-{uuid.uuid4().hex}"},
            "SECRET_KEY": "test-secret-not-for-production", "SERVER_NAME": "localhost",
            "BASE_URL": "http://localhost"}


@pytest.fixture()
def app(connection, app_config):
    return create_app(app_config, bind=connection)


@pytest.fixture()
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class FormClient:
    """Posts forms as a browser does: GET the page, take its CSRF token, POST the fields."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def submit(self, url: str, data: dict, *, page: str | None = None, **kw):
        html = self.client.get(page or url).get_data(as_text=True)
        data = dict(data)
        data.setdefault("csrf_token", csrf_from(html))
        return self.client.post(url, data=data, **kw)


@pytest.fixture()
def forms(client) -> FormClient:
    return FormClient(client)


def login(client, email: str, password: str = PASSWORD):
    """Log in through the real form; for a staff or admin account, then the second step with a real TOTP code."""
    fc = FormClient(client)
    resp = fc.submit("/login", {"email": email, "password": password})
    if resp.status_code == 303 and resp.headers["Location"] == "/login/code":
        resp = fc.submit("/login/code", {"code": _unused_code(client.application, email)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    assert not resp.headers["Location"].startswith("/login"), resp.headers["Location"]
    return fc


def _unused_code(app, email: str) -> str:
    """The code an authenticator shows now, or the next one if this step's was used by an earlier login of the
    same account (both accepted). A third login within one 30-second step would have to wait for the next code:
    the helper forgets the steps used instead (replay is tested without this helper, in test_two_factor.py)."""
    from sqlalchemy import func, select

    from models import User
    from portal import db
    with db.new_session(app) as session:
        user = session.scalars(select(User).where(func.lower(User.email) == email.lower())).one()
        step = int(time.time()) // 30
        if user.totp_last_step is None or user.totp_last_step < step:
            return totp_code()
        if user.totp_last_step == step:
            return totp_code(steps_ahead=1)
        user.totp_last_step = None
        session.commit()
        return totp_code()


@pytest.fixture()
def make_user(db_session, app_config):
    """Make an account; staff and admin accounts come with an authenticator (factories.TOTP_SECRET) unless
    ``two_factor=False``."""
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.RESIDENT, email: str | None = None, name: str | None = None,
             two_factor: bool | None = None):
        n = next(counter)
        user = register_user(db_session, email=email or f"{role.value}{n}@example.test", password=PASSWORD,
                             display_name=name or f"{role.value.title()} {n}", role=role)
        if two_factor if two_factor is not None else twofactor.required_for(user):
            enrol_two_factor(db_session, user, app_config)
        return user
    return make


@pytest.fixture()
def resident(make_user):
    return make_user(Role.RESIDENT)


@pytest.fixture()
def resident_client(app, resident) -> FormClient:
    return login(app.test_client(), resident.email)


@pytest.fixture()
def staff_client(app, make_user) -> FormClient:
    return login(app.test_client(), make_user(Role.STAFF).email)


CHROMIUM = os.environ.get("KERBSIDE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One system Chromium for the whole run (Playwright allows one sync driver per thread)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install it (apt-get install chromium, or `make chromium` as root) "
                    "to run the browser tests")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- Reports with the dates and statuses a test needs, made straight in the database (the summary triggers still
# run), for pages that show history (neighbourhood, fairness, councillors' digest).
import itertools  # noqa: E402
from datetime import datetime  # noqa: E402

_refs = itertools.count(1)


def reference() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    n, chars = next(_refs) + 40_000_000, []
    for _ in range(8):
        n, r = divmod(n, len(alphabet))
        chars.append(alphabet[r])
    return "KB-" + "".join(chars)


@pytest.fixture()
def add_report(db_session):
    """Add a report; ``point`` is WGS84, datetimes naive UTC."""
    from sqlalchemy import select

    from models import Category, Report, Status
    from tests.factories import CATFORD

    def add(point=None, category: str = "fly_tipping", status=None,
            created: datetime | None = None, fixed: datetime | None = None, hidden: bool = False) -> Report:
        cat = db_session.scalars(select(Category).where(Category.code == category)).one()
        report = Report(reference=reference(), category_id=cat.id, description="Test report",
                        geom=(point or CATFORD).ewkt, status=status or Status.NEW, created_at=created or datetime(2024, 5, 1, 9), fixed_at=fixed,
                        hidden=hidden, channel="test")
        if created:
            report.updated_at = created
        db_session.add(report)
        db_session.commit()
        return report
    return add


# --- The real SMTP server on loopback (aiosmtpd), an app context for calling services, crews, and reports made
# through the services (moved here from tests/workflow/, which is gone: tests mirror the code).
import socket  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from email import message_from_bytes, policy  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402

from models import Crew, CrewMember, Report, Status  # noqa: E402
from portal.services.outbox import MailSettings, send_due  # noqa: E402
from portal.services.photos import PhotoStore  # noqa: E402

from .factories import CATFORD as _CATFORD  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    messages: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def texts(self) -> list[str]:
        return [message_from_bytes(m.content, policy=policy.default).get_content() for m in self.messages]


class SmtpServer:
    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def settings(self) -> MailSettings:
        return MailSettings("127.0.0.1", self.port, "Kerbside <no-reply@kerbside.invalid>", timeout=5)


@pytest.fixture()
def smtp():
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def smtp_down():
    """An SMTP port with nothing listening yet: start() brings the server up."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture()
def app_ctx(app):
    """An app context for calling services directly (links need the app). Test-client requests made inside it
    share it, so each request's session is closed at the request's end, as it would be in production."""
    from flask import g

    from portal import db

    @app.teardown_request
    def _end_of_request(exc):
        db._close(exc)
        for name in list(vars(g)):   # the signed-in user, CSP nonce...: per request, as in production
            g.pop(name)

    with app.app_context():
        yield app


@pytest.fixture()
def make_report(db_session, app):
    """A report through the real service (tests/factories.py ReportFactory). Takes ``reporter`` (also the first
    positional argument), ``status``, ``description``, ``anonymous``, ``point``, ``category`` and any other field
    of ``NewReport`` (answers, channel, contact...)."""
    from .factories import ReportFactory
    store = PhotoStore(app.config["PHOTO_DIR"])

    def make(reporter=None, status: Status | None = None, *, category: str = "fly_tipping", **kw) -> Report:
        return ReportFactory(session=db_session, store=store, reporter=reporter, status=status,
                             category_code=category, **kw)
    return make


@pytest.fixture()
def crew_pair(db_session, make_user):
    """Two crews, each with one member: (crew A, member A, crew B, member B)."""
    a, b = Crew(name="Crew A", depot=_CATFORD.ewkt), Crew(name="Crew B")
    ua, ub = make_user(Role.CREW), make_user(Role.CREW)
    db_session.add_all([a, b])
    db_session.flush()
    db_session.add_all([CrewMember(crew_id=a.id, user_id=ua.id), CrewMember(crew_id=b.id, user_id=ub.id)])
    db_session.commit()
    return a, ua, b, ub


def send(db_session, server: SmtpServer, **kw):
    return send_due(db_session, server.settings, **kw)


def client_for(app, user):
    return login(app.test_client(), user.email)
