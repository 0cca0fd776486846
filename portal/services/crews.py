"""Crews in the field: their jobs as a route, starting and completing them (with an "after" photo)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.coords import LonLat, os_grid_reference
from gis.routes import nearest_neighbour_route
from models import Crew, CrewMember, Photo, Report, Status, User

from .errors import DomainError, NotAllowed
from .photos import PhotoStore, ProcessedPhoto
from .reports import record_status
from .transaction import unit_of_work

JOB_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
#: Used when a crew has no depot recorded: Lewisham town hall, Catford.
DEFAULT_DEPOT = LonLat(lon=-0.0205, lat=51.4452)


@dataclass
class Job:
    report: Report
    point: LonLat
    grid_ref: str
    leg_m: float


def crew_of(session: Session, user: User) -> Crew | None:
    return session.scalars(select(Crew).join(CrewMember).where(CrewMember.user_id == user.id)).first()


def depot_of(session: Session, crew: Crew) -> LonLat:
    if crew.depot is None:
        return DEFAULT_DEPOT
    lon, lat = session.execute(select(func.ST_X(Crew.depot), func.ST_Y(Crew.depot)).where(Crew.id == crew.id)).one()
    return LonLat(lon=lon, lat=lat)


def route(session: Session, crew: Crew, start: LonLat | None = None) -> list[Job]:
    """The crew's open jobs ordered nearest-neighbour from ``start`` (their position) or the depot."""
    rows = session.execute(select(Report, func.ST_X(Report.geom), func.ST_Y(Report.geom))
                           .where(Report.crew_id == crew.id, Report.status.in_(JOB_STATUSES))
                           .order_by(Report.id)).all()
    reports = {r.id: r for r, _, _ in rows}
    points = {r.id: LonLat(lon=x, lat=y) for r, x, y in rows}
    order = nearest_neighbour_route(start or depot_of(session, crew), points)
    return [Job(reports[key], points[key], os_grid_reference(points[key]), leg) for key, leg in order]


def _check_crew(session: Session, report: Report, user: User) -> Crew:
    crew = crew_of(session, user)
    if crew is None or report.crew_id != crew.id:
        raise NotAllowed("This job is not assigned to your crew.")
    return crew


@unit_of_work
def start_job(session: Session, report: Report, user: User) -> None:
    _check_crew(session, report, user)
    record_status(session, report, Status.IN_PROGRESS, user, "The crew has started work.")
    session.commit()


@unit_of_work
def complete_job(session: Session, report: Report, user: User, note: str, photo: ProcessedPhoto | None,
                 store: PhotoStore) -> None:
    """Mark the job fixed with the crew's note and "after" photo; the resident is emailed in the same commit."""
    _check_crew(session, report, user)
    note = (note or "").strip()
    if len(note) > 2000:
        raise DomainError("Keep the note to 2,000 characters or fewer.", field="note")
    record_status(session, report, Status.FIXED, user, note or "Fixed by the crew.")
    if photo is not None:   # written only once the job may be completed: a refused completion stores nothing
        key = store.save_pending(photo)
        report.photos.append(Photo(key=key, width=photo.width, height=photo.height, kind="after"))
        try:
            session.flush()
            store.publish(key)
        except Exception:
            store.discard_pending([key])
            raise
    session.commit()


