"""Spatial queries as composable select()s. Units: degrees for WGS84 points (SRID 4326), metres for distances."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Postcode, Ward

from .coords import LonLat
from .figure_cache import cached

POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
POSTCODE_IN_TEXT_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?)\s{0,3}([0-9][A-Z]{2})(?![A-Z0-9])")


def point_expr(point: LonLat):
    return func.ST_SetSRID(func.ST_MakePoint(point.lon, point.lat), 4326)


def ward_for_point(session: Session, point: LonLat) -> Ward | None:
    """The ward covering a WGS84 point (the same rule as the database trigger), or None outside the area."""
    return session.scalars(
        select(Ward).where(func.ST_Covers(Ward.geom, point_expr(point))).order_by(Ward.id).limit(1)
    ).first()


def normalise_postcode(text: str) -> str | None:
    """'se6 4ru ' -> 'SE64RU'; None if it cannot be a UK postcode."""
    compact = re.sub(r"\s+", "", (text or "")).upper()
    return compact if POSTCODE_RE.match(compact) else None


def postcode_in_text(text: str) -> str | None:
    """The last thing shaped like a UK postcode in free text, normalised ('12 Rushey Green, se6 4ru' -> 'SE64RU'):
    addresses end with their postcode. None if there is none."""
    found = POSTCODE_IN_TEXT_RE.findall((text or "").upper())
    return f"{found[-1][0]}{found[-1][1]}" if found else None


def format_postcode(compact: str) -> str:
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_location(session: Session, text: str) -> LonLat | None:
    """Centroid (WGS84) of a postcode, or None if unknown or malformed."""
    compact = normalise_postcode(text)
    if compact is None:
        return None
    row = session.execute(
        select(func.ST_X(Postcode.geom), func.ST_Y(Postcode.geom)).where(Postcode.postcode == compact)
    ).first()
    return LonLat(lon=row[0], lat=row[1]) if row else None


#: Used only when no wards are loaded: Lewisham town hall, Catford (WGS84 degrees).
class UnknownPlace(ValueError):
    """A place that cannot be found; the message says what to do instead."""


@dataclass(frozen=True)
class Place:
    point: LonLat
    #: How to show what was found, e.g. "SE6 4RU".
    label: str


def locate_postcode(session: Session, text: str) -> Place:
    """The middle of a postcode in the area, or UnknownPlace saying what is wrong with it."""
    compact = normalise_postcode(text or "")
    if compact is None:
        raise UnknownPlace("Enter a full postcode in the area, like SE6 4RU.")
    point = postcode_location(session, compact)
    if point is None:
        raise UnknownPlace("We do not know that postcode. Check it, or choose the point on the map or by "
                           "coordinates.")
    return Place(point=point, label=format_postcode(compact))


DEFAULT_CENTRE = LonLat(lon=-0.0209, lat=51.4452)


def service_area_centre(session: Session) -> LonLat:
    """The middle of the wards' extent (WGS84 degrees), where maps open."""
    bounds = service_area_bounds(session)
    if bounds is None:
        return DEFAULT_CENTRE
    return LonLat(lon=(bounds[0] + bounds[2]) / 2, lat=(bounds[1] + bounds[3]) / 2)


def service_area_bounds(session: Session) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of all wards in degrees, or None when no wards are loaded. Every
    map and the report form ask for it; reading every ward's polygon for it took ~4 ms, so it is kept by the
    session's figure cache, if it has one (gis.figure_cache: wards change only by an import)."""
    def work():
        extent = func.ST_Extent(Ward.geom)
        row = session.execute(select(func.ST_XMin(extent), func.ST_YMin(extent),
                                     func.ST_XMax(extent), func.ST_YMax(extent))).first()
        return None if row is None or row[0] is None else (row[0], row[1], row[2], row[3])
    return cached(session, ("service_area_bounds",), work)
