"""Faults a real deployment meets: an unwritable photo store, a client retrying after a timeout."""
from sqlalchemy import func, select

from models import Report
from portal.app import create_app

from ..conftest import login
from ..factories import image_bytes, report_form


def test_unwritable_photo_store_gives_a_clear_error_and_no_report(connection, app_config, tmp_path, resident,
                                                                 db_session):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the photo directory should be")   # even root cannot mkdir inside it
    app = create_app(dict(app_config, PHOTO_DIR=blocker / "photos"), bind=connection)
    client = login(app.test_client(), resident.email)
    before = db_session.scalar(select(func.count()).select_from(Report))
    form = report_form(submission_token="photo-store-down", description="Kept text")
    form["photos"] = [(__import__("io").BytesIO(image_bytes()), "sofa.jpg")]
    resp = client.submit("/report", form, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "We could not store your photo just now" in html
    assert "Kept text" in html
    assert db_session.scalar(select(func.count()).select_from(Report)) == before


def test_retry_after_timeout_makes_one_report(resident_client, db_session):
    """A client that never saw the answer sends the same form again: one report, same reference."""
    form = report_form(submission_token="retry-token-1")
    first = resident_client.submit("/report", form)
    second = resident_client.submit("/report", form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db_session.scalar(select(func.count()).select_from(Report)
                             .where(Report.client_token == "retry-token-1")) == 1
