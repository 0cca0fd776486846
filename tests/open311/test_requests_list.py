"""GET requests: filters, paging, bbox, visibility, and every malformed filter."""
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from gis.coords import LonLat
from models import Report, Status, utcnow

from ..factories import CATFORD

DOWNHAM = LonLat(lon=0.0089, lat=51.4297)


def refs(resp) -> list[str]:
    return [r["service_request_id"] for r in resp.doc]


@pytest.fixture()
def reports(make_report, db_session):
    made = {
        "clean": make_report(category="street_cleaning"),
        "fixed": make_report(category="street_cleaning", status=Status.FIXED),
        "graffiti": make_report(category="graffiti"),
        "south": make_report(point=DOWNHAM, category="street_cleaning"),
        "hidden": make_report(category="street_cleaning", status=Status.UNCONFIRMED),
        "old": make_report(category="street_cleaning"),
    }
    db_session.execute(update(Report).where(Report.id == made["old"].id)
                       .values(created_at=utcnow() - timedelta(days=200)))
    return {k: r.reference for k, r in made.items()}


def test_default_lists_last_90_days_public_only(api, reports):
    got = refs(api.get("/requests.json", schema="requests"))
    assert {reports["clean"], reports["fixed"], reports["graffiti"], reports["south"]} <= set(got)
    assert reports["hidden"] not in got and reports["old"] not in got


def test_xml_list(api, reports):
    resp = api.get("/requests.xml")
    assert resp.doc.tag == "service_requests"
    assert reports["clean"] in [r.find("service_request_id").text for r in resp.doc.findall("request")]
    fixed = next(r for r in resp.doc.findall("request") if r.find("service_request_id").text == reports["fixed"])
    assert fixed.find("status").text == "closed" and fixed.find("detailed_status").text == "fixed"


def test_status_and_service_code_filters(api, reports):
    closed = refs(api.get("/requests.json?status=closed", schema="requests"))
    assert reports["fixed"] in closed and reports["clean"] not in closed
    opened = refs(api.get("/requests.json?status=open&service_code=graffiti", schema="requests"))
    assert opened == [reports["graffiti"]]


def test_list_filters_may_be_repeated_as_the_standard_says(api, reports):
    """service_code=a&service_code=b reads as service_code=a,b (and so do status and service_request_id)."""
    both = refs(api.get("/requests.json?service_code=graffiti&service_code=street_cleaning,nothing",
                        schema="requests"))
    assert {reports["graffiti"], reports["clean"], reports["fixed"]} <= set(both)
    assert set(both) == set(refs(api.get("/requests.json?service_code=graffiti,street_cleaning,nothing")))
    assert {reports["clean"], reports["fixed"]} <= set(refs(api.get("/requests.json?status=open&status=closed")))
    got = refs(api.get(f"/requests.json?service_request_id={reports['old']}&service_request_id={reports['clean']}",
                       schema="requests"))
    assert set(got) == {reports["old"], reports["clean"]}
    # The next page's address keeps every value.
    first = api.get("/requests.json?service_code=graffiti&service_code=street_cleaning&page_size=1")
    assert next_page(first)["service_code"] == ["graffiti", "street_cleaning"]


def test_ids_list_ignores_date_window_but_not_visibility(api, reports):
    got = refs(api.get(f"/requests.json?service_request_id={reports['old']},{reports['hidden']},"
                       f"{reports['clean'].lower()}", schema="requests"))
    assert set(got) == {reports["old"], reports["clean"]}


def test_dates(api, reports):
    start = (utcnow() - timedelta(days=250)).date().isoformat()
    end = (utcnow() - timedelta(days=170)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert refs(api.get(f"/requests.json?start_date={start}&end_date={end}", schema="requests")) == [reports["old"]]


def test_dates_with_an_unencoded_plus_in_their_offset(api, reports):
    """start_date=...T00:00:00+00:00 typed into a URL: the '+' arrives as a space, and is read as the '+'."""
    start = (utcnow() - timedelta(days=250)).date().isoformat()
    end = (utcnow() - timedelta(days=170)).date().isoformat()
    for fmt in ("json", "xml"):
        resp = api.get(f"/requests.{fmt}?start_date={start}T00:00:00+00:00&end_date={end}T23:59:59+05:30")
        assert resp.status_code == 200
    assert refs(api.get(f"/requests.json?start_date={start}T00:00:00+00:00&end_date={end}T00:00+01:00",
                        schema="requests")) == [reports["old"]]
    assert api.get(f"/servicerequestupdates.json?since={start}T00:00:00+00:00").status_code == 200


@pytest.mark.parametrize("given,expected", [
    ("2026-01-01T10:00:00 05:00", "2026-01-01T05:00:00+00:00"),
    ("2026-01-01 10:00 00:00", "2026-01-01T10:00:00+00:00"),
    ("2026-01-01T10:00:00.5 01:00", "2026-01-01T09:00:00.500000+00:00"),
])
def test_a_space_for_the_plus_of_an_offset(given, expected):
    from portal.open311.schemas import iso_datetime
    assert iso_datetime(given).isoformat() == expected


@pytest.mark.parametrize("given", ["2026-01-01T10:00:00  05:00", "2026-01-01T10:00:00 5:00",
                                   "2026-01-01T10:00:00 05:00 01:00", "2026-01-01T10:00:00 0500"])
def test_a_space_is_a_plus_only_before_an_offset_at_the_end(given):
    from portal.open311.schemas import iso_datetime
    from pydantic_core import PydanticCustomError
    with pytest.raises(PydanticCustomError):
        iso_datetime(given)


def test_bbox_and_paging(api, reports):
    box = f"{DOWNHAM.lon - 0.001},{DOWNHAM.lat - 0.001},{DOWNHAM.lon + 0.001},{DOWNHAM.lat + 0.001}"
    assert refs(api.get(f"/requests.json?bbox={box}", schema="requests")) == [reports["south"]]
    near = f"{CATFORD.lon - 0.001},{CATFORD.lat - 0.001},{CATFORD.lon + 0.001},{CATFORD.lat + 0.001}"
    first = api.get(f"/requests.json?bbox={near}&page_size=2", schema="requests")
    second = api.get(f"/requests.json?bbox={near}&page_size=2&page=2", schema="requests")
    assert len(refs(first)) == 2 and len(refs(second)) == 1 and not set(refs(first)) & set(refs(second))
    # The client is told a further page exists (and where), not left to guess from a full page; the last page
    # says nothing. Exactly full: no further page.
    assert next_page(first) == {"bbox": [near], "page_size": ["2"], "page": ["2"]}
    assert "Link" not in second.headers
    assert "Link" not in api.get(f"/requests.json?bbox={near}&page_size=3", schema="requests").headers


def next_page(resp) -> dict[str, list[str]]:
    """The query of the answer's Link rel="next", which must name this portal (BASE_URL) and the same list."""
    found = re.fullmatch(r'<([^>]+)>; rel="next"', resp.headers["Link"])
    assert found, resp.headers["Link"]
    url = urlsplit(found.group(1))
    assert (url.scheme, url.netloc) == ("http", "localhost") and url.path == resp.request.path
    return parse_qs(url.query)


def test_next_page_link_is_built_from_base_url_and_keeps_odd_names(api, reports):
    """The Link names BASE_URL whatever the Host header says, and parameter names that mean something to the
    link builder (endpoint, _external) are passed on as text, not read."""
    near = f"{CATFORD.lon - 0.001},{CATFORD.lat - 0.001},{CATFORD.lon + 0.001},{CATFORD.lat + 0.001}"
    resp = api.get(f"/requests.xml?bbox={near}&page_size=1&page=2&endpoint=x&_external=0&fmt=csv",
                   headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert resp.status_code == 200 and len(resp.doc) == 1
    assert next_page(resp) == {"bbox": [near], "page_size": ["1"], "page": ["3"], "endpoint": ["x"],
                               "_external": ["0"], "fmt": ["csv"]}


def test_status_notes_show_latest_public_note(api, db_session, make_report):
    from portal.services.reports import change_status
    report = make_report()
    change_status(db_session, report, Status.INVESTIGATING, None, note="Crew on the way")
    change_status(db_session, report, Status.IN_PROGRESS, None, note="Secret", internal=True)
    row = api.get(f"/requests/{report.reference}.json", schema="requests").doc[0]
    assert row["status_notes"] == "Crew on the way" and row["detailed_status"] == "in_progress"


@pytest.mark.parametrize("query,message", [
    ("start_date=2026-01-01&end_date=2026-06-01", "90 days"),
    ("start_date=yesterday", "ISO 8601"),
    ("end_date=2026-13-45", "ISO 8601"),
    ("start_date=2026-03-01&end_date=2026-02-01", "after"),
    ("page_size=0", "page_size"),
    ("page_size=100000", "page_size"),
    ("page_size=ten", "page_size"),
    ("page=0", "page"),
    ("status=pending", "status"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=0.1,51.5,-0.1,51.4", "bbox"),
    ("bbox=a,b,c,d", "bbox"),
    ("bbox=0.01,51.40,0.02,%EF%BC%95%EF%BC%91.41", "bbox"),                 # full-width digits: float() reads them
    ("bbox=0.01,51.40,0.02,5_1.41", "bbox"),
    ("service_request_id=" + ",".join(f"KB-{i:05d}" for i in range(101)), "at most"),
    # Only the list filters may be repeated (the standard: "can be declared multiple times"); not the rest.
    ("page=1&page=2", "page was sent 2 times: send it once"),
    ("start_date=2026-01-01&start_date=2026-02-01", "start_date was sent 2 times"),
    ("bbox=0,51,1,52&bbox=0,51,1,52", "bbox was sent 2 times"),
    ("service_code=a&service_code=b&" + "&".join(f"service_code=c{i}" for i in range(99)), "at most 100"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400(api, query, message, fmt):
    resp = api.get(f"/requests.{fmt}?{query}")
    assert resp.status_code == 400
    text = resp.doc[0]["description"] if fmt == "json" else resp.doc.find("error/description").text
    assert message in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_hidden_request_is_404(api, reports, fmt):
    assert api.get(f"/requests/KB-ZZZZZ.{fmt}").status_code == 404
    assert api.get(f"/requests/{reports['hidden']}.{fmt}").status_code == 404
    assert api.get(f"/tokens/o311-nothing.{fmt}").status_code == 404
