"""A static map of a ward for print: its outline and report points drawn in British National Grid
(EPSG:27700, metres, so distances look right) and scaled into an SVG view box. No tiles, no script: it prints
as it is. Returns plain geometry (path data, circle centres, a scale bar) for a template to draw. No Flask."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.orm import Session

from .coords import LonLat, to_bng, to_bng_many

_OUTLINE = text("SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(ST_Transform(geom, 27700), :tol), 1) "
                "FROM wards WHERE id = :ward")
SCALE_STEPS = (100, 200, 250, 500, 1000, 2000, 5000)


@dataclass
class StaticMap:
    width: int
    height: int
    #: SVG path data of the outline (one string per polygon ring set).
    paths: list[str] = field(default_factory=list)
    #: (x, y) of each point, in view box units.
    points: list[tuple[float, float]] = field(default_factory=list)
    #: Scale bar: its length in view box units and what it stands for in metres.
    scale_px: float = 0
    scale_m: int = 0

    def dots_svg(self) -> Markup:
        """The points as SVG circles, in one string (a ward page draws up to 1,000: a template loop escaping
        each number took several milliseconds). Only numbers go in, so there is nothing to escape."""
        return Markup("".join(f'<circle cx="{float(x)}" cy="{float(y)}" r="2.5" class="report-dot"></circle>'
                              for x, y in self.points))


def ward_static_map(session: Session, ward_id: int, points: list[LonLat], width: int = 600,
                    margin: int = 12, tolerance_m: float = 5) -> StaticMap | None:
    """The ward's outline (simplified to ``tolerance_m`` metres) and ``points`` (WGS84) scaled into a
    ``width``-wide view box, north up; None for an unknown ward."""
    raw = session.execute(_OUTLINE, {"ward": ward_id, "tol": tolerance_m}).scalar()
    if raw is None:
        return None
    geometry = json.loads(raw)
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs = [x for poly in polygons for ring in poly for x, _ in ring]
    ys = [y for poly in polygons for ring in poly for _, y in ring]
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    scale = (width - 2 * margin) / max(east - west, 1.0)
    height = round((north - south) * scale + 2 * margin + 24)     # room for the scale bar below

    def xy(e: float, n: float) -> tuple[float, float]:
        return round(margin + (e - west) * scale, 1), round(margin + (north - n) * scale, 1)

    paths = []
    for poly in polygons:
        parts = []
        for ring in poly:
            coords = [xy(e, n) for e, n in ring]
            parts.append("M" + " L".join(f"{x} {y}" for x, y in coords) + " Z")
        paths.append(" ".join(parts))
    dots = []
    for e, n in to_bng_many(points):
        if west <= e <= east and south <= n <= north:
            dots.append(xy(e, n))
    span = (east - west) / 4
    metres = max([s for s in SCALE_STEPS if s <= span] or [SCALE_STEPS[0]])
    return StaticMap(width=width, height=height, paths=paths, points=dots, scale_px=round(metres * scale, 1),
                     scale_m=metres)


_NEAR_STREETS = text("""
    WITH box AS (SELECT ST_Transform(ST_MakeEnvelope(:w, :s, :e, :n, 27700), 4326) AS g)
    SELECT name, ST_X(p), ST_Y(p) FROM (
        SELECT DISTINCT ON (s.name) s.name, s.geom AS p,
               ST_Distance(ST_Transform(s.geom, 27700), ST_SetSRID(ST_MakePoint(:x, :y), 27700)) AS d
        FROM streets s, box WHERE s.geom && box.g
        ORDER BY s.name, d) near
    ORDER BY d LIMIT :limit""")
_WARD_EDGES = text("""
    WITH box AS (SELECT ST_MakeEnvelope(:w, :s, :e, :n, 27700) AS g)
    SELECT ST_AsGeoJSON(ST_Intersection(ST_Boundary(ST_Transform(w.geom, 27700)), box.g), 1)
    FROM wards w, box WHERE w.geom && ST_Transform(box.g, 4326)""")


@dataclass
class JobMap:
    """A small map of one job: the job at the centre, the names of the nearest streets where they are, and
    ward boundaries crossing the view; in view box units, north up."""
    width: int
    height: int
    centre: tuple[float, float]
    #: (x, y, name) of the nearest streets (a point on each).
    streets: list[tuple[float, float, str]] = field(default_factory=list)
    #: SVG path data of the ward boundaries inside the view.
    edges: list[str] = field(default_factory=list)
    scale_px: float = 0
    scale_m: int = 0


def job_static_map(session: Session, point: LonLat, width: int = 360, height: int = 240,
                   metres_across: float = 400, streets: int = 6) -> JobMap:
    """A ``width`` × ``height`` view ``metres_across`` metres wide (British National Grid, EPSG:27700) centred
    on ``point`` (WGS84 degrees), with the ``streets`` nearest street names and the ward boundaries in view."""
    x0, y0 = to_bng(point)
    scale = width / metres_across
    half_w, half_h = width / 2 / scale, height / 2 / scale
    box = {"w": x0 - half_w, "s": y0 - half_h, "e": x0 + half_w, "n": y0 + half_h}

    def xy(e: float, n: float) -> tuple[float, float]:
        return round((e - box["w"]) * scale, 1), round((box["n"] - n) * scale, 1)

    names = []
    for name, lon, lat in session.execute(_NEAR_STREETS, {**box, "x": x0, "y": y0, "limit": streets}):
        names.append((*xy(*to_bng(LonLat(lon=lon, lat=lat))), name))
    edges = []
    for (raw,) in session.execute(_WARD_EDGES, box):
        geometry = json.loads(raw) if raw else {"type": "GeometryCollection"}
        lines = {"LineString": [geometry.get("coordinates")],
                 "MultiLineString": geometry.get("coordinates")}.get(geometry["type"], [])
        for line in lines:
            if line and len(line) > 1:
                edges.append("M" + " L".join("%s %s" % xy(e, n) for e, n in line))
    metres = max([s for s in SCALE_STEPS if s <= metres_across / 3] or [SCALE_STEPS[0]])
    return JobMap(width=width, height=height, centre=xy(x0, y0), streets=names, edges=edges,
                  scale_px=round(metres * scale, 1), scale_m=metres)
