"""Importer for small statistical areas (e.g. LSOAs) with their deprivation and population, and the share of
each area's residents in each ward. Any council's files will do as long as they carry these columns (names are
detected, case-insensitively):

- boundaries: GeoJSON (any declared CRS) with an area code and name property (``LSOA11CD``/``LSOA11NM``, ...);
- deprivation: CSV with the area code and ``imd_decile`` (1 = most deprived tenth), optionally ``imd_score``
  and ``imd_rank``;
- population: CSV with the area code and a population column (``pop_mid2020``, ``population``,
  ``usual_residents``, ...);
- lookup (optional): CSV of area → ward rows with a population share (``pop_share...``); without it, or for an
  area it does not list, the whole area goes to the ward holding its point on surface.

Re-importing updates in place (idempotent); everything is written in one transaction. No Flask here.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from .fairness import assign_report_areas, store_figures
from .importers import ImportFailed, Progress, clean, read_wards

AREA_CODE = re.compile(r"^(lsoa\d\dcd|lsoa_?cd|lsoa_?code|area_?code|code)$", re.I)
AREA_NAME = re.compile(r"^(lsoa\d\dnm|lsoa_?nm|lsoa_?name|area_?name|name)$", re.I)
WARD_CODE = re.compile(r"^(wd\d\dcd|ward_?code|ward_?cd)$", re.I)
POPULATION = re.compile(r"^(pop_mid\d{4}|population|usual_residents|all_ages|pop)$", re.I)
SHARE = re.compile(r"^pop_share\w*$", re.I)
CODE_MAX = 20


@dataclass
class AreaSummary:
    created: int = 0
    updated: int = 0
    ward_links: int = 0
    placed_by_point: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{self.created} created", f"{self.updated} updated", f"{self.ward_links} area-ward shares"]
        if self.placed_by_point:
            parts.append(f"{self.placed_by_point} placed in a ward by their point")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped ({'; '.join(self.skipped[:5])})")
        return ", ".join(parts)


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            return list(reader.fieldnames or []), list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed(f"cannot read {path}: {exc}") from None


def _column(fields: list[str], pattern: re.Pattern, what: str, path: Path, required: bool = True) -> str | None:
    for name in fields:
        if pattern.match(name.strip()):
            return name
    if required:
        raise ImportFailed(f"{path.name} has no {what} column (it has: {', '.join(fields[:12])})")
    return None


def _number(value: str | None, kind=float):
    try:
        return kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError):
        return None


def read_deprivation(path: Path) -> dict[str, dict]:
    """{area code: {"imd_decile", "imd_score", "imd_rank"}} (rows without a decile from 1 to 10 are left out)."""
    fields, rows = _rows(path)
    code = _column(fields, AREA_CODE, "area code", path)
    decile = _column(fields, re.compile(r"^imd_decile$", re.I), "imd_decile", path)
    score = _column(fields, re.compile(r"^imd_score$", re.I), "imd_score", path, required=False)
    rank = _column(fields, re.compile(r"^imd_rank$", re.I), "imd_rank", path, required=False)
    out = {}
    for row in rows:
        key, d = clean(row.get(code))[:CODE_MAX], _number(row.get(decile), int)
        if key and d is not None and 1 <= d <= 10:
            out[key] = {"imd_decile": d, "imd_score": _number(row.get(score)) if score else None,
                        "imd_rank": _number(row.get(rank), int) if rank else None}
    return out


def read_population(path: Path) -> dict[str, int]:
    fields, rows = _rows(path)
    code = _column(fields, AREA_CODE, "area code", path)
    pop = _column(fields, POPULATION, "population", path)
    out = {}
    for row in rows:
        key, n = clean(row.get(code))[:CODE_MAX], _number(row.get(pop), int)
        if key and n is not None and n >= 0:
            out[key] = n
    return out


def read_lookup(path: Path) -> dict[str, dict[str, float]]:
    """{area code: {ward code: share of the area's residents}}; rows without a share (e.g. another vintage of
    areas in the same file) are left out."""
    fields, rows = _rows(path)
    code = _column(fields, AREA_CODE, "area code", path)
    ward = _column(fields, WARD_CODE, "ward code", path)
    share = _column(fields, SHARE, "population share (pop_share...)", path)
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        key, w, s = clean(row.get(code))[:CODE_MAX], clean(row.get(ward))[:CODE_MAX], _number(row.get(share))
        if key and w and s is not None and 0 < s <= 1:
            out.setdefault(key, {}).setdefault(w, s)
    return out


def import_areas(session: Session, boundaries: Path, deprivation: Path, population: Path,
                 lookup: Path | None = None, code_property: str | None = None, name_property: str | None = None,
                 progress: Progress | None = None) -> AreaSummary:
    """Create or update areas and their ward shares, place every report in its area and recompute the fairness
    figures; commits once at the end (all or nothing). Areas missing from the deprivation or population file are
    skipped and named in the summary."""
    imd = read_deprivation(deprivation)
    people = read_population(population)
    shares = read_lookup(lookup) if lookup else {}
    if not imd:
        raise ImportFailed(f"{deprivation.name} has no row with a deprivation decile from 1 to 10")
    wards = dict(session.execute(text("SELECT code, id FROM wards")).all())
    summary = AreaSummary()
    for code, name, geom, _repaired in read_wards(boundaries, code_property or _detect(boundaries, AREA_CODE),
                                                    name_property or _detect(boundaries, AREA_NAME)):
        code = code[:CODE_MAX]
        if progress:
            progress(1)
        if geom is None:
            summary.skipped.append(f"{code}: no usable polygon")
            continue
        if code not in imd or code not in people:
            summary.skipped.append(f"{code}: not in the {'deprivation' if code not in imd else 'population'} file")
            continue
        values = {"code": code, "name": (name or code)[:120], "wkt": geom.wkt, "pop": people[code], **imd[code]}
        area_id, created = session.execute(text("""
            INSERT INTO areas (code, name, geom, imd_score, imd_rank, imd_decile, population)
            VALUES (:code, :name, ST_Multi(ST_GeomFromText(:wkt, 4326)), :imd_score, :imd_rank, :imd_decile, :pop)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom,
                imd_score = EXCLUDED.imd_score, imd_rank = EXCLUDED.imd_rank, imd_decile = EXCLUDED.imd_decile,
                population = EXCLUDED.population
            RETURNING id, (xmax = 0)"""), values).one()
        summary.created += created
        summary.updated += not created
        session.execute(text("DELETE FROM area_wards WHERE area_id = :a"), {"a": area_id})
        session.execute(text("DELETE FROM area_parts WHERE area_id = :a"), {"a": area_id})
        session.execute(text("INSERT INTO area_parts (area_id, geom) SELECT id, ST_Multi(ST_Subdivide(geom, 64)) FROM areas "
                             "WHERE id = :a"), {"a": area_id})
        linked = {wards[w]: s for w, s in shares.get(code, {}).items() if w in wards}
        if not linked:
            ward_id = session.execute(text(
                "SELECT w.id FROM wards w, areas a WHERE a.id = :a AND ST_Covers(w.geom, ST_PointOnSurface(a.geom)) "
                "ORDER BY w.id LIMIT 1"), {"a": area_id}).scalar()
            if ward_id is not None:
                linked = {ward_id: 1.0}
                summary.placed_by_point += 1
        for ward_id, share in linked.items():
            session.execute(text("INSERT INTO area_wards (area_id, ward_id, pop_share) VALUES (:a, :w, :s)"),
                            {"a": area_id, "w": ward_id, "s": share})
            summary.ward_links += 1
    assign_report_areas(session)
    store_figures(session)
    session.commit()
    return summary


def _detect(path: Path, pattern: re.Pattern) -> str | None:
    """The first feature property matching ``pattern`` (read_wards's own detection looks for ward names)."""
    import json
    try:
        first = (json.loads(Path(path).read_text(encoding="utf-8-sig")).get("features") or [{}])[0]
    except (OSError, ValueError, AttributeError) as exc:
        raise ImportFailed(f"cannot read {path}: {exc}") from None
    props = (first or {}).get("properties") or {}
    return next((key for key in props if pattern.match(key)), None)
