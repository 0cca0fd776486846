"""summaries for the promise measures: reports by the day they fall due, and the backlog's flows

``perf_due_daily`` / ``perf_due_monthly`` hold, per category, ward and the UTC day (month) a report fell due
(``created_at + target_hours``), how many fell due and how each stands now: fixed by its due time (kept),
fixed after it (late), still open (missed, once the day has passed) or closed without a fix. Within target
(gis/measures.py) is kept / (kept + late + open) over the days of a period.

``perf_flow_daily`` holds the backlog's flows: reports that came in to be fixed (made, not closed without a
fix) by the day they were made, and fixes by the day they were made, each with the sum of the reports'
created_at (epoch seconds). The backlog at the end of any day E is the reports in minus the fixes out up to E,
and its mean age follows from the sums, so it is measured at the period's end instead of today.

Kept current by a trigger on reports (one SQL function, the public rule from ``kerbside_report_is_public`` and
the open statuses from models.OPEN), rebuilt by ``kerbside_measures_rebuild()``. category_id 0 pools every
category. A change of a category's target re-files every report (a trigger on categories rebuilds these
summaries and those of 0002, whose "fixed within" also rests on the target): otherwise a report changed later
would be taken off the day its new target gives instead of the one it was filed under.

Revision ID: 0015
Revises: 0013
"""
from alembic import op

from models.status import OPEN

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _open_list() -> str:
    return ", ".join(f"'{s.value}'" for s in sorted(OPEN, key=lambda s: s.value))


TABLES = """
CREATE TABLE perf_due_daily (
    category_id integer NOT NULL,
    day date NOT NULL,
    ward_id integer NOT NULL REFERENCES wards (id) ON DELETE CASCADE,
    due integer NOT NULL DEFAULT 0,
    kept integer NOT NULL DEFAULT 0,
    late integer NOT NULL DEFAULT 0,
    open integer NOT NULL DEFAULT 0,
    closed integer NOT NULL DEFAULT 0,
    CONSTRAINT pk_perf_due_daily PRIMARY KEY (category_id, day, ward_id)
);
CREATE TABLE perf_due_monthly (
    category_id integer NOT NULL,
    month date NOT NULL,
    ward_id integer NOT NULL REFERENCES wards (id) ON DELETE CASCADE,
    due integer NOT NULL DEFAULT 0,
    kept integer NOT NULL DEFAULT 0,
    late integer NOT NULL DEFAULT 0,
    open integer NOT NULL DEFAULT 0,
    closed integer NOT NULL DEFAULT 0,
    CONSTRAINT pk_perf_due_monthly PRIMARY KEY (category_id, month, ward_id)
);
CREATE TABLE perf_flow_daily (
    category_id integer NOT NULL,
    day date NOT NULL,
    ward_id integer NOT NULL REFERENCES wards (id) ON DELETE CASCADE,
    came_in integer NOT NULL DEFAULT 0,
    came_in_sum double precision NOT NULL DEFAULT 0,
    fixed integer NOT NULL DEFAULT 0,
    fixed_created_sum double precision NOT NULL DEFAULT 0,
    CONSTRAINT pk_perf_flow_daily PRIMARY KEY (category_id, day, ward_id)
);
"""


def apply_sql() -> str:
    return f"""
CREATE OR REPLACE FUNCTION kerbside_measures_apply(r reports, sign integer) RETURNS void LANGUAGE plpgsql AS $function$
DECLARE
    cats integer[] := ARRAY[r.category_id, 0];
    is_fixed boolean := r.status = 'fixed' AND r.fixed_at IS NOT NULL;
    is_open boolean := r.status IN ({_open_list()});
    due_at timestamptz;
    due_day date;
    made_day date := (r.created_at AT TIME ZONE 'UTC')::date;
    created double precision := extract(epoch FROM r.created_at);
    cat integer;
BEGIN
    IF r.ward_id IS NULL OR NOT kerbside_report_is_public(r.status, r.hidden) THEN
        RETURN;
    END IF;
    SELECT r.created_at + make_interval(hours => target_hours) INTO due_at FROM categories WHERE id = r.category_id;
    due_day := (due_at AT TIME ZONE 'UTC')::date;
    FOREACH cat IN ARRAY cats LOOP
        INSERT INTO perf_due_daily AS d (category_id, day, ward_id, due, kept, late, open, closed)
        VALUES (cat, due_day, r.ward_id, sign,
                CASE WHEN is_fixed AND r.fixed_at <= due_at THEN sign ELSE 0 END,
                CASE WHEN is_fixed AND r.fixed_at > due_at THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign ELSE 0 END,
                CASE WHEN NOT is_fixed AND NOT is_open THEN sign ELSE 0 END)
        ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
            due = d.due + EXCLUDED.due, kept = d.kept + EXCLUDED.kept, late = d.late + EXCLUDED.late,
            open = d.open + EXCLUDED.open, closed = d.closed + EXCLUDED.closed;
        INSERT INTO perf_due_monthly AS m (category_id, month, ward_id, due, kept, late, open, closed)
        VALUES (cat, date_trunc('month', due_day)::date, r.ward_id, sign,
                CASE WHEN is_fixed AND r.fixed_at <= due_at THEN sign ELSE 0 END,
                CASE WHEN is_fixed AND r.fixed_at > due_at THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign ELSE 0 END,
                CASE WHEN NOT is_fixed AND NOT is_open THEN sign ELSE 0 END)
        ON CONFLICT (category_id, month, ward_id) DO UPDATE SET
            due = m.due + EXCLUDED.due, kept = m.kept + EXCLUDED.kept, late = m.late + EXCLUDED.late,
            open = m.open + EXCLUDED.open, closed = m.closed + EXCLUDED.closed;
        IF is_fixed OR is_open THEN
            INSERT INTO perf_flow_daily AS f (category_id, day, ward_id, came_in, came_in_sum)
            VALUES (cat, made_day, r.ward_id, sign, sign * created)
            ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
                came_in = f.came_in + EXCLUDED.came_in, came_in_sum = f.came_in_sum + EXCLUDED.came_in_sum;
        END IF;
        IF is_fixed THEN
            INSERT INTO perf_flow_daily AS f (category_id, day, ward_id, fixed, fixed_created_sum)
            VALUES (cat, (r.fixed_at AT TIME ZONE 'UTC')::date, r.ward_id, sign, sign * created)
            ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
                fixed = f.fixed + EXCLUDED.fixed, fixed_created_sum = f.fixed_created_sum + EXCLUDED.fixed_created_sum;
        END IF;
    END LOOP;
END $function$"""


TRACK = """
CREATE OR REPLACE FUNCTION kerbside_measures_track() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM kerbside_measures_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM kerbside_measures_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $function$"""


def rebuild_sql() -> str:
    facts = f"""
    SELECT r.category_id, r.ward_id, r.created_at, r.fixed_at,
           r.created_at + make_interval(hours => c.target_hours) AS due_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed, r.status IN ({_open_list()}) AS is_open
    FROM reports r JOIN categories c ON c.id = r.category_id
    WHERE r.ward_id IS NOT NULL AND kerbside_report_is_public(r.status, r.hidden)"""
    return f"""
CREATE OR REPLACE FUNCTION kerbside_measures_rebuild() RETURNS void LANGUAGE sql AS $function$
TRUNCATE perf_due_daily, perf_due_monthly, perf_flow_daily;
WITH facts AS MATERIALIZED ({facts})
INSERT INTO perf_due_daily (category_id, day, ward_id, due, kept, late, open, closed)
SELECT coalesce(category_id, 0), day, ward_id, count(*), count(*) FILTER (WHERE is_fixed AND fixed_at <= due_at),
       count(*) FILTER (WHERE is_fixed AND fixed_at > due_at), count(*) FILTER (WHERE is_open),
       count(*) FILTER (WHERE NOT is_fixed AND NOT is_open)
FROM (SELECT *, (due_at AT TIME ZONE 'UTC')::date AS day FROM facts) f
GROUP BY GROUPING SETS ((category_id, day, ward_id), (day, ward_id));
INSERT INTO perf_due_monthly (category_id, month, ward_id, due, kept, late, open, closed)
SELECT category_id, date_trunc('month', day)::date, ward_id, sum(due), sum(kept), sum(late), sum(open), sum(closed)
FROM perf_due_daily GROUP BY 1, 2, 3;
WITH facts AS MATERIALIZED ({facts})
INSERT INTO perf_flow_daily (category_id, day, ward_id, came_in, came_in_sum, fixed, fixed_created_sum)
SELECT coalesce(category_id, 0), day, ward_id, sum(came_in), sum(came_in_sum), sum(fixed), sum(fixed_created_sum)
FROM (
    SELECT category_id, (created_at AT TIME ZONE 'UTC')::date AS day, ward_id, 1 AS came_in,
           extract(epoch FROM created_at)::double precision AS came_in_sum, 0 AS fixed,
           0::double precision AS fixed_created_sum
    FROM facts WHERE is_fixed OR is_open
    UNION ALL
    SELECT category_id, (fixed_at AT TIME ZONE 'UTC')::date, ward_id, 0, 0, 1,
           extract(epoch FROM created_at)::double precision
    FROM facts WHERE is_fixed
) flows
GROUP BY GROUPING SETS ((category_id, day, ward_id), (day, ward_id));
$function$"""


COLUMNS = "status, fixed_at, created_at, ward_id, category_id, hidden"
TARGET_CHANGED = """
CREATE OR REPLACE FUNCTION kerbside_target_changed() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    PERFORM kerbside_perf_rebuild();
    PERFORM kerbside_measures_rebuild();
    RETURN NULL;
END $function$"""


def upgrade() -> None:
    op.execute(TABLES)
    conn = op.get_bind()
    for sql in (apply_sql(), TRACK, rebuild_sql()):
        conn.exec_driver_sql(sql.replace("%", "%%"))
    op.execute(f"CREATE TRIGGER reports_measures_track AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} ON reports "
               "FOR EACH ROW EXECUTE FUNCTION kerbside_measures_track()")
    conn.exec_driver_sql(TARGET_CHANGED)
    op.execute("CREATE TRIGGER categories_target_refile AFTER UPDATE OF target_hours ON categories FOR EACH ROW "
               "WHEN (OLD.target_hours IS DISTINCT FROM NEW.target_hours) EXECUTE FUNCTION kerbside_target_changed()")
    op.execute("SELECT kerbside_measures_rebuild()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS categories_target_refile ON categories")
    op.execute("DROP FUNCTION IF EXISTS kerbside_target_changed()")
    op.execute("DROP TRIGGER IF EXISTS reports_measures_track ON reports")
    op.execute("DROP FUNCTION IF EXISTS kerbside_measures_track()")
    op.execute("DROP FUNCTION IF EXISTS kerbside_measures_rebuild()")
    op.execute("DROP FUNCTION IF EXISTS kerbside_measures_apply(reports, integer)")
    op.execute("DROP TABLE IF EXISTS perf_flow_daily, perf_due_monthly, perf_due_daily")
