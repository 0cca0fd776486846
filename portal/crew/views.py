"""A crew member's jobs, made for a phone: route, location, answers and photos; start and complete."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import Report, Role

from .. import db
from ..forms import form_errors
from ..permissions import roles_required
from ..services import crews
from ..services.errors import DomainError, NotAllowed
from ..services.photos import PhotoStore, process_photo
from . import bp
from .forms import CompleteForm, RouteStartForm, StartForm

CREW_ROLES = (Role.CREW, Role.STAFF, Role.ADMIN)


def _job(reference: str) -> Report:
    report = db.session().scalars(select(Report).where(Report.reference == reference.upper()[:12])).first()
    if report is None:
        abort(404)
    return report


@bp.get("/jobs")
@roles_required(*CREW_ROLES)
def jobs():
    session = db.session()
    crew = crews.crew_of(session, current_user)
    where = RouteStartForm(request.args)
    ok = where.validate()
    start = where.point if ok else None
    route = crews.route(session, crew, start) if crew else []
    forms = {job.report.reference: (StartForm(formdata=None, id_suffix=job.report.reference),
                                    CompleteForm(formdata=None, id_suffix=job.report.reference)) for job in route}
    errors = form_errors(where)
    return render_template("crew/jobs.html", crew=crew, route=route, start=start, where=where, errors=errors,
                           forms=forms), 400 if errors else 200


def _act(reference: str, form, action, done: str):
    """Refusals come back to the job on the list (a redirect, so a phone's back button stays simple)."""
    report = _job(reference)
    try:
        if not form.validate_on_submit():
            raise DomainError(next((e for _, e in form_errors(form)), "Check the form and send it again."))
        action(db.session(), report)
    except NotAllowed as exc:
        abort(403, exc.message)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("crew.jobs") + f"#job-{report.reference}"), 303
    flash(done, "success")
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
        crews.complete_job(session, report, current_user, form.note.data or "", photo,
                           PhotoStore(current_app.config["PHOTO_DIR"]))
    return _act(reference, form, act, "Job completed: the report is marked fixed.")
