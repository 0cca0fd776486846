"""Demo crews and response templates (idempotent), so the whole workflow can be tried on the demo."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.coords import LonLat
from models import Crew, CrewMember, ResponseTemplate, Status

from .accounts import user_by_email

#: Lewisham's depot area (Catford), the start of routes for crews without a position.
DEPOT = LonLat(lon=-0.0205, lat=51.4452)
TEMPLATES = [
    (Status.INVESTIGATING, "Inspecting", "An inspector will visit within two working days."),
    (Status.ASSIGNED, "Crew booked", "A crew has been booked to deal with this."),
    (Status.CLOSED, "No action", "We inspected the site and found nothing that needs action."),
    (Status.NOT_RESPONSIBLE, "Private land", "This is on private land; the owner is responsible for it."),
]


def load_workflow_demo(session: Session) -> str:
    crew = session.scalars(select(Crew).where(Crew.name == "Street scene crew 1")).first()
    if crew is None:
        crew = Crew(name="Street scene crew 1", depot=DEPOT.ewkt)
        session.add(crew)
        session.flush()
    member = user_by_email(session, "crew@example.org")
    if member is not None and session.get(CrewMember, (crew.id, member.id)) is None \
            and session.scalars(select(CrewMember).where(CrewMember.user_id == member.id)).first() is None:
        session.add(CrewMember(crew_id=crew.id, user_id=member.id))
    added = 0
    for status, title, text in TEMPLATES:
        if session.scalars(select(ResponseTemplate).where(ResponseTemplate.title == title)).first() is None:
            session.add(ResponseTemplate(category_id=None, status=status, title=title, text=text))
            added += 1
    session.commit()
    return f"1 crew, {added} response templates added"
