-- The bucket of a time to fix, in hours: hourly up to two days, then 6-hourly, daily, weekly.
CREATE OR REPLACE FUNCTION public.kerbside_fix_bucket(hours double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN hours <= 48 THEN greatest(1, ceil(hours))::int
                WHEN hours <= 168 THEN (ceil(hours / 6) * 6)::int
                WHEN hours <= 720 THEN (ceil(hours / 24) * 24)::int
                ELSE (ceil(hours / 168) * 168)::int END
$$
