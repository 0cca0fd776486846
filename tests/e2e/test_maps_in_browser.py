"""In a real browser: the performance map draws its wards, its table holds the figures, and axe finds no
violations on the maps pages."""
import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.maps.conftest import hostile, known_reports  # noqa: F401 (fixtures: the maps tests' hand-made reports)

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium not installed")
MARCH = "start=2020-03-01&end=2020-03-31"


@pytest.fixture()
def server(app):
    srv = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    app.config["SERVER_NAME"] = f"127.0.0.1:{srv.server_port}"
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.route("https://**/*", lambda route: route.abort())     # no tiles from the internet in tests
    yield pg
    context.close()


def test_performance_map_draws_and_its_table_matches(server, page, known_reports, db_session):
    """The table and the ward's tooltip give the same figure, with its count; a tiny sample says so."""
    from models import Status
    from tests.maps.conftest import DAY, RUSHEY_GREEN, add_report
    page.goto(f"{server}/performance?category=fly_tipping&{MARCH}")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 19
    row = page.locator('tr[data-ward="E05013730"]')
    assert row.locator("td").nth(0).inner_text() == "too few reports to say (7 reports)"
    for _ in range(5):
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, 2)
    db_session.flush()
    page.goto(f"{server}/performance?category=fly_tipping&{MARCH}")
    page.wait_for_selector("path.leaflet-interactive")
    row = page.locator('tr[data-ward="E05013730"]')
    assert row.locator("td").nth(0).inner_text() == "75% (12 reports)"       # 9 kept; late, open, reopened missed
    assert row.locator("td").nth(1).inner_text() == "2 h (12 reports)"       # two still open: censored
    assert "Rushey Green: median time to fix 2 h (12 reports)" in page.evaluate(OPEN_EVERY_LABEL)


@pytest.mark.parametrize("path", [f"/performance?{MARCH}", f"/map?{MARCH}", f"/wards/E05013730?{MARCH}",
                                  f"/density?{MARCH}", "/data", "/promises",
                                  "/promises?category=fly_tipping"])
def test_maps_pages_have_no_axe_violations(server, page, known_reports, path):
    from axe_playwright_python.sync_playwright import Axe
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert violations == []


@pytest.mark.parametrize("path", [f"/map?{MARCH}", f"/wards/E05013730?{MARCH}", "/report"])
def test_every_map_is_a_named_tab_stop(server, page, known_reports, path):
    """Leaflet makes a map focusable (its arrow-key control); a screen reader announced it with no name."""
    page.goto(server + path)
    page.wait_for_load_state("load")
    maps = page.evaluate("""() => [...document.querySelectorAll('.leaflet-container')].map(m => [m.tabIndex,
        m.getAttribute('role'), m.getAttribute('aria-label') || ''])""")
    assert maps and all(tab == 0 and role == "region" and "arrow keys" in label for tab, role, label in maps), maps


#: Opens every tooltip and popup of the page's map (as hovering and clicking each would) and returns their text.
OPEN_EVERY_LABEL = """() => {
  const map = window[document.querySelector('.folium-map').id];
  const texts = [];
  map.eachLayer((layer) => {
    for (const [get, open] of [['getTooltip', 'openTooltip'], ['getPopup', 'openPopup']]) {
      if (layer[get] && layer[get]()) {
        layer[open]();
        const element = layer[get]().getElement();
        if (element) { texts.push(element.textContent); }
      }
    }
  });
  return texts;
}"""


def test_hostile_names_stay_text_on_the_staff_and_public_maps(server, page, hostile, make_user):
    """Category, ward and crew names holding ${...}, </script>, <img onerror> and the like: no dialog opens, no
    global is set and no element is made from them, on load or when every tooltip and popup is opened."""
    from models import Role
    from tests.factories import PASSWORD, totp_code

    from tests.maps.conftest import CATEGORY_NAME, MARCH, POTHOLE_NAME, RUSHEY_CODE, WARD_NAME
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/login")
    page.fill("#email", make_user(Role.STAFF).email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_load_state()
    if page.url.endswith("/login/code"):                 # staff: the authenticator's code
        page.fill("#code", totp_code())
        page.click("form button[type=submit] >> nth=-1")
        page.wait_for_load_state()
    assert "/login" not in page.url, page.url
    ref, near = hostile[0].reference, hostile[1].reference
    pages = [(f"/staff/reports/{ref}", [f"{near}: {CATEGORY_NAME}", POTHOLE_NAME, f"{ref} (this report)"]),
             ("/staff/?sort=-created", [ref]),
             (f"/performance?{MARCH}", [WARD_NAME, "Median time to fix"]),
             (f"/wards/{RUSHEY_CODE}?{MARCH}", [f"{ref} {CATEGORY_NAME}"]),
             (f"/reports/{ref}", [f"Location of {ref}"]),
             (f"/density?{MARCH}", ["reports"]),
             (f"/map?{MARCH}", [])]
    for path, expected in pages:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert (dialogs, errors, page.evaluate("typeof window.kbPwned")) == ([], [], "undefined"), path
        texts = page.evaluate(OPEN_EVERY_LABEL)
        page.wait_for_timeout(300)                       # time for an <img src=x onerror> to fail and fire
        for text in expected:
            assert any(text in t for t in texts), (path, text, texts[:5])
        assert (dialogs, errors, page.evaluate("typeof window.kbPwned")) == ([], [], "undefined"), path
        made = ".leaflet-pane img:not(.leaflet-tile):not(.leaflet-marker-icon):not(.leaflet-marker-shadow), " \
               ".leaflet-pane svg svg, .leaflet-tooltip *:not(div):not(strong)"
        assert page.locator(made).count() == 0, path      # no element made from a name
