"""Routing: where a new report's work goes. Runs once, inside create_report (the one way a report is made, for
every channel), in the report's own transaction: the report keeps its category's team, and when an active body
takes the category at the report's point, that body, with a BodySend for the sender (services/body_sender.py)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from gis.boundaries import body_for
from gis.coords import LonLat
from models import BodySend, Report


def route_report(session: Session, report: Report, point: LonLat) -> BodySend | None:
    """Set the new report's team and body (if any) before it is saved, so that they go in with its INSERT (no
    UPDATE after it), and return its sending to the body, for the caller to add once the report has its id.
    Never flushes or commits."""
    report.team_id = report.category.team_id
    found = session.execute(*body_for(report.category.id, point)).first()
    if found is None:
        return None
    body_id, service_code = found
    report.body_id = body_id
    return BodySend(body_id=body_id, service_code=service_code)
