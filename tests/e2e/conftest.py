"""Browser tests: the real app served from a thread against the test database (real commits), driven by the
system Chromium through Playwright. What they create is deleted afterwards."""
from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import text

from portal.app import create_app

from ..conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (re-exported for the browser tests)
E2E_EMAIL_DOMAIN = "e2e.example.org"


@pytest.fixture(scope="session")
def live_server(engine, tmp_path_factory):
    """Base URL of the portal served by werkzeug in a thread, bound to the test database through an Engine."""
    from werkzeug.serving import make_server
    app = create_app({"TESTING": True, "PHOTO_DIR": tmp_path_factory.mktemp("e2e-photos"),
                      "RATELIMIT_ENABLED": False, "SECRET_KEY": "e2e-secret-not-for-production",
                      "TILE_URL": "http://tiles.invalid/{z}/{x}/{y}.png"}, bind=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


@pytest.fixture(autouse=True)
def _clean_up_after_each_test(engine):
    """Browser tests commit for real: remove their accounts and reports so no other test sees them."""
    yield
    _delete_e2e_data(engine)


def _delete_e2e_data(engine) -> None:
    with engine.begin() as conn:
        users = "SELECT id FROM users WHERE email LIKE :pattern"
        params = {"pattern": f"%@{E2E_EMAIL_DOMAIN}"}
        conn.execute(text(f"DELETE FROM reports WHERE reporter_id IN ({users})"), params)
        conn.execute(text("DELETE FROM login_throttle WHERE email_key LIKE :pattern"), params)
        conn.execute(text("DELETE FROM outbox WHERE to_addr LIKE :pattern"), params)
        conn.execute(text(f"DELETE FROM users WHERE id IN ({users})"), params)


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    context.route("http://tiles.invalid/**", lambda route: route.abort())  # offline: no tiles, the map still works
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "tiles.invalid" not in msg.text
            and "ERR_FAILED" not in msg.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture()
def new_email() -> str:
    return f"resident-{uuid.uuid4().hex[:10]}@{E2E_EMAIL_DOMAIN}"


def register(page, email: str, name: str = "Erin Example", password: str = "correct horse battery staple") -> None:
    page.goto("/register")
    page.fill("#display_name", name)
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.click("button[type=submit]:has-text('Create account')")
    page.wait_for_url("**/my/reports")
