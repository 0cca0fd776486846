"""Flag a report, or one entry of its public timeline, for the moderators (services/flags.py): offensive,
someone's personal details, wrong. Anyone who may see it may flag it, signed in or not."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import db
from ..extensions import account_or_address, csrf_in_form, limiter, made
from ..services import flags
from ..services.errors import DomainError
from . import bp
from .forms import FlagForm
from .views import _public_report


def _entry_id() -> int | None:
    """The ``update`` query parameter: an entry's id, or None for the report itself (junk: 404)."""
    raw = request.args.get("update")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        abort(404)
    return int(raw)


@bp.route("/reports/<reference>/flag", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("10 per hour", methods=["POST"], deduct_when=made)                                # per address
@limiter.limit("20 per hour", methods=["POST"], key_func=account_or_address, deduct_when=made)    # per account
def flag(reference: str):
    report = _public_report(reference)
    event_id = _entry_id()
    entry = flags.public_entry(report, event_id)
    if event_id is not None and entry is None:
        abort(404)                      # hidden, internal, of another report or none: nothing to tell apart
    form = FlagForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                flags.flag(db.session(), report, current_user, form.reason.data, form.message.data,
                           form.email.data or "", event_id)
            except DomainError as exc:
                getattr(form, exc.field if exc.field in ("reason", "message") else "reason").errors.append(exc.message)
            else:
                flash("Thank you: the council's moderators will look at it.", "success")
                anchor = f"entry-{entry.id}" if entry is not None else None
                return redirect(url_for("reports.detail", reference=report.reference, _anchor=anchor))
        return render_template("updates/flag.html", form=form, report=report, entry=entry), 400
    return render_template("updates/flag.html", form=form, report=report, entry=entry)
