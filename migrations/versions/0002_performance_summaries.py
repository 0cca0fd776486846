"""Performance summaries per ward, category and day (fix times also per month), kept current by a trigger
on reports.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# A report's contribution to the summaries (category_id 0 holds every category pooled). The trigger takes
# away the old row's contribution and adds the new row's, in the same transaction as the change, so the
# figures are right the moment a status changes.
FUNCTIONS = """
CREATE FUNCTION kerbside_fix_bucket(hours double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN hours <= 48 THEN greatest(1, ceil(hours))::int
                WHEN hours <= 168 THEN (ceil(hours / 6) * 6)::int
                WHEN hours <= 720 THEN (ceil(hours / 24) * 24)::int
                ELSE (ceil(hours / 168) * 168)::int END
$$;

-- The cell of the 250 m EPSG:27700 hexagon grid (ST_Hexagon(250, i, j)) holding a WGS84 point: axial
-- coordinates of a flat-topped grid rounded in cube coordinates, then "odd-q" offsets (gis/hexagons.py).
CREATE FUNCTION kerbside_hex_cell(p geometry) RETURNS integer[]
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
END $$;

CREATE FUNCTION kerbside_perf_apply(r reports, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cats integer[] := ARRAY[r.category_id, 0];
    is_fixed boolean := r.status = 'fixed' AND r.fixed_at IS NOT NULL;
    is_open boolean := r.status IN ('new', 'confirmed', 'investigating', 'assigned', 'in_progress', 'reopened');
    hours double precision := extract(epoch FROM r.fixed_at - r.created_at) / 3600.0;
    target integer;
    cat integer;
    cell integer[];
BEGIN
    IF r.ward_id IS NULL OR r.status = 'unconfirmed' THEN
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
END $$;

CREATE FUNCTION kerbside_perf_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM kerbside_perf_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM kerbside_perf_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$;
"""

REBUILD = """
CREATE FUNCTION kerbside_perf_rebuild() RETURNS void LANGUAGE sql AS $$
TRUNCATE perf_daily, perf_fix_hours, perf_fix_hours_monthly, hex_daily;
WITH facts AS MATERIALIZED (
    SELECT r.category_id, (r.created_at AT TIME ZONE 'UTC')::date AS day, r.ward_id, r.created_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed,
           r.status IN ('new', 'confirmed', 'investigating', 'assigned', 'in_progress', 'reopened') AS is_open,
           extract(epoch FROM r.fixed_at - r.created_at) / 3600.0 AS hours, c.target_hours
    FROM reports r JOIN categories c ON c.id = r.category_id
    WHERE r.ward_id IS NOT NULL AND r.status <> 'unconfirmed'
)
INSERT INTO perf_daily (category_id, day, ward_id, reported, fixed, fixed_within, open, open_created_sum)
SELECT coalesce(category_id, 0), day, ward_id, count(*), count(*) FILTER (WHERE is_fixed),
       count(*) FILTER (WHERE is_fixed AND hours <= target_hours), count(*) FILTER (WHERE is_open),
       coalesce(sum(extract(epoch FROM created_at)) FILTER (WHERE is_open), 0)
FROM facts GROUP BY GROUPING SETS ((category_id, day, ward_id), (day, ward_id));
WITH fixes AS MATERIALIZED (
    SELECT category_id, (created_at AT TIME ZONE 'UTC')::date AS day, ward_id,
           kerbside_fix_bucket(extract(epoch FROM fixed_at - created_at) / 3600.0) AS bucket_hours
    FROM reports WHERE ward_id IS NOT NULL AND status = 'fixed' AND fixed_at IS NOT NULL
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
    FROM reports r CROSS JOIN LATERAL (SELECT ST_Transform(r.geom, 27700) AS g) t
    WHERE r.ward_id IS NOT NULL AND r.status <> 'unconfirmed'
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
$$;
"""


def upgrade():
    op.execute("""
CREATE TABLE perf_daily (
    category_id integer NOT NULL,
    day date NOT NULL,
    ward_id integer NOT NULL REFERENCES wards (id) ON DELETE CASCADE,
    reported integer NOT NULL DEFAULT 0,
    fixed integer NOT NULL DEFAULT 0,
    fixed_within integer NOT NULL DEFAULT 0,
    open integer NOT NULL DEFAULT 0,
    open_created_sum double precision NOT NULL DEFAULT 0,
    CONSTRAINT pk_perf_daily PRIMARY KEY (category_id, day, ward_id)
);
CREATE TABLE perf_fix_hours (
    category_id integer NOT NULL,
    day date NOT NULL,
    ward_id integer NOT NULL REFERENCES wards (id) ON DELETE CASCADE,
    bucket_hours integer NOT NULL,
    n integer NOT NULL DEFAULT 0,
    CONSTRAINT pk_perf_fix_hours PRIMARY KEY (category_id, day, ward_id, bucket_hours)
);
CREATE TABLE hex_daily (
    category_id integer NOT NULL,
    day date NOT NULL,
    ward_id integer NOT NULL REFERENCES wards (id) ON DELETE CASCADE,
    i integer NOT NULL,
    j integer NOT NULL,
    n integer NOT NULL DEFAULT 0,
    CONSTRAINT pk_hex_daily PRIMARY KEY (category_id, day, ward_id, i, j)
);
CREATE TABLE perf_fix_hours_monthly (
    category_id integer NOT NULL,
    month date NOT NULL,
    ward_id integer NOT NULL REFERENCES wards (id) ON DELETE CASCADE,
    bucket_hours integer NOT NULL,
    n integer NOT NULL DEFAULT 0,
    CONSTRAINT pk_perf_fix_hours_monthly PRIMARY KEY (category_id, month, ward_id, bucket_hours)
);
""")
    op.execute(FUNCTIONS)
    op.execute("CREATE TRIGGER reports_perf_track AFTER INSERT OR DELETE OR UPDATE OF status, fixed_at, "
               "created_at, ward_id, category_id, geom ON reports FOR EACH ROW EXECUTE FUNCTION kerbside_perf_track()")
    op.execute(REBUILD)
    op.execute("SELECT kerbside_perf_rebuild()")


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS reports_perf_track ON reports")
    op.execute("DROP FUNCTION IF EXISTS kerbside_perf_track()")
    op.execute("DROP FUNCTION IF EXISTS kerbside_perf_rebuild()")
    op.execute("DROP FUNCTION IF EXISTS kerbside_perf_apply(reports, integer)")
    op.execute("DROP FUNCTION IF EXISTS kerbside_fix_bucket(double precision)")
    op.execute("DROP FUNCTION IF EXISTS kerbside_hex_cell(geometry)")
    op.execute("DROP TABLE IF EXISTS hex_daily")
    op.execute("DROP TABLE IF EXISTS perf_fix_hours_monthly")
    op.execute("DROP TABLE IF EXISTS perf_fix_hours")
    op.execute("DROP TABLE IF EXISTS perf_daily")
