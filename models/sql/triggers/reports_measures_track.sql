CREATE TRIGGER reports_measures_track AFTER INSERT OR DELETE OR UPDATE OF status, fixed_at, created_at, ward_id, category_id, hidden ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_measures_track()
