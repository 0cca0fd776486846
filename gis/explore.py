"""Report queries for maps, lists and exports: points in a bounding box, grid-cell clusters when there are too
many to draw, and the rows of a public export. Coordinates are WGS84 (EPSG:4326) degrees. The caller passes
the visibility condition (portal.services.visibility), so these never decide who sees what. No Flask here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import JSON, Select, Text, and_, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from models import Category, Report, Status, Ward

from .coords import ascii_float
from .performance import Period

#: Largest box the map endpoint accepts, in degrees (about 55 × 35 km at London's latitude).
MAX_BBOX_DEG = (0.8, 0.5)


class BoxError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BBox:
    """west, south, east, north in degrees (EPSG:4326)."""
    west: float
    south: float
    east: float
    north: float

    @property
    def envelope(self):
        return func.ST_MakeEnvelope(self.west, self.south, self.east, self.north, 4326)


def parse_bbox(raw: str | None) -> BBox:
    """"west,south,east,north" in degrees; raises BoxError for malformed, inverted or too large boxes."""
    parts = (raw or "").split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        west, south, east, north = (ascii_float(p) for p in parts)
    except ValueError:
        raise BoxError("bbox must be four numbers: west,south,east,north (degrees).") from None
    if not all(abs(v) < float("inf") for v in (west, south, east, north)) \
            or not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise BoxError("bbox is outside the world: longitudes -180..180, latitudes -90..90.")
    if west >= east or south >= north:
        raise BoxError("bbox is inverted or empty: west must be less than east, south less than north.")
    if east - west > MAX_BBOX_DEG[0] or north - south > MAX_BBOX_DEG[1]:
        raise BoxError(f"bbox is too large: at most {MAX_BBOX_DEG[0]}° wide and {MAX_BBOX_DEG[1]}° tall.")
    return BBox(west, south, east, north)


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) as UTC datetimes covering the period's days."""
    start = datetime.combine(period.start, time(), tzinfo=timezone.utc)
    return start, datetime.combine(period.end + timedelta(days=1), time(), tzinfo=timezone.utc)


def report_conditions(visible: ColumnElement[bool], period: Period, category_id: int | None = None,
                      statuses: frozenset[Status] | None = None, ward_id: int | None = None,
                      bbox: BBox | None = None) -> list[ColumnElement[bool]]:
    start, end = period_bounds(period)
    conds = [visible, Report.created_at >= start, Report.created_at < end]
    if category_id:
        conds.append(Report.category_id == category_id)
    if statuses is not None:
        conds.append(Report.status.in_(statuses))
    if ward_id is not None:
        conds.append(Report.ward_id == ward_id)
    if bbox is not None:
        conds.append(Report.geom.intersects(bbox.envelope))
    return conds


def count_reports(session: Session, conds: list, cap: int | None = None) -> int:
    """How many reports match (counting stops at ``cap`` when given)."""
    matching = select(Report.id).where(and_(*conds))
    if cap is not None:
        matching = matching.limit(cap)
    return session.scalar(select(func.count()).select_from(matching.subquery()))


def points(session: Session, conds: list, limit: int, offset: int = 0, ordered: bool = True) -> list[dict]:
    """Reports (newest first when ``ordered``): reference, category name, status, created_at, lon, lat."""
    query = (select(Report.reference, Category.name, Report.status, Report.created_at,
                    func.ST_X(Report.geom), func.ST_Y(Report.geom))
             .join(Category, Category.id == Report.category_id).where(and_(*conds)).limit(limit).offset(offset))
    if ordered:
        query = query.order_by(Report.created_at.desc(), Report.id.desc())
    rows = session.execute(query)
    return [{"reference": r, "category": c, "status": s, "created_at": t, "lon": x, "lat": y}
            for r, c, s, t, x, y in rows]


def points_geojson_select(conds: list, limit: int) -> Select:
    """One row: (how many matched, up to ``limit``; a JSON array of GeoJSON point features built by the
    database) — so the map feed does no per-point work in Python."""
    matched = (select(Report.reference, Category.name.label("category"), Report.status, Report.created_at,
                      Report.geom)
               .join(Category, Category.id == Report.category_id).where(and_(*conds)).limit(limit).subquery())
    feature = func.json_build_object(
        "type", "Feature", "geometry", func.ST_AsGeoJSON(matched.c.geom, 6).cast(JSON),
        "properties", func.json_build_object("reference", matched.c.reference, "category", matched.c.category,
                                             "status", matched.c.status, "created_at", matched.c.created_at))
    return select(func.count(), func.coalesce(func.json_agg(feature), text("'[]'::json")).cast(Text))


def points_geojson(session: Session, conds: list, limit: int) -> tuple[int, str]:
    count, features = session.execute(points_geojson_select(conds, limit)).one()
    return count, features


def clusters(session: Session, conds: list, bbox: BBox, cells: int = 40) -> list[dict]:
    """Counts per cell of a ``cells`` × ``cells`` grid over the box, at the cells' mean point (degrees)."""
    cx = func.least(cells - 1, func.floor((func.ST_X(Report.geom) - bbox.west) * cells / (bbox.east - bbox.west)))
    cy = func.least(cells - 1, func.floor((func.ST_Y(Report.geom) - bbox.south) * cells / (bbox.north - bbox.south)))
    rows = session.execute(select(func.count(), func.avg(func.ST_X(Report.geom)), func.avg(func.ST_Y(Report.geom)))
                           .where(and_(*conds)).group_by(cx, cy))
    return [{"count": n, "lon": float(x), "lat": float(y)} for n, x, y in rows]


#: Public export columns, in PUBLIC_FIELDS order (portal.services.visibility).
def export_select(conds: list) -> Select:
    return (select(Report.reference, Category.code.label("category"), Report.status, Ward.name.label("ward"),
                   func.ST_Y(Report.geom).label("latitude"), func.ST_X(Report.geom).label("longitude"),
                   Report.created_at, Report.updated_at, Report.fixed_at, Report.description)
            .join(Category, Category.id == Report.category_id).outerjoin(Ward, Ward.id == Report.ward_id)
            .where(and_(*conds)).order_by(Report.id))
