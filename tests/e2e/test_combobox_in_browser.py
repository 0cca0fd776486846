"""Postcode and street suggestions as you type (static/js/combobox.js), on a phone-sized screen: typed part of a
street name, moved through with the arrow keys, chosen with Enter, and used; axe-clean with the list open."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TYPED = "Abbots"          # Abbotshall Road, Abbotswell Road (OpenStreetMap streets in the demo data)
WAIT_MS = 250             # combobox.js asks this long after the last key


@pytest.fixture()
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="en-GB")
    context.set_default_timeout(10_000)
    context.route("http://tiles.invalid/**", lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "tiles.invalid" not in m.text
            and "ERR_FAILED" not in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()


def _audit(page) -> None:
    from axe_playwright_python.sync_playwright import Axe
    violations = Axe().run(page).response["violations"]
    assert not violations, [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}" for v in violations]


def _expected(page, typed: str) -> list[dict]:
    return page.request.get(f"/lookup/places?q={typed}").json()["places"]


def _open_list(page, box: str) -> None:
    page.focus(box)
    page.keyboard.type(TYPED, delay=30)
    page.wait_for_selector(f"{box}-suggestions [role=option]")
    assert page.get_attribute(box, "aria-expanded") == "true"


def test_report_form_street_chosen_by_arrow_keys_and_enter(phone):
    page = phone
    page.goto("/report")
    box = "#postcode"
    assert page.get_attribute(box, "role") == "combobox"
    assert page.get_attribute(box, "aria-controls") == "postcode-suggestions"
    assert page.get_attribute(box, "aria-autocomplete") == "list"
    expected = _expected(page, TYPED)
    assert len(expected) >= 2
    _open_list(page, box)
    options = page.locator("#postcode-suggestions [role=option]")
    assert options.count() == len(expected)
    assert page.get_attribute("#postcode-suggestions", "role") == "listbox"
    status = page.locator("#postcode-suggestions-status")
    assert status.get_attribute("aria-live") == "polite"
    page.wait_for_function("document.getElementById('postcode-suggestions-status').textContent.includes('suggestion')")
    assert status.text_content().startswith(f"{len(expected)} suggestion")
    _audit(page)                                                     # axe, with the list open
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.evaluate("window.stillHere = true")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute(box, "aria-activedescendant") == "postcode-suggestions-0"
    page.keyboard.press("ArrowDown")
    assert page.get_attribute(box, "aria-activedescendant") == "postcode-suggestions-1"
    assert options.nth(1).get_attribute("aria-selected") == "true"
    assert options.nth(0).get_attribute("aria-selected") == "false"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")                                     # chooses; does not send the form
    chosen = expected[1]
    assert page.input_value(box) == chosen["label"]
    assert page.get_attribute(box, "aria-expanded") == "false"
    assert page.get_attribute(box, "aria-activedescendant") is None
    assert page.is_hidden("#postcode-suggestions")
    assert page.evaluate("window.stillHere === true")
    # The chosen place is used: the coordinates (and the pin) are filled in from it.
    assert float(page.input_value("#latitude")) == pytest.approx(chosen["lat"], abs=1e-6)
    assert float(page.input_value("#longitude")) == pytest.approx(chosen["lon"], abs=1e-6)
    assert f"We have put the pin on {chosen['label']}" in page.text_content("#postcode-status")
    assert page.console_errors == []


def test_escape_closes_the_list_and_then_clears_the_box(phone):
    page = phone
    page.goto("/report")
    _open_list(page, "#postcode")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert page.get_attribute("#postcode", "aria-expanded") == "false"
    assert page.input_value("#postcode") == TYPED
    assert page.input_value("#latitude") == ""                       # nothing chosen
    page.keyboard.press("Escape")
    assert page.input_value("#postcode") == ""


def test_home_page_search_takes_the_chosen_street(phone):
    page = phone
    page.goto("/")
    expected = _expected(page, TYPED)
    _open_list(page, "#postcode")
    _audit(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#postcode") == expected[0]["label"]
    with page.expect_navigation():
        page.keyboard.press("Enter")                                 # the list is closed: Enter sends the form
    assert expected[0]["label"] in page.text_content("h1")
    assert page.console_errors == []


def test_alerts_page_offers_the_same_list(phone):
    page = phone
    page.goto("/alerts")
    _open_list(page, "#place")
    _audit(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("ArrowUp")                                   # from the end
    last = page.locator("#place-suggestions [role=option]").count() - 1
    assert page.get_attribute("#place", "aria-activedescendant") == f"place-suggestions-{last}"
    page.keyboard.press("Enter")
    assert page.input_value("#place") == _expected(page, TYPED)[last]["label"]
    assert page.console_errors == []


def _held_lookups(page) -> list:
    """Hold every /lookup/places request until the test lets it go (a slow network, without a clock)."""
    held: list = []
    page.route("**/lookup/places?*", lambda route: held.append(route))
    return held


def _answer_arrives(page, held: list) -> None:
    """Let the held question through and wait until the page's script has had the answer."""
    page.evaluate("() => true")                   # a round trip: the route handler has run
    assert len(held) == 1, len(held)
    with page.expect_response("**/lookup/places?*") as answer:
        held.pop().continue_()
    answer.value.finished()
    # One task later (a message, not a timer, which a test's clock may hold): after the script's .then() callbacks.
    page.evaluate("() => new Promise(done => { const c = new MessageChannel(); c.port1.onmessage = () => done();"
                  " c.port2.postMessage(0); })")


@pytest.mark.parametrize("leave", ["Escape", "Tab"])
def test_suggestions_that_arrive_after_the_person_moved_on_stay_closed(phone, leave):
    """Typed, then Escape (dismiss the suggestions to come) or Tab (on to the next field) before the answer came:
    the text stays, and the late answer opens no list under a box the person has left."""
    page = phone
    page.clock.install()                  # the wait before asking ends when the test says, not when a busy CPU does
    page.goto("/report")
    held = _held_lookups(page)
    page.focus("#postcode")
    page.keyboard.type(TYPED)
    with page.expect_request("**/lookup/places?*"):
        page.clock.run_for(WAIT_MS)
    page.keyboard.press(leave)
    assert page.input_value("#postcode") == TYPED                     # Escape did not throw the text away
    _answer_arrives(page, held)
    assert page.is_hidden("#postcode-suggestions") and page.get_attribute("#postcode", "aria-expanded") == "false"
    assert page.console_errors == []


def test_escape_before_the_question_is_asked_keeps_the_text(phone):
    page = phone
    page.clock.install()                  # the wait before asking ends when the test says, not when a busy CPU does
    page.goto("/report")
    held = _held_lookups(page)
    page.focus("#postcode")
    page.keyboard.type(TYPED)
    page.keyboard.press("Escape")                                     # within the wait before asking
    assert page.input_value("#postcode") == TYPED
    page.clock.run_for(4 * WAIT_MS)                                   # long past the wait: nothing is asked
    page.evaluate("() => true")                                       # a round trip: any route handler has run
    assert held == []
    page.keyboard.press("Escape")                                     # nothing shown or coming: clears the box
    assert page.input_value("#postcode") == ""


def test_find_with_a_street_we_do_not_know_offers_the_postcode(phone):
    """The report form's Find (with JavaScript) says the street is not on the list and offers the postcode."""
    page = phone
    page.goto("/report")
    page.fill("#postcode", "Nowhere Such Lane")
    page.keyboard.press("Escape")
    page.click("button[data-lookup]")
    status = page.locator("#postcode-status")
    expect(status).to_contain_text("SE6 4RU")            # waits for the answer (the page's CSP forbids eval)
    assert "list of street names covers only part of the area" in status.inner_text()
    assert "enter your postcode, like SE6 4RU" in status.inner_text()
    assert page.get_attribute("#postcode", "aria-invalid") == "true" and page.input_value("#postcode") == \
        "Nowhere Such Lane"
