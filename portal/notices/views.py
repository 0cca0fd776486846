"""Links from emails (reopen, rate, unsubscribe) and the resident's contact preference."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db
from ..extensions import csrf_in_form
from ..services import notifications
from ..services.notifications import BadLink
from . import bp
from .forms import PreferencesForm, RateForm, TokenForm


def _bad_link(exc: BadLink):
    return render_template("notices/bad_link.html", message=exc.message), 400


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
@csrf_in_form
def preferences():
    form = PreferencesForm(data={"contact_preference": current_user.contact_preference})
    if request.method == "POST":
        form = PreferencesForm()
        if form.validate_on_submit():
            session = db.session()
            current_user.contact_preference = form.contact_preference.data
            session.add(current_user)
            session.commit()
            flash("Your contact preference is saved.", "success")
            return redirect(url_for("notices.preferences"))
    return render_template("notices/preferences.html", form=form), 400 if form.errors else 200


# Links in emails confirm with a button (a GET must not change anything: mail scanners follow links).
@bp.route("/n/unsubscribe/<token>", methods=["GET", "POST"])
@csrf_in_form
def unsubscribe(token: str):
    form = TokenForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report = notifications.unsubscribe(db.session(), token)
        except BadLink as exc:
            return _bad_link(exc)
        return render_template("notices/done.html", title="Unsubscribed",
                               message=f"You will get no more emails about {report.reference}.")
    return render_template("notices/confirm.html", form=form, title="Stop emails about this report",
                           button="Stop emails about this report"), 400 if form.errors else 200


@bp.route("/n/reopen/<token>", methods=["GET", "POST"])
@csrf_in_form
def reopen(token: str):
    form = TokenForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report = notifications.reopen_by_link(db.session(), token)
        except BadLink as exc:
            return _bad_link(exc)
        return render_template("notices/done.html", title="Report reopened",
                               message=f"Thank you: {report.reference} is open again and back with the council.")
    return render_template("notices/confirm.html", form=form, title="It is not fixed",
                           button="Reopen the report"), 400 if form.errors else 200


@bp.route("/n/rate/<token>", methods=["GET", "POST"])
@csrf_in_form
def rate(token: str):
    form = RateForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            notifications.rate_by_link(db.session(), token, int(form.score.data))
        except BadLink as exc:
            return _bad_link(exc)
        return render_template("notices/done.html", title="Thank you", message="Your rating is recorded.")
    if request.method == "POST" and not form.score.errors and form.score.data is None:
        form.score.errors = ["Choose a rating from 1 to 5."]
    return render_template("notices/rate.html", form=form), 400 if form.errors else 200
