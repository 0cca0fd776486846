"""Boundaries of other bodies (a highways authority's red routes, a housing association's estates): read from
GeoJSON as people export it, and the body that takes a category at a point.

Validity policy (see services/bodies.py): what is read here may be an invalid polygon (a self-intersecting
ring, a bow-tie); it is checked by PostGIS (``ST_IsValid``, the same rule as the table's CHECK) and refused with
PostGIS's reason, unless the admin asks for ``ST_MakeValid``, whose polygonal part is kept. Nothing is repaired
silently: a repair can change which side of a line is "inside".
"""
from __future__ import annotations

import json

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely import transform as shapely_transform
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import Float, bindparam, func, select

from models import Body, BodyService

from .coords import LonLat

#: Enough for a borough's red routes drawn road by road; more is a file that needs simplifying first.
MAX_VERTICES = 200_000
POLYGONAL = ("Polygon", "MultiPolygon")


class InvalidBoundary(ValueError):
    """The text is not a boundary we can use; the message says why, in the terms of the file."""


def _geometries(doc) -> list[dict]:
    """The geometry objects of a GeoJSON document (a FeatureCollection, a Feature or a bare geometry)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        raise InvalidBoundary("That is not GeoJSON: expected an object with a \"type\".")
    kind = doc["type"]
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            raise InvalidBoundary("The FeatureCollection has no features.")
        found = []
        for n, feature in enumerate(features, 1):
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            if not isinstance(geometry, dict):
                raise InvalidBoundary(f"Feature {n} has no geometry.")
            found.append(geometry)
        return found
    if kind == "Feature":
        if not isinstance(doc.get("geometry"), dict):
            raise InvalidBoundary("The Feature has no geometry.")
        return [doc["geometry"]]
    return [doc]


def _source_crs(doc: dict) -> Transformer | None:
    """The transformer from the document's declared CRS (old-style ``crs`` member) to WGS84, or None."""
    name = ((doc.get("crs") or {}).get("properties") or {}).get("name") if isinstance(doc.get("crs"), dict) else None
    if not name:
        return None
    try:
        source = CRS.from_user_input(name)
    except (CRSError, TypeError):
        raise InvalidBoundary(f"The file declares a coordinate system we do not know: {str(name)[:60]}.") from None
    if source.to_epsg() == 4326 or "CRS84" in source.srs:
        return None
    return Transformer.from_crs(source, 4326, always_xy=True)


def read_boundary(text: str) -> MultiPolygon:
    """The polygons of a GeoJSON text as one WGS84 MultiPolygon (longitude, latitude degrees), transformed from
    a declared CRS (e.g. EPSG:27700). Not checked for validity here: PostGIS does that (see module docstring).
    Raises InvalidBoundary for anything that is not polygons, or not in degrees when no CRS is declared."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidBoundary(f"That is not GeoJSON: {getattr(exc, 'msg', 'too deeply nested')}"
                              f"{f' (line {exc.lineno})' if getattr(exc, 'lineno', None) else ''}.") from None
    geometries = _geometries(doc)
    to_wgs84 = _source_crs(doc) if isinstance(doc, dict) else None
    polygons: list[Polygon] = []
    for n, geometry in enumerate(geometries, 1):
        kind = geometry.get("type")
        if kind not in POLYGONAL:
            raise InvalidBoundary(f"Shape {n} is a {str(kind)[:30]}: a boundary is made of polygons only (draw "
                                  "roads as areas, e.g. buffered lines).")
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, GEOSException):
            raise InvalidBoundary(f"Shape {n} is not a polygon we can read: each ring must be a list of at least "
                                  "four [longitude, latitude] positions.") from None
        if geom.is_empty:
            raise InvalidBoundary(f"Shape {n} is empty.")
        polygons += list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    boundary = MultiPolygon(polygons)
    vertices = sum(len(p.exterior.coords) + sum(len(r.coords) for r in p.interiors) for p in polygons)
    if vertices > MAX_VERTICES:
        raise InvalidBoundary(f"The boundary has {vertices:,} points; simplify it to under {MAX_VERTICES:,} first.")
    if to_wgs84 is not None:
        boundary = shapely_transform(boundary, lambda xy: _project(to_wgs84, xy))
    min_x, min_y, max_x, max_y = boundary.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise InvalidBoundary("The coordinates are not longitude and latitude. Export the file in WGS84 "
                              "(EPSG:4326), or declare its coordinate system (e.g. EPSG:27700) in it.")
    return boundary


def _project(transformer: Transformer, xy):
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    xy = xy.copy()
    xy[:, 0], xy[:, 1] = x, y
    return xy


#: The active body that takes a category at a point (WGS84 degrees), the smallest boundary first when several
#: overlap (the most specific body): a scalar subquery, so that a new report's INSERT chooses its body itself
#: (routing.BODY_AT_POINT; one statement fewer for every report). ST_Covers: a point on the edge is inside.
#: Served by the GiST index on bodies.boundary. Its parameters: ``body_at(category_id, point)``.
BODY_AT = (select(Body.id)
           .join(BodyService, BodyService.body_id == Body.id)
           .where(BodyService.category_id == bindparam("route_category"), Body.active.is_(True),
                  func.ST_Covers(Body.boundary, func.ST_SetSRID(func.ST_MakePoint(
                      bindparam("route_lon", type_=Float), bindparam("route_lat", type_=Float)), 4326)))
           .order_by(func.ST_Area(Body.boundary), Body.id).limit(1).scalar_subquery())


def body_at(category_id: int, point: LonLat) -> dict:
    """The parameters of BODY_AT for ``category_id`` at ``point``."""
    return {"route_category": category_id, "route_lon": point.lon, "route_lat": point.lat}


#: The service_code a body gave a category (read only for a report a body takes).
SERVICE_CODE = (select(BodyService.service_code)
                .where(BodyService.body_id == bindparam("body_id"), BodyService.category_id == bindparam("category_id")))
