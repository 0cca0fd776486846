"""Every page type at 390 px wide (a phone): no sideways scrolling, axe clean, and a compact menu that opens and
closes without JavaScript (a <details> disclosure) and with it."""
from __future__ import annotations

import pytest

from .conftest import build_world, delete_a11y_data, login_by_keyboard
from .test_axe_site import PAGES as AXE_PAGES

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def role_for(name: str) -> str:
    """The role that sees a page type as it is meant to be seen (the others are sent to the login page)."""
    for prefix, role in (("staff-", "staff"), ("admin-", "admin"), ("crew-", "crew")):
        if name.startswith(prefix):
            return role
    return {"my-ward": "councillor", "my-reports": "resident", "account": "resident",
            "notification-preferences": "resident"}.get(name, "anonymous")


#: Every page type the axe audit knows (tests/e2e/test_axe_site.py, itself checked against the app's routes), as
#: the role that sees it, and the neighbourhood page's error state.
PAGES = [(role_for(name), name, url) for name, url in AXE_PAGES.items()] + [
    ("anonymous", "neighbourhood-error", "/near?postcode=ZZ9+9ZZ")]


def test_every_page_type_is_checked_on_a_phone():
    assert {name for _r, name, _u in PAGES} >= set(AXE_PAGES)


@pytest.fixture(scope="module")
def site(engine, live_server, tmp_path_factory):
    yield build_world(engine, tmp_path_factory.mktemp("phone-photos"))
    delete_a11y_data(engine)


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.fixture(scope="module")
def phone_pages(browser, live_server, site):
    pages = {}

    def get(role: str, javascript: bool = True):
        key = (role, javascript)
        if key not in pages:
            context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE,
                                          java_script_enabled=javascript)
            context.set_default_timeout(10_000)
            context.route("http://tiles.invalid/**", lambda route: route.abort())
            page = context.new_page()
            if role != "anonymous":
                login_by_keyboard(page, site["emails"][role])
            pages[key] = page
        return pages[key]
    yield get
    for page in pages.values():
        page.context.close()


def scroll_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


@pytest.mark.parametrize(("role", "name", "url"), PAGES, ids=[f"{role}:{name}" for role, name, _ in PAGES])
def test_no_sideways_scrolling_at_390_px_and_axe_clean(phone_pages, axe, site, role, name, url):
    page = phone_pages(role)
    url = url.format(**site)
    if "#" in url:
        page.goto("about:blank")                          # a fresh load, not a jump within the same page
    page.goto(url)
    page.wait_for_load_state("load")
    width = scroll_width(page)
    if width > 390:      # name the widest elements, to say what to fix
        culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll, .map-frame'))
            .slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        raise AssertionError(f"{role} {url}: scrollWidth {width} > 390: {culprits}")
    menu = page.locator("details.site-menu")
    assert menu.count() == 1 and not menu.evaluate("d => d.open")
    assert page.locator("header").bounding_box()["height"] < 120, "the header takes more than two lines"
    # Every radio button and tick box keeps its size beside a label that wraps (one had shrunk to ~10 px).
    squeezed = page.evaluate("""() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().width < 16)
        .map(e => e.id + ' ' + Math.round(e.getBoundingClientRect().width))""")
    assert not squeezed, f"{role} {url}: radio buttons or tick boxes squeezed at 390 px: {squeezed}"
    violations = axe.run(page).response["violations"]          # the narrow layout is audited too
    assert not violations, f"{role} {url} at 390 px:\n" + "\n".join(f"{v['id']}: {v['help']} -> " + "; ".join(
        str(n["target"]) for n in v["nodes"][:5]) for v in violations)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_menu_opens_and_closes(phone_pages, site, javascript):
    page = phone_pages("resident", javascript)
    page.goto("/")
    link = page.get_by_role("link", name="My reports")
    assert not link.is_visible()
    button = page.get_by_text("Menu", exact=True)
    closed = button.bounding_box()
    button.click()
    assert link.is_visible()
    assert scroll_width(page) <= 390
    assert button.bounding_box() == closed           # the same tap closes it: the button has not moved
    button.click()
    assert not link.is_visible()


def test_escape_closes_the_open_menu_and_returns_to_its_button(phone_pages, site):
    """Open over the page, the menu closes with Escape, from a link in it too, and focus is back on Menu."""
    page = phone_pages("resident")
    page.goto("/")
    link = page.get_by_role("link", name="My reports")
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="Explore map").focus()
    page.keyboard.press("Escape")
    assert not link.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")                       # the button it came back to opens it again
    assert link.is_visible()


def test_wide_screens_show_the_menu_without_a_button(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/")
    assert page.get_by_role("link", name="Explore map").is_visible()
    assert not page.get_by_text("Menu", exact=True).is_visible()
    context.close()


def test_wide_tables_scroll_in_a_focusable_region(phone_pages, site):
    page = phone_pages("anonymous")
    page.goto(f"/wards/{site['ward']}")
    regions = page.locator(".table-scroll")
    assert regions.count() >= 3
    for i in range(regions.count()):
        region = regions.nth(i)
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    # A caption is as wide as its table: made wider than the phone, its words still wrap within the screen.
    page.evaluate("""() => document.querySelectorAll('.table-scroll table').forEach(t => {
        const cell = t.insertRow().insertCell(); cell.textContent = 'x'; cell.style.minWidth = '900px'; })""")
    edges = page.evaluate("""() => [...document.querySelectorAll('.table-scroll caption')].map(c => {
        const r = document.createRange(); r.selectNodeContents(c);
        return [c.textContent.trim().slice(0, 40), Math.round(r.getBoundingClientRect().right)]; })""")
    assert edges and all(right <= 390 for _, right in edges), edges


def test_a_wide_list_on_the_explore_map_scrolls_inside_its_region(phone_pages, site):
    """The explore map's list sits in a grid column: a cell wider than the phone (a long status such as
    "Confirmed" did it) widened the whole column, and the page scrolled sideways, instead of the table within
    its focusable region."""
    page = phone_pages("anonymous")
    page.goto("/map")
    page.wait_for_load_state("load")
    page.evaluate("""() => { const table = document.querySelector('.explore .table-scroll table');
        const cell = table.insertRow().insertCell(); cell.textContent = 'x'; cell.style.minWidth = '700px'; }""")
    assert page.evaluate("document.querySelector('.explore .table-scroll').scrollWidth") > 600
    assert scroll_width(page) <= 390
