"""Updates, following and support on a report's page; links emailed for them; the questionnaire."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db
from ..extensions import account_or_address, csrf_in_form, limiter, made
from ..forms import sent_a_link
from ..services import questionnaire, updates, visibility
from ..services.errors import DomainError, InvalidPhoto
from ..services.links import BadLink
from ..services.photos import KEY_RE, PhotoStore, process_photo
from . import bp
from .forms import ButtonForm, FollowForm, QuestionnaireForm, ReporterStatusForm, UpdateForm


def _store() -> PhotoStore:
    return PhotoStore(current_app.config["PHOTO_DIR"])


def _public_report(reference: str):
    """The report if the public may see it, else 404 (unknown, awaiting confirmation and hidden alike)."""
    report = visibility.report_for(db.session(), reference, None)
    if report is None:
        abort(404)
    return report


def _bad_link(exc: BadLink):
    return render_template("notices/bad_link.html", message=exc.message), 400


def _take_photos(form: UpdateForm, store: PhotoStore, form_ok: bool) -> list[str]:
    """New uploads processed into the pending store (the same rules as reports); earlier ones kept."""
    max_count = updates.MAX_PHOTOS
    keys = list(dict.fromkeys(k for k in (form.pending_photos.data or "").split(",")
                              if KEY_RE.match(k) and store.pending_exists(k)))[:max_count]
    uploads = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    if uploads and not form_ok:
        form.photos.errors.append("Your photos were not kept: add them again.")
        uploads = []
    if len(keys) + len(uploads) > max_count:
        form.photos.errors.append(f"You can add at most {max_count} photos.")
        uploads = uploads[: max(0, max_count - len(keys))]
    limit = current_app.config["PHOTO_MAX_BYTES"]
    for upload in uploads:
        try:
            keys.append(store.save_pending(process_photo(upload.stream.read(limit + 1), upload.filename,
                                                         max_bytes=limit)))
        except InvalidPhoto as exc:
            form.photos.errors.append(exc.message)
    form.pending_photos.data = ",".join(keys)
    return keys


@bp.route("/reports/<reference>/update", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("20 per hour", methods=["POST"], deduct_when=made)
@limiter.limit("30 per hour", methods=["POST"], key_func=account_or_address, deduct_when=made)
def add_update(reference: str):
    report = _public_report(reference)
    form = UpdateForm()
    status = 200
    if request.method == "POST":
        form_ok = form.validate_on_submit()
        store = _store()
        keys = _take_photos(form, store, form_ok)
        if form_ok and not form.errors:
            try:
                event = updates.add_update(db.session(), report, current_user, form.text.data, keys, store,
                                           email=form.email.data or "", name=form.your_name.data or "")
            except DomainError as exc:
                field = exc.field if exc.field in ("text", "photos", "email") else "text"
                getattr(form, field).errors.append(exc.message)
            else:
                if event.awaiting_confirmation:
                    return sent_a_link("update", form.email.data or "")
                flash("Thank you: your update is on the report's timeline.", "success")
                return redirect(url_for("reports.detail", reference=report.reference, _anchor="timeline"))
        status = 400
    return render_template("updates/add.html", form=form, report=report,
                           pending=[k for k in (form.pending_photos.data or "").split(",") if k]), status


@bp.route("/n/update/<token>", methods=["GET", "POST"])
@csrf_in_form
def confirm_update(token: str):
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report = updates.confirm_update(db.session(), token)
        except BadLink as exc:
            return _bad_link(exc)
        return render_template("notices/done.html", title="Update published",
                               message=f"Thank you: your update is on {report.reference}'s timeline.")
    return render_template("notices/confirm.html", form=form, title="Publish your update",
                           button="Publish my update"), 400 if form.errors else 200


@bp.route("/reports/<reference>/follow", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("20 per hour", methods=["POST"], deduct_when=made)
def follow(reference: str):
    report = _public_report(reference)
    form = FollowForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                at_once = updates.follow(db.session(), report, current_user, form.email.data or "")
            except DomainError as exc:
                form.email.errors.append(exc.message)
            else:
                if at_once:
                    flash(f"You follow {report.reference}: we will email you when it changes.", "success")
                    return redirect(url_for("reports.detail", reference=report.reference))
                return sent_a_link("follow", form.email.data or "")
        return render_template("updates/follow.html", form=form, report=report), 400
    return render_template("updates/follow.html", form=form, report=report)


@bp.route("/n/follow/<token>", methods=["GET", "POST"])
@csrf_in_form
def confirm_follow(token: str):
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report = updates.confirm_follow(db.session(), token)
        except BadLink as exc:
            return _bad_link(exc)
        return render_template("notices/done.html", title="You follow this report",
                               message=f"We will email you when {report.reference} changes. Every email has a "
                                       "link to stop.")
    return render_template("notices/confirm.html", form=form, title="Follow this report",
                           button="Send me this report's updates"), 400 if form.errors else 200


def _button(reference: str, act, done: str):
    """A button on the report's page (signed in): act, then back to the page with what happened."""
    session = db.session()
    report = visibility.report_for(session, reference, current_user)
    if report is None:
        abort(404)
    try:
        act(session, report)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("reports.detail", reference=report.reference)), 303
    flash(done, "success")
    return redirect(url_for("reports.detail", reference=report.reference))


@bp.post("/reports/<reference>/unfollow")
@login_required
def unfollow(reference: str):
    return _button(reference, lambda s, r: updates.unfollow(s, r, current_user),
                   "You no longer follow this report.")


@bp.post("/reports/<reference>/support/stop")
@login_required
def stop_supporting(reference: str):
    return _button(reference, lambda s, r: updates.stop_supporting(s, r, current_user),
                   "Your support is taken back, and you will get no more emails about this report.")


@bp.post("/reports/<reference>/reporter-status")
@login_required
def reporter_status(reference: str):
    form = ReporterStatusForm()
    if not form.validate_on_submit():
        flash(next(e for f in form for e in f.errors), "error")
        return redirect(url_for("reports.detail", reference=reference.upper()[:12])), 303
    fixed = form.action.data == "fixed"
    return _button(reference, lambda s, r: updates.reporter_sets_status(s, r, current_user, fixed),
                   "Thank you: the report is marked fixed." if fixed else
                   "The report is open again and back with the council.")


@bp.route("/n/fixed/<token>", methods=["GET", "POST"], endpoint="questionnaire")
@csrf_in_form
def questionnaire_page(token: str):
    form = QuestionnaireForm()
    try:
        report = questionnaire.report_for_token(db.session(), token)
    except BadLink as exc:
        return _bad_link(exc)
    if request.method == "POST":
        if form.validate_on_submit():
            choice = {"yes": True, "no": False}.get(form.fixed.data or "")
            if choice is None:
                form.fixed.errors.append("Choose whether it has been fixed.")
            else:
                try:
                    questionnaire.answer(db.session(), token, choice, form.comment.data or "")
                except BadLink as exc:
                    if "characters" in exc.message:
                        form.comment.errors.append(exc.message)
                    else:
                        return _bad_link(exc)
                else:
                    return render_template("notices/done.html", title="Thank you",
                                           message="Your answer is on the report's timeline.")
        return render_template("updates/questionnaire.html", form=form, report=report), 400
    return render_template("updates/questionnaire.html", form=form, report=report)

