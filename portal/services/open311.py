"""Open311 use cases: file a request from an API client, find requests, post and list status updates.

Public output goes through ``visibility.visible_to``; contact details given with a request are stored for
staff in ``ReportContact`` and never returned (except the client's own media_url, which the standard returns).
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.coords import InvalidCoordinates, LonLat, parse_lat_lon
from gis.queries import format_postcode, postcode_in_text, postcode_location
from gis.streets import street_in_address
from models import (CLOSED, DESCRIPTION_MAX_API, OPEN, ApiKey, Category, Photo, Report, ReportContact,
                    ReportEvent, Status, Ward, utcnow)

from . import notifications, visibility
from .errors import DomainError, NotAllowed, Refused
from .links import links_of
from .photos import PhotoStore, ProcessedPhoto
from .transaction import unit_of_work
from .reports import ANSWER_TEXT_MAX, AnswerProblem, NewReport, record_status
from .submission import Submission, submit_report

DUPLICATE_WINDOW = timedelta(minutes=1)


class UnknownRequest(DomainError):
    """No such service request (or not one this client may see): 404."""


class UnknownService(DomainError):
    """No active service has that service_code: 404."""
    field = "service_code"


class InvalidAttributes(DomainError):
    """Answers that do not fit the service definition: one message per attribute, each naming it."""
    field = "attribute"

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class RequestRow:
    reference: str
    status: Status
    description: str
    created_at: datetime
    updated_at: datetime
    lon: float
    lat: float
    service_code: str
    service_name: str
    target_hours: int
    photo_key: str | None = None
    status_notes: str | None = None
    token: str | None = None
    #: The client's own media_url ("" when none was given).
    client_media_url: str = ""
    ward_name: str | None = None

    @property
    def expected_at(self) -> datetime:
        return self.created_at + timedelta(hours=self.target_hours)


#: mySociety's update statuses (and plain open/closed) mapped to ours; our own values are accepted too.
UPDATE_STATUSES = {
    "open": None,                    # reopen if closed, else just a note
    "closed": Status.CLOSED,
    "fixed": Status.FIXED,
    "investigating": Status.INVESTIGATING,
    "in_progress": Status.IN_PROGRESS,
    "action_scheduled": Status.ASSIGNED,
    "not_councils_responsibility": Status.NOT_RESPONSIBLE,
    "internal_referral": Status.NOT_RESPONSIBLE,
    "duplicate": Status.DUPLICATE,
    "no_further_action": Status.CLOSED,
    **{s.value: s for s in Status if s is not Status.UNCONFIRMED},
}


def request_location(session: Session, lat: str, lon: str, address: str) -> LonLat:
    """The point of a request: lat/long if given, else the centroid of the postcode in address_string, else
    (no postcode in it) the street it names, from the council's street names (gis.streets)."""
    if lat or lon:
        try:
            return parse_lat_lon(lat, lon)
        except InvalidCoordinates as exc:
            raise DomainError(str(exc), field="location") from None
    postcode = postcode_in_text(address)
    if postcode is None:
        street = street_in_address(session, address)
        if street is None:
            raise DomainError("address_string could not be located: we place an address by the postcode in it "
                              "(like '12 Rushey Green, SE6 4RU') or by a street of ours it names (like "
                              "'12 Rushey Green, Catford'). Add the postcode, or send lat and long.",
                              field="location")
        return street.point
    point = postcode_location(session, postcode)
    if point is None:
        raise DomainError(f"address_string could not be located: the postcode {format_postcode(postcode)} is not "
                          "one we know in our area. Check it, or send lat and long.", field="location")
    return point


def attribute_error(service_code: str, problem: AnswerProblem) -> str:
    """A refused answer in the standard's terms: the attribute named as the client sent it."""
    name = f"attribute[{problem.code}]"
    if problem.kind == "unknown":
        return f"{name} is not an attribute of {service_code}: see services/{service_code}.xml (or .json)."
    if problem.kind == "missing":
        return f"{name} is required."
    if problem.kind == "not_one":
        return f"{name} takes one value."
    if problem.kind == "too_long":
        return f"{name} must be at most {ANSWER_TEXT_MAX} characters."
    if problem.question and problem.question["type"] == "multi":
        return f"{name}[] values must each be one of: {', '.join(problem.allowed)}."
    return f"{name} must be one of: {', '.join(problem.allowed)}."


def _keyed(session: Session, purpose: str, key: ApiKey, value) -> str:
    """40 hex digits of an HMAC (the app's secret) of what an API key sent: per key, as two clients may send the
    same, and keyed, as what went into it is mostly public (tokens/ resolves a content token, so a plain hash
    let anyone confirm a guess of the one private part, the reporter's email address)."""
    return links_of(session).keyed_digest(purpose, json.dumps([key.id, value], sort_keys=True,
                                                              default=str).encode())[:40]


#: The reports a request's content tokens made (the minute's and the one before): ids and times only, the report
#: loaded just for a repeat (nearly every request has none).
_TOKENS_TAKEN = select(Report.id, Report.created_at).where(
    Report.client_token.in_(bindparam("tokens", expanding=True)))


def content_token(session: Session, key: ApiKey, parts: dict, minute: int) -> str:
    """Idempotency token: the same client, device and content (photos included) within a minute make one
    request."""
    return f"o311-{_keyed(session, 'open311-content', key, parts)}-{minute}"


def submit_request(session: Session, key: ApiKey, data, photos: list[ProcessedPhoto], store: PhotoStore,
                   now: datetime) -> Report:
    """File an Open311 request (``data``: schemas.NewRequest) through the one submission use case.

    ``photos`` (checked, re-encoded) are written to the store only for a request that makes a report: a refused
    request or a repeat of one just made leaves no file behind.
    Refusals in the standard's terms: an unknown service_code is UnknownService (404), answers that do not fit
    the service definition are InvalidAttributes naming each attribute, then the location."""
    point, point_problem = None, None
    try:
        point = request_location(session, data.lat, data.long, data.address_string)
    except DomainError as exc:
        point_problem = exc
    parts = {"device": data.device_id, "service": data.service_code,
             "point": [point.lon, point.lat] if point else None, "description": data.description,
             "attributes": data.attributes, "email": data.email.lower(), "media": data.media_url,
             # Each photo's content as we would store it (re-encoded: metadata and file name do not count), so
             # a repeat with another photo is a new request, not the first one with the new photo dropped.
             "photos": [hashlib.sha256(photo.data).hexdigest() for photo in photos]}
    minute = int(now.timestamp() // 60)
    tokens = [content_token(session, key, parts, m) for m in (minute, minute - 1)]
    if point is not None:
        for found, created_at in session.execute(_TOKENS_TAKEN, {"tokens": tokens}):
            if now - created_at <= DUPLICATE_WINDOW:
                return session.get(Report, found)
    contact = ReportContact(email=data.email, first_name=data.first_name, last_name=data.last_name,
                            phone=data.phone, device_id=data.device_id, media_url=data.media_url, api_key_id=key.id)
    photo_keys = [store.save_pending(photo) for photo in photos]
    report = NewReport(category_code=data.service_code, point=point, description=data.description,
                       answers=data.attributes, photo_keys=photo_keys, anonymous=True, client_token=tokens[0],
                       description_max=DESCRIPTION_MAX_API, contact=contact, description_optional=True)
    try:
        return submit_report(session, Submission(report=report, point_problem=point_problem, api_key=key),
                             None, store).report
    except Refused as refused:
        store.discard_pending(photo_keys)
        raise _in_open311_terms(refused, data.service_code) from None
    except Exception:
        store.discard_pending(photo_keys)
        raise


def _in_open311_terms(refused: Refused, service_code: str) -> DomainError:
    """The first refusal a client must fix, as the standard words it: the service, the location, the
    attributes, then the rest (the description) as it is."""
    by_field = {}
    for problem in refused.problems:
        by_field.setdefault(problem.field, problem)
    if "category" in by_field:
        return UnknownService(f"service_code {service_code} is not a service we offer: see services.xml "
                              "(or .json) for the codes.")
    if "location" in by_field:
        return by_field["location"]
    if refused.answer_problems:
        return InvalidAttributes([attribute_error(service_code, p) for p in refused.answer_problems])
    return refused.problems[0]


def _requests_select(visible):
    """Request rows (the standard's fields) among reports matching ``visible``."""
    # First photo and latest public note per row: correlated subqueries, evaluated for the page's rows only.
    photo = (select(Photo.key).where(Photo.report_id == Report.id, Photo.kind == "before")
             .order_by(Photo.id).limit(1).correlate(Report).scalar_subquery())
    note = (select(ReportEvent.note)
            .where(ReportEvent.report_id == Report.id, ReportEvent.internal.is_(False), ReportEvent.note != "",
                   ReportEvent.from_status.is_not(None))
            .order_by(ReportEvent.at.desc(), ReportEvent.id.desc()).limit(1).correlate(Report).scalar_subquery())
    # The client's media_url and the ward's name: outer joins on primary keys, one row each at most.
    return (select(Report.reference, Report.status, Report.description, Report.created_at, Report.updated_at,
                   func.ST_X(Report.geom), func.ST_Y(Report.geom), Category.code, Category.name,
                   Category.target_hours, Report.client_token, photo, note, ReportContact.media_url, Ward.name)
            .join(Category, Category.id == Report.category_id)
            .outerjoin(ReportContact, ReportContact.report_id == Report.id)
            .outerjoin(Ward, Ward.id == Report.ward_id)
            .where(visible))


@functools.cache
def _public_requests():
    """The public select, built once: building it costs more than running it for one request by id."""
    return _requests_select(visibility.visible_to(None))


@dataclass(frozen=True)
class Page:
    """One page of a list, and whether another follows it (the client is told so, not left to guess from a
    full page: Link rel="next")."""
    rows: list
    more: bool


def _page(session: Session, query, page: int, page_size: int, convert) -> Page:
    """Rows ``page`` of ``query`` (ordered), ``page_size`` at a time: one row more is read to learn whether a
    further page exists."""
    rows = session.execute(query.offset((page - 1) * page_size).limit(page_size + 1)).all()
    return Page([convert(r) for r in rows[:page_size]], more=len(rows) > page_size)


def find_requests(session: Session, f, viewer=None) -> Page:
    """Requests matching ``f`` (schemas.RequestFilters) that ``viewer`` may see, newest first, one page. Ids,
    when given, override every other filter (the standard's rule) and are all on one page."""
    query = _public_requests() if viewer is None else _requests_select(visibility.visible_to(viewer))
    if f.ids:
        query = query.where(Report.reference.in_(f.ids)).order_by(Report.created_at.desc(), Report.id.desc())
        return Page([_request_row(r) for r in session.execute(query)], more=False)
    if f.service_codes:   # ids first, so the (category_id, created_at) index can serve the newest-first order
        ids = session.scalars(select(Category.id).where(Category.code.in_(f.service_codes))).all()
        query = query.where(Report.category_id.in_(ids))
    if f.status == "open":
        query = query.where(Report.status.in_(OPEN))
    elif f.status == "closed":
        query = query.where(Report.status.in_(CLOSED))
    if f.start is not None:
        query = query.where(Report.created_at >= f.start)
    if f.end is not None:
        query = query.where(Report.created_at <= f.end)
    if f.bbox is not None:
        query = query.where(func.ST_Intersects(Report.geom, func.ST_MakeEnvelope(*f.bbox, 4326)))
    return _page(session, query.order_by(Report.created_at.desc(), Report.id.desc()), f.page, f.page_size,
                 _request_row)


@functools.cache
def _public_request_by_reference():
    return _public_requests().where(Report.reference == bindparam("reference"))


def find_request(session: Session, reference: str) -> RequestRow:
    """One public request by its reference (requests/{id}): one fixed statement, compiled once."""
    row = session.execute(_public_request_by_reference(), {"reference": reference.upper()[:12]}).first()
    if row is None:
        raise UnknownRequest(f"No service request {reference[:12]}.")
    return _request_row(row)


def _request_row(r) -> RequestRow:
    return RequestRow(reference=r[0], status=r[1], description=r[2], created_at=r[3], updated_at=r[4], lon=r[5],
                      lat=r[6], service_code=r[7], service_name=r[8], target_hours=r[9],
                      token=r[10] if (r[10] or "").startswith("o311-") else None, photo_key=r[11],
                      status_notes=r[12], client_media_url=r[13] or "", ward_name=r[14])


def request_for_token(session: Session, token: str, viewer=None) -> Report:
    report = session.scalars(visibility.visible_reports(viewer).where(Report.client_token == token[:64],
                                                                      Report.channel == "open311")).first()
    if report is None:
        raise UnknownRequest(f"No service request has the token {token[:64]}.")
    return report


@unit_of_work
def post_update(session: Session, key: ApiKey, update) -> ReportEvent:
    """A council system's update (``update``: schemas.NewUpdate): moves the status through record_status,
    so it shows on the report's public timeline. OPEN reopens a closed request, else adds a note.

    The client's ``update_id``, when given, makes it once: the same update sent again (a retry after a lost
    answer) is the first one, not a second entry on the timeline and a second email to every follower."""
    if not key.may_update:
        raise NotAllowed("This API key may not post status updates; ask for an update key.")
    report = session.scalars(visibility.visible_reports(None)
                             .where(Report.reference == update.service_request_id)).first()
    if report is None:
        raise UnknownRequest(f"No service request {update.service_request_id}.")
    token = f"o311u-{_keyed(session, 'open311-update', key, update.update_id)}" if update.update_id else None
    if token is not None:
        first = _update_sent(session, token)
        if first is not None:
            if first.report_id != report.id:
                raise DomainError(f"update_id {update.update_id[:64]} was sent already, for another service "
                                  "request: send each update with an id of its own.", field="update_id")
            return first
    try:
        event = record_update(session, report, update)
        event.client_token = token
        session.commit()
    except IntegrityError:
        # The same update, sent twice at once: the other one was made first.
        session.rollback()
        first = _update_sent(session, token) if token else None
        if first is None:
            raise
        return first
    return event


def _update_sent(session: Session, token: str) -> ReportEvent | None:
    return session.scalars(select(ReportEvent).where(ReportEvent.client_token == token)).first()


def record_update(session: Session, report: Report, update) -> ReportEvent:
    """The update's timeline entry, with its emails, uncommitted."""
    target = update.status
    if target is None and report.status in CLOSED:
        target = Status.REOPENED
    # The client's description or none: the key's name is the client's own label, not for the public timeline.
    note = update.description
    if target is not None and target is not report.status:
        return record_status(session, report, target, None, note)
    if not note:
        raise DomainError("An update that does not change the status needs a description.", field="description")
    # A note without a change of status: the request was modified (updated_datetime), and its followers are
    # told, as they are of a note from staff.
    report.updated_at = utcnow()
    event = ReportEvent(report=report, actor=None, from_status=report.status, to_status=report.status, note=note)
    session.add(event)
    session.flush()
    notifications.status_changed(session, report, event)
    return event


def updates_between(session: Session, start: datetime, end: datetime, page: int, page_size: int,
                    viewer=None) -> Page:
    """Public timeline entries in [start, end], oldest first (a page stays put as new ones arrive at the end),
    each as (event, its request's reference); one page."""
    return _page(session, select(ReportEvent, Report.reference).join(Report, Report.id == ReportEvent.report_id)
                 .where(visibility.visible_to(viewer), ReportEvent.internal.is_(False),
                        ReportEvent.to_status.is_not(None), and_(ReportEvent.at >= start, ReportEvent.at <= end))
                 .order_by(ReportEvent.at, ReportEvent.id), page, page_size, tuple)
