"""Administration: categories (with their questions as data) and crews. Accounts: see ``user_admin``."""
from __future__ import annotations

import json
import re

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.coords import LonLat
from models import Category, Crew, CrewMember, Role, User

from .errors import DomainError
from .transaction import unit_of_work

QUESTION_TYPES = {"single", "multi", "yesno", "text"}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def parse_questions(text: str) -> list[dict]:
    """Check the extra questions given as JSON (see models.Category) and return them."""
    try:
        questions = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise DomainError(f"The questions are not valid JSON: {exc.msg} (line {exc.lineno}).",
                          field="questions") from None
    if not isinstance(questions, list):
        raise DomainError("The questions must be a JSON list.", field="questions")
    codes = set()
    for n, q in enumerate(questions, 1):
        if not isinstance(q, dict) or not isinstance(q.get("code"), str) or not CODE_RE.match(q["code"]):
            raise DomainError(f"Question {n} needs a code of lower-case letters, digits and _.", field="questions")
        if q["code"] in codes:
            raise DomainError(f"Question code “{q['code']}” is used twice.", field="questions")
        codes.add(q["code"])
        if not isinstance(q.get("label"), str) or not q["label"].strip():
            raise DomainError(f"Question {n} needs a label.", field="questions")
        if q.get("type") not in QUESTION_TYPES:
            raise DomainError(f"Question {n}: type must be one of {', '.join(sorted(QUESTION_TYPES))}.",
                              field="questions")
        if q["type"] in ("single", "multi"):
            options = q.get("options")
            if not isinstance(options, list) or not options or not all(
                    isinstance(o, dict) and isinstance(o.get("value"), str) and isinstance(o.get("label"), str)
                    for o in options):
                raise DomainError(f"Question {n} needs options, each with a value and a label.", field="questions")
    return questions


@unit_of_work
def save_category(session: Session, category: Category | None, *, code: str, name: str, group: str,
                  target_hours: int | None, questions: str, active: bool) -> Category:
    """Add (``category`` None) or change a category; ``questions`` is their JSON text as typed."""
    name, group, code = (name or "").strip(), (group or "").strip(), (code or "").strip()
    if not name or len(name) > 120:
        raise DomainError("Give the category a name (up to 120 characters).", field="name")
    if not group or len(group) > 80:
        raise DomainError("Give the category a group (up to 80 characters).", field="group")
    hours = target_hours
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 365:
        raise DomainError("The target must be a whole number of hours, from 1 to 8760.", field="target_hours")
    parsed = parse_questions(questions)
    if category is None:
        if not CODE_RE.match(code):
            raise DomainError("The code must be lower-case letters, digits and _.", field="code")
        category = Category(code=code)
        session.add(category)
    category.name, category.group, category.target_hours = name, group, hours
    category.questions, category.active = parsed, active
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise DomainError("A category with that code already exists.", field="code") from None
    return category


@unit_of_work
def save_crew(session: Session, crew: Crew | None, *, name: str, depot: LonLat | None, active: bool,
              member_ids: list[int]) -> Crew:
    """Add (``crew`` None) or change a crew; its members leave any other crew."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError("Give the crew a name (up to 80 characters).", field="name")
    members = list(session.scalars(select(User).where(User.id.in_(member_ids or [0]))))
    if any(u.role is not Role.CREW for u in members):
        raise DomainError("Only users with the crew role can be crew members.", field="members")
    if crew is None:
        crew = Crew(name=name)
        session.add(crew)
    crew.name, crew.depot, crew.active = name, depot.ewkt if depot is not None else None, active
    try:
        session.flush()
        # An ORM delete, so that the members already loaded (the form shows them) leave the session too: new
        # rows for the same people must not meet stale ones under the same identity.
        session.execute(delete(CrewMember).where(
            (CrewMember.user_id.in_([u.id for u in members] or [0])) | (CrewMember.crew_id == crew.id)),
            execution_options={"synchronize_session": "fetch"})
        session.add_all([CrewMember(crew_id=crew.id, user_id=u.id) for u in members])
        session.commit()
    except IntegrityError:
        session.rollback()
        raise DomainError("A crew with that name already exists.", field="name") from None
    session.expire(crew, ["members"])
    return crew
