"""People (the CRM record): one per person across channels, found by their account, email or phone; their
contact details, preferred contact and needs (staff only); and everything we have of them, for their page."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import NEEDS, PREFERENCES, OutboxMessage, Person, Report, ReportEvent, User

from .emails import InvalidEmail, email_key, normalise_email
from .errors import DomainError, Refused
from .transaction import unit_of_work

PHONE_MAX = 40
NAME_MAX = 100
NEEDS_NOTE_MAX = 500
#: What a phone number may be written with: digits, spaces, + at the start, brackets, dashes and dots.
_PHONE_CHARS = re.compile(r"\+?[0-9 ()\-.]+")
#: Channels whose report is a call or visit taken by staff (submission.CALLER_CHANNELS).
CALL_CHANNELS = ("phone", "walk_in")
PAGE_LIMIT = 500


class InvalidPhone(DomainError):
    field = "phone"


def phone_digits(text: str) -> str:
    """The key that phone numbers are matched and searched by: digits only, a UK +44 (or 0044) written as 0.
    "020 8314 6000", "+44 20 8314 6000" and "(020) 8314-6000" all give "02083146000". Never raises."""
    digits = re.sub(r"[^0-9]", "", text or "")
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits[:15]


def clean_phone(text: str | None) -> str:
    """A phone number as it will be stored (spaces tidied), "" for none; InvalidPhone if it is not one."""
    value = " ".join((text or "").split())
    if not value:
        return ""
    if len(value) > PHONE_MAX or not _PHONE_CHARS.fullmatch(value):
        raise InvalidPhone("Enter a phone number in digits, like 020 8314 6000 or +44 20 8314 6000.")
    if not 7 <= len(phone_digits(value)) <= 15:
        raise InvalidPhone("A phone number has 7 to 15 digits, like 020 8314 6000.")
    return value


def check_preference(preference: str, email: str, phone: str) -> str:
    """The preferred contact, "" meaning: email if there is one, else phone, else none. A preference needs the
    detail it uses (DomainError on ``preference``)."""
    if not preference:
        return "email" if email else "phone" if phone else "none"
    if preference not in PREFERENCES:
        raise DomainError("Choose how they would like to hear from us from the list.", field="preference")
    if preference == "email" and not email:
        raise DomainError("Give their email address, or choose another way to contact them.", field="preference")
    if preference == "phone" and not phone:
        raise DomainError("Give their phone number, or choose another way to contact them.", field="preference")
    return preference


#: The person of an account: every resident's report looks it up (built once: building it took ~0.3 ms).
_PERSON_OF_USER = select(Person).where(Person.user_id == bindparam("user_id")).limit(1)


def find_person(session: Session, email: str = "", phone: str = "", user: User | None = None) -> Person | None:
    """The existing person with this account, else this email address, else this phone number."""
    if user is not None:
        person = session.scalars(_PERSON_OF_USER, {"user_id": user.id}).first()
        if person is not None:
            return person
    if email:
        person = session.scalars(select(Person).where(func.lower(Person.email) == email_key(email))).first()
        if person is not None:
            return person
    digits = phone_digits(phone)
    if digits:
        return session.scalars(select(Person).where(Person.phone_digits == digits).order_by(Person.id)).first()
    return None


def person_for(session: Session, *, email: str = "", phone: str = "", name: str = "", user: User | None = None,
               preference: str = "", needs: list[str] | None = None) -> Person | None:
    """Find the person (account, email, phone) or make one; fill in what they did not have yet, and set the
    preference and needs given. Values are already checked. None when there is nothing to know them by. No
    commit: part of the caller's transaction."""
    email = email or (user.email if user is not None else "")
    if not (email or phone or user is not None):
        return None
    person = find_person(session, email, phone, user)
    if person is None:
        person = Person(email=email, phone=phone, phone_digits=phone_digits(phone), name=(name or "")[:NAME_MAX],
                        user_id=user.id if user is not None else None, needs=[])
        session.add(person)
    else:
        if email and not person.email and find_person(session, email=email) is None:
            person.email = email
        if phone and not person.phone_digits:
            person.phone, person.phone_digits = phone, phone_digits(phone)
        if name and not person.name:
            person.name = name[:NAME_MAX]
        if user is not None and person.user_id is None:
            person.user_id = user.id
    if preference:
        person.preferred_contact = preference
    elif person.id is None:
        person.preferred_contact = "email" if email else "phone" if phone else "none"
    if needs:
        person.needs = sorted(set(person.needs or []) | set(needs))
    session.flush()
    return person


@dataclass
class ContactDetails:
    name: str = ""
    email: str = ""
    phone: str = ""
    preference: str = ""
    needs: list[str] | None = None
    needs_note: str = ""


@unit_of_work
def update_person(session: Session, person: Person, details: ContactDetails) -> Person:
    """Staff edit a person's contact details, preferred contact and needs; every problem at once (Refused)."""
    problems: list[DomainError] = []
    name = " ".join((details.name or "").split())
    if len(name) > NAME_MAX:
        problems.append(DomainError(f"Keep the name to {NAME_MAX} characters or fewer.", field="name"))
    email = ""
    if (details.email or "").strip():
        try:
            email = normalise_email(details.email)
        except InvalidEmail as exc:
            problems.append(exc)
        else:
            other = find_person(session, email=email)
            if other is not None and other.id != person.id:
                problems.append(InvalidEmail(f"That address is already {other.label}'s (person {other.id}).",
                                             field="email"))
    phone = ""
    try:
        phone = clean_phone(details.phone)
    except InvalidPhone as exc:
        problems.append(exc)
    needs = list(details.needs or [])
    if any(n not in NEEDS for n in needs):
        problems.append(DomainError("Choose needs from the list.", field="needs"))
    note = (details.needs_note or "").strip()
    if len(note) > NEEDS_NOTE_MAX:
        problems.append(DomainError(f"Keep the note to {NEEDS_NOTE_MAX} characters or fewer.", field="needs_note"))
    preference = details.preference
    if not any(p.field in ("email", "phone") for p in problems):
        try:
            preference = check_preference(details.preference, email, phone)
        except DomainError as exc:
            problems.append(exc)
    if problems:
        raise Refused(problems)
    person.name, person.email, person.phone, person.phone_digits = name, email, phone, phone_digits(phone)
    person.preferred_contact, person.needs, person.needs_note = preference, sorted(set(needs)), note
    session.commit()
    return person


@dataclass
class PersonRecord:
    """Everything we have of one person, newest first: reports (with their channel), the updates and notes on
    them, the calls and visits staff took, and the emails sent to them."""
    person: Person
    reports: list[Report]
    updates: list[ReportEvent]
    calls: list[Report]
    emails: list[OutboxMessage]


def person_record(session: Session, person: Person) -> PersonRecord:
    conditions = [Report.person_id == person.id]
    if person.user_id is not None:
        conditions.append(Report.reporter_id == person.user_id)
    reports = list(session.scalars(select(Report).where(or_(*conditions))
                                   .order_by(Report.created_at.desc(), Report.id.desc()).limit(PAGE_LIMIT)))
    ids = [r.id for r in reports]
    updates = list(session.scalars(
        select(ReportEvent).where(ReportEvent.report_id.in_(ids), ReportEvent.note != "")
        .options(selectinload(ReportEvent.report)).order_by(ReportEvent.at.desc(), ReportEvent.id.desc())
        .limit(PAGE_LIMIT))) if ids else []
    emails = list(session.scalars(
        select(OutboxMessage).where(func.lower(OutboxMessage.to_addr) == email_key(person.email))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(PAGE_LIMIT))) if person.email else []
    return PersonRecord(person=person, reports=reports, updates=updates,
                        calls=[r for r in reports if r.channel in CALL_CHANNELS], emails=emails)


def person_of_report(session: Session, report: Report) -> Person | None:
    """The person a report is from (its own link, else its reporter's record)."""
    if report.person is not None:
        return report.person
    if report.reporter_id is not None:
        return session.scalars(select(Person).where(Person.user_id == report.reporter_id)).first()
    return None
