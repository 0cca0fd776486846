-- The cell of the 250 m EPSG:27700 hexagon grid (ST_Hexagon(250, i, j)) holding a WGS84 point: axial
-- coordinates of a flat-topped grid rounded in cube coordinates, then "odd-q" offsets (gis/hexagons.py).
CREATE OR REPLACE FUNCTION public.kerbside_hex_cell(p geometry) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    t geometry := ST_Transform(p, 27700);
    q double precision := (2.0 / 3 * ST_X(t)) / 250;
    r double precision := (-1.0 / 3 * ST_X(t) + sqrt(3) / 3 * ST_Y(t)) / 250;
    s double precision := -q - r;
    rq integer := round(q);
    rr integer := round(r);
    rs integer := round(s);
BEGIN
    IF abs(rq - q) > abs(rr - r) AND abs(rq - q) > abs(rs - s) THEN
        rq := -rr - rs;
    ELSIF abs(rr - r) > abs(rs - s) THEN
        rr := -rq - rs;
    END IF;
    RETURN ARRAY[rq, rr + (rq - (rq & 1)) / 2];
END $$
