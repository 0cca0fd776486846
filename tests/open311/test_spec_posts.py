"""GeoReport v2 to the letter, on the writing side (findings from independent GeoReport clients): the answer
gives the id (no token), unknown services are 404s, attribute errors name the attribute, description is
optional, a client's media_url is kept and returned, address_string may hold a street address with a postcode,
address_id is refused clearly."""
import io

import pytest
from sqlalchemy import func, select

from models import Category, Report, ReportContact

from ..factories import image_bytes
from .conftest import FLY_TIPPING

NO_POINT = {k: v for k, v in FLY_TIPPING.items() if k not in ("lat", "long")}


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report))


def description(resp, fmt: str) -> str:
    return resp.doc[0]["description"] if fmt == "json" else resp.doc.find("error/description").text


def descriptions(resp, fmt: str) -> list[str]:
    return ([e["description"] for e in resp.doc] if fmt == "json"
            else [e.find("description").text for e in resp.doc.findall("error")])


def created_id(resp, fmt: str) -> str:
    return resp.doc[0]["service_request_id"] if fmt == "json" else resp.doc.find("request/service_request_id").text


# --- 10. the id, known at once, and no token ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_answers_the_id_and_no_token(api, app_key, db_session, fmt):
    resp = api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": app_key},
                    schema="post" if fmt == "json" else None)
    assert resp.status_code == 201
    if fmt == "json":
        assert set(resp.doc[0]) == {"service_request_id", "service_notice"}
    else:
        assert [e.tag for e in resp.doc.find("request")] == ["service_request_id", "service_notice"]
    ref = created_id(resp, fmt)
    assert db_session.scalars(select(Report).where(Report.reference == ref)).one().channel == "open311"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_gives_the_service_notice_the_post_gave(api, app_key, fmt):
    """The notice is the request's category's target time: the same words when the request is read back."""
    posted = api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": app_key})
    notice = (posted.doc[0]["service_notice"] if fmt == "json"
              else posted.doc.find("request/service_notice").text)
    assert notice and notice.startswith("Expected within ")
    ref = created_id(posted, fmt)
    for path in (f"/requests/{ref}.{fmt}", f"/requests.{fmt}?service_request_id={ref}"):
        got = api.get(path, schema="requests" if fmt == "json" else None)
        assert (got.doc[0]["service_notice"] if fmt == "json" else got.doc.find("request/service_notice").text) \
            == notice


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_tokens_endpoint_still_resolves_a_token(api, app_key, db_session, fmt):
    ref = created_id(api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key}), "json")
    token = db_session.scalar(select(Report.client_token).where(Report.reference == ref))
    resp = api.get(f"/tokens/{token}.{fmt}", schema="token" if fmt == "json" else None)
    assert created_id(resp, fmt) == ref


# --- 2. an unknown service_code is a 404 naming it -----------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["no_such_service", "graffiti"])     # graffiti: made inactive below
def test_unknown_service_code_is_404_naming_it(api, app_key, db_session, code, fmt):
    db_session.scalars(select(Category).where(Category.code == "graffiti")).one().active = False
    db_session.flush()
    before = count(db_session)
    resp = api.post(f"/requests.{fmt}", {**FLY_TIPPING, "service_code": code, "api_key": app_key})
    assert resp.status_code == 404
    assert code in description(resp, fmt) and "service_code" in description(resp, fmt)
    assert count(db_session) == before


# --- 3. attribute errors name the attribute ------------------------------------------------------------------

ATTRIBUTE_ERRORS = [
    ({"attribute[colour]": "red"}, "attribute[colour]"),
    ({"attribute[size]": "enormous"}, "attribute[size]"),
    ({"attribute[witnessed]": "maybe"}, "attribute[witnessed]"),
    ({"attribute[size]": None}, "attribute[size]"),
    ({"attribute[waste][]": ["furniture", "plutonium"]}, "attribute[waste]"),
    ({"attribute[size]": ["single_bag", "small_van"]}, "attribute[size]"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("change,name", ATTRIBUTE_ERRORS)
def test_attribute_errors_name_the_attribute_code(api, app_key, db_session, change, name, fmt):
    data = {k: v for k, v in {**FLY_TIPPING, "api_key": app_key, **change}.items() if v is not None}
    before = count(db_session)
    resp = api.post(f"/requests.{fmt}", data)
    assert resp.status_code == 400
    text = description(resp, fmt)
    assert text.startswith(name)
    for label in ("How much", "What kind", "Did you see", "Choose", "“"):   # not the form's wording
        assert label not in text
    assert count(db_session) == before


def test_attribute_errors_list_every_attribute_and_allowed_values(api, app_key):
    data = {k: v for k, v in FLY_TIPPING.items() if not k.startswith("attribute")}
    resp = api.post("/requests.json", {**data, "api_key": app_key, "attribute[size]": "enormous",
                                       "attribute[witnessed]": "maybe"})
    found = descriptions(resp, "json")
    assert all(e["code"] == 400 for e in resp.doc)
    assert [d.split(" ", 1)[0] for d in found] == ["attribute[size]", "attribute[waste]", "attribute[where]",
                                                   "attribute[witnessed]"]
    assert "single_bag" in found[0] and "required" in found[1] and "yes, no" in found[3]


# --- 4. description is optional ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("given", [None, "", "   "])
def test_description_is_optional(api, app_key, db_session, given, fmt):
    data = {k: v for k, v in {**FLY_TIPPING, "api_key": app_key, "description": given}.items() if v is not None}
    resp = api.post(f"/requests.{fmt}", data, schema="post" if fmt == "json" else None)
    assert resp.status_code == 201
    report = db_session.scalars(select(Report).where(Report.reference == created_id(resp, fmt))).one()
    # Stored sensibly: the service's name and the fact (the answers are stored and shown beside it as ever).
    assert report.description == "Fly-tipping (reported without a description)."
    assert report.answers["size"] == "single_item"
    row = api.get(f"/requests/{report.reference}.json", schema="requests").doc[0]
    assert row["description"] == report.description


def test_description_of_a_service_without_attributes(api, app_key, db_session):
    resp = api.post("/requests.json", {"service_code": "pothole", "lat": FLY_TIPPING["lat"],
                                       "long": FLY_TIPPING["long"], "api_key": app_key}, schema="post")
    ref = resp.doc[0]["service_request_id"]
    assert db_session.scalar(select(Report.description).where(Report.reference == ref)) == \
        "Pothole (reported without a description)."


# --- 5. media_url is kept and returned -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_media_url_is_returned(api, app_key, db_session, fmt):
    url = "https://example.test/photos/a.jpg?size=large&v=2"
    ref = created_id(api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key, "media_url": url}), "json")
    contact = db_session.scalars(select(ReportContact).join(Report).where(Report.reference == ref)).one()
    assert contact.media_url == url
    one = api.get(f"/requests/{ref}.{fmt}", schema="requests" if fmt == "json" else None)
    assert (one.doc[0]["media_url"] if fmt == "json" else one.doc.find("request/media_url").text) == url
    listed = api.get(f"/requests.{fmt}?service_request_id={ref}")
    assert (listed.doc[0]["media_url"] if fmt == "json" else listed.doc.find("request/media_url").text) == url


def test_our_photo_comes_before_the_clients_media_url(api, app_key):
    data = {**FLY_TIPPING, "api_key": app_key, "media_url": "https://example.test/a.jpg",
            "media": (io.BytesIO(image_bytes()), "tip.jpg")}
    ref = api.post("/requests.json", data, content_type="multipart/form-data").doc[0]["service_request_id"]
    media = api.get(f"/requests/{ref}.json", schema="requests").doc[0]["media_url"]
    assert media.startswith("http://localhost/") and media.endswith(".jpg")


def test_a_media_url_stored_before_the_strict_check_is_not_returned(api, app_key, db_session):
    ref = created_id(api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key,
                                                 "media_url": "https://example.test/a.jpg"}), "json")
    contact = db_session.scalars(select(ReportContact).join(Report).where(Report.reference == ref)).one()
    contact.media_url = "https://user:secret@example.test/a.jpg"      # the old check let credentials through
    db_session.flush()
    assert api.get(f"/requests/{ref}.json", schema="requests").doc[0]["media_url"] is None


@pytest.mark.parametrize("url", ["ftp://example.test/a.jpg", "javascript:alert(1)", "data:image/png;base64,AAAA",
                                 "file:///etc/passwd", "https://", "http:///a.jpg", "https://exa mple.test/a.jpg",
                                 "https://example.test/a\".jpg", "//example.test/a.jpg", "example.test/a.jpg",
                                 "https://user:secret@example.test/a.jpg", "https://example.test/" + "a" * 500])
def test_media_url_must_be_http_or_https(api, app_key, db_session, url):
    before = count(db_session)
    resp = api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key, "media_url": url})
    assert resp.status_code == 400
    assert description(resp, "json").startswith("media_url must be")
    assert count(db_session) == before


# --- 6. address_string: a street address with a postcode, or a clear refusal ---------------------------------

@pytest.mark.parametrize("address", ["SE6 4TU", "se64tu", "12 Rushey Green, Catford, London SE6 4TU",
                                     "Outside no. 12, Rushey Green SE64TU, Lewisham"])
def test_address_string_with_a_postcode_inside(api, app_key, address):
    resp = api.post("/requests.json", {**NO_POINT, "address_string": address, "api_key": app_key}, schema="post")
    row = api.get(f"/requests/{resp.doc[0]['service_request_id']}.json", schema="requests").doc[0]
    assert abs(row["lat"] - 51.445414) < 1e-6 and abs(row["long"] + 0.020531) < 1e-6
    assert row["address"] == "Rushey Green ward, Lewisham"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("address,message", [
    ("Outside the library", "address_string could not be located"),
    ("12 Rushey, Catford", "address_string could not be located"),        # part of a name places nothing
    ("12 Nowhere Street Zzz", "address_string could not be located"),
    ("12 Rushey Green, ZZ9 9ZZ", "ZZ9 9ZZ"),
])
def test_address_that_cannot_be_located_is_400(api, app_key, db_session, address, message, fmt):
    before = count(db_session)
    resp = api.post(f"/requests.{fmt}", {**NO_POINT, "address_string": address, "api_key": app_key})
    assert resp.status_code == 400
    assert message in description(resp, fmt) and "lat and long" in description(resp, fmt)
    assert count(db_session) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("address", ["12 Rushey Green, Catford", "rushey green", "Outside no. 12, Rushey Green",
                                     "Flat 3, 12-14 Rushey Green, London"])
def test_address_string_naming_one_of_our_streets_without_a_postcode(api, app_key, address, fmt):
    resp = api.post(f"/requests.{fmt}", {**NO_POINT, "address_string": address, "api_key": app_key})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    row = api.get(f"/requests/{created_id(resp, fmt)}.json", schema="requests").doc[0]
    assert abs(row["lat"] - 51.4453) < 0.003 and abs(row["long"] + 0.0198) < 0.003       # on Rushey Green
    assert row["address"] == "Rushey Green ward, Lewisham"


def test_lat_long_win_over_address_string(api, app_key):
    resp = api.post("/requests.json", {**FLY_TIPPING, "address_string": "Somewhere else entirely",
                                       "api_key": app_key}, schema="post")
    assert resp.status_code == 201


# --- 7. address_id is refused clearly ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("data", [{**NO_POINT, "address_id": "100021948234"},
                                  {**FLY_TIPPING, "address_id": "100021948234"}])
def test_address_id_is_refused_naming_it(api, app_key, db_session, data, fmt):
    before = count(db_session)
    resp = api.post(f"/requests.{fmt}", {**data, "api_key": app_key})
    assert resp.status_code == 400
    assert description(resp, fmt).startswith("address_id")
    assert count(db_session) == before
