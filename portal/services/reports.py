"""Reporting an incident and moving it through its statuses."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from gis.coords import LonLat
from models import (DESCRIPTION_MAX, DESCRIPTION_MAX_API, Category, Photo, Report, ReportContact, ReportEvent, Status,
                    User, can_transition, utcnow)

from . import notifications, routing
from .errors import (DomainError, InvalidAnswer, InvalidPhoto, OutsideServiceArea, Refused, TransitionNotAllowed,
                     UnknownCategory)
from .photos import PhotoStore
from .transaction import unit_of_work

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read out on the phone
ANSWER_TEXT_MAX = 500


def new_reference() -> str:
    return "KB-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


#: Statements every submission runs, built once (building one took ~0.3 ms).
_ACTIVE_CATEGORY = select(Category).where(Category.code == bindparam("code"), Category.active.is_(True)).limit(1)
_TOKEN_USED = select(Report.id).where(Report.client_token == bindparam("token")).limit(1)


def active_category(session: Session, code: str, active: list[Category] | None = None) -> Category:
    """The active category of this code. ``active``: every active category, as the channel loaded them in
    this request (the web form does, for its choices); the one asked for is then picked from them, not read
    again."""
    code = (code or "").strip()
    if active is None:
        category = session.scalars(_ACTIVE_CATEGORY, {"code": code}).first()
    else:
        category = next((c for c in active if c.code == code and c.active), None)
    if category is None:
        raise UnknownCategory("Choose a category from the list.")
    return category


@dataclass(frozen=True)
class AnswerProblem:
    """What is wrong with the answer to one question, for each channel to word in its own terms."""
    code: str
    #: unknown (no such question), missing, not_an_option, not_one (several for a one-answer question), too_long
    kind: str
    question: dict | None = None

    @property
    def allowed(self) -> list[str]:
        """The values the question accepts (empty for free text)."""
        if self.question is None:
            return []
        if self.question["type"] == "yesno":
            return ["yes", "no"]
        return [o["value"] for o in self.question.get("options", [])]


def check_answers(category: Category, raw: dict[str, object]) -> tuple[dict, list[AnswerProblem]]:
    """Check answers to a category's extra questions. Returns (clean answers, problems in question order)."""
    clean: dict[str, object] = {}
    problems = [AnswerProblem(code, "unknown") for code in raw
                if code not in {q["code"] for q in category.questions}]
    for q in category.questions:
        value = raw.get(q["code"])
        values = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if v not in (None, "")]
        allowed = {o["value"] for o in q.get("options", [])}
        if not values:
            if q.get("required"):
                problems.append(AnswerProblem(q["code"], "missing", q))
            continue
        if q["type"] == "multi":
            if any(v not in allowed for v in values):
                problems.append(AnswerProblem(q["code"], "not_an_option", q))
            else:
                clean[q["code"]] = sorted(set(values), key=[o["value"] for o in q["options"]].index)
        elif len(values) > 1:
            problems.append(AnswerProblem(q["code"], "not_one", q))
        elif (q["type"] == "single" and values[0] not in allowed) or (q["type"] == "yesno"
                                                                      and values[0] not in ("yes", "no")):
            problems.append(AnswerProblem(q["code"], "not_an_option", q))
        elif q["type"] == "text" and len(str(values[0])) > ANSWER_TEXT_MAX:
            problems.append(AnswerProblem(q["code"], "too_long", q))
        else:
            clean[q["code"]] = str(values[0]).strip()
    return clean, problems


def _on_screen(category: Category, problem: AnswerProblem) -> str:
    if problem.question is None:
        return f"'{problem.code}' is not a question for {category.name}."
    label, kind = problem.question["label"], problem.kind
    if kind == "missing":
        return f"Answer “{label}”"
    if kind == "not_one":
        return f"Choose one answer for “{label}”"
    if kind == "too_long":
        return f"Keep “{label}” under {ANSWER_TEXT_MAX} characters"
    if problem.question["type"] == "yesno":
        return f"Answer yes or no to “{label}”"
    return f"Choose from the options given for “{label}”"


def validate_answers(category: Category, raw: dict[str, object]) -> tuple[dict, dict[str, str]]:
    """Check answers to a category's extra questions. Returns (clean answers, {question code: error})."""
    clean, problems = check_answers(category, raw)
    return clean, {p.code: _on_screen(category, p) for p in problems}


def hazards(category: Category, answers: dict) -> list[str]:
    """Labels of the hazardous options chosen (for the "do not touch" notice)."""
    found = []
    for q in category.questions:
        chosen = answers.get(q["code"])
        chosen = chosen if isinstance(chosen, list) else [chosen]
        found += [o["label"] for o in q.get("options", []) if o.get("hazard") and o["value"] in chosen]
    return found


def clean_description(text: str | None, limit: int = DESCRIPTION_MAX) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("Describe the problem, so the crew knows what to look for.", field="description")
    if len(text) > limit:
        raise DomainError(f"Keep the description to {limit:,} characters or fewer "
                          f"(it has {len(text):,}).", field="description")
    return text


@dataclass
class NewReport:
    category_code: str
    point: LonLat | None
    description: str
    answers: dict = field(default_factory=dict)
    photo_keys: list[str] = field(default_factory=list)
    anonymous: bool = True
    client_token: str | None = None
    channel: str = "web"
    #: The web form keeps 2,000 characters; Open311 allows up to DESCRIPTION_MAX_API (the database limit).
    description_max: int = DESCRIPTION_MAX
    #: Staff-only contact details (models.ReportContact) from a channel without accounts, e.g. Open311.
    contact: object | None = None
    #: The channel's standard makes the description optional (Open311): an empty one is stored as
    #: no_description(category).
    description_optional: bool = False


def no_description(category: Category) -> str:
    """What a report sent without a description is stored with: its public page needs one."""
    return f"{category.name} (reported without a description)."


def report_by_token(session: Session, token: str | None) -> Report | None:
    """The report this submission token made, if any. Nearly always there is none: that is found with one
    plain query, and the report is loaded only when there is one."""
    if not token:
        return None
    found = session.connection().execute(_TOKEN_USED, {"token": token}).scalar()
    return None if found is None else session.get(Report, found)


@dataclass(frozen=True)
class CheckedReport:
    """A new report's parts once every rule has passed (the point's ward is checked when it is saved)."""
    category: Category
    description: str
    answers: dict


def check_report(session: Session, data: NewReport, point_problem: DomainError | None = None,
                 active: list[Category] | None = None) -> CheckedReport:
    """Check every rule of a new report at once: category, description, answers, photos (and a problem with
    the point found by the caller's parsing). Raises Refused with all the problems, in form order.
    ``active``: the active categories the channel has loaded (see active_category)."""
    problems: list[DomainError] = [point_problem] if point_problem else []
    if data.point is None and point_problem is None:
        problems.append(DomainError("Choose where the problem is.", field="location"))
    category = description = answers = None
    answer_problems: list[AnswerProblem] = []
    try:
        category = active_category(session, data.category_code, active)
    except UnknownCategory as exc:
        problems.append(exc)
    text = data.description
    if data.description_optional and not (text or "").strip() and category is not None:
        text = no_description(category)
    try:
        description = clean_description(text, min(data.description_max, DESCRIPTION_MAX_API))
    except DomainError as exc:
        problems.append(exc)
    if category is not None:
        answers, answer_problems = check_answers(category, data.answers)
        problems += [InvalidAnswer(_on_screen(category, p), field=f"q_{p.code}") for p in answer_problems]
    if problems:
        raise Refused(problems, answer_problems)
    return CheckedReport(category=category, description=description, answers=answers)


#: A new report's first timeline entry, built once (through the session's connection: ~0.3 ms, where a
#: statement built for each report and run by the ORM session took ~0.8).
_FIRST_EVENT = insert(ReportEvent)


#: The staff-only contact details a channel without accounts gave (an Open311 client): every column of the
#: model but the report's, inserted as one statement (report.contact loads the row when asked for).
_CONTACT_GIVEN = tuple(c.key for c in ReportContact.__table__.columns if c.key != "report_id")
_INSERT_CONTACT = insert(ReportContact)

#: A new report's priority: the model's default ("Normal").
DEFAULT_PRIORITY = Report.__table__.c.priority.default.arg

#: The columns a new report is given (the rest are the database's: id, the ward and area from the point, the
#: due time, the point in British National Grid, the search words).
_GIVEN = ("reference", "category_id", "description", "geom", "status", "reporter_id", "anonymous", "answers",
          "channel", "client_token", "created_at", "updated_at", "fixed_at", "priority", "crew_id",
          "duplicate_of_id", "hidden", "person_id", "overdue_notified_at", "team_id")
#: ... and the body that takes the report's category at its point, chosen by the INSERT (routing).
_FETCHED = ("id", "ward_id", "area_id", "due_at", "body_id")
#: A reference or submission token already taken inserts nothing (and returns no row) instead of failing: the
#: transaction goes on, with whatever it made before (a visitor's account, a caller's person).
_INSERT_REPORT = (pg_insert(Report).values(body_id=routing.BODY_AT_POINT).on_conflict_do_nothing()
                  .returning(*(getattr(Report, name) for name in _FETCHED)))


def _insert(session: Session, report: Report, route: dict) -> bool:
    """INSERT a new report in one statement and make it part of the session as if the ORM had flushed it: one
    row has no need of the unit of work, which took ~4 ms of CPU for each report (sorting every mapper that
    could be involved). The object is then as loaded: what it was given and what the database set
    (its relationships not given, e.g. photos and events, load when asked for). ``route``: the parameters of
    routing.BODY_AT_POINT. False, and nothing written, when its reference or submission token is taken."""
    given = {name: getattr(report, name) for name in _GIVEN}     # None for a column not set
    row = session.connection().execute(_INSERT_REPORT, {**given, **route}).first()
    if row is None:
        return False
    for name, value in (*given.items(), *zip(_FETCHED, row)):    # all of it loaded: no query to read it back
        setattr(report, name, value)
    make_transient_to_detached(report)
    session.add(report)
    return True


def create_report(session: Session, data: NewReport, reporter: User | None, store: PhotoStore,
                  status: Status = Status.NEW, actor: User | None = None, token_checked: bool = False,
                  checked: CheckedReport | None = None, person=None) -> Report:
    """Validate and save a new report with its photos and first timeline entry; idempotent on client_token.

    ``actor`` is who made it when not the reporter (staff taking a phone call). The reporter's email
    (received, or "confirm your report" when UNCONFIRMED) goes to the outbox in the same transaction.
    ``token_checked``: the caller has looked the token up or leaves it to the INSERT: a token already taken
    (a second click, or a concurrent twin) inserts nothing, and the report it made is answered, with nothing of
    this attempt kept. ``checked``: the caller has run check_report (submission does, to show every
    problem at once); otherwise the first problem found is raised."""
    existing = None if token_checked else report_by_token(session, data.client_token)
    if existing is not None:
        return existing
    if checked is None:
        try:
            checked = check_report(session, data)
        except Refused as refused:
            raise refused.problems[0] from None
    category, description, answers = checked.category, checked.description, checked.answers
    for key in data.photo_keys:
        if not store.pending_exists(key):
            raise InvalidPhoto("A photo was lost before the report was saved; please add it again.")

    if person is not None and person.id is None:
        session.flush()                  # a new person, for the report's person_id
    for _attempt in range(5):
        now = utcnow()
        report = Report(reference=new_reference(), category_id=category.id, description=description,
                        geom=data.point.ewkt, status=status, reporter_id=reporter.id if reporter else None,
                        anonymous=data.anonymous, answers=answers, channel=data.channel,
                        client_token=data.client_token, person_id=person.id if person else None,
                        created_at=now, updated_at=now, hidden=False, priority=DEFAULT_PRIORITY)
        report.category, report.reporter, report.person = category, reporter, person
        route = routing.route_report(report, data.point)    # its team now; another body's, if one takes it there,
        if not _insert(session, report, route):               # chosen by the INSERT
            if report_by_token(session, data.client_token) is not None:
                # The same submission won a race (a second click): one report, not two, and nothing else of
                # this attempt is kept.
                session.rollback()
                return report_by_token(session, data.client_token)
            continue                     # the reference is taken (~3% of draws at a million): draw another
        if report.ward_id is None:       # the ward trigger found no ward covering the point
            session.rollback()
            raise OutsideServiceArea("That location is outside the area we cover. Choose a point inside the "
                                     "council's wards.")
        for key in data.photo_keys:
            width, height = store.pending_size(key)
            session.add(Photo(report_id=report.id, key=key, width=width, height=height, kind="before"))
        if data.contact is not None:     # one INSERT, as the first event below (the unit of work took ~1 ms)
            given = {name: getattr(data.contact, name) for name in _CONTACT_GIVEN}
            if given["api_key_id"] is None and data.contact.api_key is not None:    # given as the object
                given["api_key_id"] = data.contact.api_key.id
            session.connection().execute(_INSERT_CONTACT, {"report_id": report.id, **{
                name: value for name, value in given.items() if value is not None}})    # else the default
        sending = routing.sending_for(session, report)
        if sending is not None:
            session.add(sending)
        # The first timeline entry, as one INSERT (report.events loads it when asked for).
        by = actor or reporter
        session.connection().execute(_FIRST_EVENT, {"report_id": report.id, "actor_id": by.id if by else None,
                                                    "from_status": None, "to_status": status, "note": "Report made"})
        try:
            for key in data.photo_keys:
                store.publish(key)
        except InvalidPhoto:
            session.rollback()          # no report without its photos
            raise
        notifications.report_received(session, report, new=True)   # same transaction as the report
        session.commit()
        return report
    raise DomainError("We could not save your report just now. Please try again.")


#: What a reporter may reopen ("it is not fixed": the report's page, the questionnaire); a duplicate or another
#: body's report is a decision of staff's, which the reporter answers with an update.
REPORTER_MAY_REOPEN = (Status.FIXED, Status.CLOSED)


@unit_of_work
def change_status(session: Session, report: Report, new: Status, actor: User | None, note: str = "",
                  internal: bool = False) -> ReportEvent:
    """The one way a report's status changes: checked against TRANSITIONS, recorded in the timeline."""
    event = record_status(session, report, new, actor, note, internal)
    session.commit()
    return event


def record_status(session: Session, report: Report, new: Status, actor: User | None, note: str = "",
                  internal: bool = False) -> ReportEvent:
    """change_status without the commit, for services that change several things in one transaction.

    ``internal`` keeps the note to staff and emails nobody; the change itself is public whatever it says: the
    report's page shows the status, so its timeline, feeds, Open311 updates and "fixed" alerts show the change
    too (an internal change left a new status with no trace anywhere). The note goes on an internal entry of
    its own."""
    old = report.status
    if not can_transition(old, new):
        raise TransitionNotAllowed(f"A report that is “{old.label}” cannot become “{new.label}”.")
    report.status = new
    if new is Status.FIXED:
        report.fixed_at = utcnow()
    elif new is Status.REOPENED:
        report.fixed_at = None
    note = note.strip()
    event = ReportEvent(report=report, actor=actor, from_status=old, to_status=new, note="" if internal else note)
    session.add(event)
    if internal and note:
        session.add(ReportEvent(report=report, actor=actor, note=note, internal=True))
    session.flush()
    if not internal:
        notifications.status_changed(session, report, event)  # same transaction: no change without its email
    return event
