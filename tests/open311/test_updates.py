"""mySociety servicerequestupdates: a council system moves a request on; the resident's timeline shows it."""
import pytest
from sqlalchemy import func, select

from models import ReportEvent, Status, utcnow

from .conftest import FLY_TIPPING


def test_fixed_update_reaches_timeline_and_feeds(api, update_key, make_report, client, db_session):
    report = make_report()
    resp = api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                                    "status": "FIXED", "description": "Cleared this morning"})
    assert resp.status_code == 200 and resp.doc[0]["update_id"]
    db_session.refresh(report)
    assert report.status is Status.FIXED and report.fixed_at is not None
    assert "Cleared this morning" in client.get(f"/reports/{report.reference}").get_data(as_text=True)
    row = api.get(f"/requests/{report.reference}.json", schema="requests").doc[0]
    assert row["status"] == "closed" and row["status_notes"] == "Cleared this morning"
    feed = api.get("/servicerequestupdates.json").doc
    mine = [u for u in feed if u["service_request_id"] == report.reference]
    assert mine[-1]["status"] == "FIXED" and mine[-1]["description"] == "Cleared this morning"
    xml = api.get("/servicerequestupdates.xml")
    assert xml.doc.tag == "service_requests_updates"


def test_open_reopens_a_closed_request_and_notes_an_open_one(api, update_key, make_report, db_session):
    closed = make_report(status=Status.FIXED)
    api.post("/servicerequestupdates.xml", {"api_key": update_key, "service_request_id": closed.reference,
                                            "status": "OPEN", "description": "Back again"})
    db_session.refresh(closed)
    assert closed.status is Status.REOPENED
    still = make_report()
    before = db_session.scalar(select(func.count()).select_from(ReportEvent))
    resp = api.post("/servicerequestupdates.xml", {"api_key": update_key, "service_request_id": still.reference,
                                                   "status": "OPEN", "description": "Booked for Tuesday"})
    assert resp.status_code == 200 and resp.doc.find("request_update/update_id").text
    assert db_session.scalar(select(func.count()).select_from(ReportEvent)) == before + 1


def test_a_note_without_a_change_is_a_modification_its_followers_hear_of(api, update_key, make_report, resident,
                                                                         db_session):
    """A note that changes no status moves the request's updated_datetime on and is emailed to its followers
    (as a note from staff is); a status change without a description shows no text of ours on the timeline
    (it said "Updated by <the key's name>")."""
    from models import OutboxMessage
    report = make_report(reporter=resident)
    before = report.updated_at
    sent = api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                                    "status": "OPEN", "description": "Booked for Tuesday"})
    assert sent.status_code == 200
    row = api.get(f"/requests/{report.reference}.json").doc[0]
    db_session.refresh(report)
    assert report.updated_at > before and row["status_notes"] == "Booked for Tuesday"
    assert row["updated_datetime"] == report.updated_at.replace(microsecond=0).isoformat()
    [mail] = db_session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report.id,
                                                            OutboxMessage.subject.like("Update on%"))).all()
    assert mail.to_addr == resident.email and "Booked for Tuesday" in mail.body and "is now" not in mail.body
    api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                             "status": "INVESTIGATING"})
    [event] = db_session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                           ReportEvent.to_status == Status.INVESTIGATING)).all()
    assert event.note == ""
    page = api.client.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Updated by" not in page


def test_an_update_sent_again_with_its_update_id_is_made_once(api, update_key, make_report, resident, db_session):
    """A retry after a lost answer made a second timeline entry and a second email to every follower."""
    from models import OutboxMessage
    report, other = make_report(reporter=resident), make_report()
    data = {"api_key": update_key, "service_request_id": report.reference, "status": "INVESTIGATING",
            "description": "Crew booked", "update_id": "ext-42"}
    first = api.post("/servicerequestupdates.json", data)
    again = api.post("/servicerequestupdates.xml", data)
    assert first.status_code == again.status_code == 200
    assert again.doc.find("request_update/update_id").text == first.doc[0]["update_id"]
    events = db_session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                          ReportEvent.note == "Crew booked")).all()
    assert len(events) == 1
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.report_id == report.id, OutboxMessage.subject.like("%now%"))) == 1
    # Another update with another id is made; the same id for another request is refused, nothing made.
    assert api.post("/servicerequestupdates.json", {**data, "status": "IN_PROGRESS", "update_id": "ext-43"}) \
        .doc[0]["update_id"] != first.doc[0]["update_id"]
    refused = api.post("/servicerequestupdates.json", {**data, "service_request_id": other.reference})
    assert refused.status_code == 400 and "update_id" in refused.doc[0]["description"]
    db_session.refresh(other)
    assert other.status is Status.NEW


def test_update_feed_since(api, update_key, make_report):
    report = make_report()
    api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                             "status": "INVESTIGATING", "description": "Looking"})
    later = utcnow().isoformat().replace("+00:00", "Z")
    assert api.get(f"/servicerequestupdates.json?since={later}").doc == []


@pytest.mark.parametrize("name", ["start_date", "since"])
def test_update_feed_from_a_start_alone_runs_90_days_from_it(api, update_key, make_report, db_session, name):
    """As GET requests: a start without an end means the 90 days from the start (the end was now, so a start
    more than 90 days ago was a 400)."""
    from datetime import timedelta
    from sqlalchemy import update
    report = make_report()
    for status in ("INVESTIGATING", "IN_PROGRESS"):
        api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                                 "status": status, "description": f"Now {status}"})
    at = {e.to_status: e for e in db_session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id))}
    now = utcnow()
    db_session.execute(update(ReportEvent).where(ReportEvent.id == at[Status.INVESTIGATING].id)
                       .values(at=now - timedelta(days=100)))
    start = (now - timedelta(days=120)).date().isoformat()
    resp = api.get(f"/servicerequestupdates.json?{name}={start}")
    assert resp.status_code == 200
    assert [u["status"] for u in resp.doc if u["service_request_id"] == report.reference] == ["INVESTIGATING"]


def test_update_feed_pages_oldest_first_and_says_when_more_follow(api, update_key, make_report):
    """More updates than a page: each page names the next (Link rel="next"), the pages together hold each
    update once, in order; the last page has no Link. Before, the feed stopped at 1,000 without a word."""
    report = make_report()
    start = utcnow().isoformat().replace("+00:00", "Z")        # after the report's own first entry
    for status in ("INVESTIGATING", "IN_PROGRESS", "FIXED"):
        api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                                 "status": status, "description": f"Now {status}"})
    path, seen = f"/servicerequestupdates.json?since={start}&page_size=2", []
    for _ in range(3):
        resp = api.get(path)
        assert resp.status_code == 200
        seen += [(u["service_request_id"], u["status"]) for u in resp.doc if u["service_request_id"] == report.reference]
        if "Link" not in resp.headers:
            break
        link = resp.headers["Link"]
        assert link.startswith("<http://localhost/open311/v2/servicerequestupdates.json?") and \
            link.endswith('>; rel="next"')
        path = link[len("<http://localhost/open311/v2"):-len('>; rel="next"')]
    assert seen == [(report.reference, s) for s in ("INVESTIGATING", "IN_PROGRESS", "FIXED")]
    assert "page=2" in path
    assert api.get(f"/servicerequestupdates.xml?since={start}&page=0").status_code == 400


@pytest.mark.parametrize("change,code", [
    ({"api_key": None}, 403),
    ({"api_key": "kb_wrong"}, 403),
    ({"service_request_id": "KB-ZZZZZ"}, 404),
    ({"service_request_id": ""}, 400),
    ({"status": "EXPLODED"}, 400),
    ({"status": "UNCONFIRMED"}, 400),
    ({"status": "OPEN", "description": ""}, 400),
])
def test_bad_updates(api, update_key, make_report, change, code, db_session):
    report = make_report()
    data = {"api_key": update_key, "service_request_id": report.reference, "status": "FIXED",
            "description": "Done", **change}
    before = db_session.scalar(select(func.count()).select_from(ReportEvent))
    resp = api.post("/servicerequestupdates.json", {k: v for k, v in data.items() if v is not None})
    assert resp.status_code == code
    assert db_session.scalar(select(func.count()).select_from(ReportEvent)) == before


def test_transition_not_allowed_is_400(api, update_key, make_report):
    report = make_report(status=Status.FIXED)
    resp = api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                                    "status": "INVESTIGATING"})
    assert resp.status_code == 400 and "cannot become" in resp.doc[0]["description"]


def test_app_key_may_not_post_updates(api, app_key, make_report):
    report = make_report()
    resp = api.post("/servicerequestupdates.json", {"api_key": app_key, "service_request_id": report.reference,
                                                    "status": "FIXED"})
    assert resp.status_code == 403


def test_unconfirmed_request_cannot_be_updated(api, update_key, make_report):
    report = make_report(status=Status.UNCONFIRMED)
    resp = api.post("/servicerequestupdates.json", {"api_key": update_key, "service_request_id": report.reference,
                                                    "status": "FIXED"})
    assert resp.status_code == 404


@pytest.mark.parametrize("query", ["start_date=2026-01-01&end_date=2026-06-01", "since=soon",
                                   "start_date=2026-03-01&end_date=2026-02-01"])
def test_bad_update_windows(api, query):
    assert api.get(f"/servicerequestupdates.json?{query}").status_code == 400


def test_rate_limit_per_key(app_config, connection, app_key):
    from portal.app import create_app
    from .conftest import Open311Client
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "OPEN311_WRITE_LIMIT": "2/minute"}, bind=connection)
    api = Open311Client(app.test_client())
    codes = [api.post("/requests.json", {**FLY_TIPPING, "api_key": app_key, "description": f"Sofa {n}"}).status_code
             for n in range(3)]
    assert codes == [201, 201, 429]
    assert api.post("/requests.xml", {**FLY_TIPPING, "api_key": "kb_other"}).status_code == 403  # own bucket


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_rate_limit_says_how_long_to_wait(app_config, connection, app_key, fmt):
    """A 429 carries Retry-After (RFC 9110), and says in words what the limit is and when to try again."""
    from portal.app import create_app
    from .conftest import Open311Client
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "OPEN311_WRITE_LIMIT": "1/minute",
                      "OPEN311_READ_LIMIT": "2/hour"}, bind=connection)
    api = Open311Client(app.test_client())
    assert api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": app_key}).status_code == 201
    refused = api.post(f"/requests.{fmt}", {**FLY_TIPPING, "api_key": app_key})
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    text = refused.doc[0]["description"] if fmt == "json" else refused.doc.find("error/description").text
    assert text == f"Too many requests: at most 1 per minute for this key. Try again in {wait} seconds."
    reads = [api.get(f"/requests.{fmt}") for _ in range(3)]
    assert [r.status_code for r in reads] == [200, 200, 429] and "Retry-After" not in reads[0].headers
    wait = int(reads[2].headers["Retry-After"])
    assert 60 < wait <= 3600       # the window of the limit hit, not a fixed guess
    text = reads[2].doc[0]["description"] if fmt == "json" else reads[2].doc.find("error/description").text
    assert text == f"Too many requests: at most 2 per hour from this address. Try again in {wait} seconds."
