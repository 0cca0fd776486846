-- Keeps the performance summaries current: takes away the old row's contribution and adds the new row's, in
-- the same transaction as the change.
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
