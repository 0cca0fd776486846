-- A report that stops being public (hidden, withdrawn, deleted), or is moved, re-categorised or re-dated, takes
-- every stored hotspot list whose window held it with it (gis/hotspots.py): the next reader computes it afresh.
-- Reports that become public wait for the worker's next round (the pages say how fresh the lists are).
CREATE OR REPLACE FUNCTION public.kerbside_hotspot_forget() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    IF kerbside_report_is_public(OLD.status, OLD.hidden) AND (TG_OP = 'DELETE'
            OR NOT kerbside_report_is_public(NEW.status, NEW.hidden) OR NEW.geom IS DISTINCT FROM OLD.geom
            OR NEW.category_id <> OLD.category_id OR NEW.created_at <> OLD.created_at) THEN
        DELETE FROM hotspot_cache
        WHERE since <= OLD.created_at AND until > OLD.created_at AND category_id IN (0, OLD.category_id);
    END IF;
    RETURN NULL;
END $function$
