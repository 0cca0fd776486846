"""Routing: where a new report's work goes. Runs once, inside create_report (the one way a report is made, for
every channel), in the report's own transaction: the report keeps its category's team, and when an active body
takes the category at the report's point, that body, with a BodySend for the sender (services/body_sender.py).

The body is chosen by the report's INSERT itself (``BODY_AT_POINT`` as the value of its body_id, with the
parameters ``route_report`` gives): nearly every report goes to no body, and asking first cost a statement each."""
from __future__ import annotations

from sqlalchemy.orm import Session

from gis.boundaries import BODY_AT, SERVICE_CODE, body_at
from gis.coords import LonLat
from models import BodySend, Report

#: The value of a new report's body_id: the body that takes its category at its point, or NULL.
BODY_AT_POINT = BODY_AT


def route_report(report: Report, point: LonLat) -> dict:
    """Set the new report's team before it is saved, so that it goes in with its INSERT (no UPDATE after it),
    and return the parameters of BODY_AT_POINT, for the INSERT to choose its body. Runs no statement."""
    report.team_id = report.category.team_id
    return body_at(report.category.id, point)


def sending_for(session: Session, report: Report) -> BodySend | None:
    """The sending to the body the INSERT chose (None for none), for the caller to add: its service_code is the
    one the body gave the category."""
    if report.body_id is None:
        return None
    code = session.execute(SERVICE_CODE, {"body_id": report.body_id, "category_id": report.category_id}).scalar_one()
    return BodySend(report_id=report.id, body_id=report.body_id, service_code=code)
