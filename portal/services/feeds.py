"""Atom feeds of public reports: everything, a ward, a category, an area around a point, or one report's
timeline. Only what the public may see (``visibility``), and only public fields: never a name or an address."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.coords import InvalidCoordinates, LonLat, parse_lat_lon
from gis.nearby import within_metres
from gis.queries import ward_for_point
from gis.streets import find_places, unknown_place
from models import Category, Report, ReportEvent, Ward

from . import visibility
from .errors import DomainError
from .text import ascii_int

ENTRIES = 50
RADIUS_MIN, RADIUS_MAX, RADIUS_DEFAULT = 100, 5000, 500


@dataclass
class FeedQuery:
    title: str
    conditions: list
    #: The query string to give back in the feed's own links, e.g. {"ward": "E05013726"}.
    args: dict


def parse_query(session: Session, args) -> FeedQuery:
    """Read a feed's parameters (ward, category, lat/lon or place with radius); DomainError says what is wrong."""
    known = {"ward", "category", "lat", "lon", "place", "radius"}
    unknown = sorted(set(args) - known)
    if unknown:
        raise DomainError(f"Unknown parameter: {unknown[0][:40]}. Use ward, category, lat, lon, place or radius.")
    conds, parts, kept = [], [], {}
    if args.get("ward"):
        ward = session.scalars(select(Ward).where(Ward.code == args["ward"].strip()[:20])).first()
        if ward is None:
            raise DomainError("Unknown ward: give a ward code such as E05013726 (see the ward pages).")
        conds.append(Report.ward_id == ward.id)
        parts.append(f"in {ward.name}")
        kept["ward"] = ward.code
    if args.get("category"):
        category = session.scalars(select(Category).where(Category.code == args["category"].strip()[:40])).first()
        if category is None:
            raise DomainError("Unknown category: give a category code such as fly_tipping.")
        conds.append(Report.category_id == category.id)
        parts.insert(0, category.name)
        kept["category"] = category.code
    point, label = _point(session, args)
    if point is not None:
        radius = RADIUS_DEFAULT if not args.get("radius") else ascii_int(args["radius"], RADIUS_MIN, RADIUS_MAX)
        if radius is None:
            raise DomainError(f"The radius is in metres, from {RADIUS_MIN} to {RADIUS_MAX}.")
        if ward_for_point(session, point) is None:
            raise DomainError("That point is outside the council's area.")
        conds.append(within_metres(point, radius))
        parts.append(f"within {radius} m of {label}")
        kept.update({"lat": f"{point.lat:.6f}", "lon": f"{point.lon:.6f}", "radius": str(radius)})
    elif args.get("radius"):
        raise DomainError("A radius needs a point: give lat and lon, or place.")
    title = "Reports " + " ".join(parts) if parts else "Every report"
    if parts and parts[0] and not parts[0].startswith(("in ", "within ")):
        title = f"{parts[0]} reports " + " ".join(parts[1:])
    return FeedQuery(title=title.strip(), conditions=conds, args=kept)


def _point(session: Session, args) -> tuple[LonLat | None, str]:
    if args.get("lat") or args.get("lon"):
        try:
            point = parse_lat_lon(args.get("lat"), args.get("lon"))
        except InvalidCoordinates as exc:
            raise DomainError(str(exc)) from None
        return point, f"{point.lat:.5f}, {point.lon:.5f}"
    if args.get("place"):
        found = find_places(session, args["place"], limit=1)
        if not found:
            raise DomainError(unknown_place(args["place"]))
        return found[0].point, found[0].label
    return None, ""


def reports(session: Session, query: FeedQuery, limit: int = ENTRIES) -> list[Report]:
    """The newest public reports that match, newest first."""
    return list(session.scalars(visibility.visible_reports(None).where(*query.conditions)
                                .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)))


def report_events(report: Report) -> list[ReportEvent]:
    """A report's public timeline, newest first."""
    return sorted(visibility.timeline(report, None), key=lambda e: (e.at, e.id), reverse=True)


def updated(times: list[datetime], fallback: datetime) -> datetime:
    return max(times) if times else fallback
