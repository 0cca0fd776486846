"""Server errors the OpenAPI fuzz run found, each kept as a regression test: every one is now a clear 400."""
from __future__ import annotations

import pytest

from portal.services.apikeys import create_key

from ..factories import CATFORD

BOX = "bbox=-0.03,51.44,-0.02,51.45"


@pytest.mark.parametrize("url", [
    "/api/hexagons?category=a%00b",
    "/api/hotspots?ward=a%00b",
    f"/api/map?{BOX}&category=%00",
    "/data/reports.geojson?category=x%00",
    "/wards/a%00b/reports.csv",
    "/wards/E05013722/reports.geojson?ward=%00",
])
def test_nul_in_map_filters_is_a_400(client, url):
    resp = client.get(url)
    assert resp.status_code == 400
    if url.startswith("/api/"):
        assert resp.get_json()["status"] == 400


@pytest.mark.parametrize("url", [
    "/open311/v2/requests/a%00b.json",
    "/open311/v2/tokens/a%00b.json",
    "/open311/v2/requests.json?service_code=a%00b",
    "/open311/v2/requests.json?service_request_id=a%00b",
    "/open311/v2/requests.json?status=open&status=%00",
    "/open311/v2/requests.json?%00=1",
])
def test_nul_in_open311_reads_is_a_400(client, url):
    resp = client.get(url)
    assert resp.status_code == 400
    assert resp.get_json()[0]["code"] == 400


@pytest.mark.parametrize(("path", "data"), [
    ("requests.json", {"service_code": "fly_tipping", "lat": str(CATFORD.lat), "long": str(CATFORD.lon),
                       "description": "Sofa\x00"}),
    ("requests.json", {"service_code": "fly_tipping", "attribute[size]\x00": "single_item"}),
    ("servicerequestupdates.json", {"service_request_id": "KB-\x00", "status": "fixed"}),
])
def test_nul_in_open311_posts_is_a_400_and_stores_nothing(client, db_session, path, data):
    key = create_key(db_session, "Fuzz regression", may_update=True)[1]
    resp = client.post(f"/open311/v2/{path}", data=data, headers={"X-Api-Key": key})
    assert resp.status_code == 400
    assert client.get("/open311/v2/requests.json").get_json() == []


def test_nul_in_a_page_form_is_a_400(client):
    assert client.get("/map?category=%00").status_code == 400


@pytest.mark.parametrize("query", [
    "start=9999-12-30&end=9999-12-31",        # the period's end + 1 day overflowed
    "start=0001-01-01&end=0001-01-02",        # the hotspot window (90 days before) overflowed
    "start=1969-12-31&end=1970-01-02",
    "start=2099-12-31&end=2100-01-01",
])
@pytest.mark.parametrize("path", ["/api/map", "/api/hexagons", "/api/hotspots", "/data/reports.csv",
                                  "/data/reports.geojson"])
def test_dates_out_of_range_are_a_400(client, path, query):
    resp = client.get(f"{path}?{BOX}&{query}")
    assert resp.status_code == 400
    assert "Give dates from 1970-01-01 to 2099-12-31." in resp.get_data(as_text=True)


def test_dates_at_the_edges_of_the_range_are_accepted(client):
    assert client.get("/api/hexagons?start=1970-01-01&end=1970-01-02").status_code == 200
    assert client.get("/api/hexagons?start=2099-12-30&end=2099-12-31").status_code == 200


@pytest.mark.parametrize("query", [
    "end_date=0001-01-01",                                # start = end - 90 days overflowed
    "start_date=9999-12-31",                              # end = start + 90 days overflowed
    "start_date=0001-01-01T00:00:00%2B01:00",             # to UTC overflows
    "start_date=1969-12-31T23:59:59Z",
])
@pytest.mark.parametrize("path", ["requests.json", "servicerequestupdates.json"])
def test_open311_datetimes_out_of_range_are_a_400(client, path, query):
    resp = client.get(f"/open311/v2/{path}?{query}")
    assert resp.status_code == 400
    assert resp.get_json()[0]["description"].endswith("must be between 1970 and 2100.")


def test_open311_offset_beyond_postgres_range_is_taken_in_utc(client):
    """+23:59 was sent to PostgreSQL as is, which refuses offsets beyond ±15:59 (a DataError answered 503)."""
    resp = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B23:59")
    assert resp.status_code == 200
    assert resp.get_json() == []


def _multipart_with_a_broken_name(fields: dict[str, str]) -> bytes:
    """A multipart body with the given fields and one part whose name holds a CR: werkzeug reads its name as
    None (request.form then has a None key)."""
    parts = [f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    parts.append('--b\r\nContent-Disposition: form-data; name="a\rb"\r\n\r\n{}\r\n--b--\r\n')
    return "".join(parts).encode()


@pytest.mark.parametrize(("path", "data"), [
    ("requests.json", {"service_code": "street_cleaning", "lat": str(CATFORD.lat), "long": str(CATFORD.lon)}),
    ("servicerequestupdates.xml", {"service_request_id": "KB-22222", "status": "fixed"}),
])
def test_multipart_part_without_a_readable_name_is_not_a_server_error(client, db_session, path, data):
    key = create_key(db_session, "Fuzz regression", may_update=True)[1]
    resp = client.post(f"/open311/v2/{path}", data=_multipart_with_a_broken_name(data), headers={"X-Api-Key": key},
                       content_type="multipart/form-data; boundary=b")
    assert resp.status_code < 500
