-- The database, not the application, decides a report's ward from its point (ST_Covers: a point on a
-- boundary belongs to one ward, the lowest id, deterministically), and stores the same point in British
-- National Grid for metre-based clustering and hexagons, and the small area (LSOA) covering it for the fairness
-- page (looked up in the areas' subdivided pieces; the lowest id if two touch; `flask areas import` sets it for
-- every report when the areas change).
CREATE OR REPLACE FUNCTION public.kerbside_set_ward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.ward_id := (SELECT w.id FROM wards w WHERE ST_Covers(w.geom, NEW.geom) ORDER BY w.id LIMIT 1);
    NEW.geom_bng := ST_Transform(NEW.geom, 27700);
    NEW.area_id := (SELECT p.area_id FROM area_parts p WHERE ST_Covers(p.geom, NEW.geom) ORDER BY p.area_id LIMIT 1);
    RETURN NEW;
END
$$
