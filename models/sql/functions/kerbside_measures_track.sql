-- Keeps the promise summaries current in the same transaction as a report's change.
CREATE OR REPLACE FUNCTION public.kerbside_measures_track() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM kerbside_measures_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM kerbside_measures_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $function$
