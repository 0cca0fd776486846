"""Our promises (/promises): each category's target time to fix and how often it is kept, this year and last,
by ward and by month, with where it is broken most; the same figures as CSV (/promises.csv)."""
from __future__ import annotations

import csv
import io

from flask import Response, render_template, request

from gis.measures import MIN_COUNT, data_end
from gis.promises import promise_by_month, promise_years, promises as all_promises

from .. import db
from ..services.text import csv_safe
from . import bp
from .figures import line_chart
from .filters import BadFilter
from .views import today

MONTHS = 24
CSV_FIELDS = ("category", "category_name", "target_hours", "ward_code", "ward_name", "year", "due_from", "due_to",
              "reports_due", "kept", "share_kept", "note")


def _figures(session):
    end = data_end(session, today())
    years = promise_years(end)
    return end, years, all_promises(session, years)


@bp.get("/promises")
def promises():
    session = db.session()
    end, years, rows = _figures(session)
    code = (request.args.get("category") or "all").strip()[:40]
    chosen = next((p for p in rows if p.code == code), None)
    if chosen is None:
        raise BadFilter(f"There is no category “{code}”. Choose one from the list, or all categories.")
    months = promise_by_month(session, chosen.category_id, end, MONTHS)
    chart = line_chart(f"{chosen.name}: share of the promise kept by month due", [m for m, _s in months],
                       [(chosen.name, "line-ward", [s.value if s.enough else None for _m, s in months])], "share")
    return render_template("maps/promises.html", rows=rows, chosen=chosen, years=years, months=months,
                           chart=chart, data_end=end if end < today() else None, min_count=MIN_COUNT)


@bp.get("/promises.csv")
def promises_csv():
    session = db.session()
    _end, years, rows = _figures(session)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for p in rows:
        for ward_code, ward_name, this, last in [("", "All wards", p.this_year, p.last_year),
                                                 *[(w.code, w.name, w.this_year, w.last_year) for w in p.wards]]:
            for label, window, share in (("this", years.this, this), ("last", years.last, last)):
                writer.writerow({k: csv_safe(v) for k, v in {
                    "category": p.code, "category_name": p.name, "target_hours": p.target_hours or "",
                    "ward_code": ward_code, "ward_name": ward_name, "year": label,
                    "due_from": window.start.isoformat(), "due_to": window.end.isoformat(),
                    "reports_due": share.of, "kept": share.yes,
                    # As on the pages: no share under MIN_COUNT reports due (the counts are still there).
                    "share_kept": f"{share.value:.4f}" if share.enough else "",
                    "note": "" if share.enough else "too few reports to say"}.items()})
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="kerbside-promises.csv"'})
