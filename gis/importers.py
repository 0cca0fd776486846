"""Importers for ward boundaries (GeoJSON in any declared CRS) and postcode centroids (CSV).

Both update in place on re-import and report progress through an optional callback.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pyproj import CRS, Transformer
from shapely import make_valid, transform as shapely_transform
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import text
from sqlalchemy.orm import Session

Progress = Callable[[int], None]

CODE_CANDIDATES = re.compile(r"^(wd\d\dcd|ward_?code|code|gss_?code)$", re.I)
NAME_CANDIDATES = re.compile(r"^(wd\d\dnm|ward_?name|name)$", re.I)


class ImportFailed(ValueError):
    """The file cannot be imported; the message says why."""


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    repaired: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{self.created} created", f"{self.updated} updated"]
        if self.repaired:
            parts.append(f"{self.repaired} repaired")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped ({'; '.join(self.skipped[:5])})")
        return ", ".join(parts)


def clean(value: object) -> str:
    """Trim whitespace (including stray CR/LF) and collapse inner runs of it."""
    return re.sub(r"\s+", " ", str(value if value is not None else "")).strip()


def _source_crs(collection: dict) -> CRS:
    name = (collection.get("crs") or {}).get("properties", {}).get("name")
    return CRS.from_user_input(name) if name else CRS.from_epsg(4326)


def _pick(props: dict, explicit: str | None, pattern: re.Pattern, what: str) -> str:
    if explicit:
        if explicit not in props:
            raise ImportFailed(f"property {explicit!r} not found; the file has: {', '.join(props)}")
        return explicit
    for key in props:
        if pattern.match(key):
            return key
    raise ImportFailed(f"no {what} property found (have: {', '.join(props)}); name it with --{what}-property")


def _as_multipolygon(geom) -> MultiPolygon | None:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polygons = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    parts = [p for g in polygons for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(parts) if parts else None


def read_wards(path: Path, code_property: str | None = None, name_property: str | None = None):
    """Yield (code, name, MultiPolygon in EPSG:4326, repaired?) from a GeoJSON FeatureCollection."""
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise ImportFailed(f"cannot read {path}: {exc}") from None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not features:
        raise ImportFailed(f"{path} is not a GeoJSON FeatureCollection with features")
    source = _source_crs(collection)
    to_wgs84 = None
    if not source.equals(CRS.from_epsg(4326)) and source.to_epsg() != 4326 and "CRS84" not in source.srs:
        to_wgs84 = Transformer.from_crs(source, 4326, always_xy=True)
    first = features[0].get("properties") or {}
    code_key = _pick(first, code_property, CODE_CANDIDATES, "code")
    name_key = _pick(first, name_property, NAME_CANDIDATES, "name")
    for feature in features:
        props = feature.get("properties") or {}
        code, name = clean(props.get(code_key)), clean(props.get(name_key))
        geom = shape(feature["geometry"]) if feature.get("geometry") else None
        if geom is None or geom.is_empty or not code:
            yield code or "?", name, None, False
            continue
        if to_wgs84 is not None:
            geom = shapely_transform(geom, lambda xy: _project(to_wgs84, xy))
        repaired = not geom.is_valid
        if repaired:
            geom = make_valid(geom)
        yield code, name or code, _as_multipolygon(geom), repaired


def _project(transformer: Transformer, xy):
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    xy = xy.copy()
    xy[:, 0], xy[:, 1] = x, y
    return xy


def import_wards(session: Session, path: Path, code_property: str | None = None,
                 name_property: str | None = None, progress: Progress | None = None) -> ImportSummary:
    """Create or update wards from a GeoJSON file; commits once at the end (all or nothing)."""
    summary = ImportSummary()
    for code, name, geom, repaired in read_wards(path, code_property, name_property):
        if geom is None:
            summary.skipped.append(f"{code}: no usable polygon")
            continue
        existed = session.execute(text("SELECT 1 FROM wards WHERE code = :code"), {"code": code}).first()
        session.execute(text("""
            INSERT INTO wards (code, name, geom, area_km2)
            VALUES (:code, :name, ST_Multi(ST_GeomFromText(:wkt, 4326)), 0)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom
        """), {"code": code, "name": name, "wkt": geom.wkt})
        summary.updated += bool(existed)
        summary.created += not existed
        summary.repaired += repaired
        if progress:
            progress(1)
    session.execute(text("UPDATE wards SET area_km2 = ST_Area(geom::geography) / 1e6"))
    # Reports keep the ward their point lies in, whatever the new boundaries are.
    session.execute(text("UPDATE reports SET geom = geom"))
    session.commit()
    return summary


def read_postcodes(path: Path) -> Iterable[tuple[str, float, float]]:
    """Yield (postcode without spaces, lon, lat) from a CSV with postcode and lat/lon or easting/northing."""
    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields = {f.lower(): f for f in reader.fieldnames or []}
        if "postcode" not in fields:
            raise ImportFailed(f"{path} has no 'postcode' column")
        for row in reader:
            code = re.sub(r"\s+", "", row[fields["postcode"]] or "").upper()
            try:
                if "lat" in fields and row[fields["lat"]]:
                    lat, lon = float(row[fields["lat"]]), float(row[fields["lon"]])
                else:
                    lon, lat = to_wgs84.transform(float(row[fields["easting"]]), float(row[fields["northing"]]))
            except (KeyError, ValueError):
                continue
            if code and -90 <= lat <= 90 and -180 <= lon <= 180:
                yield code, lon, lat


def import_postcodes(session: Session, path: Path, progress: Progress | None = None) -> ImportSummary:
    """Load postcode centroids with COPY into a staging table, then upsert; commits at the end."""
    rows = list(read_postcodes(path))
    buffer = io.StringIO()
    for code, lon, lat in rows:
        buffer.write(f"{code}\tSRID=4326;POINT({lon} {lat})\n")
    buffer.seek(0)
    session.execute(text("CREATE TEMP TABLE postcode_stage (postcode text, geom geometry) ON COMMIT DROP"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        cur.copy_expert("COPY postcode_stage (postcode, geom) FROM STDIN", buffer)
    before = session.execute(text("SELECT count(*) FROM postcodes")).scalar_one()
    session.execute(text("""
        INSERT INTO postcodes (postcode, geom)
        SELECT DISTINCT ON (postcode) postcode, geom FROM postcode_stage WHERE length(postcode) <= 8
        ON CONFLICT (postcode) DO UPDATE SET geom = EXCLUDED.geom
    """))
    after = session.execute(text("SELECT count(*) FROM postcodes")).scalar_one()
    if progress:
        progress(len(rows))
    session.commit()
    return ImportSummary(created=after - before, updated=len(rows) - (after - before))
