"""In a real browser: the performance map draws its wards, its table holds the figures, and axe finds no
violations on the maps pages."""
import os
import threading

import pytest
from werkzeug.serving import make_server

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


def test_performance_map_draws_and_its_table_matches(server, page, known_reports):
    page.goto(f"{server}/performance?category=fly_tipping&{MARCH}")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 19
    row = page.locator('tr[data-ward="E05013730"]')
    assert row.locator("td").nth(0).inner_text() == "10 h"
    assert row.locator("td").nth(2).inner_text() == "80%"


@pytest.mark.parametrize("path", [f"/performance?{MARCH}", f"/map?{MARCH}", f"/wards/E05013730?{MARCH}",
                                  f"/density?{MARCH}", "/data"])
def test_maps_pages_have_no_axe_violations(server, page, known_reports, path):
    from axe_playwright_python.sync_playwright import Axe
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert violations == []
