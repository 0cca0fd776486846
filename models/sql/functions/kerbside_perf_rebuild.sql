-- Rebuilds every summary table from the reports (after a migration that changes what counts).
CREATE OR REPLACE FUNCTION public.kerbside_perf_rebuild() RETURNS void LANGUAGE sql AS $$
TRUNCATE perf_daily, perf_fix_hours, perf_fix_hours_monthly, hex_daily;
WITH facts AS MATERIALIZED (
    SELECT r.category_id, (r.created_at AT TIME ZONE 'UTC')::date AS day, r.ward_id, r.created_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed,
           r.status IN ({open_statuses}) AS is_open,
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
