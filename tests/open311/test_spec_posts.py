"""GeoReport v2 to the letter, on the writing side (findings from independent GeoReport clients): a client's
media_url is kept and returned, and only an http(s) URL is accepted."""
import io

import pytest
from sqlalchemy import func, select

from models import Report, ReportContact

from ..factories import image_bytes
from .conftest import FLY_TIPPING

def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report))


def description(resp, fmt: str) -> str:
    return resp.doc[0]["description"] if fmt == "json" else resp.doc.find("error/description").text


def created_id(resp, fmt: str) -> str:
    return resp.doc[0]["service_request_id"] if fmt == "json" else resp.doc.find("request/service_request_id").text


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
