-- What the public may see: a public status (models.PUBLIC) and not hidden by a moderator. The same rule as
-- portal.services.visibility, for SQL (hotspots, the summary triggers). LANGUAGE sql and STABLE, so the
-- planner inlines it and a status index still serves.
CREATE OR REPLACE FUNCTION public.kerbside_report_is_public(status report_status, hidden boolean)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT status = ANY (ARRAY[{public_statuses}]::report_status[]) AND NOT hidden
$$
