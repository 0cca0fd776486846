CREATE TRIGGER reports_perf_track AFTER INSERT OR DELETE
OR UPDATE OF status, fixed_at, created_at, ward_id, category_id, geom, hidden ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_perf_track()
