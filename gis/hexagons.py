"""Report density on a hexagon grid built in British National Grid (EPSG:27700, sizes in metres). Points are
projected to EPSG:27700 by PostGIS (stored as reports.geom_bng by the ward trigger) and each one's cell is
computed arithmetically, giving the same cells as ST_HexagonGrid / ST_Hexagon (flat-topped, odd columns raised
half a cell); only the cells that hold reports are then built and transformed to WGS84. No Flask here."""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer

from models import ALL_CATEGORIES, Report

from .performance import Period

DEFAULT_SIZE_M = 250
SQRT3 = math.sqrt(3)


def hex_cell(x: float, y: float, size: float) -> tuple[int, int]:
    """(i, j) of the ST_Hexagon(size, i, j) cell holding the EPSG:27700 point (x, y); size in metres."""
    q = (2 / 3 * x) / size
    r = (-1 / 3 * x + SQRT3 / 3 * y) / size
    s = -q - r
    rq, rr, rs = round(q), round(r), round(s)
    dq, dr, ds = abs(rq - q), abs(rr - r), abs(rs - s)
    if dq > dr and dq > ds:
        rq = -rr - rs
    elif dr > ds:
        rr = -rq - rs
    return rq, rr + (rq - (rq & 1)) // 2


_SHAPES = text("""
SELECT c.i, c.j, ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_Hexagon(:size, c.i, c.j), 27700), 4326), 6),
       (SELECT w.name FROM wards w
        WHERE ST_Covers(w.geom, ST_Transform(ST_Centroid(ST_SetSRID(ST_Hexagon(:size, c.i, c.j), 27700)), 4326)) ORDER BY w.id LIMIT 1)
FROM unnest(:is, :js) AS c(i, j)
""").bindparams(bindparam("is", type_=ARRAY(Integer)), bindparam("js", type_=ARRAY(Integer)))


@dataclass
class Cell:
    i: int
    j: int
    count: int
    geometry: dict
    #: Ward covering the cell's centre (None when the centre is outside every ward).
    ward: str | None


def hexagon_counts(session: Session, conds: list, size_m: float = DEFAULT_SIZE_M) -> list[Cell]:
    """Reports matching ``conds`` counted per ``size_m``-metre hexagon of the EPSG:27700 grid; geometries are
    WGS84 GeoJSON; busiest first."""
    rows = session.execute(select(func.ST_X(Report.geom_bng), func.ST_Y(Report.geom_bng)).where(and_(*conds)))
    return _cells(session, Counter(hex_cell(x, y, size_m) for x, y in rows), size_m)


_SUMMARY = text("""
SELECT i, j, sum(n)::int FROM hex_daily
WHERE category_id = :cat AND day BETWEEN :start AND :end AND (CAST(:ward AS integer) IS NULL OR ward_id = :ward)
GROUP BY i, j HAVING sum(n) > 0
""")


def hexagon_counts_summary(session: Session, period: Period, category_id: int = ALL_CATEGORIES,
                           ward_id: int | None = None) -> list[Cell]:
    """Public reports per 250 m hexagon (EPSG:27700 grid) from the trigger-maintained summary (every status);
    the same figures as ``hexagon_counts`` with the matching conditions, without touching the reports."""
    rows = session.execute(_SUMMARY, {"cat": category_id, "start": period.start, "end": period.end,
                                      "ward": ward_id})
    return _cells(session, Counter({(i, j): n for i, j, n in rows}), DEFAULT_SIZE_M)


def _cells(session: Session, counts: Counter, size_m: float) -> list[Cell]:
    if not counts:
        return []
    keys = list(counts)
    shapes = session.execute(_SHAPES, {"size": size_m, "is": [k[0] for k in keys], "js": [k[1] for k in keys]})
    cells = [Cell(i, j, counts[(i, j)], json.loads(shape), ward) for i, j, shape, ward in shapes]
    return sorted(cells, key=lambda c: (-c.count, c.i, c.j))
