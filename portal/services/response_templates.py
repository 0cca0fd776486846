"""Response templates (admin): a reusable public update, written for one status and for one category or all.
They are offered on a report's page only for a status the report can move to, and triage.change_status refuses
one used with another status."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Category, ResponseTemplate, Status

from .errors import DomainError, Refused
from .transaction import unit_of_work

TITLE_MAX = 80
TEXT_MAX = 2000
#: A template is a message sent with a change to one of these (never "new" nor "awaiting confirmation").
TEMPLATE_STATUSES = [s for s in Status if s not in (Status.UNCONFIRMED, Status.NEW)]


def all_templates(session: Session) -> list[ResponseTemplate]:
    return list(session.scalars(select(ResponseTemplate).order_by(ResponseTemplate.status, ResponseTemplate.title,
                                                                  ResponseTemplate.id)))


@unit_of_work
def save_template(session: Session, template: ResponseTemplate | None, *, status: Status | None,
                  category_id: int | None, title: str, text: str) -> ResponseTemplate:
    """Create (``template`` None) or change a template; every problem at once (Refused), nothing saved."""
    problems: list[DomainError] = []
    if status not in TEMPLATE_STATUSES:
        problems.append(DomainError("Choose the status this message is written for.", field="status"))
    if category_id is not None and session.get(Category, category_id) is None:
        problems.append(DomainError("Choose a category from the list, or any.", field="category"))
    title = " ".join((title or "").split())
    if not title:
        problems.append(DomainError("Give the template a short title.", field="title"))
    elif len(title) > TITLE_MAX:
        problems.append(DomainError(f"Keep the title to {TITLE_MAX} characters or fewer.", field="title"))
    text = (text or "").strip()
    if not text:
        problems.append(DomainError("Write the message residents will read.", field="text"))
    elif len(text) > TEXT_MAX:
        problems.append(DomainError(f"Keep the message to {TEXT_MAX:,} characters or fewer.", field="text"))
    if problems:
        raise Refused(problems)
    if template is None:
        template = ResponseTemplate()
        session.add(template)
    template.status, template.category_id, template.title, template.text = status, category_id, title, text
    session.commit()
    return template


@unit_of_work
def delete_template(session: Session, template: ResponseTemplate) -> None:
    session.delete(template)
    session.commit()
