import re

import pytest
from sqlalchemy import func, select, text

from gis.coords import LonLat
from models import Photo, Report, ReportEvent, Status, TRANSITIONS
from portal.services.errors import (DomainError, InvalidAnswer, InvalidPhoto, OutsideServiceArea,
                                    TransitionNotAllowed, UnknownCategory)
from portal.services.photos import process_photo
from portal.services.reports import (REFERENCE_ALPHABET, NewReport, change_status, create_report, hazards,
                                     new_reference, validate_answers)

from ..factories import CATFORD, OUTSIDE, image_bytes

ANSWERS = {"size": "small_van", "waste": ["household", "furniture"], "where": "road", "witnessed": "no"}
REFERENCE_RE = re.compile(rf"^KB-[{REFERENCE_ALPHABET}]{{5}}$")


def new_report(**kw) -> NewReport:
    data = {"category_code": "fly_tipping", "point": CATFORD, "description": "Mattress on the pavement",
            "answers": dict(ANSWERS)}
    data.update(kw)
    return NewReport(**data)


def counts(session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Report, Photo, ReportEvent))


def test_reference_format():
    refs = {new_reference() for _ in range(200)}
    assert all(REFERENCE_RE.match(r) for r in refs)
    assert len(refs) > 190
    assert not set("01IO") & set("".join(refs)[3:].replace("KB-", ""))


def test_create_report_saves_everything(db_session, resident, store):
    report = create_report(db_session, new_report(), resident, store)
    assert REFERENCE_RE.match(report.reference)
    assert report.status is Status.NEW and report.reporter is resident and report.anonymous
    assert report.answers == {"size": "small_van", "waste": ["household", "furniture"], "where": "road",
                              "witnessed": "no"}
    assert [(e.from_status, e.to_status, e.actor) for e in report.events] == [(None, Status.NEW, resident)]
    assert report.ward is not None and report.ward.name == "Rushey Green"
    lon, lat = db_session.execute(select(func.ST_X(Report.geom), func.ST_Y(Report.geom))
                                  .where(Report.id == report.id)).one()
    assert (lon, lat) == (CATFORD.lon, CATFORD.lat)


def test_a_taken_reference_is_drawn_again_and_nothing_else_of_the_submission_is_lost(db_session, store,
                                                                                     monkeypatch):
    """At a million reports about 3% of five-character references are taken: the INSERT then writes nothing
    and another is drawn, in the same transaction, so the person made for the report a moment before (a
    caller, an Open311 contact) is kept and linked."""
    from models import Person
    from portal.services import reports as reports_service
    from portal.services.people import person_for
    first = create_report(db_session, new_report(client_token="first-token"), None, store)
    draws = iter([first.reference, first.reference, "KB-ZZZZ9"])
    monkeypatch.setattr(reports_service, "new_reference", lambda: next(draws))
    person = person_for(db_session, email="caller@example.test", name="A Caller")
    # (made in this transaction and written, not committed: a rollback would lose it)
    second = create_report(db_session, new_report(client_token="second-token"), None, store, person=person)
    assert second.reference == "KB-ZZZZ9" and second.person_id == person.id is not None
    assert db_session.scalar(select(Person.email).where(Person.id == second.person_id)) == "caller@example.test"
    assert [e.to_status for e in second.events] == [Status.NEW]
    assert db_session.scalar(select(func.count()).select_from(Report)
                             .where(Report.reference.in_([first.reference, "KB-ZZZZ9"]))) == 2


def test_ward_is_set_by_the_database_trigger(db_session, resident):
    # Written behind the ORM's back: the trigger alone chooses the ward, and follows a moved point.
    category_id = db_session.scalar(text("SELECT id FROM categories WHERE code = 'fly_tipping'"))
    report_id = db_session.scalar(text(
        "INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers, channel, "
        "created_at, updated_at) VALUES ('KB-TRIG1', :cat, 'x', ST_GeomFromEWKT(:p), 'new', true, '{}', 'web', "
        "now(), now()) RETURNING id"), {"cat": category_id, "p": CATFORD.ewkt})
    ward = db_session.scalar(text("SELECT w.name FROM reports r JOIN wards w ON w.id = r.ward_id WHERE r.id = :id"),
                             {"id": report_id})
    assert ward == "Rushey Green"
    db_session.execute(text("UPDATE reports SET geom = ST_GeomFromEWKT(:p) WHERE id = :id"),
                       {"p": LonLat(lon=-0.0134, lat=51.4611).ewkt, "id": report_id})
    ward = db_session.scalar(text("SELECT w.name FROM reports r JOIN wards w ON w.id = r.ward_id WHERE r.id = :id"),
                             {"id": report_id})
    assert ward == "Lewisham Central"
    db_session.execute(text("UPDATE reports SET ward_id = NULL, geom = ST_GeomFromEWKT(:p) WHERE id = :id"),
                       {"p": OUTSIDE.ewkt, "id": report_id})
    assert db_session.scalar(text("SELECT ward_id FROM reports WHERE id = :id"), {"id": report_id}) is None


def test_client_token_makes_create_idempotent(db_session, resident, store):
    first = create_report(db_session, new_report(client_token="tok-same"), resident, store)
    before = counts(db_session)
    second = create_report(db_session, new_report(client_token="tok-same", description="Different"), resident, store)
    assert second.id == first.id and second.description == "Mattress on the pavement"
    assert counts(db_session) == before


def test_photos_are_published_with_the_report(db_session, resident, store):
    key = store.save_pending(process_photo(image_bytes(size=(300, 200)), "a.jpg"))
    report = create_report(db_session, new_report(photo_keys=[key]), resident, store)
    assert [(p.key, p.width, p.height) for p in report.photos] == [(key, 300, 200)]
    assert store.path(key).exists() and not store.pending_exists(key)


@pytest.mark.parametrize("kw, error, message", [
    ({"point": OUTSIDE}, OutsideServiceArea, "outside the area we cover"),
    ({"category_code": "no_such_thing"}, UnknownCategory, "Choose a category"),
    ({"category_code": ""}, UnknownCategory, "Choose a category"),
    ({"description": "   "}, DomainError, "Describe the problem"),
    ({"description": "x" * 2001}, DomainError, "2,000 characters or fewer"),
    ({"answers": {**ANSWERS, "size": "a_mountain"}}, InvalidAnswer, "Choose from the options"),
    ({"answers": {**ANSWERS, "waste": ["household", "plutonium"]}}, InvalidAnswer, "Choose from the options"),
    ({"answers": {k: v for k, v in ANSWERS.items() if k != "size"}}, InvalidAnswer, "How much"),
    ({"answers": {**ANSWERS, "witnessed": "maybe"}}, InvalidAnswer, "yes or no"),
    ({"answers": {**ANSWERS, "size": ["single_bag", "small_van"]}}, InvalidAnswer, "Choose one answer"),
    ({"answers": {**ANSWERS, "colour": "red"}}, InvalidAnswer, "not a question"),
    ({"photo_keys": ["a" * 24]}, InvalidPhoto, "photo was lost"),
])
def test_bad_reports_are_refused_and_write_nothing(db_session, resident, store, kw, error, message):
    before = counts(db_session)
    with pytest.raises(error, match=message):
        create_report(db_session, new_report(**kw), resident, store)
    assert counts(db_session) == before


def test_description_keeps_hostile_text_verbatim(db_session, resident, store):
    nasty = "<script>alert(1)</script>'); DROP TABLE reports; --"
    report = create_report(db_session, new_report(description=nasty), resident, store)
    db_session.expire_all()
    assert db_session.get(Report, report.id).description == nasty


def test_validate_answers_and_hazards(db_session):
    from portal.services.reports import active_category
    category = active_category(db_session, "fly_tipping")
    clean, errors = validate_answers(category, {**ANSWERS, "waste": ["asbestos", "household", "household"]})
    assert errors == {} and clean["waste"] == ["household", "asbestos"]
    assert hazards(category, clean) == ["Asbestos"] or "Asbestos" in hazards(category, clean)[0]
    assert hazards(category, {**clean, "waste": ["household"]}) == []


def test_change_status_records_the_timeline(db_session, resident, make_user, store):
    from models import Role
    staff = make_user(Role.STAFF)
    report = create_report(db_session, new_report(), resident, store)
    change_status(db_session, report, Status.IN_PROGRESS, staff, note="  Crew on the way ")
    event = change_status(db_session, report, Status.FIXED, staff, note="Cleared", internal=False)
    assert report.status is Status.FIXED and report.fixed_at is not None
    assert (event.from_status, event.to_status, event.actor, event.note) == (Status.IN_PROGRESS, Status.FIXED,
                                                                             staff, "Cleared")
    assert [e.note for e in report.events][-2:] == ["Crew on the way", "Cleared"]
    change_status(db_session, report, Status.REOPENED, resident)
    assert report.fixed_at is None


@pytest.mark.parametrize("old, new", [(Status.NEW, Status.REOPENED), (Status.NEW, Status.NEW),
                                      (Status.NEW, Status.UNCONFIRMED), (Status.FIXED, Status.IN_PROGRESS)])
def test_change_status_refuses_transitions_not_in_the_table(db_session, resident, store, old, new):
    report = create_report(db_session, new_report(), resident, store, status=old)
    before = counts(db_session)
    with pytest.raises(TransitionNotAllowed, match=f"“{old.label}” cannot become “{new.label}”"):
        change_status(db_session, report, new, resident)
    assert report.status is old and counts(db_session) == before
    assert new not in TRANSITIONS[old]
