-- A report's contribution to the summaries, added (sign 1) or taken away (-1); category_id 0 holds every
-- category pooled. Reports the public may not see (kerbside_report_is_public) and reports outside every ward
-- count nowhere.
CREATE OR REPLACE FUNCTION public.kerbside_perf_apply(r reports, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cats integer[] := ARRAY[r.category_id, 0];
    is_fixed boolean := r.status = 'fixed' AND r.fixed_at IS NOT NULL;
    is_open boolean := r.status IN ({open_statuses});
    hours double precision := extract(epoch FROM r.fixed_at - r.created_at) / 3600.0;
    target integer;
    cat integer;
    cell integer[];
BEGIN
    IF r.ward_id IS NULL OR NOT kerbside_report_is_public(r.status, r.hidden) THEN
        RETURN;
    END IF;
    cell := kerbside_hex_cell(r.geom);
    SELECT target_hours INTO target FROM categories WHERE id = r.category_id;
    FOREACH cat IN ARRAY cats LOOP
        INSERT INTO perf_daily AS p (category_id, day, ward_id, reported, fixed, fixed_within, open,
                                     open_created_sum)
        VALUES (cat, (r.created_at AT TIME ZONE 'UTC')::date, r.ward_id, sign,
                CASE WHEN is_fixed THEN sign ELSE 0 END,
                CASE WHEN is_fixed AND hours <= target THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign * extract(epoch FROM r.created_at) ELSE 0 END)
        ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
            reported = p.reported + EXCLUDED.reported, fixed = p.fixed + EXCLUDED.fixed,
            fixed_within = p.fixed_within + EXCLUDED.fixed_within, open = p.open + EXCLUDED.open,
            open_created_sum = p.open_created_sum + EXCLUDED.open_created_sum;
        INSERT INTO hex_daily AS x (category_id, day, ward_id, i, j, n)
        VALUES (cat, (r.created_at AT TIME ZONE 'UTC')::date, r.ward_id, cell[1], cell[2], sign)
        ON CONFLICT (category_id, day, ward_id, i, j) DO UPDATE SET n = x.n + EXCLUDED.n;
        IF is_fixed THEN
            INSERT INTO perf_fix_hours AS h (category_id, day, ward_id, bucket_hours, n)
            VALUES (cat, (r.created_at AT TIME ZONE 'UTC')::date, r.ward_id, kerbside_fix_bucket(hours), sign)
            ON CONFLICT (category_id, day, ward_id, bucket_hours) DO UPDATE SET n = h.n + EXCLUDED.n;
            INSERT INTO perf_fix_hours_monthly AS hm (category_id, month, ward_id, bucket_hours, n)
            VALUES (cat, date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date, r.ward_id,
                    kerbside_fix_bucket(hours), sign)
            ON CONFLICT (category_id, month, ward_id, bucket_hours) DO UPDATE SET n = hm.n + EXCLUDED.n;
        END IF;
    END LOOP;
END $$
