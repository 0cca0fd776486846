"""The measure pages on a phone: /performance, a ward, /promises and a report's page fit a 390 px wide screen
without scrolling sideways (wide tables scroll inside their own box), and their charts keep a text alternative."""
from __future__ import annotations

import pytest

from .conftest import build_world, delete_a11y_data

pytestmark = pytest.mark.e2e
PAGES = ["/performance", "/wards/{ward}", "/promises", "/promises?category=fly_tipping", "/reports/{report}"]


@pytest.fixture(scope="module")
def site(engine, live_server, tmp_path_factory):
    yield build_world(engine, tmp_path_factory.mktemp("measures-photos"))
    delete_a11y_data(engine)


@pytest.fixture()
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 390, "height": 844})
    context.route("http://tiles.invalid/**", lambda route: route.abort())
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_fits_a_phone(phone, site, path):
    phone.goto(path.format(**site))
    phone.wait_for_load_state("load")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide"


def test_charts_have_axes_values_and_a_text_alternative(phone, site):
    phone.goto(f"/wards/{site['ward']}")
    chart = phone.locator("svg.chart").first
    labelled = chart.get_attribute("aria-labelledby").split()
    assert all(phone.locator(f"#{i}").count() == 1 for i in labelled)
    assert "Median time to fix" in phone.locator(f"#{labelled[0]}").text_content()
    assert chart.locator("text.axis").count() >= 5                       # y ticks and month labels
    assert phone.locator("table#trend tbody tr").count() == 24
