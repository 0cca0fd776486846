"""One way in for a report: a resident, a visitor giving only an email address, staff entering a caller's
report, or an Open311 client. This is the only place the rules of a new report are checked, all at once, and
the contact and the report are one transaction; views and the API parse, call and render."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gis.nearby import open_reports_near
from models import ApiKey, Category, Report, Status

from . import visibility
from .contacts import contact_user
from .emails import InvalidEmail, normalise_email
from .errors import DomainError, Refused
from .people import InvalidPhone, check_preference, clean_phone, person_for
from .photos import PhotoStore
from .reports import CheckedReport, NewReport, check_report, create_report, report_by_token
from .transaction import unit_of_work

#: How staff received a report they enter for someone else.
CALLER_CHANNELS = {"phone": "Phone call", "walk_in": "Walk-in", "email": "Email or letter"}


@dataclass
class Submission:
    report: NewReport
    #: Who to contact without an account (a visitor, or the caller staff report for).
    email: str = ""
    name: str = ""
    #: Staff only: how the caller reached us (a key of CALLER_CHANNELS); empty for their own report.
    caller_channel: str = ""
    #: Staff only: the caller's phone number, and how they want to hear from us (a key of models.PREFERENCES;
    #: empty: by email if they gave one, else by phone). Emails go to a caller only if they prefer email.
    phone: str = ""
    preference: str = ""
    #: What was wrong with the location as the channel parsed it (report.point is then None).
    point_problem: DomainError | None = None
    #: Before saving, offer the open reports of the same kind nearby ("me too"), if there are any.
    suggest_nearby: bool = False
    #: An Open311 client sent it: no account, contact details for staff in report.contact.
    api_key: ApiKey | None = None
    #: Every active category, if the channel has loaded them in this request (the web form, for its choices):
    #: the report's category is picked from them instead of read again.
    active_categories: list[Category] | None = None


@dataclass
class Outcome:
    #: The report made (or the one this submission already made); None when nearby reports are offered.
    report: Report | None
    #: Made by staff for a caller (their next page is the staff view of it).
    for_caller: bool = False
    #: Open reports of the same kind nearby, as gis.nearby rows, offered instead of saving.
    nearby: list = field(default_factory=list)


@unit_of_work
def submit_report(session: Session, submission: Submission, viewer, store: PhotoStore) -> Outcome:
    """File the report as the viewer may: held until its emailed link is followed for a visitor, new for a
    resident, new and made by staff for a caller, new for an Open311 client. Every problem is raised at once
    as Refused (each naming its field) and nothing is written."""
    data = submission.report
    kind = _kind(submission, viewer)
    # Sent twice (a second click, the back button): the report already made. Looked up first only where the
    # answer could otherwise differ: the nearby reports offered would include the one this token made. Else the
    # report's INSERT finds the token taken and create_report answers with that report, nothing of this attempt
    # kept (one statement fewer on the usual path; Open311 looks up its own content tokens before calling).
    existing = report_by_token(session, data.client_token) if submission.suggest_nearby else None
    if existing is not None:
        return Outcome(report=existing, for_caller=kind == "caller")
    checked, email, phone, preference = _check(session, submission, kind)
    if submission.suggest_nearby:
        nearby = open_reports_near(session, visibility.visible_reports(viewer), data.point, checked.category.id)
        if nearby:
            return Outcome(report=None, nearby=nearby)
    actor = None
    if kind == "visitor":
        reporter, status, data.channel = contact_user(session, email, submission.name), Status.UNCONFIRMED, "web"
        person = person_for(session, user=reporter, name=submission.name)
    elif kind == "caller":
        # A caller who prefers another way than email gets no emails: no account is made for them.
        reporter = contact_user(session, email, submission.name) if email and preference == "email" else None
        status, data.channel, actor = Status.NEW, submission.caller_channel, viewer
        person = person_for(session, email=email, phone=phone, name=submission.name.strip(), user=reporter,
                            preference=preference)
    elif kind == "open311":
        reporter, status, data.channel = None, Status.NEW, "open311"
        contact = data.contact
        person = None if contact is None else person_for(
            session, email=contact.email or "", phone=contact.phone or "",
            name=f"{contact.first_name or ''} {contact.last_name or ''}".strip())
    else:
        reporter, status, data.channel = viewer, Status.NEW, "web"
        person = person_for(session, user=reporter)
    report = create_report(session, data, reporter, store, status=status, actor=actor, checked=checked,
                           token_checked=True, person=person)
    return Outcome(report=report, for_caller=actor is not None)


def problems_with(session: Session, submission: Submission, viewer) -> list[DomainError]:
    """Everything submit_report would refuse, without writing anything: for a form that cannot be sent as it
    is (an expired page, a photo to add again) to show every other problem at the same time."""
    try:
        _check(session, submission, _kind(submission, viewer))
    except Refused as refused:
        return refused.problems
    return []


def _check(session: Session, submission: Submission, kind: str) -> tuple[CheckedReport, str, str, str]:
    """Every rule, all at once: (the checked report, the contact's normalised email, a caller's phone and
    preferred contact) or Refused."""
    problems: list[DomainError] = []
    checked, answer_problems = None, ()
    try:
        checked = check_report(session, submission.report, submission.point_problem,
                               submission.active_categories)
    except Refused as refused:
        problems, answer_problems = list(refused.problems), refused.answer_problems
    email = ""
    if kind == "visitor" or (kind == "caller" and submission.email.strip()):
        try:
            email = normalise_email(submission.email)
        except InvalidEmail as exc:
            problems.append(InvalidEmail("Enter your email address, so that you can confirm the report."
                                         if not submission.email.strip() else exc.message))
    phone = preference = ""
    if kind == "caller":
        if submission.caller_channel not in CALLER_CHANNELS:
            problems.append(DomainError("Choose how the caller reached us.", field="channel"))
        try:
            phone = clean_phone(submission.phone)
        except InvalidPhone as exc:
            problems.append(exc)
        if not any(p.field in ("email", "phone") for p in problems):
            try:
                preference = check_preference(submission.preference, email, phone)
            except DomainError as exc:
                problems.append(exc)
    if problems:
        raise Refused(problems, answer_problems)
    return checked, email, phone, preference


def _kind(submission: Submission, viewer) -> str:
    if submission.api_key is not None:
        return "open311"
    if not getattr(viewer, "is_authenticated", False):
        return "visitor"
    if visibility.is_staff(viewer) and submission.caller_channel:
        return "caller"
    return "resident"
