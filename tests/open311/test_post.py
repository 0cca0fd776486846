"""POST requests: a fly-tipping request with attributes read back in both formats, and every bad input."""
import io

import pytest
from sqlalchemy import func, select

from models import Report, ReportContact, Status
from portal.services.apikeys import revoke_key

from ..factories import CATFORD, OUTSIDE, image_bytes
from .conftest import FLY_TIPPING


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_and_read_back(api, app_key, db_session, fmt):
    resp = api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": app_key, "email": "jo@example.test",
                                         "first_name": "Jo", "last_name": "Bloggs", "phone": "020 7946 0000",
                                         "device_id": f"dev-{fmt}"}, schema="post")
    assert resp.status_code == 201
    if fmt == "json":
        ref = resp.doc[0]["service_request_id"]
    else:
        ref = resp.doc.find("request/service_request_id").text
    report = db_session.scalars(select(Report).where(Report.reference == ref)).one()
    token = report.client_token     # never handed out (the id is), still resolved by tokens/{token}
    assert report.channel == "open311" and report.status is Status.NEW and report.reporter is None
    assert report.answers == {"size": "single_item", "waste": ["household", "furniture"], "where": "road",
                              "witnessed": "no"}
    assert report.contact.email == "jo@example.test" and report.contact.phone == "020 7946 0000"

    one = api.get(f"/requests/{ref}.json", schema="requests")
    assert one.doc[0]["service_request_id"] == ref and one.doc[0]["status"] == "open"
    assert one.doc[0]["detailed_status"] == "new" and one.doc[0]["service_code"] == "fly_tipping"
    assert one.doc[0]["expected_datetime"] > one.doc[0]["requested_datetime"]
    assert abs(one.doc[0]["lat"] - CATFORD.lat) < 1e-9
    xml = api.get(f"/requests/{ref}.xml")
    assert xml.doc.find("request/service_request_id").text == ref
    for body in (one.get_data(as_text=True), xml.get_data(as_text=True)):
        assert "jo@example.test" not in body and "Bloggs" not in body and "7946" not in body
    assert api.get(f"/tokens/{token}.json", schema="token").doc[0]["service_request_id"] == ref
    assert api.get(f"/tokens/{token}.xml").doc.find("request/service_request_id").text == ref


def test_a_token_cannot_be_made_from_public_content_and_a_guessed_email(api, app_key, db_session, monkeypatch):
    """tokens/{token} resolves a request's content token: made from the key's id, the content (public but for
    the email) and the minute, a plain hash let anyone confirm a guess of the reporter's email address. The
    token is keyed with the app's secret: the same parts under another secret give another token."""
    import hashlib
    import json
    from portal.services import open311
    from portal.services.links import Links
    made = []

    def recorded(session, key, parts, minute):
        made.append((key, parts, minute))
        return content_token(session, key, parts, minute)
    content_token = open311.content_token
    monkeypatch.setattr(open311, "content_token", recorded)
    resp = api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key, "email": "victim@example.test"},
                    schema="post")
    report = db_session.scalars(select(Report).where(Report.reference == resp.doc[0]["service_request_id"])).one()
    key, parts, minute = made[0]
    assert parts["email"] == "victim@example.test" and report.client_token.endswith(f"-{minute}")
    assert content_token(db_session, key, parts, minute) == report.client_token
    plain = hashlib.sha256(json.dumps([key.id, parts], sort_keys=True, default=str).encode()).hexdigest()
    assert report.client_token != f"o311-{plain[:40]}-{minute}"
    links = db_session.info["links"]
    db_session.info["links"] = Links(links.base_url, links.url_map, "another-secret-" + "x" * 32, links.config)
    try:
        assert content_token(db_session, key, parts, minute) != report.client_token
    finally:
        db_session.info["links"] = links


def test_post_with_postcode_location(api, app_key, db_session):
    data = {k: v for k, v in FLY_TIPPING.items() if k not in ("lat", "long")}
    resp = api.post("/requests.json", {**data, "address_string": "br1 4by", "api_key": app_key}, schema="post")
    assert resp.status_code == 201
    assert api.get(f"/requests/{resp.doc[0]['service_request_id']}.json", schema="requests").doc[0]["lat"] > 51


def test_post_with_photo_gives_media_url(api, app_key, client):
    data = {**FLY_TIPPING, "api_key": app_key, "media": (__import__("io").BytesIO(image_bytes()), "tip.jpg")}
    resp = api.post("/requests.json", data, schema="post", content_type="multipart/form-data")
    assert resp.status_code == 201
    media = api.get(f"/requests/{resp.doc[0]['service_request_id']}.json", schema="requests").doc[0]["media_url"]
    assert media.endswith(".jpg")
    photo = client.get(media.replace("http://localhost", ""))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    photo.close()


def test_media_url_is_kept_and_returned(api, app_key, db_session):
    resp = api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key,
                                       "media_url": "https://example.test/a.jpg"}, schema="post")
    ref = resp.doc[0]["service_request_id"]
    contact = db_session.scalars(select(ReportContact).join(Report).where(Report.reference == ref)).one()
    assert contact.media_url == "https://example.test/a.jpg"
    # The standard returns the request's media_url (this test used to expect null).
    assert api.get(f"/requests/{ref}.json", schema="requests").doc[0]["media_url"] == "https://example.test/a.jpg"


def test_both_spellings_of_a_multivaluelist_answer_are_one_answer(api, app_key, db_session):
    resp = api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key, "attribute[waste]": "furniture",
                                       "attribute[waste][]": ["household"] * 19}, schema="post")
    report = db_session.scalars(select(Report).where(Report.reference == resp.doc[0]["service_request_id"])).one()
    assert report.answers["waste"] == ["household", "furniture"]      # 20 values: the most one answer takes


def test_api_allows_4000_characters(api, app_key):
    resp = api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key, "description": "x" * 4000},
                    schema="post")
    assert resp.status_code == 201


def test_duplicate_within_a_minute_makes_one_request(api, app_key, db_session):
    data = {**FLY_TIPPING, "api_key": app_key, "device_id": "phone-1"}
    before = count(db_session)
    first = api.post("/requests.json", data, schema="post").doc[0]
    second = api.post("/requests.json", data, schema="post").doc[0]
    assert first["service_request_id"] == second["service_request_id"]
    assert count(db_session) == before + 1
    other = api.post("/requests.json", {**data, "description": "Something else"}, schema="post").doc[0]
    assert other["service_request_id"] != first["service_request_id"]


def test_a_repeat_with_another_photo_is_another_request(api, app_key, db_session):
    """The photos' content counts, not their number: the same form with a different photo within the minute
    is a new request, its photo kept (the first request was answered and the new photo dropped). The same
    photo again (under another file name) is still the same request."""
    data = {**FLY_TIPPING, "api_key": app_key, "device_id": "phone-3"}

    def post(color, name):
        photo = (io.BytesIO(image_bytes(color=color)), name)
        return api.post("/requests.json", {**data, "media": photo}, schema="post",
                        content_type="multipart/form-data").doc[0]["service_request_id"]
    before = count(db_session)
    red, blue = post((200, 40, 40), "tip.jpg"), post((40, 40, 200), "tip.jpg")
    assert red != blue and count(db_session) == before + 2
    media = {ref: api.get(f"/requests/{ref}.json").doc[0]["media_url"] for ref in (red, blue)}
    assert media[red] and media[blue] and media[red] != media[blue]
    assert post((200, 40, 40), "IMG_0001.jpg") == red and count(db_session) == before + 2


def test_duplicate_token_lookup_finds_previous_minute(api, app_key, db_session, monkeypatch):
    from datetime import timedelta
    from portal.open311 import views
    from models import utcnow
    data = {**FLY_TIPPING, "api_key": app_key, "device_id": "phone-2"}
    start = utcnow().replace(second=50)
    monkeypatch.setattr(views, "utcnow", lambda: start)
    first = api.post("/requests.json", data, schema="post").doc[0]
    db_session.execute(Report.__table__.update().where(Report.reference == first["service_request_id"])
                       .values(created_at=start))
    monkeypatch.setattr(views, "utcnow", lambda: start + timedelta(seconds=20))   # the next minute
    again = api.post("/requests.json", data, schema="post").doc[0]
    assert again["service_request_id"] == first["service_request_id"]


BAD = [   # an unknown service_code is a 404 and a missing description is fine: see test_spec_posts.py
    ({"service_code": ""}, "service_code is required"),
    ({"lat": None, "long": None}, "location is required"),
    ({"lat": "95", "long": "0"}, "latitude"),
    ({"lat": "abc"}, "latitude"),
    ({"lat": str(OUTSIDE.lat), "long": str(OUTSIDE.lon)}, "outside"),
    ({"lat": None, "long": None, "address_string": "ZZ9 9ZZ"}, "postcode"),
    ({"attribute[colour]": "red"}, "attribute[colour] is not an attribute of fly_tipping"),
    ({"attribute[size]": "enormous"}, "attribute[size] must be one of: single_bag"),
    ({"attribute[witnessed]": "maybe"}, "attribute[witnessed] must be one of: yes, no"),
    ({"attribute[size]": None}, "attribute[size] is required"),
    ({"attribute[waste][]": ["furniture", "plutonium"]}, "attribute[waste][] values must each be one of"),
    ({"attribute[size": "x"}, "attribute["),
    # Both spellings of one attribute are one answer with two values, not the last one sent.
    ({"attribute[size]": "single_bag", "attribute[size][]": "car_boot"}, "attribute[size] takes one value."),
    # Too many values are refused, not cut to the first 20 (which left the 21st unchecked).
    ({"attribute[waste][]": ["household"] * 20 + ["BOGUS"]},
     "attribute[waste] takes at most 20 values (it has 21)."),
    ({"description": "x" * 5000}, "4,000"),
    ({"email": "not-an-email"}, "email"),
    ({"email": "victim@example.org\r\nBcc: all@example.org"}, "email"),     # the one address rule, here too
    ({"email": "a@example.org, b@example.org"}, "email"),
    ({"email": "İnes@example.org"}, "email"),
    ({"email": "josé@example.org"}, "email"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    # A name sent twice: which one the client meant is not guessed (the first used to win silently).
    ({"service_code": ["graffiti", "fly_tipping"]}, "service_code was sent 2 times: send it once."),
    ({"lat": [str(CATFORD.lat), "0"]}, "lat was sent 2 times"),
    ({"description": ["one", "two"]}, "description was sent 2 times"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("change,message", BAD)
def test_bad_input_is_400_and_stores_nothing(api, app_key, db_session, change, message, fmt):
    data = {**FLY_TIPPING, "api_key": app_key, **change}
    data = {k: v for k, v in data.items() if v is not None}
    before = count(db_session)
    resp = api.post(f"/requests.{fmt}", data)
    assert resp.status_code == 400
    text = resp.doc[0]["description"] if fmt == "json" else resp.doc.find("error/description").text
    assert message.lower() in text.lower()
    assert count(db_session) == before


def test_bad_photo_is_400(api, app_key, db_session):
    before = count(db_session)
    data = {**FLY_TIPPING, "api_key": app_key, "media": (__import__("io").BytesIO(b"not an image"), "x.jpg")}
    resp = api.post("/requests.json", data, content_type="multipart/form-data")
    assert resp.status_code == 400 and "photo" in resp.doc[0]["description"]
    assert count(db_session) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_unknown_or_revoked_key_is_403(api, app_key, db_session, fmt):
    before = count(db_session)
    assert api.post(f"/requests.{fmt}", FLY_TIPPING).status_code == 403
    assert api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": "kb_guess"}).status_code == 403
    revoke_key(db_session, "Test app")
    assert api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": app_key}).status_code == 403
    assert count(db_session) == before


def test_key_in_header_works(api, app_key):
    assert api.post("/requests.json", FLY_TIPPING, headers={"X-Api-Key": app_key}).status_code == 201


def test_post_needs_no_csrf_token(app_config, connection, app_key):
    from portal.app import create_app
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True}, bind=connection)
    resp = app.test_client().post("/open311/v2/requests.json", data={**FLY_TIPPING, "api_key": app_key})
    assert resp.status_code == 201


def stored_files(app) -> list[str]:
    root = app.config["PHOTO_DIR"]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("change,message", BAD)
def test_refused_request_with_media_leaves_no_file(api, app, app_key, change, message):
    """The photo is checked in memory; it reaches the store only with a request that makes a report."""
    data = {**FLY_TIPPING, "api_key": app_key, **change, "media": (io.BytesIO(image_bytes()), "tip.jpg")}
    resp = api.post("/requests.json", {k: v for k, v in data.items() if v is not None},
                    content_type="multipart/form-data")
    assert resp.status_code == 400 and message.lower() in resp.doc[0]["description"].lower()
    assert stored_files(app) == []


def test_media_without_a_key_or_with_a_bad_second_photo_leaves_no_file(api, app, app_key):
    data = {**FLY_TIPPING, "media": (io.BytesIO(image_bytes()), "tip.jpg")}
    assert api.post("/requests.json", data, content_type="multipart/form-data").status_code == 403
    data = {**FLY_TIPPING, "api_key": app_key,
            "media": [(io.BytesIO(image_bytes()), "good.jpg"), (io.BytesIO(b"not an image"), "bad.jpg")]}
    assert api.post("/requests.json", data, content_type="multipart/form-data").status_code == 400
    assert stored_files(app) == []


def test_repeated_request_with_media_stores_its_photo_once(api, app, app_key):
    def send():
        data = {**FLY_TIPPING, "api_key": app_key, "device_id": "twice",
                "media": (io.BytesIO(image_bytes()), "tip.jpg")}
        return api.post("/requests.json", data, schema="post", content_type="multipart/form-data").doc[0]
    first, again = send(), send()
    assert again["service_request_id"] == first["service_request_id"]
    assert len(stored_files(app)) == 1 and not stored_files(app)[0].startswith("pending")


def test_hostile_media_is_published_as_pixels_only(api, app, app_key, client):
    from ..hostile_photos import assert_pixels_only, hostile_images
    for name, raw in hostile_images().items():
        data = {**FLY_TIPPING, "api_key": app_key, "device_id": name, "media": (io.BytesIO(raw), name)}
        resp = api.post("/requests.json", data, schema="post", content_type="multipart/form-data")
        ref = resp.doc[0]["service_request_id"]
        media = api.get(f"/requests/{ref}.json", schema="requests").doc[0]["media_url"]
        with client.get(media.replace("http://localhost", "")) as photo:
            assert photo.status_code == 200
            assert_pixels_only(photo.get_data())
    files = stored_files(app)
    assert len(files) == len(hostile_images()) and not any(f.startswith("pending") for f in files)
    for f in files:
        assert_pixels_only((app.config["PHOTO_DIR"] / f).read_bytes())


NOT_A_FORM = [("application/json", '{"service_code": "fly_tipping"}'), ("text/plain", "service_code=fly_tipping"),
              ("application/xml", "<request><service_code>fly_tipping</service_code></request>"),
              ("application/json", ""), (None, "service_code=fly_tipping")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", ["/requests", "/servicerequestupdates"])
@pytest.mark.parametrize("media_type,body", NOT_A_FORM)
def test_a_body_that_is_not_a_form_is_415(api, update_key, db_session, media_type, body, path, fmt):
    """Not the api_key's fault (it is sent, and valid): the body is of a type we do not read."""
    before = count(db_session)
    environ = {} if media_type else {"CONTENT_TYPE": ""}      # the test client would call it a form
    resp = api.post(f"{path}.{fmt}", body, content_type=media_type, headers={"X-Api-Key": update_key},
                    environ_overrides=environ)
    assert resp.status_code == 415
    text = resp.doc[0]["description"] if fmt == "json" else resp.doc.find("error/description").text
    assert "application/x-www-form-urlencoded" in text and "multipart/form-data" in text
    assert count(db_session) == before


def test_a_json_body_is_not_blamed_on_the_api_key(api, app_key):
    resp = api.post("/requests.json", f'{{"api_key": "{app_key}", "service_code": "fly_tipping"}}',
                    content_type="application/json")
    assert resp.status_code == 415 and "api_key" not in resp.doc[0]["description"]


@pytest.mark.parametrize("path,message", [("/requests", "service_code is required"),
                                          ("/servicerequestupdates", "service_request_id is required")])
def test_an_empty_body_without_a_type_is_a_form_missing_its_fields(api, update_key, path, message):
    resp = api.post(f"{path}.json", None, headers={"X-Api-Key": update_key}, environ_overrides={"CONTENT_TYPE": ""})
    assert resp.status_code == 400 and message in resp.doc[0]["description"]
