"""Street names: import (CSV of named points) and look-up by text. Points are WGS84 (EPSG:4326, degrees).

A street has several rows (one per OpenStreetMap way centre); a look-up answers one point per street name:
the way centre nearest the middle of them all, so the point is on the street even when the street bends.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from .coords import LonLat
from .importers import ImportFailed, ImportSummary, Progress, clean
from .queries import format_postcode, normalise_postcode, postcode_location

#: OpenStreetMap ways that are not streets anyone gives as an address.
NOT_STREETS = frozenset({"footway", "cycleway", "path", "steps", "service", "track", "bridleway", "corridor",
                         "construction", "proposed", "platform", "elevator", "bus_stop", "raceway"})
NAME_MAX = 120
#: Fewer characters than this match nothing (every street has an "a" in it).
QUERY_MIN = 3
QUERY_MAX = 100
MATCH_LIMIT = 10


@dataclass(frozen=True)
class StreetMatch:
    name: str
    #: A point on the street, WGS84 degrees.
    point: LonLat


@dataclass(frozen=True)
class Place:
    """A postcode or street found from what someone typed: ``kind`` is "postcode" or "street"."""
    kind: str
    label: str
    point: LonLat


def street_key(value: str) -> str:
    """How names are compared: lower case, single spaces, no punctuation ("St. Mary's  Rd" -> "st marys rd")."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s-]", "", (value or "").lower())).strip()


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def read_streets(path: Path) -> Iterable[tuple[str, str, bool, float, float]]:
    """Yield (name, highway, inside the area?, lon, lat) from a CSV with a name column and lat/lon or
    easting/northing (EPSG:27700); rows that are not streets (footways, service roads...) are left out."""
    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc}") from None
    with handle:
        reader = csv.DictReader(handle)
        fields = {f.strip().lower(): f for f in reader.fieldnames or []}
        if "name" not in fields:
            raise ImportFailed(f"{path} has no 'name' column")
        if not ({"lat", "lon"} <= set(fields) or {"easting", "northing"} <= set(fields)):
            raise ImportFailed(f"{path} needs lat and lon (or easting and northing) columns")
        highway_key = fields.get("osm_highway") or fields.get("highway")
        inside_key = fields.get("inside_borough") or fields.get("inside_area")
        for row in reader:
            name = clean(row.get(fields["name"]))[:NAME_MAX]
            highway = clean(row.get(highway_key))[:40].lower() if highway_key else ""
            if not name or highway in NOT_STREETS or "\x00" in name:
                continue
            try:
                if "lat" in fields and row.get(fields["lat"]):
                    lat, lon = float(row[fields["lat"]]), float(row[fields["lon"]])
                else:
                    lon, lat = to_wgs84.transform(float(row[fields["easting"]]), float(row[fields["northing"]]))
            except (KeyError, TypeError, ValueError):
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                continue
            inside = clean(row.get(inside_key)) not in ("0", "false", "no") if inside_key else True
            yield name, highway, inside, lon, lat


def import_streets(session: Session, path: Path, progress: Progress | None = None) -> ImportSummary:
    """Add the streets of a CSV file (COPY into a staging table); a row already present (same name, same
    point) is left as it is, so importing a file again, or a fuller one, adds only what is new. One commit."""
    rows = list(read_streets(path))
    buffer = io.StringIO()
    for name, highway, inside, lon, lat in rows:
        clean_name = name.replace("\t", " ").replace("\\", "")
        buffer.write(f"{clean_name}\t{street_key(clean_name)}\t{highway}\t{'t' if inside else 'f'}\t"
                     f"SRID=4326;POINT({lon!r} {lat!r})\n")
    buffer.seek(0)
    session.execute(text("DROP TABLE IF EXISTS pg_temp.street_stage"))   # a caller's outer transaction
    session.execute(text("CREATE TEMP TABLE street_stage (name text, name_key text, highway text, "
                         "inside_area boolean, geom geometry) ON COMMIT DROP"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        cur.copy_expert("COPY street_stage FROM STDIN", buffer)
    created = session.execute(text("""
        WITH new AS (
            INSERT INTO streets (name, name_key, highway, inside_area, geom)
            SELECT DISTINCT ON (s.name, ST_AsEWKB(s.geom)) s.name, s.name_key, s.highway, s.inside_area, s.geom
            FROM street_stage s
            WHERE s.name_key <> '' AND NOT EXISTS (
                SELECT 1 FROM streets t WHERE t.name = s.name AND ST_DWithin(t.geom, s.geom, 1e-7))
            RETURNING 1)
        SELECT count(*) FROM new
    """)).scalar_one()
    if progress:
        progress(len(rows))
    session.commit()
    return ImportSummary(created=created, updated=0)


def find_street(session: Session, query: str, limit: int = MATCH_LIMIT) -> list[StreetMatch]:
    """Streets whose name matches what was typed: whole name first, then names starting with it, then names
    containing it (streets inside the council's area before those in the margin). One WGS84 point each."""
    key = street_key(query)[:QUERY_MAX]
    if len(key) < QUERY_MIN:
        return []
    rows = session.execute(text("""
        WITH hits AS (
            SELECT name, name_key, bool_or(inside_area) AS inside, ST_Collect(geom) AS points
            FROM streets WHERE name_key LIKE :contains ESCAPE '\\'
            GROUP BY name, name_key)
        SELECT name, ST_X(p), ST_Y(p) FROM (
            SELECT name, name_key, inside, ST_ClosestPoint(points, ST_Centroid(points)) AS p FROM hits) h
        ORDER BY name_key <> :key, name_key NOT LIKE :prefix ESCAPE '\\', NOT inside, name_key, name
        LIMIT :limit
    """), {"key": key, "prefix": _like(key) + "%", "contains": "%" + _like(key) + "%",
           "limit": max(1, min(limit, 50))}).all()
    return [StreetMatch(name=name, point=LonLat(lon=lon, lat=lat)) for name, lon, lat in rows]


#: A house number (or range, or "No. 12", "Flat 3") before the street in a written address.
_HOUSE_NUMBER = re.compile(r"^(?:(?:no\.?|number|flat|unit)\s*)?\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?\s+", re.IGNORECASE)
#: Parts of a written address looked at (an address is a few comma-separated parts, not a page of text).
ADDRESS_PARTS_MAX = 6


def street_in_address(session: Session, address: str) -> StreetMatch | None:
    """The street a written address names ('12 Rushey Green, Catford'): the first comma-separated part that,
    without its house number, is the whole name of a street we know. Only a whole name counts: a part that
    merely contains a street's name ('Outside the library') places nothing, rather than the wrong street."""
    for part in (address or "")[:QUERY_MAX * ADDRESS_PARTS_MAX].split(",")[:ADDRESS_PARTS_MAX]:
        name = _HOUSE_NUMBER.sub("", part.strip())
        key = street_key(name)
        if len(key) < QUERY_MIN:
            continue
        found = find_street(session, name, limit=1)              # the whole name comes first when there is one
        if found and street_key(found[0].name) == key:
            return found[0]
    return None


def unknown_place(query: str) -> str:
    """What to tell someone whose postcode or street name (``query``) matched nothing: which of the two it was
    read as and, for a street, that the street list covers only part of the area, so a postcode will do."""
    compact = normalise_postcode((query or "").strip()[:QUERY_MAX])
    if compact is not None:
        return f"We do not know the postcode {format_postcode(compact)} in the area. Check it, or enter the street."
    return ("We do not know a street of that name: our list of street names covers only part of the area. "
            "Check it, or enter your postcode, like SE6 4RU.")


def find_places(session: Session, query: str, limit: int = MATCH_LIMIT) -> list[Place]:
    """A postcode (when the text is one we know) or the streets matching the text, each with a WGS84 point."""
    query = (query or "").strip()[:QUERY_MAX]
    compact = normalise_postcode(query)
    if compact is not None:
        found = postcode_location(session, compact)
        return [Place("postcode", format_postcode(compact), found)] if found else []
    return [Place("street", m.name, m.point) for m in find_street(session, query, limit)]
