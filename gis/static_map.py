"""A static map of a ward for print: its outline and report points drawn in British National Grid
(EPSG:27700, metres, so distances look right) and scaled into an SVG view box. No tiles, no script: it prints
as it is. Returns plain geometry (path data, circle centres, a scale bar) for a template to draw. No Flask."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from .coords import LonLat, to_bng

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
    for point in points:
        e, n = to_bng(point)
        if west <= e <= east and south <= n <= north:
            dots.append(xy(e, n))
    span = (east - west) / 4
    metres = max([s for s in SCALE_STEPS if s <= span] or [SCALE_STEPS[0]])
    return StaticMap(width=width, height=height, paths=paths, points=dots, scale_px=round(metres * scale, 1),
                     scale_m=metres)
