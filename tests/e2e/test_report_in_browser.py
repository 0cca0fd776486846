"""A resident reports fly tipping in Chromium: by clicking the map, and by keyboard alone with a postcode."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from ..factories import image_bytes
from .conftest import register

pytestmark = pytest.mark.e2e


def saved_report(engine, reference: str):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT r.status, w.name AS ward, ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, c.code AS category, "
            "r.answers, u.email FROM reports r JOIN categories c ON c.id = r.category_id "
            "LEFT JOIN wards w ON w.id = r.ward_id JOIN users u ON u.id = r.reporter_id "
            "WHERE r.reference = :ref"), {"ref": reference}).one()


def test_register_then_report_fly_tipping_by_clicking_the_map(page, new_email, engine):
    register(page, new_email)
    page.goto("/report")
    assert page.input_value("#latitude") == "" and page.input_value("#longitude") == ""
    map_box = page.locator(".map-frame.picker .folium-map")
    map_box.wait_for()
    page.wait_for_function("() => window.L !== undefined")
    box = map_box.bounding_box()
    map_box.click(position={"x": box["width"] / 2 + 20, "y": box["height"] / 2 + 10})  # near the middle of Lewisham
    lat, lon = float(page.input_value("#latitude")), float(page.input_value("#longitude"))
    assert 51.40 < lat < 51.50 and -0.08 < lon < 0.05, (lat, lon)  # somewhere in Lewisham
    assert page.locator(".leaflet-marker-icon").count() == 1         # the pin is on the map
    page.select_option("#category", "fly_tipping")
    page.check("#q_fly_tipping_size-4")                                # a small van load
    page.check("#q_fly_tipping_waste-1")                               # household
    page.check("#q_fly_tipping_waste-2")                               # furniture
    page.check("#q_fly_tipping_where-2")                               # back alley
    page.check("#q_fly_tipping_witnessed-2")                           # no
    page.fill("#description", "Mattress and black bags by the garages")
    page.set_input_files("#photos", files=[{"name": "tip.jpg", "mimeType": "image/jpeg",
                                            "buffer": image_bytes("JPEG", size=(2400, 1200))}])
    with page.expect_navigation():
        page.click("button[value=submit]")
    reference = sent_page(page)
    assert page.locator("h1").inner_text() == "Report sent"
    row = saved_report(engine, reference)
    assert row.email == new_email and row.category == "fly_tipping" and row.status == "new"
    assert row.ward is not None
    assert (round(row.lat, 6), round(row.lon, 6)) == (round(lat, 6), round(lon, 6))
    assert row.answers == {"size": "small_van", "waste": ["household", "furniture"], "where": "alley",
                           "witnessed": "no"}
    page.click("text=See your report's public page")
    photo = page.locator("ul.photos img")
    photo.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", photo.element_handle()) == 2048
    page.goto("/my/reports")
    assert reference in page.locator("table").inner_text()
    assert page.console_errors == []


def sent_page(page) -> str:
    """Wait for the confirmation page and return the reference; on an error page, fail with its messages."""
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.count() == 0, summary.inner_text()
    page.wait_for_url(re.compile(r".*/reports/KB-[0-9A-Z]{5}/sent$"))
    return page.locator(".reference strong").inner_text()


def tab_to(page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches ``selector`` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_report_by_keyboard_alone_with_a_postcode(page, new_email, engine):
    register(page, new_email, name="Kim Keyboard")
    page.goto("/")
    tab_to(page, "a[href='/report']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/report")
    tab_to(page, "#postcode")
    page.keyboard.type("se6 4ru")
    page.evaluate("window.stillHere = true")        # the look-up must not reload the page
    tab_to(page, "#find-postcode")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=We have put the pin in the middle of SE6 4RU.")
    assert page.evaluate("window.stillHere === true")
    assert page.input_value("#latitude") == "51.445076" and page.input_value("#longitude") == "-0.020805"
    assert page.input_value("#postcode") == "SE6 4RU"
    tab_to(page, "#category")
    page.keyboard.type("Fly-tip")                 # type-ahead in the list
    assert page.input_value("#category") == "fly_tipping"
    tab_to(page, "input[name=q_fly_tipping_size]")
    page.keyboard.press("Space")                  # the first answer: a single bag
    tab_to(page, "#q_fly_tipping_waste-1")
    page.keyboard.press("Space")                  # household
    tab_to(page, "input[name=q_fly_tipping_where]")
    page.keyboard.press("Space")                  # road or pavement
    tab_to(page, "input[name=q_fly_tipping_witnessed]")
    page.keyboard.press("Space")                  # yes
    tab_to(page, "#description")
    page.keyboard.type("One bag split open on the pavement")
    tab_to(page, "button[value=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    reference = sent_page(page)
    row = saved_report(engine, reference)
    assert row.email == new_email and row.ward == "Rushey Green"
    assert (row.lat, row.lon) == pytest.approx((51.445076, -0.020805), abs=1e-6)
    assert row.answers == {"size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "yes"}
    assert page.console_errors == []


def test_enter_finds_in_the_postcode_box_and_sends_from_any_other_line(page, new_email, engine):
    """Enter in a one-line field presses the form's first submit button, which was "Find": the report was not
    sent, and the typed coordinates were replaced by the postcode's. Enter in the postcode box finds it (the
    page stays); Enter in the coordinates sends the report, at the coordinates typed."""
    register(page, new_email, name="Enid Enter")
    page.goto("/report")
    page.evaluate("window.stillHere = true")
    page.fill("#postcode", "se6 4ru")
    page.press("#postcode", "Escape")                 # the suggestions closed, the text kept
    page.press("#postcode", "Enter")
    page.wait_for_selector("text=We have put the pin in the middle of SE6 4RU.")
    assert page.evaluate("window.stillHere === true") and page.input_value("#latitude") == "51.445076"
    page.fill("#latitude", "51.450000")
    page.fill("#longitude", "-0.030000")
    page.select_option("#category", "fly_tipping")
    for name in ("q_fly_tipping_size-1", "q_fly_tipping_waste-1", "q_fly_tipping_where-1", "q_fly_tipping_witnessed-2"):
        page.check(f"#{name}")
    page.fill("#description", "Bags by the gate")
    with page.expect_navigation():
        page.press("#longitude", "Enter")
    row = saved_report(engine, sent_page(page))
    assert (row.lat, row.lon) == pytest.approx((51.45, -0.03), abs=1e-6)
    assert page.console_errors == []


def test_the_description_counts_its_characters_as_they_are_typed(page):
    """A live count against the 2,000 characters (it said the limit, and the browser took 200,000 without a
    word until the form came back); nothing is cut, the box is described by the count."""
    page.goto("/report")
    page.fill("#description", "x" * 1990)
    page.wait_for_selector("text=You have 10 characters left.")
    page.fill("#description", "x" * 2005)
    page.wait_for_selector("text=You have 5 characters too many.")
    assert len(page.input_value("#description")) == 2005
    assert "description-count" in page.get_attribute("#description", "aria-describedby")
    assert page.console_errors == []


def test_use_my_location_fills_the_coordinates(browser, live_server, new_email, engine):
    context = browser.new_context(base_url=live_server, geolocation={"latitude": 51.4452, "longitude": -0.0205},
                                  permissions=["geolocation"])
    context.route("http://tiles.invalid/**", lambda route: route.abort())
    try:
        page = context.new_page()
        page.kerbside_engine = engine
        register(page, new_email)
        page.goto("/report")
        page.click("#use-my-location")
        page.wait_for_selector("text=Location found: the coordinates are filled in.")
        assert (page.input_value("#latitude"), page.input_value("#longitude")) == ("51.445200", "-0.020500")
    finally:
        context.close()


def test_photo_place_and_me_too_arrive_without_leaving_the_page(page, new_email, engine):
    """With JavaScript, a photo goes up when chosen and its location places the pin; once the kind of problem and
    the place are known, open reports like it close by are offered, all without a reload."""
    from ..factories import gps_exif
    register(page, new_email)
    page.goto("/report")
    page.wait_for_function("() => window.L !== undefined")
    page.evaluate("window.stillHere = true")
    page.set_input_files("#photos", files=[{"name": "tip.jpg", "mimeType": "image/jpeg",
                                            "buffer": image_bytes("JPEG", exif=gps_exif())}])
    page.wait_for_selector("text=We have placed the pin where your photo was taken")
    assert (page.input_value("#latitude"), page.input_value("#longitude")) == ("51.445200", "-0.020500")
    assert len(page.input_value("#pending_photos").split(",")) == 1
    assert page.locator(".leaflet-marker-icon").count() == 1
    page.select_option("#category", "fly_tipping")
    for name in ("q_fly_tipping_size-1", "q_fly_tipping_waste-1", "q_fly_tipping_where-1", "q_fly_tipping_witnessed-2"):
        page.check(f"#{name}")
    page.fill("#description", "Bags by the bus stop")
    with page.expect_navigation():
        page.click("button[value=submit]")
    first = sent_page(page)
    with engine.connect() as conn:             # the photo sent ahead went with the report
        assert conn.execute(text("SELECT count(*) FROM photos p JOIN reports r ON r.id = p.report_id "
                                 "WHERE r.reference = :ref"), {"ref": first}).scalar_one() == 1

    page.goto("/report")
    page.wait_for_function("() => window.L !== undefined")
    page.evaluate("window.stillHere = true")
    page.fill("#latitude", "51.445210")
    page.fill("#longitude", "-0.020490")
    page.dispatch_event("#longitude", "change")
    page.select_option("#category", "fly_tipping")
    page.wait_for_selector("#nearby-live:not([hidden])")
    assert first in page.locator("#nearby-live").inner_text()
    assert page.locator(f"#nearby-live button:has-text('Me too: support {first}')").count() == 1
    assert page.evaluate("window.stillHere === true")
    assert page.console_errors == []
