"""SQL functions and triggers become versioned objects (alembic_utils), declared once in models/sql

Until now each migration wrote its functions as text: 0001/0002 created them, 0008 redefined the ward trigger,
0009 patched the summary functions by string replacement, 0011 generated kerbside_report_is_public and 0013
redefined the summaries whole. From here on models/sql/ holds the one current definition of each function and
trigger; migrations/env.py registers them, so `alembic revision --autogenerate` writes the replace_entity
for a changed .sql file and `alembic check` fails while one is missing.

This revision declares each of them through op.replace_entity, frozen here as they are today (the status
lists written out, not read from models.status, so this file never changes when they do). The behaviour is
that of 0013: the definitions are the same, up to whitespace; downgrade has nothing to undo.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_trigger import PGTrigger

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def function(sql: str) -> PGFunction:
    return PGFunction.from_sql(sql.strip())


def trigger(sql: str) -> PGTrigger:
    return PGTrigger.from_sql(sql.strip())


#: In the order they can be created: a SQL-language function's body is checked against what exists.
ENTITIES = [
    function("""
CREATE OR REPLACE FUNCTION public.kerbside_report_is_public(status report_status, hidden boolean)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT status = ANY (ARRAY['assigned', 'closed', 'confirmed', 'duplicate', 'fixed', 'in_progress',
                               'investigating', 'new', 'not_responsible', 'reopened']::report_status[])
           AND NOT hidden
$$
    """),
    function("""
CREATE OR REPLACE FUNCTION public.kerbside_fix_bucket(hours double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN hours <= 48 THEN greatest(1, ceil(hours))::int
                WHEN hours <= 168 THEN (ceil(hours / 6) * 6)::int
                WHEN hours <= 720 THEN (ceil(hours / 24) * 24)::int
                ELSE (ceil(hours / 168) * 168)::int END
$$
    """),
    function("""
CREATE OR REPLACE FUNCTION public.kerbside_hex_cell(p geometry) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    t geometry := ST_Transform(p, 27700);
    q double precision := (2.0 / 3 * ST_X(t)) / 250;
    r double precision := (-1.0 / 3 * ST_X(t) + sqrt(3) / 3 * ST_Y(t)) / 250;
    s double precision := -q - r;
    rq integer := round(q);
    rr integer := round(r);
    rs integer := round(s);
BEGIN
    IF abs(rq - q) > abs(rr - r) AND abs(rq - q) > abs(rs - s) THEN
        rq := -rr - rs;
    ELSIF abs(rr - r) > abs(rs - s) THEN
        rr := -rq - rs;
    END IF;
    RETURN ARRAY[rq, rr + (rq - (rq & 1)) / 2];
END $$
    """),
    function("""
CREATE OR REPLACE FUNCTION public.kerbside_set_ward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.ward_id := (SELECT w.id FROM wards w WHERE ST_Covers(w.geom, NEW.geom) ORDER BY w.id LIMIT 1);
    NEW.geom_bng := ST_Transform(NEW.geom, 27700);
    RETURN NEW;
END
$$
    """),
    function("""
CREATE OR REPLACE FUNCTION public.kerbside_perf_apply(r reports, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cats integer[] := ARRAY[r.category_id, 0];
    is_fixed boolean := r.status = 'fixed' AND r.fixed_at IS NOT NULL;
    is_open boolean := r.status IN ('assigned', 'confirmed', 'in_progress', 'investigating', 'new', 'reopened');
    hours double precision := extract(epoch FROM r.fixed_at - r.created_at) / 3600.0;
    target integer;
    cat integer;
    cell integer[];
BEGIN
    IF r.ward_id IS NULL OR NOT kerbside_report_is_public(r.status, r.hidden) THEN
        RETURN;
    END IF;
    cell := kerbside_hex_cell(r.geom);
    SELECT target_hours INTO target FROM categories WHERE id = r.category_id;
    FOREACH cat IN ARRAY cats LOOP
        INSERT INTO perf_daily AS p (category_id, day, ward_id, reported, fixed, fixed_within, open,
                                     open_created_sum)
        VALUES (cat, (r.created_at AT TIME ZONE 'UTC')::date, r.ward_id, sign,
                CASE WHEN is_fixed THEN sign ELSE 0 END,
                CASE WHEN is_fixed AND hours <= target THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign * extract(epoch FROM r.created_at) ELSE 0 END)
        ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
            reported = p.reported + EXCLUDED.reported, fixed = p.fixed + EXCLUDED.fixed,
            fixed_within = p.fixed_within + EXCLUDED.fixed_within, open = p.open + EXCLUDED.open,
            open_created_sum = p.open_created_sum + EXCLUDED.open_created_sum;
        INSERT INTO hex_daily AS x (category_id, day, ward_id, i, j, n)
        VALUES (cat, (r.created_at AT TIME ZONE 'UTC')::date, r.ward_id, cell[1], cell[2], sign)
        ON CONFLICT (category_id, day, ward_id, i, j) DO UPDATE SET n = x.n + EXCLUDED.n;
        IF is_fixed THEN
            INSERT INTO perf_fix_hours AS h (category_id, day, ward_id, bucket_hours, n)
            VALUES (cat, (r.created_at AT TIME ZONE 'UTC')::date, r.ward_id, kerbside_fix_bucket(hours), sign)
            ON CONFLICT (category_id, day, ward_id, bucket_hours) DO UPDATE SET n = h.n + EXCLUDED.n;
            INSERT INTO perf_fix_hours_monthly AS hm (category_id, month, ward_id, bucket_hours, n)
            VALUES (cat, date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date, r.ward_id,
                    kerbside_fix_bucket(hours), sign)
            ON CONFLICT (category_id, month, ward_id, bucket_hours) DO UPDATE SET n = hm.n + EXCLUDED.n;
        END IF;
    END LOOP;
END $$
    """),
    function("""
CREATE OR REPLACE FUNCTION public.kerbside_perf_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM kerbside_perf_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM kerbside_perf_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$
    """),
    function("""
CREATE OR REPLACE FUNCTION public.kerbside_perf_rebuild() RETURNS void LANGUAGE sql AS $$
TRUNCATE perf_daily, perf_fix_hours, perf_fix_hours_monthly, hex_daily;
WITH facts AS MATERIALIZED (
    SELECT r.category_id, (r.created_at AT TIME ZONE 'UTC')::date AS day, r.ward_id, r.created_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed,
           r.status IN ('assigned', 'confirmed', 'in_progress', 'investigating', 'new', 'reopened') AS is_open,
           extract(epoch FROM r.fixed_at - r.created_at) / 3600.0 AS hours, c.target_hours
    FROM reports r JOIN categories c ON c.id = r.category_id
    WHERE r.ward_id IS NOT NULL AND kerbside_report_is_public(r.status, r.hidden)
)
INSERT INTO perf_daily (category_id, day, ward_id, reported, fixed, fixed_within, open, open_created_sum)
SELECT coalesce(category_id, 0), day, ward_id, count(*), count(*) FILTER (WHERE is_fixed),
       count(*) FILTER (WHERE is_fixed AND hours <= target_hours), count(*) FILTER (WHERE is_open),
       coalesce(sum(extract(epoch FROM created_at)) FILTER (WHERE is_open), 0)
FROM facts GROUP BY GROUPING SETS ((category_id, day, ward_id), (day, ward_id));
WITH fixes AS MATERIALIZED (
    SELECT category_id, (created_at AT TIME ZONE 'UTC')::date AS day, ward_id,
           kerbside_fix_bucket(extract(epoch FROM fixed_at - created_at) / 3600.0) AS bucket_hours
    FROM reports
    WHERE ward_id IS NOT NULL AND status = 'fixed' AND fixed_at IS NOT NULL
      AND kerbside_report_is_public(status, hidden)
)
INSERT INTO perf_fix_hours (category_id, day, ward_id, bucket_hours, n)
SELECT coalesce(category_id, 0), day, ward_id, bucket_hours, count(*)
FROM fixes GROUP BY GROUPING SETS ((category_id, day, ward_id, bucket_hours), (day, ward_id, bucket_hours));
INSERT INTO perf_fix_hours_monthly (category_id, month, ward_id, bucket_hours, n)
SELECT category_id, date_trunc('month', day)::date, ward_id, bucket_hours, sum(n)
FROM perf_fix_hours GROUP BY 1, 2, 3, 4;
-- The same arithmetic as kerbside_hex_cell, set-based (a function call per row is slow for a rebuild).
WITH axial AS MATERIALIZED (
    SELECT r.category_id, (r.created_at AT TIME ZONE 'UTC')::date AS day, r.ward_id,
           (2.0 / 3 * ST_X(t.g)) / 250 AS q, (-1.0 / 3 * ST_X(t.g) + sqrt(3) / 3 * ST_Y(t.g)) / 250 AS r
    FROM reports r CROSS JOIN LATERAL (SELECT r.geom_bng AS g) t
    WHERE r.ward_id IS NOT NULL AND kerbside_report_is_public(r.status, r.hidden)
), rounded AS (
    SELECT category_id, day, ward_id, round(q)::int AS rq, round(r)::int AS rr, round(-q - r)::int AS rs,
           abs(round(q) - q) AS dq, abs(round(r) - r) AS dr, abs(round(-q - r) + q + r) AS ds
    FROM axial
), cells AS (
    SELECT category_id, day, ward_id,
           CASE WHEN dq > dr AND dq > ds THEN -rr - rs ELSE rq END AS cq,
           CASE WHEN dq > dr AND dq > ds THEN rr WHEN dr > ds THEN -rq - rs ELSE rr END AS cr
    FROM rounded
)
INSERT INTO hex_daily (category_id, day, ward_id, i, j, n)
SELECT coalesce(category_id, 0), day, ward_id, cq, cr + (cq - (cq & 1)) / 2, count(*)
FROM cells GROUP BY GROUPING SETS ((category_id, day, ward_id, cq, cr), (day, ward_id, cq, cr));
$$
    """),
    trigger("""
CREATE TRIGGER reports_set_ward BEFORE INSERT OR UPDATE OF geom ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_set_ward()
    """),
    trigger("""
CREATE TRIGGER reports_perf_track AFTER INSERT OR DELETE
OR UPDATE OF status, fixed_at, created_at, ward_id, category_id, geom, hidden ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_perf_track()
    """),
]


def upgrade() -> None:
    for entity in ENTITIES:
        op.replace_entity(entity)


def downgrade() -> None:
    """0013 defined the same functions and triggers (whitespace aside): nothing to undo."""
