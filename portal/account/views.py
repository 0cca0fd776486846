import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_required, login_user, logout_user

from .. import db
from ..extensions import csrf_in_form, limiter
from ..forms import sent_a_link
from ..services.errors import DomainError
from ..services import accounts, alerts, email_change, registration, twofactor
from ..services.links import BadLink
from . import bp
from . import twofactor as second_step
from .redirects import safe_next
from .forms import (ChangeEmailForm, ChangePasswordForm, DeleteAccountForm, LoginForm, LogoutForm,
                    NotificationsForm, RegisterForm)


@bp.route("/register", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("10 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        registration.start_registration(db.session(), email=form.email.data, password=form.password.data,
                                        display_name=form.display_name.data)
        return sent_a_link("register", form.email.data)
    return render_template("account/register.html", form=form), 400 if form.errors else 200


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@csrf_in_form
def confirm_registration(token: str):
    form = LogoutForm()    # an empty form: just the CSRF token behind the button
    if request.method == "POST" and form.validate_on_submit():
        try:
            user = registration.confirm_registration(db.session(), token)
        except BadLink as exc:
            return render_template("notices/bad_link.html", message=exc.message,
                                   retry_url=url_for("account.register"), retry_label="Sign up again"), 400
        if twofactor.required_for(user):        # the link proves the address, not the second factor
            flash("Your email address is confirmed. Sign in with your second step to go on.", "success")
            return second_step.begin(user, remember=False, next_url=None)
        flask_session.permanent = True
        login_user(user)
        flash("Welcome to Kerbside. Your account is ready.", "success")
        return redirect(url_for("reports.mine"))
    return render_template("account/register_confirm.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session(), form.email.data, form.password.data)
        except accounts.LockedOut as exc:
            form.email.errors.append(exc.message)
            return render_template("account/login.html", form=form), 429
        except accounts.NotConfirmed as exc:
            registration.resend_confirmation(db.session(), exc.user)
            form.email.errors.append(exc.message)
            return render_template("account/login.html", form=form), 400
        if user is not None and twofactor.required_for(user):
            return second_step.begin(user, form.remember.data, request.args.get("next"))
        if user is not None:
            flask_session.permanent = True
            login_user(user, remember=form.remember.data)
            flash(f"You are logged in as {user.display_name}.", "success")
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("That email address and password do not match an account.")
    return render_template("account/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    LogoutForm()  # the global check has verified its CSRF token already
    logout_user()
    flash("You have logged out.", "success")
    response = redirect(url_for("main.home"))
    # What a crew's phone kept for use without signal (job cards, completions not yet sent) goes with the session.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/account")
@login_required
def settings():
    return _settings_page()


def _notifications_form() -> NotificationsForm:
    user = current_user
    return NotificationsForm(data={"contact_preference": user.contact_preference, "updates": user.notify_updates,
                                   "questionnaire": user.notify_questionnaire, "digest": user.notify_digest})


def _settings_page(delete_form=None, password_form=None, email_form=None, notifications_form=None):
    """The one account page: email, password, notifications, sessions, data. Each form posts to its own
    route, which shows this page again with that form's errors (400)."""
    session = db.session()
    return render_template("account/settings.html", delete_form=delete_form or DeleteAccountForm(),
                           password_form=password_form or ChangePasswordForm(),
                           email_form=email_form or ChangeEmailForm(formdata=None),
                           notifications_form=notifications_form or _notifications_form(),
                           my_alerts=alerts.alerts_of(session, current_user), describe_alert=alerts.describe,
                           codes_left=twofactor.recovery_codes_left(session, current_user)
                           if current_user.two_factor_enabled else None)


@bp.post("/account/email")
@login_required
@csrf_in_form
@limiter.limit("5 per hour")
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            email_change.request_change(db.session(), current_user._get_current_object(),
                                        form.email_password.data, form.new_email.data)
        except DomainError as exc:
            (form.email_password if exc.field == "password" else form.new_email).errors.append(exc.message)
        else:
            return sent_a_link("new-address", form.new_email.data)
    return _settings_page(email_form=form), 400


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@csrf_in_form
def confirm_email(token: str):
    """Behind the link sent to the new address: a GET only shows the button (mail scanners follow links)."""
    form = LogoutForm()    # an empty form: just the CSRF token behind the button
    session = db.session()
    retry = {"retry_url": url_for("account.settings"), "retry_label": "Go to your account page"}
    try:
        if request.method == "POST" and form.validate_on_submit():
            signed_in_as = current_user.id if current_user.is_authenticated else None   # before the version moves
            user = email_change.confirm_change(session, token)
            if signed_in_as == user.id:
                login_user(user)       # this session carries the new version; every other one has ended
            flash(f"Your email address is now {user.email}. Every other device has been logged out.", "success")
            return redirect(url_for("account.settings") if signed_in_as is not None else url_for("account.login"))
        _, address = email_change.check_link(session, token)
    except BadLink as exc:
        return render_template("notices/bad_link.html", message=exc.message, **retry), 400
    return render_template("notices/confirm.html", form=form, title="Confirm your new email address",
                           message=f"Make {address} the email address of your Kerbside account. Every device "
                                   "logged in to the account will be logged out.",
                           button="Use this address for my account"), 400 if form.errors else 200


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
@csrf_in_form
def notifications():
    """Every email preference at once. Its old address (in the footer of sent emails) opens the account page."""
    if request.method == "GET":
        return redirect(url_for("account.settings", _anchor="notifications"))
    form = NotificationsForm()
    if form.validate_on_submit():
        try:
            accounts.set_notifications(db.session(), current_user._get_current_object(),
                                       contact=form.contact_preference.data, updates=form.updates.data,
                                       questionnaire=form.questionnaire.data, digest=form.digest.data)
        except DomainError as exc:
            form.contact_preference.errors.append(exc.message)
        else:
            flash("Your notification preferences are saved.", "success")
            return redirect(url_for("account.settings", _anchor="notifications"))
    return _settings_page(notifications_form=form), 400


@bp.post("/account/password")
@login_required
@csrf_in_form
@limiter.limit("10 per hour")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(db.session(), user, form.current.data, form.new.data)
        except DomainError as exc:
            getattr(form, exc.field or "current").errors.append(exc.message)
        else:
            login_user(user)         # this session carries the new version; every other one has ended
            flash("Your password is changed, and every other device is logged out.", "success")
            return redirect(url_for("account.settings"))
    return _settings_page(password_form=form), 400


@bp.post("/account/sessions/end")
@login_required
def end_other_sessions():
    user = current_user._get_current_object()
    accounts.end_sessions(db.session(), user)
    login_user(user)         # this session carries the new version; every other one has ended
    flash("You are logged out of every other device.", "success")
    return redirect(url_for("account.settings"))


@bp.get("/account/data.json")
@login_required
def data_export():
    body = json.dumps(accounts.export_user_data(db.session(), current_user), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="kerbside-my-data.json"',
                             "Cache-Control": "no-store"})


@bp.route("/account/delete", methods=["POST"])
@login_required
@csrf_in_form
@limiter.limit("10 per hour")
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        check = accounts.check_password(current_user, form.password.data)
        if check:
            user = current_user._get_current_object()
            logout_user()
            kept = accounts.delete_account(db.session(), user)
            flash(f"Your account has been deleted. {kept} report(s) stay on the public record without your name.",
                  "success")
            return redirect(url_for("main.home"))
        form.password.errors.append("That password is not right.")
    return _settings_page(delete_form=form), 400
