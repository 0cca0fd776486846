"""GeoReport v2 to the letter, on the reading side (findings from independent GeoReport clients): ids override
every other filter, requests carry an address, every JSON answer declares UTF-8, 405s name the allowed methods,
and XML stays well-formed whatever text was stored."""
from datetime import timedelta
from xml.parsers import expat

import pytest
from sqlalchemy import update

from models import Report, ReportEvent, Status, utcnow

from ..factories import CATFORD
from .conftest import BASE, FLY_TIPPING


def refs(resp) -> list[str]:
    if isinstance(resp.doc, list):
        return [r["service_request_id"] for r in resp.doc]
    return [r.find("service_request_id").text for r in resp.doc.findall("request")]


# --- 1. service_request_id overrides every other parameter ----------------------------------------------------

@pytest.fixture()
def two(make_report, db_session):
    """An open street-cleaning report made 200 days ago, and a fixed graffiti one made today."""
    old = make_report(category="street_cleaning")
    fixed = make_report(category="graffiti", status=Status.FIXED)
    db_session.execute(update(Report).where(Report.id == old.id).values(created_at=utcnow() - timedelta(days=200)))
    return old.reference, fixed.reference


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("others", [
    "service_code=graffiti",                               # was [] : combined with the code
    "status=closed",
    "start_date=2026-01-01T00:00:00Z&end_date=2026-01-02T00:00:00Z",
    "bbox=0.01,51.40,0.02,51.41",
    "page=3&page_size=1",
    "status=pending&start_date=yesterday&bbox=nonsense",   # ignored, so not even refused
])
def test_service_request_id_overrides_every_other_parameter(api, two, others, fmt):
    old, fixed = two
    got = refs(api.get(f"/requests.{fmt}?service_request_id={old},{fixed}&{others}",
                       schema="requests" if fmt == "json" else None))
    assert sorted(got) == sorted([old, fixed])


def test_ids_still_respect_visibility_and_their_own_limit(api, make_report):
    hidden = make_report(status=Status.UNCONFIRMED).reference
    assert refs(api.get(f"/requests.json?service_request_id={hidden}&service_code=street_cleaning",
                        schema="requests")) == []
    too_many = ",".join(f"KB-{i:05d}" for i in range(101))
    assert api.get(f"/requests.json?service_request_id={too_many}").status_code == 400


# --- 6. address filled in answers --------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_answers_describe_the_location_in_address(api, make_report, fmt):
    ref = make_report(point=CATFORD).reference
    resp = api.get(f"/requests/{ref}.{fmt}", schema="requests" if fmt == "json" else None)
    address = resp.doc[0]["address"] if fmt == "json" else resp.doc.find("request/address").text
    assert address == "Rushey Green ward, Lewisham"          # most specific first: the ward, the borough
    listed = api.get(f"/requests.{fmt}?service_request_id={ref}")
    assert (listed.doc[0]["address"] if fmt == "json" else listed.doc.find("request/address").text) == address


# --- 9. JSON declares its charset -------------------------------------------------------------------------

JSON_TYPE = "application/json; charset=utf-8"


@pytest.mark.parametrize("path", ["/discovery.json", "/services.json", "/services/fly_tipping.json",
                                  "/requests.json", "/servicerequestupdates.json",
                                  "/services/nothing.json", "/requests/KB-ZZZZZ.json", "/tokens/nothing.json",
                                  "/requests.json?status=pending", "/nothing.json", "/requests/KB-2/x.json"])
def test_every_json_answer_declares_utf8(client, path):
    resp = client.get(BASE + path)
    assert resp.headers["Content-Type"] == JSON_TYPE


def test_json_errors_of_posts_and_methods_declare_utf8(client, app_key):
    assert client.post(BASE + "/requests.json", data=FLY_TIPPING).headers["Content-Type"] == JSON_TYPE   # 403
    assert client.post(BASE + "/requests.json", data={"api_key": app_key}).headers["Content-Type"] == JSON_TYPE
    assert client.delete(BASE + "/requests.json").headers["Content-Type"] == JSON_TYPE                   # 405


def test_json_text_is_utf8_bytes(api, make_report):
    ref = make_report(description="Fly-tipping at the café — “again”").reference
    resp = api.get(f"/requests/{ref}.json", schema="requests")
    assert "café — “again”".encode() in resp.data or "caf\\u00e9".encode() in resp.data
    assert resp.doc[0]["description"] == "Fly-tipping at the café — “again”"


# --- 8. 405 names the allowed methods ----------------------------------------------------------------------

@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/services.json", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/services.xml", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/discovery.json", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/services/fly_tipping.json", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/requests.json", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("DELETE", "/requests/KB-22222.xml", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/requests/KB-22222.json", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/tokens/abc.json", {"GET", "HEAD", "OPTIONS"}),
    ("PATCH", "/servicerequestupdates.xml", {"GET", "HEAD", "OPTIONS", "POST"}),
])
def test_method_not_allowed_carries_allow(client, method, path, allowed):
    resp = client.open(BASE + path, method=method)
    assert resp.status_code == 405
    assert {m.strip() for m in resp.headers["Allow"].split(",")} == allowed
    if path.endswith(".json"):
        assert resp.get_json() == [{"code": 405, "description": resp.get_json()[0]["description"]}]
    else:
        assert b"<errors><error><code>405</code>" in resp.data


def test_unknown_endpoint_is_still_404_for_any_method(api):
    assert api.post("/nothing.json", {}).status_code == 404
    assert "No such Open311 endpoint" in api.get("/nothing.json").doc[0]["description"]


@pytest.mark.parametrize("method,path", [("DELETE", "/api/map"), ("POST", "/healthz"), ("PUT", "/report")])
def test_method_not_allowed_carries_allow_everywhere(client, method, path):
    resp = client.open(path, method=method)
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]


# --- 11. XML stays well-formed ----------------------------------------------------------------------------

def strict_parse(data: bytes) -> None:
    """expat, as strict as the XML 1.0 spec: an ill-formed document raises ExpatError."""
    parser = expat.ParserCreate()
    parser.Parse(data, True)


@pytest.mark.parametrize("path", ["/requests.xml", "/requests/{ref}.xml", "/servicerequestupdates.xml"])
def test_xml_drops_characters_xml_forbids(api, make_report, db_session, path):
    from portal.services.reports import change_status
    report = make_report(description="Sofa\x0band bags")
    change_status(db_session, report, Status.INVESTIGATING, None, note="Crew\x0c on\x1f the way\ufffe")
    # Stored as is, as older code (or a direct import) could have stored it.
    db_session.execute(update(Report).where(Report.id == report.id).values(description="Sofa\x0band\x01 bags"))
    db_session.execute(update(ReportEvent).where(ReportEvent.report_id == report.id, ReportEvent.note != "Report made")
                       .values(note="Crew\x0c on\x1f the way\ufffe"))
    resp = api.client.get(BASE + path.format(ref=report.reference))
    assert resp.status_code == 200
    strict_parse(resp.data)
    body = resp.get_data(as_text=True)
    if "servicerequestupdates" in path:
        assert "Crew on the way" in body
    else:
        assert "Sofaand bags" in body and "Crew on the way" in body


def test_json_keeps_the_stored_text(api, make_report, db_session):
    report = make_report()
    db_session.execute(update(Report).where(Report.id == report.id).values(description="Sofa\x0band bags"))
    assert api.get(f"/requests/{report.reference}.json", schema="requests").doc[0]["description"] == \
        "Sofa\x0band bags"
