"""Triage: queue filters and sorting, due dates, duplicates, not-responsible, notes, bulk assignment, audit."""
from datetime import timedelta

from sqlalchemy import select

from gis.coords import LonLat
from models import Category, ReportEvent, Role, Status, Ward, utcnow
from portal.services import triage
from portal.services.support import support

# Forest Hill area, a different ward from CATFORD (Rushey Green)
FOREST_HILL = LonLat(lon=-0.0530, lat=51.4390)


def refs(rows):
    return [r.reference for r, _, _ in rows]


def test_due_date_and_overdue_flag(make_report, db_session):
    report = make_report()
    assert triage.due_at(report) == report.created_at + timedelta(hours=report.category.target_hours)
    assert not triage.is_overdue(report)
    assert triage.is_overdue(report, now=triage.due_at(report) + timedelta(seconds=1))
    report.status = Status.FIXED
    assert not triage.is_overdue(report, now=triage.due_at(report) + timedelta(days=9))


def test_queue_filters_and_sorts(make_report, make_user, db_session):
    old = make_report()
    old.created_at = utcnow() - timedelta(days=30)
    new = make_report(point=FOREST_HILL)
    graffiti = make_report(category="graffiti") if db_session.scalars(
        select(Category).where(Category.code == "graffiti")).first() else None
    closed = make_report(status=Status.FIXED)
    db_session.commit()
    everything = refs(triage.queue(db_session, triage.QueueFilter()))
    assert old.reference in everything and new.reference in everything and closed.reference not in everything
    assert everything.index(old.reference) < everything.index(new.reference)        # due soonest first
    newest = refs(triage.queue(db_session, triage.QueueFilter(sort="-created")))
    assert newest.index(new.reference) < newest.index(old.reference)
    assert old.reference in refs(triage.queue(db_session, triage.QueueFilter(overdue=True)))
    assert new.reference not in refs(triage.queue(db_session, triage.QueueFilter(overdue=True)))
    recent = refs(triage.queue(db_session, triage.QueueFilter(max_age_days=7)))
    assert new.reference in recent and old.reference not in recent
    ward = refs(triage.queue(db_session, triage.QueueFilter(ward_id=new.ward_id)))
    assert new.reference in ward and old.reference not in ward
    assert refs(triage.queue(db_session, triage.QueueFilter(status=Status.FIXED))) == [closed.reference]
    cat = refs(triage.queue(db_session, triage.QueueFilter(category_id=old.category_id)))
    assert old.reference in cat and (graffiti is None or graffiti.reference not in cat)
    supported = make_report()
    support(db_session, supported, make_user())
    top = triage.queue(db_session, triage.QueueFilter(sort="supporters"))[0]
    assert top[0].id == supported.id and top[1] == 1


def test_queue_page_filters_and_shows_supporters(make_report, staff_client, db_session):
    report = make_report()
    html = staff_client.get(f"/staff/?ward={report.ward_id}&sort=created&overdue=&age=abc").get_data(as_text=True)
    assert report.reference in html
    ward = db_session.scalars(select(Ward).where(Ward.id != report.ward_id)).first()
    assert report.reference not in staff_client.get(f"/staff/?ward={ward.id}").get_data(as_text=True)


def test_duplicate_rules(make_report, make_user, db_session):
    staff = make_user(Role.STAFF)
    a, b, c = make_report(), make_report(), make_report()
    fixed = make_report(status=Status.FIXED)
    hidden = make_report()
    hidden.hidden = True
    db_session.commit()
    for original, message in [(a, "itself"), (fixed, "choose an open report"), (hidden, "hidden from the public")]:
        try:
            triage.mark_duplicate(db_session, a, original, staff)
        except triage.DomainError as exc:
            assert message in exc.message
        else:
            raise AssertionError("accepted a bad duplicate")
    triage.mark_duplicate(db_session, b, a, staff)
    assert b.status is Status.DUPLICATE and b.duplicate_of_id == a.id
    # a loop (a -> b where b -> a) and a chain (c -> b, itself a duplicate) are refused
    for report, original in [(a, b), (c, b)]:
        try:
            triage.mark_duplicate(db_session, report, original, staff)
        except triage.DomainError as exc:
            assert "is itself a duplicate" in exc.message and a.reference in exc.message
        else:
            raise AssertionError("accepted a loop or chain")
    db_session.refresh(a)
    assert a.status is Status.NEW and a.duplicate_of_id is None


def test_duplicate_through_panel_with_bad_reference(make_report, staff_client, db_session):
    a = make_report()
    page = f"/staff/reports/{a.reference}"
    for original in ["", "KB-NOPE9", a.reference]:
        resp = staff_client.submit(f"{page}/duplicate", {"original": original}, page=page)
        assert resp.status_code == 400
    db_session.refresh(a)
    assert a.status is Status.NEW
    b = make_report()
    html = staff_client.get(page).get_data(as_text=True)
    assert b.reference in html                                       # offered as a nearby report
    assert staff_client.submit(f"{page}/duplicate", {"original": b.reference}, page=page).status_code == 302
    db_session.refresh(a)
    assert a.status is Status.DUPLICATE and a.duplicate_of_id == b.id


def test_not_responsible_needs_a_reason(make_report, staff_client, db_session):
    report = make_report()
    page = f"/staff/reports/{report.reference}"
    assert staff_client.submit(f"{page}/not-responsible", {"reason": "  "}, page=page).status_code == 400
    resp = staff_client.submit(f"{page}/not-responsible", {"reason": "Network Rail land: call 03457 11 41 41"},
                               page=page)
    assert resp.status_code == 302
    db_session.refresh(report)
    assert report.status is Status.NOT_RESPONSIBLE
    assert "Network Rail" in staff_client.get(f"/reports/{report.reference}").get_data(as_text=True)


def test_internal_notes_are_never_public_and_every_action_has_its_actor(make_report, staff_client, app, db_session):
    report = make_report()
    page = f"/staff/reports/{report.reference}"
    staff_client.submit(f"{page}/update", {"note": "Neighbour is a known tipper", "internal": "y"}, page=page)
    staff_client.submit(f"{page}/update", {"note": "We are on it"}, page=page)
    assert staff_client.submit(f"{page}/update", {"note": ""}, page=page).status_code == 400
    public = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "We are on it" in public and "known tipper" not in public
    assert "known tipper" in staff_client.get(page).get_data(as_text=True)
    events = db_session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                          ReportEvent.note != "Report made")).all()
    assert len(events) == 2 and all(e.actor is not None and e.actor.role is Role.STAFF for e in events)


def test_category_and_priority_changes_are_recorded(make_report, staff_client, db_session):
    report = make_report()
    other = db_session.scalars(select(Category).where(Category.id != report.category_id,
                                                      Category.active.is_(True))).first()
    page = f"/staff/reports/{report.reference}"
    resp = staff_client.submit(f"{page}/details", {"category": str(other.id), "priority": "1"}, page=page)
    assert resp.status_code == 302
    db_session.refresh(report)
    assert report.category_id == other.id and report.priority == 1
    notes = [e.note for e in report.events]
    assert any("Category changed" in n for n in notes) and any("Priority changed" in n for n in notes)
    assert staff_client.submit(f"{page}/details", {"priority": "9"}, page=page).status_code == 400
    assert staff_client.submit(f"{page}/details", {"category": "999999"}, page=page).status_code == 400


def test_bulk_assignment_is_all_or_nothing(make_report, staff_client, db_session, crew_pair):
    crew = crew_pair[0]
    a, b = make_report(), make_report()
    fixed = make_report(status=Status.FIXED)
    page = "/staff/"
    staff_client.submit("/staff/assign", {"reports": [a.reference, fixed.reference], "crew": str(crew.id)}, page=page)
    db_session.refresh(a)
    assert a.crew_id is None and a.status is Status.NEW
    staff_client.submit("/staff/assign", {"reports": [a.reference, b.reference], "crew": ""}, page=page)
    db_session.refresh(a)
    assert a.crew_id is None
    resp = staff_client.submit("/staff/assign", {"reports": [a.reference, b.reference], "crew": str(crew.id)},
                               page=page)
    assert resp.status_code == 302
    for r in (a, b):
        db_session.refresh(r)
        assert r.crew_id == crew.id and r.status is Status.ASSIGNED


def test_response_template_fills_an_empty_message(make_report, staff_client, db_session):
    from models import ResponseTemplate
    report = make_report()
    template = ResponseTemplate(category_id=report.category_id, status=Status.INVESTIGATING, title="Inspect",
                                text="An inspector will visit this week.")
    db_session.add(template)
    db_session.commit()
    page = f"/staff/reports/{report.reference}"
    assert "An inspector will visit this week." in staff_client.get(page).get_data(as_text=True)
    resp = staff_client.submit(f"{page}/status", {"status": "investigating", "template": str(template.id)}, page=page)
    assert resp.status_code == 302
    db_session.refresh(report)
    assert report.status is Status.INVESTIGATING and report.events[-1].note == "An inspector will visit this week."


def test_duplicate_reporter_and_supporters_follow_the_original(make_report, make_user, db_session):
    from models import Subscription
    staff, first_reporter, second_reporter, fan = make_user(Role.STAFF), make_user(), make_user(), make_user()
    original, dup = make_report(reporter=first_reporter), make_report(reporter=second_reporter)
    support(db_session, dup, fan)
    triage.mark_duplicate(db_session, dup, original, staff)
    assert triage.supporter_count(db_session, original) == 2
    followers = set(db_session.scalars(select(Subscription.user_id).where(Subscription.report_id == original.id,
                                                                         Subscription.active.is_(True))))
    assert {first_reporter.id, second_reporter.id, fan.id} <= followers


def test_a_duplicate_does_not_name_an_original_hidden_since(make_report, make_user, db_session, client):
    from portal.services.moderation import set_hidden
    staff = make_user(Role.STAFF)
    original, dup = make_report(), make_report()
    triage.mark_duplicate(db_session, dup, original, staff)
    link = f'href="/reports/{original.reference}"'
    assert link in client.get(f"/reports/{dup.reference}").get_data(as_text=True)
    set_hidden(db_session, original, staff, True, "Personal details in the description")
    page = client.get(f"/reports/{dup.reference}")
    assert page.status_code == 200 and link not in page.get_data(as_text=True)     # no link to a 404
