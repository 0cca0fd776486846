"""Demo data: Lewisham's wards and postcodes, the categories, an account per role, and 14,884 real
FixMyStreet reports as history. Every step is idempotent, so `flask demo load` can run again safely."""
from __future__ import annotations

import csv
import io
import json
import secrets
from pathlib import Path
from typing import Callable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.importers import import_postcodes, import_wards
from gis.streets import import_streets
from models import Category, Role

from .accounts import register_user, user_by_email
from .reports import REFERENCE_ALPHABET

DATA = Path(__file__).resolve().parent.parent / "data"
WARDS_FILE = DATA / "wards_2022.geojson"
POSTCODES_FILE = DATA / "postcodes_codepoint_2014.csv"
STREETS_FILE = DATA / "streets_osm_2025.csv"
FMS_FILE = DATA / "fms_requests_2021_2024.csv"
CATEGORIES_FILE = DATA / "categories.json"
#: Small areas for the fairness page (`flask areas import` with no arguments imports these).
AREA_FILES = {"boundaries": DATA / "lsoa2011.geojson", "deprivation": DATA / "imd2019_lsoa.csv",
              "population": DATA / "population_lsoa2011_mid2020.csv", "lookup": DATA / "lsoa_ward2022_lookup.csv"}
IMPORTED_DESCRIPTION = "Reported through FixMyStreet; the description is not part of the open data."

DEMO_ACCOUNTS = [
    ("resident@example.org", "Rosa Resident", Role.RESIDENT),
    ("councillor@example.org", "Cllr Chris Ward", Role.COUNCILLOR),
    ("crew@example.org", "Cam Crew", Role.CREW),
    ("staff@example.org", "Sam Staff", Role.STAFF),
    ("admin@example.org", "Alex Admin", Role.ADMIN),
]


def category_definitions() -> list[dict]:
    raw = json.loads(CATEGORIES_FILE.read_text())
    out = []
    for c in raw["categories"]:
        c = dict(c)
        c["questions"] = raw[c["questions"]] if isinstance(c.get("questions"), str) else c.get("questions", [])
        out.append(c)
    return out


def load_categories(session: Session) -> int:
    """Create or update the standard categories (questions and targets included)."""
    for c in category_definitions():
        cat = session.scalars(select(Category).where(Category.code == c["code"])).first() or Category(code=c["code"])
        cat.name, cat.group, cat.description = c["name"], c["group"], c.get("description", "")
        cat.target_hours, cat.questions, cat.active = c["target_hours"], c["questions"], True
        session.add(cat)
    session.commit()
    return len(category_definitions())


def load_accounts(session: Session, passwords_file: Path) -> dict[str, str]:
    """One account per role; their random passwords are kept in ``passwords_file`` (never in the repo)."""
    known = json.loads(passwords_file.read_text()) if passwords_file.exists() else {}
    for email, name, role in DEMO_ACCOUNTS:
        if user_by_email(session, email) is None:
            known[email] = secrets.token_urlsafe(9)
            register_user(session, email=email, password=known[email], display_name=name, role=role)
    passwords_file.parent.mkdir(parents=True, exist_ok=True)
    passwords_file.write_text(json.dumps(known, indent=1))
    passwords_file.chmod(0o600)
    return known


def load_councillor_ward(session: Session, ward_name: str = "Rushey Green") -> str:
    """The demo councillor speaks for one ward (My ward, the weekly digest), unless it names some already."""
    from models import Ward

    from .councillors import set_wards, wards_of
    councillor = user_by_email(session, "councillor@example.org")
    code = session.scalar(select(Ward.code).where(Ward.name == ward_name))
    if councillor is None or code is None:
        return "none"
    if not wards_of(session, councillor):
        set_wards(session, councillor, [code], actor=None)
    return ", ".join(w.name for w in wards_of(session, councillor))


def fms_reference(request_id: int) -> str:
    """Deterministic 7-character reference for an imported report (web reports use 5: no clash)."""
    chars = []
    n = request_id
    for _ in range(7):
        n, r = divmod(n, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[r])
    return "KB-" + "".join(reversed(chars))


def load_fms_history(session: Session, path: Path = FMS_FILE, progress: Callable[[int], None] | None = None) -> int:
    """COPY the FixMyStreet history in; status fixed with its time where it closed, confirmed where open."""
    cats = {}
    for c in category_definitions():
        for fms in c.get("fms", []):
            cats[fms] = c["code"]
    ids = dict(session.execute(select(Category.code, Category.id)).all())
    buffer = io.StringIO()
    rows = 0
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            code = cats.get(row["service_code"], "other")
            closed = row["closed_or_removed_utc"] or None
            status = "fixed" if closed else "confirmed"
            buffer.write("\t".join([
                fms_reference(int(row["service_request_id"])), str(ids[code]),
                f"SRID=4326;POINT({float(row['long'])} {float(row['lat'])})", status,
                row["requested_datetime"], closed or row["requested_datetime"], closed or r"\N",
                f"fms:{row['service_request_id']}",
            ]) + "\n")
            rows += 1
    buffer.seek(0)
    session.execute(text("CREATE TEMP TABLE fms_stage (reference text, category_id int, geom geometry, "
                         "status report_status, created_at timestamptz, updated_at timestamptz, "
                         "fixed_at timestamptz, client_token text) ON COMMIT DROP"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        cur.copy_expert("COPY fms_stage FROM STDIN", buffer)
    inserted = session.execute(text("""
        WITH new AS (
            INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers,
                                 channel, client_token, created_at, updated_at, fixed_at)
            SELECT reference, category_id, :description, geom, status, true, '{}'::jsonb, 'fixmystreet',
                   client_token, created_at, updated_at, fixed_at
            FROM fms_stage
            ON CONFLICT (client_token) DO NOTHING
            RETURNING id, status, created_at, fixed_at
        ), made AS (
            INSERT INTO report_events (report_id, at, from_status, to_status, note, internal)
            SELECT id, created_at, NULL, 'confirmed', 'Reported through FixMyStreet', false FROM new
        ), fixed AS (
            INSERT INTO report_events (report_id, at, from_status, to_status, note, internal)
            SELECT id, fixed_at, 'confirmed', 'fixed', 'Closed on FixMyStreet', false FROM new
            WHERE status = 'fixed'
        )
        SELECT count(*) FROM new
    """), {"description": IMPORTED_DESCRIPTION}).scalar_one()
    session.commit()
    if progress:
        progress(rows)
    return inserted


def is_empty(session: Session) -> bool:
    return session.execute(text("SELECT NOT EXISTS (SELECT 1 FROM wards) AND NOT EXISTS (SELECT 1 FROM reports)")).scalar_one()


def load_demo(session: Session, passwords_file: Path, say: Callable[[str], None] = print) -> None:
    say(f"wards: {import_wards(session, WARDS_FILE)}")
    say(f"postcodes: {import_postcodes(session, POSTCODES_FILE)}")
    say(f"streets: {import_streets(session, STREETS_FILE)}")
    say(f"categories: {load_categories(session)}")
    load_accounts(session, passwords_file)
    say(f"accounts: {len(DEMO_ACCOUNTS)}")
    say(f"councillor's ward: {load_councillor_ward(session)}")
    from .workflow_demo import load_workflow_demo
    say(f"workflow: {load_workflow_demo(session)}")
    say(f"FixMyStreet history: {load_fms_history(session)} reports added")
