"""Browser tests: the real app served from a thread against the test database (real commits), driven by the
system Chromium through Playwright. What they create is deleted afterwards."""
from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import Category, Crew, CrewMember, ResponseTemplate, Role, Status, Ward
from portal.app import create_app
from portal.services import apikeys, enforcement, flags, people, triage, twofactor
from portal.services.accounts import register_user
from portal.services.photos import PhotoStore
from portal.services.reports import NewReport, create_report

from ..factories import CATFORD, FLY_TIPPING_ANSWERS, PASSWORD, enrol_two_factor, totp_code

from ..conftest import CHROMIUM, CHROMIUM_ARGS, links_for_tests  # noqa: F401 (re-exported for the browser tests)
E2E_EMAIL_DOMAIN = "e2e.example.org"
A11Y_DOMAIN = "a11y.example.org"            # accounts of the accessibility suites, kept for a whole module
ROLES = ("anonymous", "resident", "councillor", "crew", "staff", "admin")
SECRET_KEY = "e2e-secret-not-for-production"


@pytest.fixture(scope="session")
def live_app(engine, tmp_path_factory):
    """The app the browser tests' server runs (bound to the test database through an Engine)."""
    return create_app({"TESTING": True, "PHOTO_DIR": tmp_path_factory.mktemp("e2e-photos"),
                       "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET_KEY,
                       "TILE_URL": "http://tiles.invalid/{z}/{x}/{y}.png"}, bind=engine)


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the portal served by werkzeug in a thread."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


@pytest.fixture(scope="session")
def worker_session(engine, live_app):
    """Sessions for the mail worker's functions, with the server's links (its secret signs what they email)."""
    from portal.db import links_for
    return lambda **kw: Session(engine, info={"links": links_for(live_app)}, **kw)


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
def page(browser, live_server, engine):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    context.route("http://tiles.invalid/**", lambda route: route.abort())  # offline: no tiles, the map still works
    page = context.new_page()
    page.kerbside_engine = engine
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
    page.wait_for_selector("h1:has-text('Check your email')")
    page.goto(confirmation_path(page.kerbside_engine, email))
    page.click("button:has-text('Confirm my email address')")
    page.wait_for_url("**/my/reports")


def confirmation_path(engine, email: str) -> str:
    """The link from the confirmation email the sign-up queued (read from the outbox, as the worker would)."""
    import re
    with engine.connect() as conn:
        body = conn.execute(text("SELECT body FROM outbox WHERE to_addr = :e ORDER BY id DESC LIMIT 1"),
                            {"e": email}).scalar_one()
    return re.search(r"https?://[^/\s]+(/register/confirm/\S+)", body).group(1)


def build_world(engine, photo_dir) -> dict:
    """Commit one account per role, a crew with its member, two reports by the resident (the second assigned to
    the crew) and an API key. Returns references, ids and the accounts' emails; ``delete_a11y_data`` removes it."""
    with Session(engine, expire_on_commit=False, info={"links": links_for_tests()}) as session:
        users = {role: register_user(session, email=f"{role}-{uuid.uuid4().hex[:8]}@{A11Y_DOMAIN}",
                                     password=PASSWORD, display_name=f"A11y {role}", role=Role(role))
                 for role in ROLES if role != "anonymous"}
        for user in users.values():
            if twofactor.required_for(user):          # staff and admin: an authenticator (factories.TOTP_SECRET)
                enrol_two_factor(session, user, {"SECRET_KEY": SECRET_KEY})
        crew = Crew(name=f"A11y crew {uuid.uuid4().hex[:6]}", depot=CATFORD.ewkt)
        session.add(crew)
        session.flush()
        session.add(CrewMember(crew_id=crew.id, user_id=users["crew"].id))
        session.commit()
        team, body = _team_and_body(session)
        answers = {k.removeprefix("q_fly_tipping_"): v for k, v in FLY_TIPPING_ANSWERS.items()}
        reports = [create_report(session, NewReport(category_code="fly_tipping", point=CATFORD, answers=answers,
                                                    description=f"Sofa and bags on the pavement {n}",
                                                    client_token=f"a11y-{uuid.uuid4().hex}", anonymous=False),
                                 users["resident"], PhotoStore(photo_dir)) for n in range(2)]
        triage.assign(session, [reports[1]], crew, users["staff"])
        triage.add_update(session, reports[1], users["staff"], "Broken glass in the bags", internal=True,
                          for_crews=True)
        enforcement.record_action(session, reports[0], users["staff"], "warning_letter", enforcement.london_today(),
                                  "Letter to the address found in the bags")
        apikeys.create_key(session, f"a11y-{uuid.uuid4().hex[:6]}")
        flags.flag(session, reports[0], None, "personal", "A number plate shows in the photo",
                   f"flagger@{A11Y_DOMAIN}")           # deleted with its report
        person = people.person_for(session, user=users["resident"], phone="020 8314 6000", needs=["hearing"])
        for report in reports:
            report.person = person
        template = ResponseTemplate(status=Status.INVESTIGATING, title=f"A11y template {uuid.uuid4().hex[:6]}",
                                    text="We are looking into it.")
        session.add(template)
        session.commit()
        return {"report": reports[0].reference, "job": reports[1].reference, "crew": crew.id,
                "crew_name": crew.name, "ward": session.scalar(select(Ward.code).where(Ward.id == reports[0].ward_id)),
                "category": session.scalar(select(Category.id).where(Category.code == "fly_tipping")),
                "emails": {role: user.email for role, user in users.items()}, "user": users["resident"].id,
                "councillor_user": users["councillor"].id,
                "person": person.id, "template": template.id,
                "team": team.id, "body": body.id}


def _team_and_body(session):
    """A team, and a body that takes fly-tipping around CATFORD (the reports below are routed to it)."""
    import json

    from portal.services.bodies import save_body, save_team

    from ..bodies_helpers import square
    suffix = uuid.uuid4().hex[:6]
    team = save_team(session, None, name=f"A11y team {suffix}", email="", active=True)
    fly_tipping = session.scalar(select(Category.id).where(Category.code == "fly_tipping"))
    body, _ = save_body(session, None, name=f"A11y body {suffix}", endpoint="http://127.0.0.1:9/open311/v2",
                        fmt="json", api_key="", jurisdiction_id="", boundary=json.dumps(square()), repair=False,
                        services={fly_tipping: "fly_tipping"}, active=True)
    return team, body


def delete_a11y_data(engine) -> None:
    with engine.begin() as conn:
        users = "SELECT id FROM users WHERE email LIKE :pattern"
        params = {"pattern": f"%@{A11Y_DOMAIN}"}
        conn.execute(text(f"DELETE FROM reports WHERE reporter_id IN ({users})"), params)
        conn.execute(text("DELETE FROM crews WHERE name LIKE 'A11y crew %'"))
        conn.execute(text("DELETE FROM bodies WHERE name LIKE 'A11y body %'"))
        conn.execute(text("DELETE FROM teams WHERE name LIKE 'A11y team %'"))
        conn.execute(text("DELETE FROM api_keys WHERE name LIKE 'a11y-%'"))
        conn.execute(text(f"DELETE FROM people WHERE user_id IN ({users})"), params)
        conn.execute(text("DELETE FROM response_templates WHERE title LIKE 'A11y template %'"))
        conn.execute(text("DELETE FROM outbox WHERE to_addr LIKE :pattern"), params)
        conn.execute(text(f"DELETE FROM users WHERE id IN ({users})"), params)


def tab_to(page, selector: str, text: str = "", key: str = "Tab", limit: int = 200) -> None:
    """Press ``key`` (Tab or Shift+Tab) until the focused element matches ``selector`` (and contains ``text``),
    then check that focus is visible on it. Fails if it is never reached (a keyboard trap or a missing control)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("([sel, txt]) => { const el = document.activeElement;"
                         " return !!el && el.matches(sel) && (el.textContent || '').includes(txt); }", [selector, text]):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{selector} {text!r} not reached with {key} on {page.url} ({limit} presses)")


def assert_focus_visible(page) -> None:
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow,
                tag: document.activeElement.outerHTML.slice(0, 80)}; }""")
    visible = (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none"
    assert visible, f"no visible focus on {style['tag']}: {style}"


def login_by_keyboard(page, email: str, password: str = PASSWORD) -> None:
    """Log in with the keyboard only: Tab to the fields, type, Shift+Tab back once, Enter to submit; staff and
    admin accounts then type the code their authenticator shows."""
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    tab_to(page, "#email", key="Shift+Tab")
    assert page.input_value("#email") == email
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if page.url.endswith("/login/code"):
        tab_to(page, "#code")
        page.keyboard.type(totp_code())
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert "/login" not in page.url, f"could not log in as {email}"
