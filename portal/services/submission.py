"""One way in for a report from the web form: a resident, a visitor giving only an email address, or staff
entering a caller's report. The contact and the report are one transaction, and the rules are checked here
(and in create_report) only; the view parses, calls and renders."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Report, Status

from . import visibility
from .contacts import contact_user
from .errors import DomainError
from .photos import PhotoStore
from .reports import NewReport, create_report
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


@dataclass
class Outcome:
    report: Report
    #: Made by staff for a caller (their next page is the staff view of it).
    for_caller: bool


@unit_of_work
def submit_report(session: Session, submission: Submission, viewer, store: PhotoStore) -> Outcome:
    """File the report as the viewer may: held until its emailed link is followed for a visitor, new for a
    resident, new and made by staff for a caller. Raises DomainError (with its field) and writes nothing."""
    data = submission.report
    actor = None
    if not getattr(viewer, "is_authenticated", False):
        if not submission.email.strip():
            raise DomainError("Enter your email address, so that you can confirm the report.", field="email")
        reporter, status, data.channel = contact_user(session, submission.email, submission.name), \
            Status.UNCONFIRMED, "web"
    elif visibility.is_staff(viewer) and submission.caller_channel:
        if submission.caller_channel not in CALLER_CHANNELS:
            raise DomainError("Choose how the caller reached us.", field="channel")
        reporter = contact_user(session, submission.email, submission.name) if submission.email.strip() else None
        status, data.channel, actor = Status.NEW, submission.caller_channel, viewer
    else:
        reporter, status, data.channel = viewer, Status.NEW, "web"
    report = create_report(session, data, reporter, store, status=status, actor=actor)
    return Outcome(report=report, for_caller=actor is not None)
