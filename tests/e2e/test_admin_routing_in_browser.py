"""The teams, bodies and question pages (and the report pages that show a body's sending) on a 390 px wide
phone: nothing wider than the screen, axe clean."""
from __future__ import annotations

import pytest

from .conftest import build_world, delete_a11y_data, login_by_keyboard

pytestmark = pytest.mark.e2e

PAGES = ["/admin/teams", "/admin/teams/{team}", "/admin/teams/new", "/admin/bodies", "/admin/bodies/{body}",
         "/admin/bodies/new", "/admin/categories/{category}/questions", "/admin/categories/{category}/questions/size",
         "/admin/categories/{category}/questions/new", "/admin/categories/{category}", "/admin/crews/new",
         "/staff/reports/{report}", "/reports/{report}"]


@pytest.fixture(scope="module")
def site(engine, live_server, tmp_path_factory):
    yield build_world(engine, tmp_path_factory.mktemp("a11y-photos"))
    delete_a11y_data(engine)


@pytest.fixture(scope="module")
def phone(browser, live_server, site):
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    context.route("http://tiles.invalid/**", lambda route: route.abort())
    page = context.new_page()
    login_by_keyboard(page, site["emails"]["admin"])
    yield page
    context.close()


@pytest.mark.parametrize("url", PAGES)
def test_fits_a_390_px_screen_and_is_axe_clean(phone, site, url):
    from axe_playwright_python.sync_playwright import Axe
    response = phone.goto(url.format(**site))
    assert response.status == 200
    widest = phone.evaluate("() => document.documentElement.scrollWidth")
    assert widest <= 390, f"{url} is {widest} px wide"
    violations = Axe().run(phone).response["violations"]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations]


def test_the_report_shows_where_it_is_being_sent(phone, site):
    phone.goto(f"/reports/{site['report']}")
    assert "Being sent to A11y body" in phone.inner_text("main")
