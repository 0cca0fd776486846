"""The database's own code, declared once: SQL and PL/pgSQL functions and triggers, as alembic_utils entities.

Each definition is a .sql file beside this module (``functions/``, ``triggers/``), written as it is meant to
be, with the status lists filled in from ``models.status`` (``{public_statuses}``, ``{open_statuses}``) so
Python and SQL share one definition of "public" and "open". migrations/env.py registers ``ENTITIES``:
after editing a file, ``alembic revision --autogenerate`` writes the migration that replaces the function in
the database (with the old definition for its downgrade), and ``alembic check`` fails until there is one.
"""
from __future__ import annotations

import re
from pathlib import Path

from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_trigger import PGTrigger

from models.status import OPEN, PUBLIC

HERE = Path(__file__).resolve().parent


def status_list(statuses) -> str:
    """A SQL list of status literals, in a stable order: 'assigned', 'confirmed', ..."""
    return ", ".join(f"'{s.value}'" for s in sorted(statuses, key=lambda s: s.value))


PARAMETERS = {"public_statuses": status_list(PUBLIC), "open_statuses": status_list(OPEN)}


def sql_of(path: Path) -> str:
    """The statement in a .sql file: leading comment lines dropped, ``{name}`` markers filled in."""
    lines = path.read_text().splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    text = "\n".join(lines).strip()
    for name, value in PARAMETERS.items():
        text = text.replace(f"{{{name}}}", value)
    left = re.findall(r"\{[a-z_]+\}", text)
    if left:
        raise ValueError(f"{path.name}: no value for {', '.join(left)}")
    return text


def _functions(*names: str) -> list[PGFunction]:
    return [PGFunction.from_sql(sql_of(HERE / "functions" / f"{name}.sql")) for name in names]


def _triggers(*names: str) -> list[PGTrigger]:
    return [PGTrigger.from_sql(sql_of(HERE / "triggers" / f"{name}.sql")) for name in names]


#: In the order they can be created: a SQL-language function's body is checked against what exists.
FUNCTIONS = _functions("kerbside_report_is_public", "kerbside_fix_bucket", "kerbside_hex_cell",
                       "kerbside_set_ward", "kerbside_perf_apply", "kerbside_perf_track",
                       "kerbside_perf_rebuild", "kerbside_measures_apply", "kerbside_measures_track",
                       "kerbside_measures_rebuild", "kerbside_target_changed", "kerbside_hotspot_forget",
                       "kerbside_set_due", "kerbside_due_refile")
TRIGGERS = _triggers("reports_set_ward", "reports_perf_track", "reports_measures_track", "categories_target_refile",
                     "reports_hotspot_forget", "reports_set_due", "categories_due_refile")
ENTITIES = [*FUNCTIONS, *TRIGGERS]
