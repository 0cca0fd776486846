CREATE TRIGGER reports_set_due BEFORE INSERT OR UPDATE OF created_at, category_id ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_set_due()
