-- Adds (sign 1) or takes away (sign -1) one report's part in the promise summaries
-- (perf_due_daily, perf_due_monthly, perf_flow_daily; migration 0015 explains them).
CREATE OR REPLACE FUNCTION public.kerbside_measures_apply(r reports, sign integer) RETURNS void LANGUAGE plpgsql AS $function$
DECLARE
    cats integer[] := ARRAY[r.category_id, 0];
    is_fixed boolean := r.status = 'fixed' AND r.fixed_at IS NOT NULL;
    is_open boolean := r.status IN ({open_statuses});
    due_at timestamptz;
    due_day date;
    made_day date := (r.created_at AT TIME ZONE 'UTC')::date;
    created double precision := extract(epoch FROM r.created_at);
    cat integer;
BEGIN
    IF r.ward_id IS NULL OR NOT kerbside_report_is_public(r.status, r.hidden) THEN
        RETURN;
    END IF;
    SELECT r.created_at + make_interval(hours => target_hours) INTO due_at FROM categories WHERE id = r.category_id;
    due_day := (due_at AT TIME ZONE 'UTC')::date;
    FOREACH cat IN ARRAY cats LOOP
        INSERT INTO perf_due_daily AS d (category_id, day, ward_id, due, kept, late, open, closed)
        VALUES (cat, due_day, r.ward_id, sign,
                CASE WHEN is_fixed AND r.fixed_at <= due_at THEN sign ELSE 0 END,
                CASE WHEN is_fixed AND r.fixed_at > due_at THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign ELSE 0 END,
                CASE WHEN NOT is_fixed AND NOT is_open THEN sign ELSE 0 END)
        ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
            due = d.due + EXCLUDED.due, kept = d.kept + EXCLUDED.kept, late = d.late + EXCLUDED.late,
            open = d.open + EXCLUDED.open, closed = d.closed + EXCLUDED.closed;
        INSERT INTO perf_due_monthly AS m (category_id, month, ward_id, due, kept, late, open, closed)
        VALUES (cat, date_trunc('month', due_day)::date, r.ward_id, sign,
                CASE WHEN is_fixed AND r.fixed_at <= due_at THEN sign ELSE 0 END,
                CASE WHEN is_fixed AND r.fixed_at > due_at THEN sign ELSE 0 END,
                CASE WHEN is_open THEN sign ELSE 0 END,
                CASE WHEN NOT is_fixed AND NOT is_open THEN sign ELSE 0 END)
        ON CONFLICT (category_id, month, ward_id) DO UPDATE SET
            due = m.due + EXCLUDED.due, kept = m.kept + EXCLUDED.kept, late = m.late + EXCLUDED.late,
            open = m.open + EXCLUDED.open, closed = m.closed + EXCLUDED.closed;
        IF is_fixed OR is_open THEN
            INSERT INTO perf_flow_daily AS f (category_id, day, ward_id, came_in, came_in_sum)
            VALUES (cat, made_day, r.ward_id, sign, sign * created)
            ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
                came_in = f.came_in + EXCLUDED.came_in, came_in_sum = f.came_in_sum + EXCLUDED.came_in_sum;
        END IF;
        IF is_fixed THEN
            INSERT INTO perf_flow_daily AS f (category_id, day, ward_id, fixed, fixed_created_sum)
            VALUES (cat, (r.fixed_at AT TIME ZONE 'UTC')::date, r.ward_id, sign, sign * created)
            ON CONFLICT (category_id, day, ward_id) DO UPDATE SET
                fixed = f.fixed + EXCLUDED.fixed, fixed_created_sum = f.fixed_created_sum + EXCLUDED.fixed_created_sum;
        END IF;
    END LOOP;
END $function$
