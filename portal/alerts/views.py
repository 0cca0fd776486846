"""Alerts: the sign-up page, the emailed confirmation, one-click stop (RFC 8058) and the preferences page."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from models import Category, Ward

from .. import db
from ..extensions import account_or_address, csrf_in_form, limiter, made
from ..forms import sent_a_link
from ..services import alerts
from ..services.errors import DomainError
from ..services.links import BadLink
from ..services.text import ascii_int
from . import bp
from .forms import AlertForm, ButtonForm, FrequencyForm

FIELDS = {"kind", "place", "radius", "latitude", "longitude", "ward", "categories", "frequency", "email"}


def _choices(session, form: AlertForm) -> None:
    form.ward.choices = [SelectChoice("", "Choose a ward")] + [SelectChoice(w.code, w.name) for w in
                                                               session.scalars(select(Ward).order_by(Ward.name))]
    form.categories.choices = [SelectChoice(c.code, c.name) for c in session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.name))]


def _page(form, status=200, events_error: str = "", other_error: str = ""):
    """The page; ``events_error`` belongs to the "Tell me about" checkboxes (no single field holds it),
    ``other_error`` to no field (e.g. too many alerts)."""
    session = db.session()
    mine = alerts.alerts_of(session, current_user) if current_user.is_authenticated else []
    errors = form_errors_of(form) + [(anchor, message) for anchor, message in
                                     (("events", events_error), ("add-alert", other_error)) if message]
    return render_template("alerts/index.html", form=form, mine=mine, describe=alerts.describe,
                           errors=errors, events_error=events_error, often=_frequency_forms(mine)), status


def _frequency_forms(mine) -> dict:
    return {a.id: FrequencyForm(formdata=None, id_suffix=str(a.id), frequency=a.frequency) for a in mine}


def _change_frequency(change, back: str):
    """Read the "how often" form of one alert and ``change(frequency)``; back to ``back`` saying what happened."""
    form = FrequencyForm()
    if not form.validate_on_submit():
        flash(next(e for f in form for e in f.errors), "error")
        return redirect(back), 303
    try:
        alert = change(form.frequency.data or "")
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(back), 303
    flash(f"Saved: {alerts.describe(alert)}.", "success")
    return redirect(back)


def form_errors_of(form):
    from ..forms import form_errors
    return form_errors(form)


@bp.route("/alerts", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("20 per hour", methods=["POST"], deduct_when=made)
@limiter.limit("30 per hour", methods=["POST"], key_func=account_or_address, deduct_when=made)
def index():
    session = db.session()
    form = AlertForm()
    _choices(session, form)
    if request.method == "GET":
        # Opened from a neighbourhood page ("get an email when a problem is reported near ..."): that place;
        # from a ward's page: that ward (only a ward on the list is chosen).
        place = (request.args.get("place") or "").strip()[:120]
        ward = (request.args.get("ward") or "").strip()[:20]
        if place:
            form.kind.data, form.place.data = "radius", place
        elif any(c.value == ward for c in form.ward.choices if c.value):
            form.kind.data, form.ward.data = "ward", ward
        return _page(form)
    if form.validate_on_submit():
        radius = ascii_int(form.radius.data, 0, 100_000) if form.kind.data == "radius" else None
        req = alerts.AlertRequest(
            kind=form.kind.data or "", ward_code=form.ward.data or "", place=form.place.data or "",
            latitude=form.latitude.data or "", longitude=form.longitude.data or "",
            radius_m=radius, category_codes=list(form.categories.data or [])[:200],
            new_reports=form.new_reports.data, fixes=form.fixes.data, frequency=form.frequency.data or "",
            email=form.email.data or "")
        try:
            alert = alerts.create_alert(session, req, current_user)
        except DomainError as exc:
            if exc.field in FIELDS:
                getattr(form, exc.field).errors.append(exc.message)
            elif exc.field == "events":
                return _page(form, 400, events_error=exc.message)
            else:
                return _page(form, 400, other_error=exc.message)
        else:
            if alert.confirmed_at is None:
                return sent_a_link("alert", req.email)
            flash(f"Your alert is set: {alerts.describe(alert)}.", "success")
            return redirect(url_for("alerts.index"))
    return _page(form, 400)


@bp.post("/alerts/<int:alert_id>/remove")
@login_required
def remove(alert_id: int):
    try:
        alerts.remove_alert(db.session(), current_user, alert_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("alerts.index")), 303
    flash("The alert is stopped.", "success")
    return redirect(url_for("alerts.index"))


@bp.post("/alerts/<int:alert_id>/frequency")
@login_required
def frequency(alert_id: int):
    return _change_frequency(lambda f: alerts.change_frequency(db.session(), current_user, alert_id, f),
                             url_for("alerts.index", _anchor=f"alert-{alert_id}"))


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
@csrf_in_form
def confirm(token: str):
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            alert = alerts.confirm_alert(db.session(), token)
        except BadLink as exc:
            return render_template("notices/bad_link.html", message=exc.message), 400
        return render_template("notices/done.html", title="Your alert is set",
                               message=f"We will email you about {alerts.describe(alert)}. Every email has a link "
                                       "to stop it.")
    return render_template("notices/confirm.html", form=form, title="Start your alert",
                           button="Start my alert"), 400 if form.errors else 200


@bp.route("/alerts/stop/<token>", methods=["GET", "POST"])
@csrf_in_form      # the signed token is the authority: a mail client's one-click POST carries no CSRF token
def stop(token: str):
    if request.method == "GET":
        return render_template("alerts/stop.html", token=token)
    try:
        stopped = alerts.stop_by_link(db.session(), token)
    except BadLink as exc:
        return render_template("notices/bad_link.html", message=exc.message), 400
    return render_template("notices/done.html", title="Alert stopped",
                           message="You will get no more emails from this alert." if stopped
                           else "This alert was already stopped: you will get no more emails from it.")


@bp.get("/alerts/manage/<token>")
def manage(token: str):
    session = db.session()
    try:
        user = alerts.user_by_manage_link(session, token)
    except BadLink as exc:
        return render_template("notices/bad_link.html", message=exc.message), 400
    mine = alerts.alerts_of(session, user)
    return render_template("alerts/manage.html", mine=mine, describe=alerts.describe, token=token,
                           stop_tokens={a.id: alerts.stop_token(session, a) for a in mine},
                           often=_frequency_forms(mine))


@bp.post("/alerts/manage/<token>/<int:alert_id>/frequency")
def manage_frequency(token: str, alert_id: int):
    try:
        return _change_frequency(lambda f: alerts.change_frequency_by_link(db.session(), token, alert_id, f),
                                 url_for("alerts.manage", token=token, _anchor=f"alert-{alert_id}"))
    except BadLink as exc:
        return render_template("notices/bad_link.html", message=exc.message), 400
