"""Routing: where a new report's work goes. Runs once, inside create_report (the one way a report is made, for
every channel), in the report's own transaction: the report keeps its category's team, and when an active body
takes the category at the report's point, that body, with a BodySend for the sender (services/body_sender.py)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from gis.boundaries import body_for
from gis.coords import LonLat
from models import BodySend, Report


def route_report(session: Session, report: Report, point: LonLat) -> None:
    """Set the report's team and body (if any) and queue its sending, before the report is first flushed: they
    go in with its INSERT (no UPDATE after it). Never flushes or commits."""
    report.team_id = report.category.team_id
    found = session.execute(*body_for(report.category.id, point)).first()
    if found is not None:
        body_id, service_code = found
        report.body_id = body_id
        session.add(BodySend(report=report, body_id=body_id, service_code=service_code))
