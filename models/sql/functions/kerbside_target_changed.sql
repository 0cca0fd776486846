-- A category's target changed: every report is re-filed under its new due day.
CREATE OR REPLACE FUNCTION public.kerbside_target_changed() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    PERFORM kerbside_perf_rebuild();
    PERFORM kerbside_measures_rebuild();
    RETURN NULL;
END $function$
