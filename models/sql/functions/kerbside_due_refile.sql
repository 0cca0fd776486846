-- A category's target changed: each of its reports is due at its new time (see kerbside_set_due).
CREATE OR REPLACE FUNCTION public.kerbside_due_refile() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    UPDATE reports SET due_at = created_at + make_interval(hours => NEW.target_hours) WHERE category_id = NEW.id;
    RETURN NULL;
END $function$
