"""Photos sent with the report form: a bad one gets a clear message and keeps the rest (the good photos too),
nothing is stored from a post that is refused, and what is kept is pixels only."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import Report

from ..conftest import csrf_from
from ..factories import CATFORD, big_file, bomb_png, gps_exif, image_bytes, report_form
from .form_posts import assert_kept, post, refused


def test_text_file_named_jpg(resident_client, rows):
    before = rows()
    page = refused(post(resident_client, report_form(), [(b"just some text\n" * 50, "notes.jpg")]),
                   "notes.jpg is not a photo we can read (JPEG, PNG, WebP or HEIC).", rows, before)
    assert_kept(page)


def test_30_mb_image(resident_client, rows):
    before = rows()
    page = refused(post(resident_client, report_form(), [(big_file(), "huge.jpg")]),
                   "huge.jpg is too big: each photo must be at most 10 MB.", rows, before)
    assert_kept(page)


def test_decompression_bomb(resident_client, rows):
    before = rows()
    page = refused(post(resident_client, report_form(), [(bomb_png(), "bomb.png")]),
                   "bomb.png has too many pixels to process safely.", rows, before)
    assert_kept(page)


def test_more_than_three_photos(resident_client, rows):
    before = rows()
    page = refused(post(resident_client, report_form(), [(image_bytes(), f"p{i}.jpg") for i in range(4)]),
                   "You can add at most 3 photos.", rows, before)
    assert_kept(page)
    assert "3 photos already added" in page  # the first three are kept for the next try


def test_request_over_the_size_limit_is_refused(resident_client, rows):
    before = rows()
    resp = post(resident_client, report_form(), [(b"\0" * (35 * 1024 * 1024), "giant.jpg")])
    assert resp.status_code == 413
    assert "That upload is too large" in resp.get_data(as_text=True)
    assert rows() == before


def test_good_photos_are_kept_when_another_is_refused(resident_client, rows):
    before = rows()
    page = refused(post(resident_client, report_form(), [(image_bytes(), "good.jpg"), (b"text", "bad.jpg")]),
                   "bad.jpg is not a photo we can read", rows, before)
    assert "1 photo already added and kept" in page
    assert_kept(page)


def test_good_report_with_a_photo(resident_client, rows, db_session, app):
    before = rows()
    resp = post(resident_client, report_form(submission_token="good-1"),
                [(image_bytes("PNG", size=(3000, 1000), exif=None), "street.png")])
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    report = db_session.scalars(select(Report).where(Report.client_token == "good-1")).one()
    assert [(p.width, p.height) for p in report.photos] == [(2048, 683)]
    assert rows() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    with resident_client.get(f"/photos/{report.photos[0].key}.jpg") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert photo.get_data()[:2] == b"\xff\xd8"


def test_photo_gps_is_offered_as_the_pin_and_the_photo_kept(resident_client, rows, db_session, app):
    before = rows()
    resp = post(resident_client, report_form(latitude="", longitude="", submission_token="gps-1"),
                [(image_bytes("JPEG", exif=gps_exif()), "phone.jpg")])
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "We have placed the pin where your photo was taken." in page
    assert f'value="{CATFORD.lat:.6f}"' in page or 'value="51.445200"' in page
    assert 'value="-0.020500"' in page
    assert "1 photo already added" in page
    key = re.search(r'name="pending_photos" type="hidden" value="([^"]+)"', page).group(1)
    assert (app.config["PHOTO_DIR"] / "pending" / f"{key}.jpg").exists()
    assert rows() == before
    assert_kept(page, coordinates=False)
    # Sending again (pin accepted) publishes the pending photo with the report.
    again = post(resident_client, report_form(latitude="51.445200", longitude="-0.020500", pending_photos=key,
                                              submission_token="gps-1"))
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    report = db_session.scalars(select(Report).where(Report.client_token == "gps-1")).one()
    assert [p.key for p in report.photos] == [key]
    assert (app.config["PHOTO_DIR"] / f"{key}.jpg").exists()
    stored = (app.config["PHOTO_DIR"] / f"{key}.jpg").read_bytes()
    assert b"SpyCam" not in stored and b"Exif" not in stored


def test_forged_pending_photo_keys_are_ignored(resident_client, rows, db_session):
    resp = post(resident_client, report_form(pending_photos="../../etc/passwd,AAAAAAAAAAAAAAAAAAAAAAAA",
                                             submission_token="forged-keys"))
    assert resp.status_code == 302
    assert db_session.scalars(select(Report).where(Report.client_token == "forged-keys")).one().photos == []


def pending_key(fc, name: str = "a.jpg") -> str:
    """Upload a photo with a form that is refused, and return the key of the photo kept pending."""
    page = post(fc, report_form(description=""), [(image_bytes(), name)]).get_data(as_text=True)
    return re.search(r'name="pending_photos" type="hidden" value="([^"]+)"', page).group(1)


def test_repeated_pending_photo_key_is_kept_once(resident_client, db_session):
    key = pending_key(resident_client)
    resp = post(resident_client, report_form(pending_photos=f"{key},{key},{key}", submission_token="dup-photo"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    report = db_session.scalars(select(Report).where(Report.client_token == "dup-photo")).one()
    assert [p.key for p in report.photos] == [key]


def test_at_most_three_pending_photos_are_kept(resident_client, db_session):
    keys = [pending_key(resident_client, f"p{i}.jpg") for i in range(4)]
    resp = post(resident_client, report_form(pending_photos=",".join(keys), submission_token="four-pending"))
    assert resp.status_code == 302
    report = db_session.scalars(select(Report).where(Report.client_token == "four-pending")).one()
    assert [p.key for p in report.photos] == keys[:3]


# --- Nothing reaches the photo store before the CSRF token and the form pass -------------------------------

def stored_files(app) -> list[str]:
    """Every file under the photo store, pending/ included."""
    root = app.config["PHOTO_DIR"]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def post_without_token(fc, data: dict, files: list[tuple[bytes, str]]):
    data = {**data, "photos": [FileStorage(io.BytesIO(raw), filename=name) for raw, name in files]}
    boundary, body = encode_multipart(data)
    return fc.post("/report", data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("how", ["missing", "forged", "another session's"])
def test_photo_posted_without_a_valid_csrf_token_is_not_stored(resident_client, app, rows, how):
    before = rows()
    data = report_form()
    if how == "forged":
        data["csrf_token"] = "forged"
    elif how == "another session's":
        data["csrf_token"] = csrf_from(app.test_client().get("/report").get_data(as_text=True))
    resp = post_without_token(resident_client, data, [(image_bytes(), "a.jpg"), (image_bytes("PNG"), "b.png")])
    page = refused(resp, "This form had expired, so nothing was saved.", rows, before)
    assert "Your photos were not kept: add them again." in page
    assert stored_files(app) == []
    assert 'name="pending_photos" type="hidden" value=""' in page


def test_photo_posted_with_an_invalid_form_is_not_stored(resident_client, app, rows):
    before = rows()
    page = refused(post(resident_client, report_form(latitude="5" * 40), [(image_bytes(), "a.jpg")]),
                   "Your photo was not kept: add it again.", rows, before)
    assert stored_files(app) == []
    page = refused(post(resident_client, report_form(postcode="SE6 4RU " * 20), [(image_bytes(), "a.jpg")],
                        url="/report/locate"), "too long to be a postcode", rows, before)
    assert stored_files(app) == []


def test_anonymous_post_without_a_token_stores_nothing(client, app):
    resp = post_without_token(client, report_form(email="someone@example.test"), [(image_bytes(), "a.jpg")])
    assert resp.status_code == 400
    assert stored_files(app) == []


def test_photos_kept_pending_survive_a_post_without_a_token(resident_client, app, db_session):
    """A valid earlier upload stays referenced (nothing new is written) and the report can still be sent."""
    key = pending_key(resident_client)
    assert stored_files(app) == [f"pending/{key}.jpg"]
    page = post_without_token(resident_client, report_form(pending_photos=key), [(image_bytes(), "b.jpg")]
                              ).get_data(as_text=True)
    assert stored_files(app) == [f"pending/{key}.jpg"] and "1 photo already added" in page
    resp = post(resident_client, report_form(pending_photos=key, submission_token="after-expiry"))
    assert resp.status_code == 302
    assert [p.key for p in db_session.scalars(select(Report).where(Report.client_token == "after-expiry"))
            .one().photos] == [key]


def test_hostile_photos_sent_with_the_form_are_published_as_pixels_only(resident_client, app, db_session):
    from ..hostile_photos import assert_pixels_only, hostile_images
    images = list(hostile_images().items())
    for n in range(0, len(images), 3):                    # at most three photos per report
        resp = post(resident_client, report_form(submission_token=f"hostile-photos-{n}"),
                    [(raw, name) for name, raw in images[n:n + 3]])
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        report = db_session.scalars(select(Report).where(Report.client_token == f"hostile-photos-{n}")).one()
        assert len(report.photos) == len(images[n:n + 3])
        for photo in report.photos:
            assert_pixels_only((app.config["PHOTO_DIR"] / f"{photo.key}.jpg").read_bytes())
            with resident_client.get(f"/photos/{photo.key}.jpg") as public:   # the file the public is served
                assert_pixels_only(public.get_data())
    assert all(name.endswith(".jpg") and "/" not in name for name in stored_files(app))
