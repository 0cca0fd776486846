"""People (the CRM record): one person across channels, found by account, email or phone; a caller's phone and
preference checked by the submission service; contact details edited with every problem named at once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import ApiKey, OutboxMessage, Person, Report, ReportContact, ReportEvent, Role, User
from portal.services import people
from portal.services.errors import Refused
from portal.services.people import ContactDetails, clean_phone, phone_digits
from portal.services.reports import NewReport
from portal.services.submission import Submission, submit_report
from portal.services.triage import add_update

from ..factories import CATFORD, OUTSIDE
from .test_submission import ANSWERS, Visitor, counts, submission


def caller(**kw) -> Submission:
    return submission(caller_channel=kw.pop("caller_channel", "phone"), **kw)


def people_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Person))


@pytest.mark.parametrize(("typed", "digits"), [("020 8314 6000", "02083146000"), ("+44 20 8314 6000", "02083146000"),
                                              ("(020) 8314-6000", "02083146000"), ("0044 20 8314 6000", "02083146000"),
                                              ("07700 900123", "07700900123"), ("+33 1 23 45 67 89", "33123456789")])
def test_phone_numbers_match_however_they_are_written(typed, digits):
    assert phone_digits(typed) == digits
    assert clean_phone(f"  {typed}  ") == " ".join(typed.split())


@pytest.mark.parametrize("bad", ["call me", "020 8314 6000 ext 5", "12345", "+", "1" * 41, "020 831", "０２０８３１４６０００",
                                 "'; DROP TABLE people; --", "+44 (0)20 8314 6000 <script>"])
def test_what_is_not_a_phone_number_is_refused(bad):
    with pytest.raises(people.InvalidPhone):
        clean_phone(bad)


def test_a_caller_is_found_again_by_phone_however_it_is_written(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    first = submit_report(db_session, caller(phone="020 8314 6000", name="Pat Caller"), staff, store).report
    second = submit_report(db_session, caller(phone="+44 20 8314 6000", description="Another fridge"), staff, store).report
    assert first.person_id is not None and second.person_id == first.person_id
    person = db_session.get(Person, first.person_id)
    assert (person.name, person.phone, person.preferred_contact) == ("Pat Caller", "020 8314 6000", "phone")
    assert first.reporter is None                          # no email: no account, no emails
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.report_id.in_([first.id, second.id]))) == 0


def test_a_caller_is_found_by_email_and_their_phone_added(db_session, store, make_user, resident):
    staff = make_user(Role.STAFF)
    own = submit_report(db_session, submission(), resident, store).report       # their own web report
    called = submit_report(db_session, caller(email=resident.email.upper(), phone="07700 900123"), staff, store).report
    assert called.person_id == own.person_id
    person = db_session.get(Person, own.person_id)
    assert person.user_id == resident.id and person.phone_digits == "07700900123"
    assert called.reporter_id == resident.id               # prefers email (the default with an email): emailed


def test_phone_me_i_do_not_use_email(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    before = db_session.scalar(select(func.count()).select_from(User))
    report = submit_report(db_session, caller(email="no-email-please@example.org", phone="020 8314 6000",
                                              preference="phone"), staff, store).report
    assert report.reporter is None and db_session.scalar(select(func.count()).select_from(User)) == before
    assert report.person.email == "no-email-please@example.org" and report.person.preferred_contact == "phone"


@pytest.mark.parametrize(("kw", "field", "message"), [
    ({"phone": "call me"}, "phone", "Enter a phone number in digits"),
    ({"phone": "123"}, "phone", "7 to 15 digits"),
    ({"preference": "phone"}, "preference", "Give their phone number"),
    ({"preference": "email", "phone": "020 8314 6000"}, "preference", "Give their email address"),
    ({"preference": "pigeon"}, "preference", "Choose how they would like to hear from us"),
    ({"phone": "x" * 10_000}, "phone", "Enter a phone number in digits"),
])
def test_a_callers_bad_details_are_refused_with_nothing_written(db_session, store, make_user, kw, field, message):
    staff = make_user(Role.STAFF)
    before = counts(db_session), people_count(db_session)
    with pytest.raises(Refused) as caught:
        submit_report(db_session, caller(**kw), staff, store)
    assert message in caught.value.errors[field]
    assert (counts(db_session), people_count(db_session)) == before


def test_a_refused_report_leaves_no_person_behind(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    before = people_count(db_session)
    with pytest.raises(Exception, match="outside the area"):
        submit_report(db_session, caller(phone="020 8314 6000", point=OUTSIDE), staff, store)
    assert people_count(db_session) == before


def test_residents_cannot_give_a_phone_for_someone(db_session, store, resident):
    report = submit_report(db_session, submission(phone="020 8314 6000", preference="phone"), resident, store).report
    assert report.person.phone == "" and report.person.user_id == resident.id


def test_every_channel_lands_on_one_person_with_updates_and_emails(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    web = submit_report(db_session, submission(email="Sam@Example.org", name="Sam"), Visitor(), store).report
    phone = submit_report(db_session, caller(email="sam@example.org", phone="020 7946 0000"), staff, store).report
    key = ApiKey(name="client", key_hash="x" * 64)
    db_session.add(key)
    db_session.flush()
    contact = ReportContact(email="sam@example.org", phone="02079460000", first_name="Sam")
    api = submit_report(db_session, Submission(report=NewReport(category_code="fly_tipping", point=CATFORD,
                                                                description="Via an app", answers=dict(ANSWERS),
                                                                contact=contact), api_key=key), None, store).report
    assert web.person_id == phone.person_id == api.person_id
    add_update(db_session, phone, staff, "Crew booked for Tuesday", internal=False)
    record = people.person_record(db_session, db_session.get(Person, web.person_id))
    assert {r.id for r in record.reports} == {web.id, phone.id, api.id}
    assert [r.id for r in record.calls] == [phone.id]
    assert "Crew booked for Tuesday" in [e.note for e in record.updates]
    assert any(m.subject.startswith("Confirm your report") for m in record.emails)


def test_staff_edit_contact_details_and_needs(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    report = submit_report(db_session, caller(phone="020 8314 6000"), staff, store).report
    person = report.person
    people.update_person(db_session, person, ContactDetails(name=" Pat  Caller ", email="", phone="020 8314 6001",
                                                            preference="phone", needs=["no_email", "hearing"],
                                                            needs_note="Calls after 5pm"))
    db_session.refresh(person)
    assert (person.name, person.phone_digits, person.needs) == ("Pat Caller", "02083146001", ["hearing", "no_email"])
    assert person.needs_labels[1] == "Phone me: I do not use email"


def test_bad_contact_details_are_all_refused_and_nothing_changes(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    other = submit_report(db_session, caller(email="taken@example.org"), staff, store).report.person
    person = submit_report(db_session, caller(phone="020 8314 6000", description="Other"), staff, store).report.person
    with pytest.raises(Refused) as caught:
        people.update_person(db_session, person, ContactDetails(name="n" * 101, email="TAKEN@example.org",
                                                                phone="ring me", preference="pigeon",
                                                                needs=["psychic"], needs_note="x" * 501))
    assert set(caught.value.errors) == {"name", "email", "phone", "needs", "needs_note"}
    assert "already" in caught.value.errors["email"] and str(other.id) in caught.value.errors["email"]
    db_session.refresh(person)
    assert person.phone == "020 8314 6000" and person.name == ""
    with pytest.raises(Refused, match="Give their email address"):
        people.update_person(db_session, person, ContactDetails(phone="020 8314 6000", preference="email"))
