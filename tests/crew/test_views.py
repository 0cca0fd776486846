"""Crews: route ordering, the phone page (no reporter contact details), start/complete, other crews' jobs."""
import io

from sqlalchemy import func, select

from gis.coords import LonLat
from gis.routes import distance_m, nearest_neighbour_route
from models import Photo, Role, Status
from portal.services import triage
from tests.factories import CATFORD, image_bytes

from tests.conftest import client_for

TOKEN = "workflow-completion-token-0001"
from tests.conftest import csrf_from


def test_nearest_neighbour_route():
    start = LonLat(0.0, 51.0)
    stops = {"far": LonLat(0.03, 51.0), "near": LonLat(0.001, 51.0), "mid": LonLat(0.01, 51.0)}
    order = nearest_neighbour_route(start, stops)
    assert [k for k, _ in order] == ["near", "mid", "far"]
    assert abs(order[0][1] - distance_m(start, stops["near"])) < 1e-6
    assert 69 < distance_m(start, stops["near"]) < 70           # 0.001° of longitude at 51° N ≈ 70 m
    assert nearest_neighbour_route(start, {}) == []


def _assigned(make_report, db_session, crew, staff, points):
    reports = [make_report(point=p) for p in points]
    triage.assign(db_session, reports, crew, staff)
    return reports


def test_my_jobs_route_from_depot_and_from_my_position(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, _ = crew_pair
    staff = make_user(Role.STAFF)
    near = LonLat(CATFORD.lon + 0.002, CATFORD.lat)
    far = LonLat(CATFORD.lon + 0.01, CATFORD.lat)
    r_far, r_near = _assigned(make_report, db_session, crew, staff, [far, near])
    client = client_for(app, member)
    html = client.get("/crew/jobs").get_data(as_text=True)
    assert html.index(r_near.reference) < html.index(r_far.reference)       # from the depot (Catford)
    card = client.get(f"/crew/jobs/{r_near.reference}").get_data(as_text=True)
    assert "geo:" in card and "openstreetmap.org/directions" in card and "TQ" in card  # OS grid reference
    html = client.get(f"/crew/jobs?lat={far.lat}&lon={far.lon + 0.001}").get_data(as_text=True)
    assert html.index(r_far.reference) < html.index(r_near.reference)       # from where I am
    assert client.get("/crew/jobs?lat=abc&lon=1").status_code == 400


def test_crew_page_shows_answers_but_no_reporter_contact(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, _ = crew_pair
    reporter = make_user(Role.RESIDENT, email="sofa.spotter@example.test", name="Sofa Spotter")
    report = make_report(reporter=reporter)
    triage.assign(db_session, [report], crew, make_user(Role.STAFF))
    client = client_for(app, member)
    assert report.reference in client.get("/crew/jobs").get_data(as_text=True)
    html = client.get(f"/crew/jobs/{report.reference}").get_data(as_text=True)
    assert "How much has been dumped?" in html and "A small van load" in html
    assert "sofa.spotter" not in html and "Sofa Spotter" not in html


def test_start_and_complete_with_after_photo(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, _ = crew_pair
    resident = make_user()
    report = make_report(reporter=resident)
    triage.assign(db_session, [report], crew, make_user(Role.STAFF))
    client = client_for(app, member)
    csrf = csrf_from(client.get("/crew/jobs").get_data(as_text=True))
    assert client.post(f"/crew/jobs/{report.reference}/start", data={"csrf_token": csrf}).status_code == 302
    db_session.refresh(report)
    assert report.status is Status.IN_PROGRESS
    resp = client.post(f"/crew/jobs/{report.reference}/complete",
                       data={"csrf_token": csrf, "note": "Cleared, area swept", "token": TOKEN,
                             "photo": (io.BytesIO(image_bytes()), "after.jpg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    db_session.refresh(report)
    assert report.status is Status.FIXED and report.fixed_at is not None
    after = db_session.scalars(select(Photo).where(Photo.report_id == report.id, Photo.kind == "after")).all()
    assert len(after) == 1
    public = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "After the fix" in public and after[0].key in public and "Cleared, area swept" in public
    photo = app.test_client().get(f"/photos/{after[0].key}.jpg")
    photo.close()
    assert photo.status_code == 200


def test_bad_after_photo_changes_nothing(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, _ = crew_pair
    report = make_report()
    triage.assign(db_session, [report], crew, make_user(Role.STAFF))
    client = client_for(app, member)
    csrf = csrf_from(client.get("/crew/jobs").get_data(as_text=True))
    resp = client.post(f"/crew/jobs/{report.reference}/complete",
                       data={"csrf_token": csrf, "token": TOKEN, "photo": (io.BytesIO(b"not an image"), "x.jpg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "Complete the job" in resp.get_data(as_text=True)
    db_session.refresh(report)
    assert report.status is Status.ASSIGNED


def test_a_crew_cannot_start_or_complete_another_crews_job(app, make_report, make_user, db_session, crew_pair):
    crew_a, _, _, member_b = crew_pair
    report = make_report()
    triage.assign(db_session, [report], crew_a, make_user(Role.STAFF))
    client = client_for(app, member_b)
    html = client.get("/crew/jobs").get_data(as_text=True)
    assert report.reference not in html
    csrf = csrf_from(html)
    for action in ("start", "complete"):
        assert client.post(f"/crew/jobs/{report.reference}/{action}", data={"csrf_token": csrf}).status_code == 403
    unassigned = make_report()
    assert client.post(f"/crew/jobs/{unassigned.reference}/complete", data={"csrf_token": csrf}).status_code == 403
    db_session.refresh(report)
    assert report.status is Status.ASSIGNED


def test_completing_twice_is_refused(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, _ = crew_pair
    report = make_report()
    triage.assign(db_session, [report], crew, make_user(Role.STAFF))
    client = client_for(app, member)
    csrf = csrf_from(client.get("/crew/jobs").get_data(as_text=True))
    url = f"/crew/jobs/{report.reference}/complete"
    assert client.post(url, data={"csrf_token": csrf, "token": TOKEN}).status_code == 302
    assert client.post(url, data={"csrf_token": csrf, "token": TOKEN[::-1]}).status_code == 400
    from models import ReportEvent
    assert db_session.scalar(select(func.count()).where(ReportEvent.report_id == report.id,
                                                        ReportEvent.to_status == Status.FIXED)) == 1


def stored_files(app) -> list[str]:
    root = app.config["PHOTO_DIR"]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_hostile_after_photo_is_published_as_pixels_only(app, make_report, make_user, db_session, crew_pair):
    from tests.hostile_photos import assert_pixels_only, hostile_images
    crew, member, _, _ = crew_pair
    client = client_for(app, member)
    staff = make_user(Role.STAFF)
    for name, raw in hostile_images().items():
        report = make_report()
        triage.assign(db_session, [report], crew, staff)
        csrf = csrf_from(client.get("/crew/jobs").get_data(as_text=True))
        resp = client.post(f"/crew/jobs/{report.reference}/complete",
                           data={"csrf_token": csrf, "token": f"{TOKEN}-{len(name)}-{report.id}",
                                 "photo": (io.BytesIO(raw), name)},
                           content_type="multipart/form-data")
        assert resp.status_code == 302, name
        after = db_session.scalars(select(Photo).where(Photo.report_id == report.id, Photo.kind == "after")).one()
        assert_pixels_only((app.config["PHOTO_DIR"] / f"{after.key}.jpg").read_bytes())
        with app.test_client().get(f"/photos/{after.key}.jpg") as public:
            assert_pixels_only(public.get_data())
    assert not any(f.startswith("pending") for f in stored_files(app))


def test_after_photo_of_a_refused_completion_is_not_stored(app, make_report, make_user, db_session, crew_pair):
    crew, member, _, other = crew_pair
    report = make_report()
    triage.assign(db_session, [report], crew, make_user(Role.STAFF))
    client = client_for(app, member)
    resp = client.post(f"/crew/jobs/{report.reference}/complete", data={"photo": (io.BytesIO(image_bytes()), "a.jpg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400                                              # no CSRF token
    csrf = csrf_from(client.get("/crew/jobs").get_data(as_text=True))
    resp = client.post(f"/crew/jobs/{report.reference}/complete",
                       data={"csrf_token": csrf, "note": "x" * 2001, "token": TOKEN,
                             "photo": (io.BytesIO(image_bytes()), "a.jpg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "x" * 2001 in resp.get_data(as_text=True)  # note too long, kept
    other_client = client_for(app, other)
    other_csrf = csrf_from(other_client.get("/crew/jobs").get_data(as_text=True))
    resp = other_client.post(f"/crew/jobs/{report.reference}/complete",
                             data={"csrf_token": other_csrf, "photo": (io.BytesIO(image_bytes()), "a.jpg")},
                             content_type="multipart/form-data")
    assert resp.status_code == 403                                              # another crew's job
    db_session.refresh(report)
    assert report.status is Status.ASSIGNED and stored_files(app) == []
    report.status = Status.FIXED                                                # already done: may not be fixed again
    db_session.commit()
    resp = client.post(f"/crew/jobs/{report.reference}/complete",
                       data={"csrf_token": csrf, "token": TOKEN, "photo": (io.BytesIO(image_bytes()), "a.jpg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and stored_files(app) == []
