"""The crew's pages (issue 14): the job card, "can't complete", the route's start from a postcode or street,
completions sent by the phone's queue (JSON, once per token), and the service worker's address."""
import io

from sqlalchemy import func, select

from models import ReportEvent, Role, Status
from portal.services import triage
from tests.conftest import csrf_from, login
from tests.factories import image_bytes

TOKEN = "crew-view-token-000000000001"


def _job(make_report, make_user, db_session, crew):
    report = make_report(reporter=make_user(Role.RESIDENT, email="card.reader@example.test", name="Card Reader"))
    staff = make_user(Role.STAFF)
    triage.assign(db_session, [report], crew, staff)
    return report, staff


def test_job_card_shows_safety_notes_priority_due_and_map(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, other = crew_pair
    report, staff = _job(make_report, make_user, db_session, crew)
    triage.add_update(db_session, report, staff, "Broken glass inside the bags", internal=True, for_crews=True)
    triage.update_details(db_session, report, staff, priority=1)
    client = login(app.test_client(), member.email)
    listing = client.get("/crew/jobs").get_data(as_text=True)
    assert "1 safety note" in listing and "Urgent" in listing and f"/crew/jobs/{report.reference}" in listing
    html = client.get(f"/crew/jobs/{report.reference}").get_data(as_text=True)
    assert "Safety notes" in html and "Broken glass inside the bags" in html
    assert "<dt>Priority</dt><dd>Urgent</dd>" in html and "<dt>Due</dt>" in html
    assert '<svg viewBox="0 0 360 240"' in html and 'class="job-pin"' in html and "Rushey Green" in html
    assert "card.reader" not in html and "Card Reader" not in html                  # no resident's details
    assert login(app.test_client(), other.email).get(f"/crew/jobs/{report.reference}").status_code == 403
    assert client.get("/crew/jobs/KB-NOPE0").status_code == 404
    assert app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True).count("Broken glass") == 0


def test_staff_mark_a_safety_note_and_a_public_one_is_refused(app, make_report, make_user, db_session, crew_pair):
    crew, *_ = crew_pair
    report, staff = _job(make_report, make_user, db_session, crew)
    client = login(app.test_client(), staff.email)
    page = client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    assert 'id="update-for-crews"' in page
    csrf = csrf_from(page)
    url = f"/staff/reports/{report.reference}/update"
    refused = client.post(url, data={"csrf_token": csrf, "note": "Dog in the yard", "for_crews": "y"})
    assert refused.status_code == 400 and "never public" in refused.get_data(as_text=True)
    assert "Dog in the yard" in refused.get_data(as_text=True)                      # what was typed is kept
    ok = client.post(url, data={"csrf_token": csrf, "note": "Dog in the yard", "internal": "y", "for_crews": "y"})
    assert ok.status_code == 302
    assert db_session.scalar(select(func.count()).where(ReportEvent.report_id == report.id,
                                                        ReportEvent.for_crews.is_(True))) == 1


def test_cant_complete_returns_the_job_to_triage(app, make_report, make_user, db_session, crew_pair):
    crew, member, *_ = crew_pair
    report, staff = _job(make_report, make_user, db_session, crew)
    client = login(app.test_client(), member.email)
    csrf = csrf_from(client.get(f"/crew/jobs/{report.reference}").get_data(as_text=True))
    url = f"/crew/jobs/{report.reference}/cant-complete"
    missing = client.post(url, data={"csrf_token": csrf, "details": "Locked gate"})
    assert missing.status_code == 400 and "Choose why" in missing.get_data(as_text=True)
    assert "Locked gate" in missing.get_data(as_text=True)
    other = client.post(url, data={"csrf_token": csrf, "reason": "other", "details": ""})
    assert other.status_code == 400 and "Say why" in other.get_data(as_text=True)
    huge = client.post(url, data={"csrf_token": csrf, "reason": "access", "details": "x" * 501})
    assert huge.status_code == 400 and "500 characters" in huge.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": csrf, "reason": "access", "details": "a\x00b"}).status_code == 400
    db_session.refresh(report)
    assert report.status is Status.ASSIGNED and report.crew_id == crew.id
    done = client.post(url, data={"csrf_token": csrf, "reason": "access", "details": "Locked gate, no key holder"})
    assert done.status_code == 302
    db_session.refresh(report)
    assert report.crew_id is None and report.status is Status.INVESTIGATING
    assert report.reference not in client.get("/crew/jobs").get_data(as_text=True)
    timeline = login(app.test_client(), staff.email).get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    assert "Locked gate, no key holder" in timeline and "Returned to triage" in timeline
    assert "Locked gate" not in app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)


def test_route_starts_from_a_postcode_or_street(app, make_user, crew_pair):
    _, member, *_ = crew_pair
    client = login(app.test_client(), member.email)
    page = client.get("/crew/jobs")
    assert page.status_code == 200 and 'id="start-place"' in page.get_data(as_text=True)
    assert 'name="lat" type="hidden"' in page.get_data(as_text=True).replace('id="start-lat" ', "")
    assert "starts from SE6 4RU" in client.get("/crew/jobs?place=se6+4ru").get_data(as_text=True)
    assert "starts from Rushey Green" in client.get("/crew/jobs?place=rushey+green").get_data(as_text=True)
    assert "starts from your position" in client.get("/crew/jobs?lat=51.4452&lon=-0.0205").get_data(as_text=True)
    for query in ("place=ZZ9+9ZZ", "place=" + "x" * 101, "lat=north&lon=1", "lat=51.5072&lon=-0.1276",
                  "place=%3Cscript%3E"):
        bad = client.get(f"/crew/jobs?{query}")
        assert bad.status_code == 400 and 'href="#start-place"' in bad.get_data(as_text=True), query
        assert "<script>" not in bad.get_data(as_text=True).split("</header>", 1)[-1].split("<script src")[0]
    assert client.get("/crew/jobs?place=SE6%004RU").status_code == 400


def test_a_queued_completion_sent_twice_completes_once(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, other = crew_pair
    report, _ = _job(make_report, make_user, db_session, crew)
    client = login(app.test_client(), member.email)
    csrf = csrf_from(client.get("/crew/jobs").get_data(as_text=True))
    url = f"/crew/jobs/{report.reference}/complete"
    json = {"Accept": "application/json"}

    def send():
        return client.post(url, headers=json, content_type="multipart/form-data",
                           data={"csrf_token": csrf, "token": TOKEN, "note": "Done offline",
                                 "photo": (io.BytesIO(image_bytes()), "after.jpg")})
    first, second = send(), send()
    assert first.status_code == second.status_code == 200
    assert first.json["done"] and "already completed" in second.json["message"]
    assert db_session.scalar(select(func.count()).where(ReportEvent.report_id == report.id,
                                                        ReportEvent.to_status == Status.FIXED)) == 1
    refused = client.post(url, headers=json, data={"csrf_token": csrf, "token": "another-token-0000000001"})
    assert refused.status_code == 400 and "no longer an open job" in refused.json["error"]
    other_client = login(app.test_client(), other.email)
    other_csrf = csrf_from(other_client.get("/crew/jobs").get_data(as_text=True))
    assert other_client.post(url, headers=json, data={"csrf_token": other_csrf, "token": TOKEN}).status_code == 403


def test_the_service_worker_is_served_under_crew(app):
    response = app.test_client().get("/crew/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "no-cache" in response.headers["Cache-Control"] and "kerbside-crew" in response.get_data(as_text=True)
    response.close()


def test_a_copy_kept_by_the_phone_does_not_take_the_pages_messages(app, make_report, make_user, db_session,
                                                                     crew_pair):
    """The service worker fetches the job list and cards to keep them (Kerbside-Keep): such a fetch must not take
    "Job started" from the page the crew is about to see, and a page that showed it is marked not to be kept."""
    crew, member, *_ = crew_pair
    report, _ = _job(make_report, make_user, db_session, crew)
    client = login(app.test_client(), member.email)
    csrf = csrf_from(client.get("/crew/jobs").get_data(as_text=True))
    started = client.post(f"/crew/jobs/{report.reference}/start", data={"csrf_token": csrf})
    assert started.status_code == 302
    kept = client.get("/crew/jobs", headers={"Kerbside-Keep": "1"})
    assert "Job started" not in kept.get_data(as_text=True) and "Kerbside-Once" not in kept.headers
    seen = client.get(started.headers["Location"])
    assert "Job started" in seen.get_data(as_text=True) and seen.headers["Kerbside-Once"] == "flash"
    again = client.get("/crew/jobs")
    assert "Job started" not in again.get_data(as_text=True) and "Kerbside-Once" not in again.headers
