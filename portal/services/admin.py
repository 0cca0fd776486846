"""Administration: categories (with their questions as data) and crews. Accounts: see ``user_admin``; teams and
bodies: ``bodies``."""
from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gis.coords import LonLat
from gis.queries import normalise_postcode
from gis.streets import QUERY_MAX, Place, find_places
from models import Category, Crew, CrewMember, Role, Team, User

from .errors import DomainError
from .transaction import duplicates_refused, unit_of_work

QUESTION_TYPES = {"single", "multi", "yesno", "text"}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
VALUE_RE = re.compile(r"^[a-z0-9_]{1,40}$")
#: The report form's section headings (templates/reports/new.html; a test keeps the two the same). A category's
#: question must not read as one of them: "Where is it?" among the fly-tipping questions had its error shown
#: above a location section that was already filled in.
REPORT_FORM_SECTIONS = ("Is it one of these?", "Where is it?", "What is the problem?", "Details", "About you")


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def clashes_with_a_section(label: str) -> str | None:
    """The report form's section heading that ``label`` reads as (case, spaces and punctuation aside), if any."""
    return next((s for s in REPORT_FORM_SECTIONS if _words(s) == _words(label)), None)


def check_questions(questions: list[dict]) -> list[dict]:
    """The invariant of a category's questions (see models.Category): unique codes, a label each, a known type,
    and answers (each a value and a label, values unique) for the list types. Returns them; DomainError if not."""
    codes = set()
    for n, q in enumerate(questions, 1):
        if not isinstance(q, dict) or not isinstance(q.get("code"), str) or not CODE_RE.match(q["code"]):
            raise DomainError(f"Question {n} needs a code of lower-case letters, digits and _.", field="code")
        if q["code"] in codes:
            raise DomainError(f"Another question already has the code “{q['code']}”.", field="code")
        codes.add(q["code"])
        if not isinstance(q.get("label"), str) or not q["label"].strip():
            raise DomainError(f"Question {n} needs a label.", field="label")
        if q.get("type") not in QUESTION_TYPES:
            raise DomainError(f"Question {n}: choose the kind of answer.", field="kind")
        if q["type"] in ("single", "multi"):
            options = q.get("options")
            if not isinstance(options, list) or not options or not all(
                    isinstance(o, dict) and isinstance(o.get("value"), str) and isinstance(o.get("label"), str)
                    for o in options):
                raise DomainError("A question answered from a list needs at least one answer.", field="choices")
            values = [o["value"] for o in options]
            if len(set(values)) != len(values):
                raise DomainError("Two answers are stored as the same value: give each its own.", field="choices")
    return questions


def _slug(label: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40]
    return slug if slug and slug[0].isalpha() else f"a_{slug}"[:40]


def build_question(*, code: str, label: str, hint: str, kind: str, required: bool,
                   choices: list[dict]) -> dict:
    """A question as models.Category stores it, from the question form's parts; DomainError naming the field
    (code, label, kind, choices) for the first thing wrong."""
    code, label, hint = (code or "").strip(), (label or "").strip(), (hint or "").strip()
    if not CODE_RE.match(code):
        raise DomainError("The code must be 2 to 40 lower-case letters, digits and _, starting with a letter.",
                          field="code")
    if not label or len(label) > 200:
        raise DomainError("Write the question (up to 200 characters).", field="label")
    if (section := clashes_with_a_section(label)) is not None:
        raise DomainError(f"“{section}” is a heading of the report form: residents would take the question for "
                          "that part of the form. Word it differently (for example “What kind of place is it in?”).",
                          field="label")
    if kind not in QUESTION_TYPES:
        raise DomainError("Choose the kind of answer from the list.", field="kind")
    question = {"code": code, "label": label, "type": kind, "required": bool(required)}
    if hint:
        question["hint"] = hint[:200]
    if kind in ("single", "multi"):
        options = []
        for n, choice in enumerate(choices, 1):
            answer = (choice.get("label") or "").strip()
            if not answer:
                raise DomainError(f"Answer {n} needs the text residents see.", field="choices")
            value = (choice.get("value") or "").strip() or _slug(answer)
            if not VALUE_RE.match(value):
                raise DomainError(f"Answer {n}: the stored value must be lower-case letters, digits and _.",
                                  field="choices")
            option = {"value": value, "label": answer[:120]}
            if choice.get("hazard"):
                option["hazard"] = True
            options.append(option)
        if not options:
            raise DomainError("Give at least one answer to choose from.", field="choices")
        question["options"] = options
    return question


@unit_of_work
def save_question(session: Session, category: Category, old_code: str | None, question: dict) -> Category:
    """Add (``old_code`` None) or replace the category's question ``old_code``; the code of an existing question
    stays (past answers are stored under it)."""
    questions = [dict(q) for q in category.questions]
    if old_code is None:
        if any(q["code"] == question["code"] for q in questions):
            raise DomainError(f"Another question already has the code “{question['code']}”.", field="code")
        questions.append(question)
    else:
        at = next((n for n, q in enumerate(questions) if q["code"] == old_code), None)
        if at is None:
            raise DomainError("That question was removed meanwhile.", field="label")
        questions[at] = {**question, "code": old_code}
    category.questions = check_questions(questions)
    session.commit()
    return category


@unit_of_work
def move_question(session: Session, category: Category, code: str, step: int) -> None:
    """Move a question one place up (step -1) or down (+1); at either end it stays."""
    questions = list(category.questions)
    at = next((n for n, q in enumerate(questions) if q["code"] == code), None)
    if at is None:
        raise DomainError("That question was removed meanwhile.")
    to = at + step
    if 0 <= to < len(questions):
        questions[at], questions[to] = questions[to], questions[at]
        category.questions = questions
    session.commit()


@unit_of_work
def remove_question(session: Session, category: Category, code: str) -> None:
    """Take a question off the form; past reports keep their answers (shown by the question's code no more)."""
    questions = [q for q in category.questions if q["code"] != code]
    if len(questions) == len(category.questions):
        raise DomainError("That question was removed meanwhile.")
    category.questions = questions
    session.commit()


@unit_of_work
def save_category(session: Session, category: Category | None, *, code: str, name: str, group: str,
                  target_hours: int | None, active: bool, team_id: int | None = None) -> Category:
    """Add (``category`` None) or change a category (its questions: save_question and friends)."""
    name, group, code = (name or "").strip(), (group or "").strip(), (code or "").strip()
    if not name or len(name) > 120:
        raise DomainError("Give the category a name (up to 120 characters).", field="name")
    if not group or len(group) > 80:
        raise DomainError("Give the category a group (up to 80 characters).", field="group")
    hours = target_hours
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 365:
        raise DomainError("The target must be a whole number: 1 to 8,760 hours, or 1 to 365 days.", field="target")
    if team_id is not None and session.get(Team, team_id) is None:
        raise DomainError("Choose a team from the list.", field="team")
    if category is None:
        if not CODE_RE.match(code):
            raise DomainError("The code must be lower-case letters, digits and _.", field="code")
        category = Category(code=code, questions=[])
        session.add(category)
    category.name, category.group, category.target_hours = name, group, hours
    category.active, category.team_id = active, team_id
    with duplicates_refused(session, {Category.code: DomainError("A category with that code already exists.",
                                                                 field="code")}):
        session.commit()
    return category


@unit_of_work
def save_crew(session: Session, crew: Crew | None, *, name: str, depot: LonLat | None, active: bool,
              member_ids: list[int], depot_place: str = "") -> Crew:
    """Add (``crew`` None) or change a crew; its members leave any other crew. ``depot_place`` (a postcode or a
    street name: locate_place) wins over ``depot`` (coordinates) when given."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError("Give the crew a name (up to 80 characters).", field="name")
    place_label = ""
    if (depot_place or "").strip():
        place = locate_place(session, depot_place)
        depot, place_label = place.point, place.label
    members = list(session.scalars(select(User).where(User.id.in_(member_ids or [0]))))
    if any(u.role is not Role.CREW for u in members):
        raise DomainError("Only users with the crew role can be crew members.", field="members")
    if crew is None:
        crew = Crew(name=name)
        session.add(crew)
    crew.name, crew.depot, crew.active = name, depot.ewkt if depot is not None else None, active
    crew.depot_place = place_label
    with duplicates_refused(session, {
            Crew.name: DomainError("A crew with that name already exists.", field="name"),
            CrewMember.user_id: DomainError("Someone put one of these members in another crew meanwhile: check "
                                            "the members and save again.", field="members")}):
        session.flush()
        # An ORM delete, so that the members already loaded (the form shows them) leave the session too: new
        # rows for the same people must not meet stale ones under the same identity.
        session.execute(delete(CrewMember).where(
            (CrewMember.user_id.in_([u.id for u in members] or [0])) | (CrewMember.crew_id == crew.id)),
            execution_options={"synchronize_session": "fetch"})
        session.add_all([CrewMember(crew_id=crew.id, user_id=u.id) for u in members])
        session.commit()
    session.expire(crew, ["members"])
    return crew


def locate_place(session: Session, text: str) -> Place:
    """A place typed by an admin, a postcode or a street name as everywhere else (gis.streets.find_places), or
    DomainError on the ``depot_place`` field saying what to type instead."""
    text = (text or "").strip()
    if len(text) > QUERY_MAX:
        raise DomainError(f"Enter a postcode or a street name of at most {QUERY_MAX} characters.",
                          field="depot_place")
    found = find_places(session, text, limit=1)
    if found:
        return found[0]
    if normalise_postcode(text) is not None:
        message = ("We do not know that postcode in our area. Check it, or leave it empty and give the depot's "
                   "latitude and longitude.")
    else:
        message = ("We could not find that street in our area. Check it, or enter a full postcode like SE6 4RU, "
                   "or leave it empty and give the depot's latitude and longitude.")
    raise DomainError(message, field="depot_place")
