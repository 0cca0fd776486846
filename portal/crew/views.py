"""A crew member's jobs, made for a phone: route, location, answers and photos; start and complete."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from gis.coords import InvalidCoordinates, parse_lat_lon
from models import Report, Role

from .. import db
from ..permissions import roles_required
from ..services import crews
from ..services.errors import DomainError, NotAllowed
from ..services.photos import PhotoStore, process_photo
from . import bp

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
    start, start_error = None, None
    if request.args.get("lat") or request.args.get("lon"):
        try:
            start = parse_lat_lon(request.args.get("lat"), request.args.get("lon"))
        except InvalidCoordinates as exc:
            start_error = str(exc)
    route = crews.route(session, crew, start) if crew else []
    return render_template("crew/jobs.html", crew=crew, route=route, start=start, start_error=start_error), \
        400 if start_error else 200


def _act(reference: str, action, done: str):
    report = _job(reference)
    try:
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
    return _act(reference, lambda s, r: crews.start_job(s, r, current_user), "Job started.")


@bp.post("/jobs/<reference>/complete")
@roles_required(*CREW_ROLES)
def complete(reference: str):
    def act(session, report):
        photo = None
        upload = request.files.get("photo")
        if upload and upload.filename:
            limit = current_app.config["PHOTO_MAX_BYTES"]
            photo = process_photo(upload.stream.read(limit + 1), upload.filename, max_bytes=limit)
        crews.complete_job(session, report, current_user, request.form.get("note", ""), photo,
                           PhotoStore(current_app.config["PHOTO_DIR"]))
    return _act(reference, act, "Job completed: the report is marked fixed.")
