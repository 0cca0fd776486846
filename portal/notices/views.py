"""Links from emails (reopen, rate, unsubscribe, confirm, claim) and "me too". The notification preferences
are on the account page (portal/account)."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from .. import db
from ..services.errors import DomainError
from ..services.support import support as add_support
from ..extensions import csrf_in_form
from ..services import link_actions, notifications, visibility
from ..services.links import BadLink
from . import bp
from ..forms import add_error
from .forms import ClaimForm, RateForm, TokenForm


def _bad_link(exc: BadLink):
    return render_template("notices/bad_link.html", message=exc.message), 400


# Links in emails confirm with a button (a GET must not change anything: mail scanners follow links).
def _confirm_link(act, done_title: str, done_message, title: str, button: str):
    """A page behind an emailed link: a GET only shows the button; the POST does ``act`` (once)."""
    form = TokenForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report = act(db.session())
        except BadLink as exc:
            return _bad_link(exc)
        return render_template("notices/done.html", title=done_title, message=done_message(report))
    return render_template("notices/confirm.html", form=form, title=title, button=button), \
        400 if form.errors else 200


@bp.route("/n/unsubscribe/<token>", methods=["GET", "POST"])
@csrf_in_form
def unsubscribe(token: str):
    return _confirm_link(lambda s: notifications.unsubscribe(s, token), "Unsubscribed",
                         lambda r: f"You will get no more emails about {r.reference}.",
                         "Stop emails about this report", "Stop emails about this report")


@bp.route("/n/reopen/<token>", methods=["GET", "POST"])
@csrf_in_form
def reopen(token: str):
    return _confirm_link(lambda s: link_actions.reopen_by_link(s, token), "Report reopened",
                         lambda r: f"Thank you: {r.reference} is open again and back with the council.",
                         "It is not fixed", "Reopen the report")


@bp.route("/n/rate/<token>", methods=["GET", "POST"])
@csrf_in_form
def rate(token: str):
    form = RateForm()
    if form.validate_on_submit():
        try:
            link_actions.rate_by_link(db.session(), token, form.score.data)
        except BadLink as exc:
            return _bad_link(exc)
        return render_template("notices/done.html", title="Thank you", message="Your rating is recorded.")
    return render_template("notices/rate.html", form=form), 400 if form.errors else 200


@bp.route("/reports/<reference>/support", methods=["GET", "POST"])
@login_required
def support(reference: str):
    """POST: "me too". A GET is where signing in leads back to after a "me too" sent while signed out (or when
    the session had ended): the report's page, with its "me too" button, instead of a 405."""
    session = db.session()
    report = visibility.report_for(session, reference, current_user)
    if report is None:          # unknown, unconfirmed or hidden: the same answer
        abort(404)
    if request.method == "GET":
        return redirect(url_for("reports.detail", reference=report.reference))
    try:
        added = add_support(session, report, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("reports.detail", reference=report.reference)), 303
    flash("Thank you: your support is added and you will get this report's updates." if added
          else "You already support this report.", "success")
    return redirect(url_for("reports.detail", reference=report.reference))


#: The page after a form that emails a link, by what the link is for: (title, message, template). ``{to}`` is
#: the address it went to. A form that sends an email redirects here (portal.http.sent_a_link).
CHECK_EMAIL = {
    "report": ("Check your email", "We have sent you a link. Follow it to confirm your report; until then it is "
                                    "not sent to the council. The link works for 7 days.", None),
    "alert": ("Check your email", "We have sent you a link. Follow it to start the alert. The link works for 7 "
                                   "days.", None),
    "update": ("Check your email", "We have sent you a link. Follow it to publish your update; until then nobody "
                                    "else sees it. The link works for 7 days.", None),
    "follow": ("Check your email", "We have sent you a link. Follow it to start getting this report's updates. "
                                    "The link works for 7 days.", None),
    "new-address": ("Check your new email address",
                    "We have sent a link to {to}. Follow it within 24 hours to make it your account’s address; "
                    "until then nothing changes and you log in with your present address. We have told your "
                    "present address too.", None),
    "register": ("Check your email", "", "account/register_sent.html"),
    "password": ("Check your email", "", "account/forgot_sent.html"),
}


@bp.get("/check-your-email/<what>")
def check_email(what: str):
    if what not in CHECK_EMAIL:
        abort(404)
    title, message, template = CHECK_EMAIL[what]
    to = session.get("sent_to") or "your address"
    if template:
        return render_template(template, email=to)
    return render_template("notices/done.html", title=title, message=message.format(to=to))


@bp.route("/n/confirm/<token>", methods=["GET", "POST"])
@csrf_in_form
def confirm(token: str):
    form = TokenForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report = link_actions.confirm_by_link(db.session(), token)
        except BadLink as exc:
            return _bad_link(exc)
        claim = link_actions.claim_token(db.session(), report.reporter) if report.reporter and not report.reporter.password_hash else None
        return render_template("notices/confirmed.html", report=report, claim=claim, form=TokenForm())
    return render_template("notices/confirm.html", form=form, title="Confirm your report",
                           button="Confirm my report"), 400 if form.errors else 200


@bp.route("/n/claim/<token>", methods=["GET", "POST"])
@csrf_in_form
def claim(token: str):
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            user = link_actions.claim_account(db.session(), token, form.password.data or "")
        except BadLink as exc:
            if "password" not in exc.message:
                return _bad_link(exc)
            add_error(form, "password", exc.message)
        else:
            login_user(user)
            flash("Your account is ready: your reports are under My reports.", "success")
            return redirect(url_for("reports.mine"))
    return render_template("notices/claim.html", form=form), 400 if form.errors else 200
