CREATE TRIGGER categories_due_refile AFTER UPDATE OF target_hours ON public.categories FOR EACH ROW
WHEN (OLD.target_hours IS DISTINCT FROM NEW.target_hours) EXECUTE FUNCTION kerbside_due_refile()
