"""What residents flagged for the moderators (services/flags.py): the list of flags waiting, the longest first,
and "dealt with" for each. The report's own page has the tools to change or hide what was flagged."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from .. import db
from ..forms import add_error, form_errors
from ..permissions import STAFF, roles_required
from ..services import flags
from ..services.errors import DomainError
from . import bp
from .forms import SettleFlagForm


def _page(failed_id: int | None = None, failed: SettleFlagForm | None = None, error: DomainError | None = None):
    found = flags.waiting(db.session())
    forms = {f.id: SettleFlagForm(formdata=None, id_suffix=str(f.id)) for f in found.flags}
    errors = []
    if failed is not None:
        forms[failed_id] = failed
        errors = form_errors(failed)
        if error is not None:
            errors.append(add_error(failed, error.field, error.message, fallback="flags"))
    return render_template("staff/flags.html", found=found, forms=forms, errors=errors), 400 if errors else 200


@bp.app_template_global("flags_waiting")
def _flags_waiting() -> int:
    """How many flags wait, for the staff menu (asked only where the menu shows staff links)."""
    return flags.waiting_count(db.session())


@bp.get("/flags", endpoint="flags")
@roles_required(*STAFF)
def flags_page():
    return _page()


@bp.post("/flags/<int:flag_id>/settle")
@roles_required(*STAFF)
def settle_flag(flag_id: int):
    form = SettleFlagForm(id_suffix=str(flag_id))
    if not form.validate_on_submit():
        return _page(flag_id, form)
    try:
        settled = flags.settle(db.session(), flag_id, current_user, form.outcome.data)
    except DomainError as exc:
        return _page(flag_id, form, exc)
    flash(f"{settled} flag{'s' if settled != 1 else ''} marked as dealt with.", "success")
    return redirect(url_for("staff.flags"))
