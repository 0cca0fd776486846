-- A report's due time (made + its category's service target), stored so that the triage queue and the dashboard
-- read it from an index instead of joining every open report to its category. Set here when a report is made or
-- its date or category changes; kerbside_due_refile sets it again for a category whose target changes.
CREATE OR REPLACE FUNCTION public.kerbside_set_due() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    NEW.due_at := NEW.created_at
        + make_interval(hours => (SELECT c.target_hours FROM categories c WHERE c.id = NEW.category_id));
    RETURN NEW;
END $function$
