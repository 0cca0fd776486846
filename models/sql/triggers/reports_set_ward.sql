CREATE TRIGGER reports_set_ward BEFORE INSERT OR UPDATE OF geom ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_set_ward()
