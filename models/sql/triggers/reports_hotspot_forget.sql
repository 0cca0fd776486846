CREATE TRIGGER reports_hotspot_forget AFTER DELETE OR UPDATE OF status, hidden, geom, category_id, created_at ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_hotspot_forget()
