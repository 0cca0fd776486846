"""performance summaries leave out reports hidden by a moderator

Every public list, map and hotspot query leaves hidden reports out (visibility.visible_to); the summary
tables behind /performance, ward pages, the borough map and the hexagons still counted them, so the same
hexagon map gave different numbers with and without a status filter. The trigger now treats a hidden report
like an unconfirmed one and fires when ``hidden`` changes; the summaries are rebuilt once.

The functions are patched from their 0002 definitions (pg_get_functiondef), failing loudly if the text is
not what 0002 created.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
from sqlalchemy import text

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

APPLY = "kerbside_perf_apply(reports, integer)"
REBUILD = "kerbside_perf_rebuild()"
#: (function, old text, new text, expected number of occurrences)
PATCHES = [
    (APPLY, "IF r.ward_id IS NULL OR r.status = 'unconfirmed' THEN",
     "IF r.ward_id IS NULL OR r.status = 'unconfirmed' OR r.hidden THEN", 1),
    (REBUILD, "WHERE r.ward_id IS NOT NULL AND r.status <> 'unconfirmed'",
     "WHERE r.ward_id IS NOT NULL AND r.status <> 'unconfirmed' AND NOT r.hidden", 2),
    (REBUILD, "WHERE ward_id IS NOT NULL AND status = 'fixed' AND fixed_at IS NOT NULL",
     "WHERE ward_id IS NOT NULL AND status = 'fixed' AND fixed_at IS NOT NULL AND NOT hidden", 1),
    # The rebuild projects with the stored grid point (0008) instead of ST_Transform per row.
    (REBUILD, "CROSS JOIN LATERAL (SELECT ST_Transform(r.geom, 27700) AS g) t",
     "CROSS JOIN LATERAL (SELECT r.geom_bng AS g) t", 1),
]
TRIGGER_COLUMNS_0002 = "status, fixed_at, created_at, ward_id, category_id, geom"


def _patch(patches) -> None:
    conn = op.get_bind()
    for function in dict.fromkeys(f for f, *_ in patches):
        source = conn.execute(text("SELECT pg_get_functiondef(CAST(:f AS regprocedure))"), {"f": function}).scalar()
        for name, old, new, count in patches:
            if name != function:
                continue
            if source.count(old) != count:
                raise RuntimeError(f"{function}: expected {count} x {old!r}, found {source.count(old)}")
            source = source.replace(old, new)
        conn.exec_driver_sql(source.replace("%", "%%"))


def _trigger(columns: str) -> None:
    op.execute("DROP TRIGGER reports_perf_track ON reports")
    op.execute(f"CREATE TRIGGER reports_perf_track AFTER INSERT OR DELETE OR UPDATE OF {columns} ON reports "
               "FOR EACH ROW EXECUTE FUNCTION kerbside_perf_track()")


def upgrade() -> None:
    _patch(PATCHES)
    _trigger(TRIGGER_COLUMNS_0002 + ", hidden")
    op.execute("SELECT kerbside_perf_rebuild()")


def downgrade() -> None:
    _patch([(f, new, old, n) for f, old, new, n in PATCHES])
    _trigger(TRIGGER_COLUMNS_0002)
    op.execute("SELECT kerbside_perf_rebuild()")
