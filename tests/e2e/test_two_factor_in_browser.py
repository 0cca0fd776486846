"""In Chromium, keyboard only: a new staff member sets up two-factor sign-in (reading the key from the page, as
someone without a camera would), saves the recovery codes, and signs in again with a code. axe audits each page
of the flow, the code page also in its error state."""
from __future__ import annotations

import time
import uuid

import pyotp
import pytest
from sqlalchemy.orm import Session

from models import Role
from portal.services.accounts import register_user

from ..factories import PASSWORD
from .conftest import E2E_EMAIL_DOMAIN, tab_to, links_for_tests

pytestmark = pytest.mark.e2e


def audit(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    violations = Axe().run(page).response["violations"]
    return [f"{page.url} {v['id']}: {v['help']} -> " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in violations]


def password_by_keyboard(page, email: str) -> None:
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_code(page, code: str) -> None:
    tab_to(page, "#code")
    page.keyboard.press("Control+a")
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_staff_sets_up_two_factor_and_signs_in_with_a_code(page, engine):
    email = f"staff-{uuid.uuid4().hex[:8]}@{E2E_EMAIL_DOMAIN}"
    with Session(engine, info={"links": links_for_tests()}) as session:
        register_user(session, email=email, password=PASSWORD, display_name="Tess Two-Step", role=Role.STAFF)
    problems = []

    password_by_keyboard(page, email)
    assert page.url.endswith("/login/enrol")
    assert page.locator("svg[role=img]").is_visible()
    problems += audit(page)
    secret = page.inner_text("#totp-secret").replace(" ", "")
    type_code(page, "123")                                        # too short: an error, kept on the page
    assert page.locator(".error-summary").is_visible()
    problems += audit(page)
    type_code(page, pyotp.TOTP(secret).now())
    assert page.get_by_role("heading", level=1).inner_text().startswith("Two-factor sign-in is on")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    problems += audit(page)
    tab_to(page, "main a", "I have saved my recovery codes")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Log out" in page.content()

    page.context.clear_cookies()
    password_by_keyboard(page, email)
    assert page.url.endswith("/login/code")
    problems += audit(page)
    near = {pyotp.TOTP(secret).at(time.time() + 30 * d) for d in range(-2, 3)}
    type_code(page, next(c for c in ("000000", "111111", "222222") if c not in near))
    assert page.locator("#code-error").is_visible()
    assert page.get_attribute("#code", "aria-invalid") == "true"
    problems += audit(page)
    type_code(page, pyotp.TOTP(secret).at(time.time() + 30))      # the enrolment used this step's code
    page.goto("/staff/")
    assert page.get_by_role("heading", level=1).is_visible() and "/login" not in page.url
    assert problems == [], "\n".join(problems)
