"""No stored text inside an inline script: every page with a map, with hostile category, ward and crew names
and descriptions. The outside report: a category name holding ``${...}`` ran in the staff map, because folium
put tooltips inside JavaScript template literals of the inline script the CSP nonce allows."""
from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from .conftest import CATEGORY_NAME, MARCH, MARK, POTHOLE_NAME, RUSHEY_CODE, WARD_NAME


class Scripts(HTMLParser):
    """Every <script> element as (attributes, content), ended where a browser ends it."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[dict, str]] = []
        self._attrs: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._attrs, self._text = dict(attrs), ""

    def handle_data(self, data):
        if self._attrs is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "script" and self._attrs is not None:
            self.found.append((self._attrs, self._text))
            self._attrs = None


def inline_scripts(html: str) -> list[str]:
    """Scripts that run as written in the page: no ``src`` and not a JSON data block."""
    return [text for attrs, text in Scripts(html).found
            if "src" not in attrs and attrs.get("type") != "application/json"]


def data_blocks(html: str) -> list:
    return [json.loads(text) for attrs, text in Scripts(html).found if attrs.get("type") == "application/json"]


def assert_no_stored_text_in_scripts(html: str, *expected_in_data: str) -> None:
    scripts = inline_scripts(html)
    assert scripts, "the page has no map script"
    for script in scripts:
        assert MARK not in script and "alert(1)" not in script and "kbPwned" not in script, script[:3000]
        assert "onerror" not in script and "onload" not in script
        assert "\u2028" not in script and "\u2029" not in script
    for attrs, text in Scripts(html).found:    # a data block cannot be closed or commented out by its data
        if attrs.get("type") == "application/json":
            assert "<" not in text and ">" not in text and "\u2028" not in text, text[:500]
    data = json.dumps(data_blocks(html), ensure_ascii=False)
    for text in expected_in_data:               # the hostile text did reach the page, as data
        assert json.dumps(text, ensure_ascii=False)[1:-1] in data, (text, data[:2000])


@pytest.mark.parametrize("path, expected", [
    (f"/performance?{MARCH}", [WARD_NAME]),                            # ward names: choropleth tooltips
    (f"/performance?category=fly_tipping&{MARCH}", [WARD_NAME]),
    (f"/wards/{RUSHEY_CODE}?{MARCH}", [CATEGORY_NAME, POTHOLE_NAME]),  # report labels: reference and category
    (f"/density?{MARCH}", []),
    (f"/map?{MARCH}", []),
    ("/report", []),
    (f"/map?{MARCH}&ward={RUSHEY_CODE}", []),
])
def test_public_maps_carry_no_stored_text_in_scripts(client, hostile, path, expected):
    resp = client.get(path)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert MARK in html or path == "/report" or path.startswith("/density")   # the names are on the page...
    assert_no_stored_text_in_scripts(html, *expected)                        # ...but never in a script


def test_report_page_and_form_carry_no_stored_text_in_scripts(client, resident_client, hostile):
    html = client.get(f"/reports/{hostile[0].reference}").get_data(as_text=True)
    assert MARK in html                                                   # category name and description
    assert_no_stored_text_in_scripts(html, f"Location of {hostile[0].reference}")
    html = resident_client.get("/report?category=fly_tipping").get_data(as_text=True)
    assert MARK in html                                                   # the category list
    assert_no_stored_text_in_scripts(html)


def test_staff_maps_carry_no_stored_text_in_scripts(staff_client, hostile):
    html = staff_client.get("/staff/?sort=-created").get_data(as_text=True)
    assert MARK in html and hostile[0].reference in html
    assert_no_stored_text_in_scripts(html, hostile[0].reference)
    html = staff_client.get(f"/staff/reports/{hostile[0].reference}").get_data(as_text=True)
    assert_no_stored_text_in_scripts(
        html, f"{hostile[0].reference} (this report)", f"{hostile[1].reference}: {CATEGORY_NAME}",
        POTHOLE_NAME)                                                     # nearby reports' tooltips


def test_explore_feed_is_json_not_script(client, hostile):
    """The explore map draws from /api/map with textContent (static/js/explore.js): the names are data."""
    resp = client.get(f"/api/map?bbox=-0.03,51.44,-0.01,51.45&{MARCH}")
    assert resp.mimetype == "application/json"
    assert CATEGORY_NAME in {f["properties"]["category"] for f in resp.get_json()["features"]}


def test_the_neighbourhood_map_carries_no_stored_text_in_scripts(client, hostile, db_session):
    """/near (main/near.html) draws this year's reports around the chosen place, labelled with their category."""
    from datetime import datetime, timezone

    from models import Status
    from .conftest import RUSHEY_GREEN, add_report
    recent = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, datetime.now(timezone.utc))
    resp = client.get("/near?lat=51.4442&lon=-0.0214")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert recent.reference in html
    assert_no_stored_text_in_scripts(html, f"{recent.reference} {CATEGORY_NAME}")
