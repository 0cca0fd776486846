"""The report form's own small endpoints: a photo sent ahead (with where it was taken) and open reports nearby
("me too"), each for the form's script, with the no-JavaScript path kept in test_report_form; the place look-up
is /lookup/places."""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from models import Status

from ..conftest import csrf_from
from ..factories import CATFORD, gps_exif, image_bytes, report_form
from portal.services.moderation import set_hidden


def test_the_forms_find_button_asks_the_place_look_up(client):
    """With JavaScript, "Find" asks /lookup/places (postcode or street, tested in tests/lookup); without, it
    posts the whole form to /report/locate (tests/reports/test_report_form.py)."""
    page = client.get("/report").get_data(as_text=True)
    assert 'formaction="/report/locate"' in page and 'data-lookup="/lookup/places"' in page


def upload(fc, raw: bytes, name: str = "phone.jpg", token: str | None = None):
    if token is None:
        token = csrf_from(fc.get("/report").get_data(as_text=True))
    return fc.post("/api/photos", data={"photo": FileStorage(io.BytesIO(raw), filename=name)},
                   headers={"X-CSRFToken": token}, content_type="multipart/form-data")


def test_a_photo_sent_ahead_gives_its_key_and_place_then_goes_with_the_report(resident_client, db_session, app):
    resp = upload(resident_client, image_bytes("JPEG", exif=gps_exif()))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["lat"] == pytest.approx(51.4452, abs=1e-4) and body["lon"] == pytest.approx(-0.0205, abs=1e-4)
    sent = resident_client.submit("/report", report_form(pending_photos=body["key"], submission_token="ahead-1"),
                                  page="/report")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    from models import Report
    from sqlalchemy import select
    report = db_session.scalars(select(Report).where(Report.client_token == "ahead-1")).one()
    assert [p.key for p in report.photos] == [body["key"]]


def test_a_photo_without_a_place_gives_null(resident_client):
    body = upload(resident_client, image_bytes("PNG")).get_json()
    assert body["key"] and body["lat"] is None and body["lon"] is None


def test_a_photo_sent_ahead_needs_the_csrf_token(resident_client, app):
    resp = upload(resident_client, image_bytes(), token="forged")
    assert resp.status_code == 400
    pending = app.config["PHOTO_DIR"] / "pending"
    assert not pending.exists() or not any(pending.iterdir())


@pytest.mark.parametrize("raw, name, message", [
    (b"not an image at all", "a.jpg", "photo"),
    (b"", "empty.jpg", "is empty"),
])
def test_a_hostile_photo_sent_ahead_is_refused_clearly(resident_client, raw, name, message):
    resp = upload(resident_client, raw, name)
    assert resp.status_code == 400 and message in resp.get_json()["error"].lower()


def test_no_photo_sent_ahead(resident_client):
    token = csrf_from(resident_client.get("/report").get_data(as_text=True))
    resp = resident_client.post("/api/photos", data={}, headers={"X-CSRFToken": token})
    assert resp.status_code == 400 and resp.get_json() == {"error": "Choose a photo to add."}


def nearby(client, **params):
    query = {"latitude": CATFORD.lat, "longitude": CATFORD.lon, "category": "fly_tipping", **params}
    return client.get("/api/reports/nearby", query_string=query)


def test_nearby_lists_open_reports_of_the_kind_the_viewer_may_see(client, make_report, resident, make_user,
                                                                  db_session):
    from models import Role
    shown = make_report(resident)
    hidden = make_report(resident, description="Another fridge")
    set_hidden(db_session, hidden, make_user(Role.STAFF), True, "Personal details")
    make_report(resident, status=Status.UNCONFIRMED, description="Not confirmed yet")
    refs = [r["reference"] for r in nearby(client).get_json()["reports"]]
    assert refs == [shown.reference]
    first = nearby(client).get_json()["reports"][0]
    assert first["url"] == f"/reports/{shown.reference}" and first["support_url"].endswith("/support")
    assert first["follow_url"] == f"/reports/{shown.reference}/follow"
    assert set(first) == {"reference", "category", "metres", "reported", "url", "support_url",
                          "follow_url"}                                          # nothing personal
    assert nearby(client, category="graffiti").get_json() == {"reports": []}


@pytest.mark.parametrize("params, message", [
    ({"latitude": ""}, "Enter a latitude"),
    ({"longitude": "east"}, "must be a number"),
    ({"latitude": "95"}, "between -90 and 90"),
    ({"category": "no_such"}, "Choose a category"),
    ({"category": ""}, "Choose a category"),
])
def test_nearby_refuses_bad_input_clearly(client, params, message):
    resp = nearby(client, **params)
    assert resp.status_code == 400 and message in resp.get_json()["error"]


def test_the_form_opens_at_a_place_given_in_the_link(client):
    page = client.get("/report?latitude=51.4452&longitude=-0.0205&category=graffiti").get_data(as_text=True)
    assert 'value="51.445200"' in page and 'value="-0.020500"' in page
    assert '<option selected value="graffiti">' in page or 'value="graffiti" selected' in page


@pytest.mark.parametrize("query", ["latitude=999&longitude=0", "latitude=abc", "latitude=51.4&longitude=" + "9" * 400])
def test_a_bad_place_in_the_link_opens_an_empty_form(client, query):
    resp = client.get("/report?" + query)
    assert resp.status_code == 200
    assert 'name="latitude" type="text" value=""' in resp.get_data(as_text=True)
