"""Crews in the field (issue 14): safety notes, the job card, start positions, "can't complete" back to triage,
and completions that count once however often they are sent."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gis.coords import LonLat
from models import Crew, CrewMember, OutboxMessage, Photo, Report, ReportEvent, Role, Status, Street
from portal.services import crews, triage
from portal.services.errors import DomainError, NotAllowed
from portal.services.photos import process_photo
from portal.services.reports import NewReport, create_report

from ..factories import CATFORD, OUTSIDE, image_bytes

ANSWERS = {"size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}
TOKEN = "replay-me-0123456789abcdef"


@pytest.fixture()
def world(db_session, make_user, store):
    """(crew A's member, crew B's member, staff, a job assigned to crew A)."""
    a, b = Crew(name="Field A", depot=CATFORD.ewkt), Crew(name="Field B")
    member_a, member_b, staff = make_user(Role.CREW), make_user(Role.CREW), make_user(Role.STAFF)
    db_session.add_all([a, b])
    db_session.flush()
    db_session.add_all([CrewMember(crew_id=a.id, user_id=member_a.id), CrewMember(crew_id=b.id, user_id=member_b.id)])
    db_session.commit()
    job = create_report(db_session, NewReport("fly_tipping", CATFORD, "Fridge by the bins", dict(ANSWERS)),
                        make_user(), store)
    triage.assign(db_session, [job], a, staff)
    return member_a, member_b, staff, job


def fixed_events(session, report) -> int:
    return session.scalar(select(func.count()).where(ReportEvent.report_id == report.id,
                                                     ReportEvent.to_status == Status.FIXED))


# --- safety notes -------------------------------------------------------------------------------------------

def test_staff_safety_note_is_on_the_job_card(db_session, world):
    member, _, staff, job = world
    triage.add_update(db_session, job, staff, "Gas canister behind the fridge", internal=True, for_crews=True)
    triage.add_update(db_session, job, staff, "Caller is the landlord", internal=True)
    card = crews.job_card(db_session, job, member)
    assert [e.note for e in card.safety_notes] == ["Gas canister behind the fridge"]
    assert card.priority == "Normal" and card.due == triage.due_at(job) and card.map.streets is not None
    assert crews.route(db_session, crews.crew_of(db_session, member))[0].safety_notes == 1


def test_a_safety_note_must_be_internal(db_session, world):
    _, _, staff, job = world
    with pytest.raises(DomainError) as refused:
        triage.add_update(db_session, job, staff, "Needles in the bags", internal=False, for_crews=True)
    assert refused.value.field == "for_crews"
    assert db_session.scalar(select(func.count()).where(ReportEvent.for_crews.is_(True))) == 0


def test_the_database_refuses_a_public_safety_note(db_session, world):
    _, _, staff, job = world
    db_session.add(ReportEvent(report_id=job.id, actor_id=staff.id, note="x", internal=False, for_crews=True))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_the_card_is_for_the_jobs_crew_and_staff_only(db_session, world):
    member, other, staff, job = world
    assert crews.job_card(db_session, job, staff).report is job
    with pytest.raises(NotAllowed):
        crews.job_card(db_session, job, other)


@pytest.mark.parametrize("junk", ["", "KB-NOPE0", "KB-\x00AAAA", "'; drop table reports; --", "x" * 5000])
def test_unknown_job(db_session, junk):
    with pytest.raises(crews.UnknownJob):
        crews.job_by_reference(db_session, junk)


# --- where the route starts ---------------------------------------------------------------------------------

def test_start_from_postcode_street_or_position(db_session):
    assert crews.start_from(db_session) is None
    postcode = crews.start_from(db_session, place="se6 4ru")
    assert postcode.label == "SE6 4RU" and 51.4 < postcode.point.lat < 51.5
    position = crews.start_from(db_session, lat="51.4452", lon="-0.0205")
    assert position.point == LonLat(lon=-0.0205, lat=51.4452) and position.label == "your position"
    street = db_session.scalar(select(Street.name).where(Street.name == "Rushey Green"))
    assert street, "the test database loads the street list (tests/conftest.py)"
    found = crews.start_from(db_session, place="rushey green")
    assert found.label == "Rushey Green" and abs(found.point.lat - CATFORD.lat) < 0.02


@pytest.mark.parametrize(("place", "lat", "lon"), [
    ("ZZ9 9ZZ", "", ""), ("Nowhere Street Zzz", "", ""), ("x" * 101, "", ""), ("SE6\x004RU", "", ""),
    ("", "north", "1"), ("", "51.4452", ""), ("", str(OUTSIDE.lat), str(OUTSIDE.lon)), ("", "91", "0"),
    ("<script>alert(1)</script>", "", "")])
def test_bad_start_is_refused_on_the_place_box(db_session, place, lat, lon):
    with pytest.raises(DomainError) as refused:
        crews.start_from(db_session, place=place, lat=lat, lon=lon)
    assert refused.value.field == "place" and refused.value.message


# --- can't complete -----------------------------------------------------------------------------------------

def test_cant_complete_returns_the_job_to_triage(db_session, world):
    member, _, staff, job = world
    crews.start_job(db_session, job, member)
    before = db_session.scalar(select(func.count()).select_from(OutboxMessage))
    crews.cannot_complete(db_session, job, member, "access", "Van parked over it, owner not found")
    db_session.refresh(job)
    assert job.crew_id is None and job.status is Status.INVESTIGATING
    change, last = job.events[-2:]
    # The change is on the public timeline without a word of the crew's; their reasons are for staff.
    assert not change.internal and change.to_status is Status.INVESTIGATING and change.note == ""
    assert last.internal and last.to_status is None and last.actor_id == member.id
    assert "Field A" in last.note and "No access" in last.note and "Van parked over it" in last.note
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == before                                 # the resident is not told
    page = triage.queue_page(db_session, triage.QueueFilter(unassigned=True))
    assert job.id in {row[0].id for row in page.rows}
    assert crews.route(db_session, crews.crew_of(db_session, member)) == []


@pytest.mark.parametrize(("reason", "details", "field"), [
    ("", "", "reason"), ("bored", "", "reason"), ("other", "", "details"), ("other", "   ", "details"),
    ("access", "x" * 501, "details"), ("access", "bad\x00byte", "details")])
def test_cant_complete_bad_input_changes_nothing(db_session, world, reason, details, field):
    member, _, _, job = world
    events = len(job.events)
    with pytest.raises(DomainError) as refused:
        crews.cannot_complete(db_session, job, member, reason, details)
    assert refused.value.field == field
    db_session.refresh(job)
    assert job.status is Status.ASSIGNED and job.crew_id is not None and len(job.events) == events


def test_cant_complete_keeps_hostile_text_as_text(db_session, world):
    member, _, _, job = world
    hostile = "<script>alert(1)</script> '; DROP TABLE reports; --"
    crews.cannot_complete(db_session, job, member, "other", hostile)
    assert hostile in job.events[-1].note and db_session.scalar(select(func.count()).select_from(Report)) >= 1


def test_cant_complete_another_crews_job_is_not_allowed(db_session, world):
    _, other, _, job = world
    with pytest.raises(NotAllowed):
        crews.cannot_complete(db_session, job, other, "access", "")
    db_session.refresh(job)
    assert job.crew_id is not None and job.status is Status.ASSIGNED


def test_cant_complete_a_closed_job_is_refused(db_session, world, store):
    member, _, _, job = world
    crews.complete_job(db_session, job, member, "", None, store, TOKEN)
    with pytest.raises(DomainError):
        crews.cannot_complete(db_session, job, member, "access", "")
    db_session.refresh(job)
    assert job.status is Status.FIXED


# --- completions, once --------------------------------------------------------------------------------------

def test_a_completion_sent_twice_completes_the_job_once(db_session, world, store):
    member, _, _, job = world
    photo = process_photo(image_bytes(), "after.jpg")
    assert crews.complete_job(db_session, job, member, "Fridge taken", photo, store, TOKEN) is True
    again = process_photo(image_bytes(), "after.jpg")
    assert crews.complete_job(db_session, job, member, "Fridge taken", again, store, TOKEN) is False
    assert fixed_events(db_session, job) == 1
    assert db_session.scalar(select(func.count()).where(Photo.report_id == job.id, Photo.kind == "after")) == 1
    assert db_session.scalar(select(ReportEvent.client_token).where(ReportEvent.to_status == Status.FIXED,
                                                                    ReportEvent.report_id == job.id)) == TOKEN


def test_a_second_completion_with_another_token_is_refused(db_session, world, store):
    member, _, _, job = world
    crews.complete_job(db_session, job, member, "", None, store, TOKEN)
    with pytest.raises(DomainError):
        crews.complete_job(db_session, job, member, "", None, store, TOKEN[::-1])
    assert fixed_events(db_session, job) == 1


def test_a_token_used_for_one_job_cannot_complete_another(db_session, world, store, make_user):
    member, _, staff, job = world
    other = create_report(db_session, NewReport("fly_tipping", CATFORD, "Mattress", dict(ANSWERS)), make_user(), store)
    triage.assign(db_session, [other], crews.crew_of(db_session, member), staff)
    crews.complete_job(db_session, job, member, "", None, store, TOKEN)
    with pytest.raises(DomainError) as refused:
        crews.complete_job(db_session, other, member, "", None, store, TOKEN)
    assert refused.value.field == "token"
    db_session.refresh(other)
    assert other.status is Status.ASSIGNED


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "has space in it 0123456", "bad\x00token0123456789"])
def test_a_completion_needs_a_token(db_session, world, store, token):
    member, _, _, job = world
    with pytest.raises(DomainError) as refused:
        crews.complete_job(db_session, job, member, "", None, store, token)
    assert refused.value.field == "token"
    db_session.refresh(job)
    assert job.status is Status.ASSIGNED


@pytest.mark.parametrize("note", ["x" * 2001, "nul\x00"])
def test_a_bad_note_changes_nothing(db_session, world, store, note):
    member, _, _, job = world
    with pytest.raises(DomainError):
        crews.complete_job(db_session, job, member, note, None, store, TOKEN)
    db_session.refresh(job)
    assert job.status is Status.ASSIGNED and fixed_events(db_session, job) == 0


def test_another_crew_cannot_complete_or_replay(db_session, world, store):
    member, other, _, job = world
    with pytest.raises(NotAllowed):
        crews.complete_job(db_session, job, other, "", None, store, TOKEN)
    assert fixed_events(db_session, job) == 0
    crews.complete_job(db_session, job, member, "", None, store, TOKEN)
    with pytest.raises(NotAllowed):                     # nor replay the crew's completion
        crews.complete_job(db_session, job, other, "", None, store, TOKEN)
    assert fixed_events(db_session, job) == 1
