"""Forgotten password: ask for a link, then choose a new password."""
import hashlib

from flask import flash, redirect, render_template, url_for
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from .. import db
from ..extensions import csrf_in_form, limiter
from ..forms import Form, sent_a_link
from ..services import password_reset
from ..services.errors import DomainError
from ..services.links import BadLink
from . import bp


class ForgotForm(Form):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address."), Length(max=254)])


class ResetForm(Form):
    password = PasswordField("New password", validators=[
        InputRequired("Choose a password."), Length(min=10, max=200, message="Use at least 10 characters.")],
        description="At least 10 characters.")
    confirm = PasswordField("New password again", validators=[
        InputRequired("Enter the password again."), EqualTo("password", "The two passwords do not match.")])


def _email_key() -> str:
    """Per address asked about, hashed: the shared rate-limit store never holds an address."""
    typed = (ForgotForm(meta={"csrf": False}).email.data or "").strip().lower()[:254]
    return "reset:" + hashlib.sha256(typed.encode()).hexdigest()


@bp.route("/password/forgot", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("10 per hour", methods=["POST"])                        # per address
@limiter.limit("3 per hour", methods=["POST"], key_func=_email_key)    # per account asked about
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        password_reset.request_reset(db.session(), form.email.data)
        return sent_a_link("password", form.email.data)
    return render_template("account/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    session = db.session()
    try:
        password_reset.user_for_token(session, token)
    except BadLink as exc:
        return render_template("notices/bad_link.html", message=exc.message,
                               retry_url=url_for("account.forgot_password"), retry_label="Ask for a new link"), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(session, token, form.password.data)
        except (BadLink, DomainError) as exc:
            form.password.errors.append(exc.message)
        else:
            flash("Your password has been changed. Log in with your new password.", "success")
            return redirect(url_for("account.login"))
    return render_template("account/reset.html", form=form), 400 if form.errors else 200
