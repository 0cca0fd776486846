"""axe-core audits of every page type: zero violations."""
from __future__ import annotations

import pytest

from ..factories import image_bytes
from .conftest import register

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


def audit(axe, page) -> None:
    page.wait_for_load_state("load")
    violations = axe.run(page).response["violations"]
    details = [f"{v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(n["target"][0] if isinstance(
        n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5]) for v in violations]
    assert not details, f"{page.url}:\n" + "\n".join(details)
    assert page.console_errors == []


@pytest.mark.parametrize("url", ["/", "/login", "/register", "/about", "/privacy"])
def test_public_pages_have_no_violations(page, axe, url):
    page.goto(url)
    audit(axe, page)


def test_resident_pages_have_no_violations(page, axe, new_email):
    register(page, new_email)
    audit(axe, page)                                  # My reports, empty
    page.goto("/report")
    audit(axe, page)                                  # the report form
    page.select_option("#category", "fly_tipping")
    page.check("#q_fly_tipping_waste-8")              # asbestos: the urgent safety notice
    audit(axe, page)
    page.fill("#latitude", "51.5072")
    page.fill("#longitude", "-0.1276")
    with page.expect_navigation():
        page.click("button[value=submit]")
    assert page.locator("#error-summary").count() == 1
    page.console_errors.remove("Failed to load resource: the server responded with a status of 400 (BAD REQUEST)")
    audit(axe, page)                                  # the form with errors
    page.fill("#latitude", "51.4452")
    page.fill("#longitude", "-0.0205")
    page.check("#q_fly_tipping_size-1")
    page.check("#q_fly_tipping_where-1")
    page.check("#q_fly_tipping_witnessed-1")
    page.fill("#description", "Bags of rubble")
    page.set_input_files("#photos", files=[{"name": "rubble.png", "mimeType": "image/png",
                                            "buffer": image_bytes("PNG", size=(400, 300))}])
    with page.expect_navigation():
        page.click("button[value=submit]")
    audit(axe, page)                                  # report sent
    with page.expect_navigation():
        page.click("text=See your report's public page")
    page.locator("ul.photos img").wait_for()
    audit(axe, page)                                  # the report's public page, with its photo
    page.goto("/my/reports")
    audit(axe, page)                                  # My reports, with a report
    page.goto("/account")
    audit(axe, page)


def test_the_audit_can_fail(page, axe):
    page.goto("/")
    page.evaluate("""() => { const i = document.createElement('input'); document.querySelector('main').append(i); }""")
    ids = {v["id"] for v in axe.run(page).response["violations"]}
    assert "label" in ids


@pytest.mark.parametrize("url,fill", [
    ("/login", {"#email": "nobody@example.test", "#password": "wrong password"}),
    ("/register", {"#email": "not an email"}),
    ("/alerts", {"#place": "ZZ9 9ZZ"}),
])
def test_a_form_shown_again_with_errors_takes_focus_to_its_summary(page, url, fill):
    """After a failed send, focus is on the error summary (its links lead to each field) and the title says
    "Error:": a keyboard or screen reader user starts where the problems are, not at the top of the page."""
    page.goto(url)
    for selector, value in fill.items():
        page.fill(selector, value)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error:")
