"""The alert sign-up and the update, follow and questionnaire pages at 390 px wide: nothing wider than the screen."""
import pytest

from .conftest import build_world, delete_a11y_data

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(engine, live_server, tmp_path_factory):
    yield build_world(engine, tmp_path_factory.mktemp("narrow-photos"))
    delete_a11y_data(engine)


@pytest.mark.parametrize("url", ["/alerts", "/reports/{report}/update", "/reports/{report}/follow",
                                 "/reports/{report}", "/n/fixed/not-a-token"])
def test_fits_390_pixels(browser, live_server, site, url):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="en-GB")
    context.route("http://tiles.invalid/**", lambda route: route.abort())
    page = context.new_page()
    page.goto(url.format(**site))
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390, f"{url} is {width} px wide at 390 px"
