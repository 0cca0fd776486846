"""The database's functions and triggers (models/sql): after `alembic upgrade head` each declared one exists and
is exactly as declared, and autogenerate finds nothing to migrate (what `alembic check` runs)."""
import pytest
from alembic.autogenerate import produce_migrations
from alembic.runtime.migration import MigrationContext
from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_trigger import PGTrigger
from alembic_utils.replaceable_entity import register_entities
from alembic_utils.reversible_op import DropOp, ReplaceOp
from geoalchemy2 import alembic_helpers
from sqlalchemy import text

import models
from models.sql import ENTITIES, FUNCTIONS, HERE, PUBLIC, TRIGGERS, sql_of

#: SQLAlchemy 2.1 warns while alembic reflects the tables' CHECK constraints; nothing to do with the comparison.
REFLECTION_WARNING = "ignore:Can't validate argument 'dialect_options':sqlalchemy.exc.SAWarning"


def autogenerate(connection) -> list:
    """The operations `alembic revision --autogenerate` would write against this database, as env.py sets it up."""
    register_entities(ENTITIES, entity_types=[PGFunction, PGTrigger])
    context = MigrationContext.configure(connection, opts={
        "target_metadata": models.Base.metadata, "include_object": alembic_helpers.include_object,
        "compare_type": True, "include_schemas": False})
    return produce_migrations(context, models.Base.metadata).upgrade_ops.ops


def test_every_function_and_trigger_is_declared():
    names = {e.signature.split("(")[0] for e in ENTITIES}
    assert names == {"kerbside_report_is_public", "kerbside_fix_bucket", "kerbside_hex_cell", "kerbside_set_ward",
                     "kerbside_perf_apply", "kerbside_perf_track", "kerbside_perf_rebuild",
                     "kerbside_measures_apply", "kerbside_measures_track", "kerbside_measures_rebuild",
                     "kerbside_target_changed", "reports_set_ward", "reports_perf_track", "reports_measures_track",
                     "categories_target_refile", "kerbside_hotspot_forget", "reports_hotspot_forget",
                     "kerbside_set_due", "kerbside_due_refile", "reports_set_due", "categories_due_refile"}
    files = {p.stem for p in HERE.glob("*/*.sql")}
    assert files == names, "a .sql file is not declared in models/sql/__init__.py (or the other way round)"


def test_every_declared_entity_exists_as_declared(db_session):
    for kind, declared in ((PGFunction, FUNCTIONS), (PGTrigger, TRIGGERS)):
        in_database = {e.identity for e in kind.from_database(db_session, "public")}
        for entity in declared:
            assert entity.identity in in_database, entity.identity
            assert entity.get_required_migration_op(db_session) is None, f"{entity.identity} differs"


@pytest.mark.filterwarnings(REFLECTION_WARNING)
def test_autogenerate_finds_no_drift(connection):
    assert autogenerate(connection) == []


@pytest.mark.filterwarnings(REFLECTION_WARNING)
def test_a_function_changed_in_the_database_or_left_over_is_drift(connection):
    connection.execute(text("CREATE OR REPLACE FUNCTION public.kerbside_fix_bucket(hours double precision) "
                            "RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$"))
    connection.execute(text("CREATE FUNCTION public.kerbside_left_over() RETURNS integer LANGUAGE sql "
                            "AS $$ SELECT 1 $$"))
    found = {(type(op), op.target.identity) for op in autogenerate(connection)}
    assert found == {(ReplaceOp, "PGFunction: public.kerbside_fix_bucket(hours double precision)"),
                     (DropOp, "PGFunction: public.kerbside_left_over()")}


def test_a_changed_declaration_needs_a_migration(db_session):
    trigger = next(t for t in TRIGGERS if t.signature == "reports_perf_track")
    changed = PGTrigger.from_sql(sql_of(HERE / "triggers" / "reports_perf_track.sql").replace(", hidden", ""))
    assert trigger.get_required_migration_op(db_session) is None
    assert isinstance(changed.get_required_migration_op(db_session), ReplaceOp)


def test_status_lists_come_from_the_models():
    public = next(f for f in FUNCTIONS if f.signature.startswith("kerbside_report_is_public"))
    listed = public.definition.split("ARRAY[", 1)[1].split("]", 1)[0]
    assert sorted(s.strip(" '") for s in listed.split(",")) == sorted(s.value for s in PUBLIC)


def test_a_marker_without_a_value_is_refused(tmp_path):
    path = tmp_path / "f.sql"
    path.write_text("-- comment\nCREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $$ SELECT {nothing} $$\n")
    with pytest.raises(ValueError, match=r"f.sql: no value for \{nothing\}"):
        sql_of(path)
