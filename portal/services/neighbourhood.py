"""A neighbourhood: where a resident is (a postcode or coordinates; a street name once street data exists)
and what is happening within walking distance: reports nearby, work under way, hotspots, and the ward's
record against the council's promises beside the borough's. Public: every list starts from
``visibility.visible_reports(None)``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from gis.coords import InvalidCoordinates, LonLat, parse_lat_lon
from gis.hotspots import Hotspot, hotspots
from gis.nearby import count_near, newest_near, reports_near
from gis.measures import WardHeadline, data_end, ward_headline
from gis.performance import Period
from gis.queries import format_postcode, normalise_postcode, postcode_location, ward_for_point
from gis.streets import QUERY_MAX, find_street
from models import IN_HAND, Ward

from .errors import DomainError
from .visibility import visible_reports

RADIUS_M = 500
LIST_MAX = 20
HOTSPOT_DAYS = 90
HEADLINE_DAYS = 365
POSTCODE_MAX = 10


class PlaceNotFound(DomainError):
    """The place asked for cannot be used; ``field`` is the form field to point at."""


@dataclass(frozen=True)
class Place:
    point: LonLat
    ward: Ward
    #: How the resident named it, for headings: "SE6 4RU" or "51.44520, -0.02050".
    label: str
    postcode: str | None = None


def locate(session: Session, council: str, postcode: str | None = None, lat: str | None = None,
           lon: str | None = None) -> Place:
    """The place a resident typed or shared: a postcode or a street name (the same box), else coordinates.
    Raises PlaceNotFound (with the field at fault) for an unknown postcode or street, malformed coordinates,
    or a place outside the council's wards."""
    postcode = (postcode or "").strip()
    if postcode and normalise_postcode(postcode) is None:
        streets = find_street(session, postcode[:QUERY_MAX], limit=1) if len(postcode) <= QUERY_MAX else []
        if streets:
            return _inside(session, council, streets[0].point, streets[0].name, "street")
        raise PlaceNotFound("Enter a full postcode, like SE6 4RU, or the name of a street. We do not know that "
                            "street: our street list covers only part of the borough, so try your postcode.",
                            field="postcode")
    if postcode:
        if len(postcode) > POSTCODE_MAX:
            raise PlaceNotFound("Enter a full postcode, like SE6 4RU.", field="postcode")
        point = postcode_location(session, postcode)
        if point is None:
            raise PlaceNotFound(f"We do not know the postcode {format_postcode(normalise_postcode(postcode))} "
                                f"in {council}. Check it, or use your location.", field="postcode")
        return _inside(session, council, point, format_postcode(normalise_postcode(postcode)), "postcode")
    if (lat or "").strip() or (lon or "").strip():
        try:
            point = parse_lat_lon(lat, lon)
        except InvalidCoordinates as exc:
            raise PlaceNotFound(str(exc), field="lat" if "latitude" in str(exc) else "lon") from None
        return _inside(session, council, point, f"{point.lat:.5f}, {point.lon:.5f}", "lat")
    raise PlaceNotFound("Enter a postcode, or use your location.", field="postcode")


def _inside(session: Session, council: str, point: LonLat, label: str, field_name: str) -> Place:
    ward = ward_for_point(session, point)
    if ward is None:
        raise PlaceNotFound(f"That place is outside {council}: we can only show places in its wards.",
                            field="postcode" if field_name == "street" else field_name)
    return Place(point=point, ward=ward, label=label,
                 postcode=label if field_name == "postcode" else None)


def ward_figures(session: Session, ward_id: int, end: date, days: int = HEADLINE_DAYS) -> WardHeadline:
    """The ward's measures and the borough's over the ``days`` days up to ``end``, as gis.measures defines
    them (within target over the reports that fell due, time to fix counting open reports, backlog at the end):
    the one place the neighbourhood page takes ward figures from."""
    return ward_headline(session, ward_id, Period(end - timedelta(days=days - 1), end))


@dataclass
class Neighbourhood:
    place: Place
    #: Rows of (Report, metres, lon, lat): newest first.
    reports: list = field(default_factory=list)
    #: Reports within the radius made in the HOTSPOT_DAYS up to ``data_until`` (from ``hotspot_since``).
    nearby_total: int = 0
    #: Reports within the radius that a crew is on now (models.IN_HAND), newest first.
    in_hand: list = field(default_factory=list)
    hotspots: list[Hotspot] = field(default_factory=list)
    figures: WardHeadline | None = None
    #: The day the data ends (gis.measures.data_end: figures and hotspots end there, so old data is never empty).
    data_until: date | None = None
    hotspot_since: date | None = None
    radius_m: int = RADIUS_M


def neighbourhood(session: Session, place: Place, today: date) -> Neighbourhood:
    """What the public may see around ``place`` (reports within RADIUS_M metres)."""
    public = visible_reports(None)
    until = data_end(session, today)      # as every page: a few new reports do not replace years of history
    window_end = datetime.combine(until + timedelta(days=1), time())
    window_start = window_end - timedelta(days=HOTSPOT_DAYS)
    # The lists are of now, whatever the figures' period: the newest reports (today's too) and work under way.
    tomorrow = datetime.combine(today + timedelta(days=1), time())
    return Neighbourhood(
        place=place,
        reports=newest_near(session, public, place.point, RADIUS_M, tomorrow, LIST_MAX),
        nearby_total=count_near(session, public, place.point, RADIUS_M, window_start, window_end),
        in_hand=reports_near(session, public, place.point, RADIUS_M, LIST_MAX, statuses=IN_HAND, until=tomorrow),
        hotspots=hotspots(session, window_start, window_end, near=place.point, near_metres=RADIUS_M, limit=10),
        figures=ward_figures(session, place.ward.id, until),
        data_until=until, hotspot_since=window_start.date())
