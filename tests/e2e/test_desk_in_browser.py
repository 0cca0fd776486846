"""Staff at the desk, in Chromium: a phone caller's report in under 8 actions (counted), found again by the
caller's phone however it is written, their person page; the new pages axe-clean and usable 390 px wide."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from models import Role
from portal.services.accounts import register_user

from ..factories import PASSWORD, enrol_two_factor
from .conftest import E2E_EMAIL_DOMAIN, SECRET_KEY, links_for_tests, login_by_keyboard

pytestmark = pytest.mark.e2e
PHONE_DIGITS = "0209" + str(uuid.uuid4().int)[:7]          # a number no other test uses


@pytest.fixture()
def staff_page(page, engine):
    email = f"desk-{uuid.uuid4().hex[:8]}@{E2E_EMAIL_DOMAIN}"
    with Session(engine, info={"links": links_for_tests()}) as session:
        user = register_user(session, email=email, password=PASSWORD, display_name="Dee Desk", role=Role.STAFF)
        enrol_two_factor(session, user, {"SECRET_KEY": SECRET_KEY})
    login_by_keyboard(page, email)
    yield page
    with engine.begin() as conn:                # caller reports have no reporter: remove them and their person
        people = "SELECT id FROM people WHERE phone_digits = :d"
        conn.execute(text(f"DELETE FROM reports WHERE person_id IN ({people})"), {"d": PHONE_DIGITS})
        conn.execute(text(f"DELETE FROM people WHERE id IN ({people})"), {"d": PHONE_DIGITS})


class Actions:
    """Counts what staff do: each click, fill and choice is one action."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, selector: str, navigates: bool = False):
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                self.page.click(selector)
        else:
            self.page.click(selector)

    def fill(self, selector: str, value: str):
        self.count += 1
        self.page.fill(selector, value)

    def choose(self, selector: str, value: str):
        self.count += 1
        self.page.select_option(selector, value)


def report_for_a_caller(page, phone: str, description: str, category: str = "missed_bin") -> tuple[str, int]:
    """From the triage queue to the saved report: (its reference, the actions it took)."""
    page.goto("/staff/")
    act = Actions(page)
    act.click("text=Report for a caller", navigates=True)
    assert page.input_value("#channel") == "phone"
    act.fill("#phone", phone)
    act.fill("#postcode", "se6 4ru")
    act.click("#find-postcode")
    page.wait_for_selector("text=We have put the pin in the middle of SE6 4RU.")
    act.choose("#category", category)
    act.fill("#description", description)
    act.click("button[value=submit]", navigates=True)
    page.wait_for_url("**/staff/reports/KB-*")
    return page.url.rsplit("/", 1)[1], act.count


def test_a_phone_callers_report_takes_under_eight_actions_and_finds_them_again(staff_page, engine):
    page = staff_page
    first, actions = report_for_a_caller(page, f"{PHONE_DIGITS[:3]} {PHONE_DIGITS[3:7]} {PHONE_DIGITS[7:]}",
                                         "Bins on Wildfell Road missed again")
    assert actions < 8, actions
    assert "Report" in page.locator(".flash").inner_text() and "prefers phone" in page.content()
    second, _ = report_for_a_caller(page, "+44 " + PHONE_DIGITS[1:], "Litter all along the kerb", "street_cleaning")
    with engine.connect() as conn:
        people = conn.execute(text("SELECT DISTINCT person_id FROM reports WHERE reference IN (:a, :b)"),
                              {"a": first, "b": second}).scalars().all()
    assert len(people) == 1 and people[0] is not None            # one person, found by their phone
    page.goto("/staff/search")
    page.fill("#s-q", PHONE_DIGITS)
    with page.expect_navigation():
        page.press("#s-q", "Enter")
    found = page.locator("table").inner_text()
    assert first in found and second in found
    page.click(f"tr:has-text('{first}') >> text=Person")
    page.wait_for_url(f"**/staff/people/{people[0]}")
    assert first in page.content() and second in page.content()
    assert page.console_errors == []


NEW_PAGES = ["/staff/", "/staff/search?q=bins", "/staff/dashboard", "/staff/dashboard?by=ward"]


def test_new_pages_are_axe_clean_and_fit_390_px(staff_page, browser, live_server):
    from axe_playwright_python.sync_playwright import Axe
    page = staff_page
    first, _ = report_for_a_caller(page, PHONE_DIGITS, "Bins missed on the corner", "street_cleaning")
    person = page.locator("a[href^='/staff/people/']").first.get_attribute("href")
    page.set_viewport_size({"width": 390, "height": 844})
    axe = Axe()
    for url in [*NEW_PAGES, person, f"/staff/reports/{first}", "/report?caller=phone"]:
        page.goto(url)
        page.wait_for_load_state("load")
        violations = axe.run(page).response["violations"]
        assert not violations, f"{url}: " + "; ".join(f"{v['id']}: {v['help']}" for v in violations)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, f"{url} is {wide} px wide at 390 px"
    assert page.console_errors == []


def test_the_desks_tables_use_a_desktops_width_and_their_captions_stay_in_sight(staff_page):
    """At 1280 px the queue's table is not held to the reading column (62rem), which made each row four lines
    tall; at 390 px the caption ("58 reports: page 1 of 2") starts at the left, not centred over a table that
    scrolls sideways, where it was off-screen."""
    page = staff_page
    report_for_a_caller(page, PHONE_DIGITS, "A fridge dumped by the gate")      # a row in the queue and the search
    page.set_viewport_size({"width": 1280, "height": 900})
    for url in ("/staff/", f"/staff/search?q={PHONE_DIGITS}", "/staff/dashboard"):
        page.goto(url)
        width = page.evaluate("document.querySelector('table.data-table').getBoundingClientRect().width")
        assert width > 1100, f"{url}: the table is {width} px wide at 1280 px"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/staff/")
    right = page.evaluate("""() => { const range = document.createRange();
        range.selectNodeContents(document.querySelector('table.data-table caption'));
        return range.getBoundingClientRect().right; }""")
    assert right <= 390, f"the queue's caption ends at {right} px, off a 390 px screen"
