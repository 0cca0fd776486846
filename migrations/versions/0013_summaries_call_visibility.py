"""performance summaries ask kerbside_report_is_public, the one visibility rule, instead of spelling it

The trigger function and the rebuild carried their own copy of "not unconfirmed, not hidden" (0002, patched by
text replacement in 0009) and of the open statuses. They are now defined whole, here, from the same data as
Python: the public rule is ``kerbside_report_is_public`` (0011, generated from models.PUBLIC) and the open
statuses come from models.OPEN. Downgrade restores the 0009 predicates with the same templates.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

from models.status import OPEN

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _statuses(statuses) -> str:
    return ", ".join(f"'{s.value}'" for s in sorted(statuses, key=lambda s: s.value))


def apply_sql(skip: str, open_list: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION kerbside_perf_apply(r reports, sign integer) RETURNS void LANGUAGE plpgsql AS $function$
DECLARE
    cats integer[] := ARRAY[r.category_id, 0];
    is_fixed boolean := r.status = 'fixed' AND r.fixed_at IS NOT NULL;
    is_open boolean := r.status IN ({open_list});
    hours double precision := extract(epoch FROM r.fixed_at - r.created_at) / 3600.0;
    target integer;
    cat integer;
    cell integer[];
BEGIN
    IF {skip} THEN
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
END $function$"""


def rebuild_sql(public_r: str, public: str, open_list: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION kerbside_perf_rebuild() RETURNS void LANGUAGE sql AS $function$
TRUNCATE perf_daily, perf_fix_hours, perf_fix_hours_monthly, hex_daily;
WITH facts AS MATERIALIZED (
    SELECT r.category_id, (r.created_at AT TIME ZONE 'UTC')::date AS day, r.ward_id, r.created_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed,
           r.status IN ({open_list}) AS is_open,
           extract(epoch FROM r.fixed_at - r.created_at) / 3600.0 AS hours, c.target_hours
    FROM reports r JOIN categories c ON c.id = r.category_id
    WHERE r.ward_id IS NOT NULL AND {public_r}
)
INSERT INTO perf_daily (category_id, day, ward_id, reported, fixed, fixed_within, open, open_created_sum)
SELECT coalesce(category_id, 0), day, ward_id, count(*), count(*) FILTER (WHERE is_fixed),
       count(*) FILTER (WHERE is_fixed AND hours <= target_hours), count(*) FILTER (WHERE is_open),
       coalesce(sum(extract(epoch FROM created_at)) FILTER (WHERE is_open), 0)
FROM facts GROUP BY GROUPING SETS ((category_id, day, ward_id), (day, ward_id));
WITH fixes AS MATERIALIZED (
    SELECT category_id, (created_at AT TIME ZONE 'UTC')::date AS day, ward_id,
           kerbside_fix_bucket(extract(epoch FROM fixed_at - created_at) / 3600.0) AS bucket_hours
    FROM reports WHERE ward_id IS NOT NULL AND status = 'fixed' AND fixed_at IS NOT NULL AND {public}
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
    WHERE r.ward_id IS NOT NULL AND {public_r}
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
$function$"""


def _define(apply_skip: str, public_r: str, public: str) -> None:
    open_list = _statuses(OPEN)
    op.get_bind().exec_driver_sql(apply_sql(apply_skip, open_list).replace("%", "%%"))
    op.get_bind().exec_driver_sql(rebuild_sql(public_r, public, open_list).replace("%", "%%"))


def upgrade() -> None:
    _define("r.ward_id IS NULL OR NOT kerbside_report_is_public(r.status, r.hidden)",
            "kerbside_report_is_public(r.status, r.hidden)", "kerbside_report_is_public(status, hidden)")


def downgrade() -> None:
    _define("r.ward_id IS NULL OR r.status = 'unconfirmed' OR r.hidden",
            "r.status <> 'unconfirmed' AND NOT r.hidden", "NOT hidden")
