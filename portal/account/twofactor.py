"""The second sign-in step for staff and admin accounts (see services/twofactor.py).

After a right password such an account is *not* logged in: the session only remembers, for ten minutes, which
account is half-way (its id and session version). The code page (or, for an account without an authenticator
yet, the set-up page) finishes the sign-in. A staff session without a second factor (made before two-factor
sign-in was required, or whose factor an administrator reset) is sent to set one up before any other page.
"""
from __future__ import annotations

import time

import segno
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from models import User

from .. import db
from ..extensions import csrf_in_form, limiter
from ..forms import Form
from ..services import twofactor
from ..services.errors import DomainError
from . import bp
from .redirects import safe_next

PENDING = "pending_login"
PENDING_SECONDS = 600
#: Requests that never show anything to a half-signed-in staff member: no enrolment detour for them.
UNGATED = {"static", "assets.vendor", "main.favicon", "main.healthz", "account.logout",
           "account.enrol_two_factor", "account.two_factor"}


class CodeForm(Form):
    code = StringField("Code", validators=[InputRequired("Enter the code from your authenticator app."),
                                           Length(max=40, message="That is not a code we sent or your app shows.")],
                       description="The 6-digit code your authenticator app shows now, or one of your recovery "
                                   "codes.")


class EnrolForm(Form):
    code = StringField("Code from the app", validators=[
        InputRequired("Enter the 6-digit code your app shows."),
        Length(max=40, message="Enter the 6-digit code your app shows.")],
        description="After adding Kerbside to the app, enter the 6-digit code it shows.")


def begin(user: User, remember: bool, next_url: str | None):
    """Remember a half-finished sign-in and send the user to the second step."""
    flask_session[PENDING] = {"u": user.id, "v": user.session_version, "r": bool(remember),
                              "n": next_url or "", "t": int(time.time())}
    endpoint = "account.two_factor" if user.two_factor_enabled else "account.enrol_two_factor"
    return redirect(url_for(endpoint), 303)


def _pending() -> tuple[User, dict] | None:
    data = flask_session.get(PENDING)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("u", "v", "t")):
        return None
    if not 0 <= time.time() - data["t"] <= PENDING_SECONDS:
        return None
    user = db.session().get(User, data["u"])
    if user is None or not user.active or user.session_version != data["v"] or not twofactor.required_for(user):
        return None
    return user, data


def _finish(user: User, data: dict) -> str:
    """Log the user in (as the password step would have) and return where to go next."""
    flask_session.pop(PENDING, None)
    flask_session.permanent = True
    login_user(user, remember=bool(data.get("r")))
    return safe_next(data.get("n") or None)


def _start_again():
    flask_session.pop(PENDING, None)
    flash("Your sign-in took too long or has ended. Please log in again.", "info")
    return redirect(url_for("account.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def two_factor():
    pending = _pending()
    if pending is None:
        return _start_again()
    user, data = pending
    if not user.two_factor_enabled:
        return redirect(url_for("account.enrol_two_factor"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            how = twofactor.verify(db.session(), user, form.code.data)
        except DomainError as exc:
            form.code.errors.append(exc.message)
            status = 429 if isinstance(exc, twofactor.CodeLockedOut) else 400
        else:
            target = _finish(user, data)
            flash(f"You are logged in as {user.display_name}.", "success")
            if how == "recovery":
                left = twofactor.recovery_codes_left(db.session(), user)
                flash(f"You used a recovery code: {left} left. If you lost your phone, ask an administrator to "
                      "reset your two-factor sign-in.", "info")
            return redirect(target)
    elif form.errors:
        status = 400
    return render_template("account/two_factor.html", form=form), status


def qr_code(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (made here, not fetched from anywhere)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1))


@bp.route("/login/enrol", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def enrol_two_factor():
    pending = _pending()
    if pending is None:
        return _start_again()
    user, data = pending
    if user.two_factor_enabled:
        return redirect(url_for("account.two_factor"))
    session = db.session()
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(session, user, form.code.data)
        except DomainError as exc:
            form.code.errors.append(exc.message)
            status = 429 if isinstance(exc, twofactor.CodeLockedOut) else 400
        else:
            target = _finish(user, data)
            response = make_response(render_template("account/recovery_codes.html", codes=codes, next_url=target))
            response.headers["Cache-Control"] = "no-store"
            return response
    elif form.errors:
        status = 400
    secret = twofactor.start_enrolment(session, user)
    issuer = f"Kerbside {current_app.config['COUNCIL_NAME']}"
    response = make_response(render_template(
        "account/enrol.html", form=form, secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        qr=qr_code(twofactor.provisioning_uri(user, secret, issuer)), issuer=issuer, email=user.email), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def _second_factor_first():
    """A signed-in staff account without a second factor sees nothing else until it sets one up."""
    if request.endpoint in UNGATED or request.blueprint == "open311":
        return None
    if not current_user.is_authenticated or not twofactor.required_for(current_user) \
            or current_user.two_factor_enabled:
        return None
    user = current_user._get_current_object()
    logout_user()
    flash("Staff accounts sign in with a second step: set up your authenticator app to go on.", "info")
    return begin(user, remember=False, next_url=request.full_path.rstrip("?") if request.method == "GET" else None)
