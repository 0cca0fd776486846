-- The database, not the application, decides a report's ward from its point (ST_Covers: a point on a
-- boundary belongs to one ward, the lowest id, deterministically), and stores the same point in British
-- National Grid for metre-based clustering and hexagons.
CREATE OR REPLACE FUNCTION public.kerbside_set_ward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.ward_id := (SELECT w.id FROM wards w WHERE ST_Covers(w.geom, NEW.geom) ORDER BY w.id LIMIT 1);
    NEW.geom_bng := ST_Transform(NEW.geom, 27700);
    RETURN NEW;
END
$$
