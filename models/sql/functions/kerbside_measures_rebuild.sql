-- Rebuilds the promise summaries from the reports.
CREATE OR REPLACE FUNCTION public.kerbside_measures_rebuild() RETURNS void LANGUAGE sql AS $function$
TRUNCATE perf_due_daily, perf_due_monthly, perf_flow_daily;
WITH facts AS MATERIALIZED (
    SELECT r.category_id, r.ward_id, r.created_at, r.fixed_at,
           r.created_at + make_interval(hours => c.target_hours) AS due_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed, r.status IN ({open_statuses}) AS is_open
    FROM reports r JOIN categories c ON c.id = r.category_id
    WHERE r.ward_id IS NOT NULL AND kerbside_report_is_public(r.status, r.hidden))
INSERT INTO perf_due_daily (category_id, day, ward_id, due, kept, late, open, closed)
SELECT coalesce(category_id, 0), day, ward_id, count(*), count(*) FILTER (WHERE is_fixed AND fixed_at <= due_at),
       count(*) FILTER (WHERE is_fixed AND fixed_at > due_at), count(*) FILTER (WHERE is_open),
       count(*) FILTER (WHERE NOT is_fixed AND NOT is_open)
FROM (SELECT *, (due_at AT TIME ZONE 'UTC')::date AS day FROM facts) f
GROUP BY GROUPING SETS ((category_id, day, ward_id), (day, ward_id));
INSERT INTO perf_due_monthly (category_id, month, ward_id, due, kept, late, open, closed)
SELECT category_id, date_trunc('month', day)::date, ward_id, sum(due), sum(kept), sum(late), sum(open), sum(closed)
FROM perf_due_daily GROUP BY 1, 2, 3;
WITH facts AS MATERIALIZED (
    SELECT r.category_id, r.ward_id, r.created_at, r.fixed_at,
           r.created_at + make_interval(hours => c.target_hours) AS due_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed, r.status IN ({open_statuses}) AS is_open
    FROM reports r JOIN categories c ON c.id = r.category_id
    WHERE r.ward_id IS NOT NULL AND kerbside_report_is_public(r.status, r.hidden))
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
$function$
