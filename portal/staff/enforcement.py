"""Enforcement actions on a fly-tipping report, and the month's WasteDataFlow fly-tipping return as a table
and as CSV (staff only; the mapping of answers to the return is gis/flytipping_return.py's)."""
import csv
import io
from datetime import timedelta

from flask import Response, render_template, request
from flask_login import current_user

from gis import flytipping_return as wdf
from .. import db
from ..forms import add_error, form_errors
from ..permissions import STAFF, roles_required
from ..services import enforcement
from ..services.errors import DomainError
from ..services.text import csv_safe
from . import bp
from .enforcement_forms import EnforcementForm, RemoveEnforcementForm, ReturnMonthForm
from .views import _act

CSV_FIELDS = ("month", "section", "category", "count")


@bp.post("/reports/<reference>/enforcement")
@roles_required(*STAFF)
def record_enforcement(reference: str):
    form = EnforcementForm()
    return _act(reference, "enforcement", form,
                lambda s, r: enforcement.record_action(s, r, current_user, form.action.data, form.taken_on.data,
                                                       form.note.data or ""),
                "Enforcement action recorded.")


@bp.post("/reports/<reference>/enforcement/<int:action_id>/remove")
@roles_required(*STAFF)
def remove_enforcement(reference: str, action_id: int):
    form = RemoveEnforcementForm(id_suffix=str(action_id))
    return _act(reference, f"enforcement-remove-{action_id}", form,
                lambda s, r: enforcement.remove_action(s, r, action_id), "Enforcement action removed.")


def _month_return(form: ReturnMonthForm):
    """The chosen month's return (last month when none is chosen), or None and the errors to show."""
    form.validate()
    errors = form_errors(form)
    if errors:
        return None, errors
    today = enforcement.london_today()
    month = form.month.data
    if month is None:
        month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        form.month.data = month
    try:
        return enforcement.month_return(db.session(), month, today), []
    except DomainError as exc:
        return None, [add_error(form, exc.field, exc.message, fallback="wdf-month")]


@bp.get("/returns/fly-tipping")
@roles_required(*STAFF)
def flytipping_return():
    form = ReturnMonthForm(request.args)
    result, errors = _month_return(form)
    today = enforcement.london_today()
    partial = result is not None and result.month == today.replace(day=1)
    return render_template("staff/flytipping_return.html", form=form, result=result, errors=errors,
                           partial=partial, wdf=wdf,
                           mapping=enforcement.answer_mapping(db.session())), 400 if errors else 200


@bp.get("/returns/fly-tipping.csv")
@roles_required(*STAFF)
def flytipping_return_csv():
    form = ReturnMonthForm(request.args)
    result, errors = _month_return(form)
    if errors:
        return render_template("staff/flytipping_return.html", form=form, result=None, errors=errors,
                               partial=False, wdf=wdf,
                               mapping=enforcement.answer_mapping(db.session())), 400
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    writer.writerows([csv_safe(v) for v in row] for row in result.csv_rows())
    name = f"kerbside-fly-tipping-return-{result.month:%Y-%m}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
