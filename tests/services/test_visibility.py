import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Report, Role, Status
from portal.services import visibility
from portal.services.reports import NewReport, create_report

from ..factories import CATFORD

ANSWERS = {"size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}


@pytest.fixture()
def reports(db_session, make_user, store):
    owner = make_user()
    made = {s: create_report(db_session, NewReport("fly_tipping", CATFORD, f"{s.value} one", dict(ANSWERS)), owner,
                             store, status=s) for s in (Status.UNCONFIRMED, Status.NEW, Status.FIXED)}
    return owner, made


def visible(session, viewer, made) -> set[Status]:
    ids = {r.id: s for s, r in made.items()}
    found = session.scalars(select(Report.id).where(Report.id.in_(ids), visibility.visible_to(viewer)))
    return {ids[i] for i in found}


def test_visible_to_and_can_view_agree(db_session, make_user, reports):
    owner, made = reports
    made[Status.FIXED].hidden = True           # hidden by a moderator: its reporter and staff still see it
    db_session.flush()
    viewers = {"public": None, "owner": owner, "other": make_user(), "staff": make_user(Role.STAFF),
               "crew": make_user(Role.CREW)}
    # The owner does not see a report still awaiting its emailed confirmation: anyone can type an address.
    expected = {"public": {Status.NEW, Status.FIXED}, "owner": {Status.NEW, Status.FIXED},
                "other": {Status.NEW, Status.FIXED},
                "staff": set(made), "crew": {Status.NEW, Status.FIXED}}
    expected["public"] = expected["other"] = expected["crew"] = {Status.NEW}
    for name, viewer in viewers.items():
        assert visible(db_session, viewer, made) == expected[name], name
        assert {s for s, r in made.items() if visibility.can_view(r, viewer)} == expected[name], name


def test_reporter_name_only_when_allowed(db_session, make_user, reports):
    owner, made = reports
    report = made[Status.NEW]
    assert visibility.reporter_name(report, None) is None
    assert visibility.reporter_name(report, make_user()) is None
    assert visibility.reporter_name(report, owner) == owner.display_name
    assert visibility.reporter_name(report, make_user(Role.STAFF)) == owner.display_name
    report.anonymous = False
    assert visibility.reporter_name(report, None) == owner.display_name
    assert "email" not in visibility.PUBLIC_FIELDS and "reporter" not in visibility.PUBLIC_FIELDS


def test_double_submit_race_makes_one_report(engine, store):
    """Two sessions submit the same token; the second INSERT loses the race on the unique index and returns the
    first report instead of failing (real commits, cleaned up afterwards)."""
    from sqlalchemy import event, text
    token = "race-token-1"
    data = NewReport("fly_tipping", CATFORD, "Raced", dict(ANSWERS), client_token=token)
    try:
        with Session(engine, expire_on_commit=False) as winner_session, Session(engine) as loser:
            loser_conn, raced = loser.connection(), []

            def _winner_commits_first(conn, _cursor, statement, *_):
                # Just before the loser's INSERT of the report, the winner makes and commits the same one.
                if conn is loser_conn and statement.startswith("INSERT INTO reports") and not raced:
                    raced.append(True)
                    create_report(winner_session, NewReport(**{**data.__dict__, "description": "Won"}), None,
                                  store)

            event.listen(engine, "before_cursor_execute", _winner_commits_first)
            try:
                report = create_report(loser, data, None, store)
            finally:
                event.remove(engine, "before_cursor_execute", _winner_commits_first)
            assert raced and report.client_token == token and report.description == "Won"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM reports WHERE client_token = :t"), {"t": token}).scalar() == 1
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM reports WHERE client_token = :t"), {"t": token})


def test_a_safety_note_for_crews_is_on_no_public_output(app, db_session, make_user, store):
    """A safety note (an internal note marked for crews) is shown to staff and on the crew's job card only: no
    public page, feed, export, Open311 answer or the reporter's own pages and data export carry it."""
    from datetime import timedelta

    from models import Crew, CrewMember, Ward, utcnow
    from portal.services import crews, triage
    from tests.conftest import login
    marker = "Zq7 gas canister behind the sofa"
    reporter, staff, member = make_user(), make_user(Role.STAFF), make_user(Role.CREW)
    crew = Crew(name="Safety crew")
    db_session.add(crew)
    db_session.flush()
    db_session.add(CrewMember(crew_id=crew.id, user_id=member.id))
    report = create_report(db_session, NewReport("fly_tipping", CATFORD, "Sofa dumped", dict(ANSWERS)), reporter,
                           store)
    triage.assign(db_session, [report], crew, staff)
    triage.add_update(db_session, report, staff, marker, internal=True, for_crews=True)
    assert [e.note for e in visibility.safety_notes(report)] == [marker]
    assert marker not in [e.note for e in visibility.timeline(report, None)]
    assert marker not in [e.note for e in visibility.timeline(report, reporter)]
    assert crews.job_card(db_session, report, member).safety_notes[0].note == marker
    ward = db_session.get(Ward, report.ward_id).code
    day = utcnow().date()
    window = f"start_date={(day - timedelta(days=1)).isoformat()}T00:00:00Z&end_date={(day + timedelta(days=1)).isoformat()}T00:00:00Z"
    public = [f"/reports/{report.reference}", "/feeds/reports.atom", f"/feeds/reports/{report.reference}.atom",
              "/data/reports.csv", "/data/reports.geojson", f"/wards/{ward}/reports.csv",
              f"/wards/{ward}/reports.geojson", f"/wards/{ward}", "/map",
              f"/open311/v2/requests/{report.reference}.json", f"/open311/v2/requests/{report.reference}.xml",
              "/open311/v2/requests.json", "/open311/v2/requests.xml",
              f"/open311/v2/servicerequestupdates.json?{window}", f"/open311/v2/servicerequestupdates.xml?{window}"]
    anonymous = app.test_client()
    checked = 0
    for url in public:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert marker not in body, url
        checked += report.reference in body
    assert checked >= 8                       # the report itself is in these outputs, its safety note is not
    mine = login(app.test_client(), reporter.email)
    for url in (f"/reports/{report.reference}", "/my/reports", "/account/data.json"):
        response = mine.get(url)
        assert response.status_code == 200 and marker not in response.get_data(as_text=True), url
    staff_page = login(app.test_client(), staff.email).get(f"/staff/reports/{report.reference}")
    assert marker in staff_page.get_data(as_text=True) and "safety note for crews" in staff_page.get_data(as_text=True)
    card = login(app.test_client(), member.email).get(f"/crew/jobs/{report.reference}")
    assert marker in card.get_data(as_text=True)
