"""Crews in the field: their jobs as a route (from the depot, a postcode, a street or the phone's position), the
job card (safety notes, priority, due time, a small map), starting, completing (with an "after" photo, once
per completion token) and "can't complete" (back to triage)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.coords import InvalidCoordinates, LonLat, os_grid_reference, parse_lat_lon
from gis.queries import service_area_bounds
from gis.routes import nearest_neighbour_route
from gis.static_map import JobMap, job_static_map
from gis.streets import QUERY_MAX, find_places, unknown_place
from models import PRIORITY_LABELS, Crew, CrewMember, Photo, Report, ReportEvent, Status, User

from . import visibility
from .errors import DomainError, NotAllowed
from .photos import PhotoStore, ProcessedPhoto
from .reports import record_status
from .text import has_nul
from .transaction import unit_of_work
from .triage import due_at, is_overdue

JOB_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
#: Why a crew cannot complete a job: the short list, each with the words staff read in the timeline.
CANT_COMPLETE_REASONS = {
    "access": "No access (blocked, locked or parked over)",
    "unsafe": "Unsafe to work (needs a specialist or the police)",
    "equipment": "Needs other equipment, a bigger vehicle or more people",
    "not_found": "Could not find the problem here",
    "other": "Another reason",
}
DETAILS_MAX = 500
NOTE_MAX = 2000
#: A completion's token, chosen by the form (server-rendered, or by the phone's script for a queued one).
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: How far (degrees, about 2 km) outside the wards' extent a phone's position may be (a depot over the border).
AREA_MARGIN = 0.02
#: Where "can't complete" leaves a job: open, in triage's queue, not assigned; allowed from both job statuses.
BACK_TO_TRIAGE = Status.INVESTIGATING
#: Used when a crew has no depot recorded: Lewisham town hall, Catford.
DEFAULT_DEPOT = LonLat(lon=-0.0205, lat=51.4452)


@dataclass
class Job:
    report: Report
    point: LonLat
    grid_ref: str
    leg_m: float
    priority: str = ""
    due: datetime | None = None
    overdue: bool = False
    #: How many safety notes the job card shows.
    safety_notes: int = 0


def crew_of(session: Session, user: User) -> Crew | None:
    return session.scalars(select(Crew).join(CrewMember).where(CrewMember.user_id == user.id)).first()


def depot_of(session: Session, crew: Crew) -> LonLat:
    if crew.depot is None:
        return DEFAULT_DEPOT
    lon, lat = session.execute(select(func.ST_X(Crew.depot), func.ST_Y(Crew.depot)).where(Crew.id == crew.id)).one()
    return LonLat(lon=lon, lat=lat)


@dataclass(frozen=True)
class Start:
    """Where the route starts: a point (WGS84) and what to call it."""
    point: LonLat
    label: str


def start_from(session: Session, place: str = "", lat: str = "", lon: str = "") -> Start | None:
    """The route's start from a postcode or street (``place``) or the phone's position (``lat``/``lon``, WGS84
    degrees, inside the service area); None when none is given (the depot). DomainError says what to type."""
    place, lat, lon = (place or "").strip(), (lat or "").strip(), (lon or "").strip()
    if any(has_nul(v) for v in (place, lat, lon)):
        raise DomainError("Enter a postcode or a street name.", field="place")
    if lat or lon:
        try:
            point = parse_lat_lon(lat, lon)
        except InvalidCoordinates as exc:
            raise DomainError(f"Your phone's position could not be used ({exc}). Enter a postcode or a street "
                              "name instead.", field="place") from None
        bounds = service_area_bounds(session)
        if bounds is not None and not (bounds[0] - AREA_MARGIN <= point.lon <= bounds[2] + AREA_MARGIN
                                       and bounds[1] - AREA_MARGIN <= point.lat <= bounds[3] + AREA_MARGIN):
            raise DomainError("Your phone's position is far outside the area we cover. Enter a postcode or a "
                              "street name in the area instead.", field="place")
        return Start(point, "your position")
    if not place:
        return None
    if len(place) > QUERY_MAX:
        raise DomainError(f"Enter a postcode or a street name of at most {QUERY_MAX} characters.", field="place")
    found = find_places(session, place, limit=1)
    if not found:
        raise DomainError(unknown_place(place), field="place")
    return Start(found[0].point, found[0].label)


def route(session: Session, crew: Crew, start: LonLat | None = None) -> list[Job]:
    """The crew's open jobs ordered nearest-neighbour from ``start`` (their position) or the depot."""
    rows = session.execute(select(Report, func.ST_X(Report.geom), func.ST_Y(Report.geom))
                           .where(Report.crew_id == crew.id, Report.status.in_(JOB_STATUSES))
                           .order_by(Report.id)).all()
    reports = {r.id: r for r, _, _ in rows}
    points = {r.id: LonLat(lon=x, lat=y) for r, x, y in rows}
    order = nearest_neighbour_route(start or depot_of(session, crew), points)
    return [Job(reports[key], points[key], os_grid_reference(points[key]), leg,
                priority=PRIORITY_LABELS[reports[key].priority], due=due_at(reports[key]),
                overdue=is_overdue(reports[key]), safety_notes=len(visibility.safety_notes(reports[key])))
            for key, leg in order]


def _check_crew(session: Session, report: Report, user: User) -> Crew:
    crew = crew_of(session, user)
    if crew is None or report.crew_id != crew.id:
        raise NotAllowed("This job is not assigned to your crew.")
    return crew


class UnknownJob(DomainError):
    """No job has this reference (a 404)."""


def job_by_reference(session: Session, reference: str) -> Report:
    """The report a job card or action names; UnknownJob for junk or an unknown reference."""
    reference = (reference or "").strip().upper()
    report = (session.scalars(select(Report).where(Report.reference == reference)).first()
              if visibility.REFERENCE_RE.fullmatch(reference) else None)
    if report is None:
        raise UnknownJob("There is no job with that reference.")
    return report


@dataclass
class JobCard:
    report: Report
    point: LonLat
    grid_ref: str
    priority: str
    due: datetime
    overdue: bool
    safety_notes: list[ReportEvent]
    map: JobMap


def job_card(session: Session, report: Report, user: User) -> JobCard:
    """What a crew sees of one job: safety notes, priority, due time and a small map (no resident's contact
    details). The crew it is assigned to sees it, and staff; anyone else gets NotAllowed."""
    if not visibility.is_staff(user):
        _check_crew(session, report, user)
    x, y = session.execute(select(func.ST_X(Report.geom), func.ST_Y(Report.geom))
                           .where(Report.id == report.id)).one()
    point = LonLat(lon=x, lat=y)
    return JobCard(report=report, point=point, grid_ref=os_grid_reference(point),
                   priority=PRIORITY_LABELS[report.priority], due=due_at(report), overdue=is_overdue(report),
                   safety_notes=visibility.safety_notes(report), map=job_static_map(session, point))


def _lock(session: Session, report: Report) -> None:
    """Take the job's row until the commit (two sends of one completion queue here), reading it afresh."""
    session.execute(select(Report.id).where(Report.id == report.id).with_for_update())
    session.refresh(report, ["status", "crew_id"])


def _open_job(report: Report) -> None:
    if report.status not in JOB_STATUSES:
        raise DomainError(f"{report.reference} is “{report.status.label}” now: it is no longer an open job for "
                          "your crew.")


@unit_of_work
def start_job(session: Session, report: Report, user: User) -> None:
    _check_crew(session, report, user)
    record_status(session, report, Status.IN_PROGRESS, user, "The crew has started work.")
    session.commit()


def check_token(token: str | None) -> str:
    token = (token or "").strip()
    if not TOKEN_RE.fullmatch(token):
        raise DomainError("This form is out of date: open the job card again and send it from there.",
                          field="token")
    return token


@unit_of_work
def complete_job(session: Session, report: Report, user: User, note: str, photo: ProcessedPhoto | None,
                 store: PhotoStore, token: str) -> bool:
    """Mark the job fixed with the crew's note and "after" photo; the resident is emailed in the same commit.

    ``token`` names this completion: sent again (a phone replaying its offline queue, a double tap) it changes
    nothing and answers False; True when this call completed the job."""
    _check_crew(session, report, user)
    token = check_token(token)
    note = (note or "").strip()
    if has_nul(note):
        raise DomainError("The note holds a character we cannot store.", field="note")
    if len(note) > NOTE_MAX:
        raise DomainError("Keep the note to 2,000 characters or fewer.", field="note")
    _lock(session, report)
    _check_crew(session, report, user)                  # again, as it is now
    done = session.scalars(select(ReportEvent).where(ReportEvent.client_token == token)).first()
    if done is not None:
        if done.report_id != report.id:
            raise DomainError("This completion was already sent for another job: open the job card again.",
                              field="token")
        session.commit()              # nothing new: end the transaction that held the lock
        return False
    _open_job(report)
    event = record_status(session, report, Status.FIXED, user, note or "Fixed by the crew.")
    event.client_token = token
    if photo is not None:   # written only once the job may be completed: a refused completion stores nothing
        key = store.save_pending(photo)
        report.photos.append(Photo(key=key, width=photo.width, height=photo.height, kind="after"))
        try:
            session.flush()
            store.publish(key)
        except Exception:
            store.discard_pending([key])
            raise
    session.flush()
    session.commit()
    return True


@unit_of_work
def cannot_complete(session: Session, report: Report, user: User, reason: str, details: str = "") -> None:
    """The crew cannot do the job: it goes back to triage (no crew, "Investigating"), with the reason in the
    staff timeline (internal: it may say things the public should not read; the resident is not emailed)."""
    reason = (reason or "").strip()
    details = (details or "").strip()
    if reason not in CANT_COMPLETE_REASONS:
        raise DomainError("Choose why the job cannot be completed from the list.", field="reason")
    if has_nul(details):
        raise DomainError("The details hold a character we cannot store.", field="details")
    if len(details) > DETAILS_MAX:
        raise DomainError(f"Keep the details to {DETAILS_MAX} characters or fewer.", field="details")
    if reason == "other" and not details:
        raise DomainError("Say why the job cannot be completed.", field="details")
    _lock(session, report)
    crew = _check_crew(session, report, user)
    _open_job(report)
    note = f"Can't complete ({crew.name}): {CANT_COMPLETE_REASONS[reason]}." + (f" {details}" if details else "")
    report.crew = None
    record_status(session, report, BACK_TO_TRIAGE, user, note + " Returned to triage.", internal=True)
    session.commit()


