"""A crew member's jobs, made for a phone: the route (from the depot, a postcode, a street or the phone's
position), each job's card (safety notes, priority, due time, a small map), start, complete, "can't complete";
and the service worker that keeps them usable without signal (static/js/crew-sw.js, scope /crew/)."""
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from models import Role

from .. import db
from ..forms import add_error, form_errors
from ..permissions import roles_required
from ..services import crews
from ..services.errors import DomainError, NotAllowed
from ..services.photos import PhotoStore, process_photo
from . import bp
from .forms import CantCompleteForm, CompleteForm, RouteStartForm, StartForm

CREW_ROLES = (Role.CREW, Role.STAFF, Role.ADMIN)


def _job(reference: str):
    try:
        return crews.job_by_reference(db.session(), reference)
    except crews.UnknownJob:
        abort(404)


def _wants_json() -> bool:
    """The phone's queue (static/js/crew-offline.js) sends completions with fetch and reads JSON back."""
    return request.accept_mimetypes.best == "application/json"


@bp.get("/jobs")
@roles_required(*CREW_ROLES)
def jobs():
    session = db.session()
    crew = crews.crew_of(session, current_user)
    where = RouteStartForm(request.args)
    start = None
    if where.validate():
        try:
            start = crews.start_from(session, where.place.data, where.lat.data, where.lon.data)
        except DomainError as exc:
            add_error(where, "place", exc.message)
    elif where.lat.errors or where.lon.errors:
        where.lat.errors = where.lon.errors = []
        add_error(where, "place", "Your phone's position could not be used. Enter a postcode or a street name.")
    route = crews.route(session, crew, start.point if start else None) if crew else []
    errors = form_errors(where)
    return render_template("crew/jobs.html", crew=crew, route=route, start=start, where=where,
                           errors=errors), 400 if errors else 200


@bp.get("/jobs/<reference>")
@roles_required(*CREW_ROLES)
def job(reference: str):
    report = _job(reference)
    try:
        card = crews.job_card(db.session(), report, current_user)
    except NotAllowed as exc:
        abort(403, exc.message)
    return _card(card)


def _card(card, complete=None, cant=None, errors=(), code=200):
    ref = card.report.reference
    return render_template(
        "crew/job.html", card=card, errors=list(errors),
        start_form=StartForm(formdata=None, id_suffix=ref),
        complete_form=complete or CompleteForm(formdata=None, id_suffix=ref),
        cant_form=cant or CantCompleteForm(formdata=None, id_suffix=ref)), code


def _act(reference: str, form, action, done: str):
    """Refusals come back on the job card, with what was typed kept; success goes back to the list."""
    report = _job(reference)
    try:
        if not form.validate_on_submit():
            raise DomainError(next((e for _, e in form_errors(form)), "Check the form and send it again."))
        message = action(db.session(), report) or done
    except NotAllowed as exc:
        if _wants_json():
            return jsonify(error=exc.message), 403
        abort(403, exc.message)
    except DomainError as exc:
        if _wants_json():
            return jsonify(error=exc.message), 400
        errors = form_errors(form) or [add_error(form, exc.field, exc.message)]
        try:
            card = crews.job_card(db.session(), report, current_user)
        except NotAllowed:
            abort(403)
        kept = ({"cant": form} if isinstance(form, CantCompleteForm) else
                {"complete": form} if isinstance(form, CompleteForm) else {})
        return _card(card, errors=errors, code=400, **kept)
    flash(message, "success")            # also after a queued completion: the next page says it went through
    if _wants_json():
        return jsonify(done=True, message=message)
    return redirect(url_for("crew.jobs"))


@bp.post("/jobs/<reference>/start")
@roles_required(*CREW_ROLES)
def start(reference: str):
    return _act(reference, StartForm(), lambda s, r: crews.start_job(s, r, current_user), "Job started.")


@bp.post("/jobs/<reference>/complete")
@roles_required(*CREW_ROLES)
def complete(reference: str):
    form = CompleteForm()

    def act(session, report):
        photo = None
        if form.photo.data is not None:
            limit = current_app.config["PHOTO_MAX_BYTES"]
            photo = process_photo(form.photo.data.stream.read(limit + 1), form.photo.data.filename, max_bytes=limit)
        completed = crews.complete_job(session, report, current_user, form.note.data or "", photo,
                                       PhotoStore(current_app.config["PHOTO_DIR"]), form.token.data)
        return None if completed else f"{report.reference} was already completed: nothing changed."
    return _act(reference, form, act, "Job completed: the report is marked fixed.")


@bp.post("/jobs/<reference>/cant-complete")
@roles_required(*CREW_ROLES)
def cant_complete(reference: str):
    form = CantCompleteForm()
    return _act(reference, form, lambda s, r: crews.cannot_complete(s, r, current_user, form.reason.data,
                                                                    form.details.data or ""),
                "Job returned to the office: it is no longer on your list.")


@bp.get("/sw.js")
def service_worker():
    """The service worker, served under /crew/ so that its scope covers the crew's pages (and nothing else)."""
    response = send_from_directory(current_app.static_folder, "js/crew-sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
