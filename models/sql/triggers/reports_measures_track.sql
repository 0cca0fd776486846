-- geom is listed because the ward follows it (reports_set_ward, a BEFORE trigger): an UPDATE that only moves
-- a report fires triggers "OF ward_id" only when ward_id is in its SET list, so without geom a moved report
-- stayed counted in its old ward.
CREATE TRIGGER reports_measures_track AFTER INSERT OR DELETE OR UPDATE OF status, fixed_at, created_at, ward_id, category_id, geom, hidden ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_measures_track()
