"""Staff triage: the queue and the report panel. Every view needs the staff or admin role."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from gis.coords import LonLat, os_grid_reference
from gis.maps import report_with_neighbours_map, selectable_points_map
from gis.nearby import report_point
from models import TRANSITIONS, Category, Crew, FixRating, Report, ResponseTemplate, Status, Ward, utcnow

from .. import db
from ..permissions import STAFF, roles_required
from ..services import moderation, triage
from ..services.errors import DomainError
from ..services.text import ascii_int
from ..services.reports import change_status
from . import bp


def _int(value) -> int | None:
    return ascii_int(value, 0, 2**31 - 1)


def _report(reference: str) -> Report:
    report = db.session().scalars(select(Report).where(Report.reference == reference.upper()[:12])).first()
    if report is None:
        abort(404)
    return report


def _filters() -> triage.QueueFilter:
    args = request.args
    status = args.get("status")
    return triage.QueueFilter(
        ward_id=_int(args.get("ward")), category_id=_int(args.get("category")),
        status=Status(status) if status in {s.value for s in Status} else None,
        max_age_days=_int(args.get("age")), overdue=args.get("overdue") == "1",
        unassigned=args.get("unassigned") == "1",
        sort=args.get("sort") if args.get("sort") in triage.SORTS else "due")


@bp.get("/")
@roles_required(*STAFF)
def queue():
    session = db.session()
    f = _filters()
    rows = triage.queue(session, f)
    points = triage.points_of(session, [r for r, _, _ in rows])
    cfg = current_app.config
    centre = points[0][0] if points else LonLat(lon=-0.0205, lat=51.4452)
    parts = selectable_points_map(centre, points, cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])
    return render_template(
        "staff/queue.html", rows=rows, f=f, now=utcnow(), limit=triage.QUEUE_LIMIT, map=parts,
        wards=session.scalars(select(Ward).order_by(Ward.name)).all(),
        categories=session.scalars(select(Category).order_by(Category.name)).all(),
        crews=session.scalars(select(Crew).where(Crew.active.is_(True)).order_by(Crew.name)).all(),
        statuses=list(Status), sorts=triage.SORTS)


def _panel(report: Report, error: str | None = None, status: int = 200):
    session = db.session()
    point = report_point(session, report)
    cfg = current_app.config
    nearby = triage.nearby_open(session, report)
    templates = session.scalars(
        select(ResponseTemplate).where((ResponseTemplate.category_id == report.category_id)
                                       | ResponseTemplate.category_id.is_(None))
        .order_by(ResponseTemplate.status, ResponseTemplate.title)).all()
    return render_template(
        "staff/report.html", report=report, point=point, grid_ref=os_grid_reference(point), error=error,
        due=triage.due_at(report), overdue=triage.is_overdue(report),
        supporters=triage.supporter_count(session, report), nearby=nearby,
        next_statuses=sorted(s for s in Status if s in TRANSITIONS[report.status]
                             and s not in (Status.DUPLICATE, Status.NOT_RESPONSIBLE)),
        categories=session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.name)).all(),
        crews=session.scalars(select(Crew).where(Crew.active.is_(True)).order_by(Crew.name)).all(),
        templates=templates, priorities=triage.PRIORITIES,
        ratings=session.scalars(select(FixRating.score).where(FixRating.report_id == report.id)
                                .order_by(FixRating.created_at)).all(),
        map=report_with_neighbours_map(
            point, f"{report.reference} (this report)",
            [(LonLat(lon=lon, lat=lat), f"{other.reference}: {other.category.name}, {metres:.0f} m")
             for other, metres, lon, lat in nearby], cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])), status


@bp.get("/reports/<reference>")
@roles_required(*STAFF)
def report(reference: str):
    return _panel(_report(reference))


def _act(reference: str, action, done: str):
    report = _report(reference)
    try:
        action(db.session(), report)
    except DomainError as exc:
        return _panel(report, error=exc.message, status=400)
    flash(done, "success")
    return redirect(url_for("staff.report", reference=report.reference))


@bp.post("/reports/<reference>/status")
@roles_required(*STAFF)
def status(reference: str):
    value = request.form.get("status", "")
    if value not in {s.value for s in Status}:
        return _panel(_report(reference), error="Choose a status from the list.", status=400)
    note = request.form.get("note", "")[:2000].strip()
    template = db.session().get(ResponseTemplate, _int(request.form.get("template")) or 0)
    if not note and template is not None:
        note = template.text
    return _act(reference, lambda s, r: change_status(s, r, Status(value), current_user, note,
                                                      internal=request.form.get("internal") == "y"),
                "Status changed.")


@bp.post("/reports/<reference>/details")
@roles_required(*STAFF)
def details(reference: str):
    return _act(reference, lambda s, r: triage.update_details(
        s, r, current_user, category_id=_int(request.form.get("category")),
        priority=_int(request.form.get("priority"))), "Details saved.")


@bp.post("/reports/<reference>/update")
@roles_required(*STAFF)
def update(reference: str):
    internal = request.form.get("internal") == "y"
    return _act(reference, lambda s, r: triage.add_update(s, r, current_user, request.form.get("note", ""),
                                                          internal),
                "Internal note added." if internal else "Public update posted.")


@bp.post("/reports/<reference>/duplicate")
@roles_required(*STAFF)
def duplicate(reference: str):
    def act(session, report):
        ref = (request.form.get("original") or "").strip().upper()[:12]
        original = session.scalars(select(Report).where(Report.reference == ref)).first()
        if original is None:
            raise DomainError("Enter the reference of an existing report, like KB-7QF3K.", field="original")
        triage.mark_duplicate(session, report, original, current_user)
    return _act(reference, act, "Marked as a duplicate.")


@bp.post("/reports/<reference>/not-responsible")
@roles_required(*STAFF)
def not_responsible(reference: str):
    return _act(reference, lambda s, r: triage.mark_not_responsible(s, r, current_user,
                                                                    request.form.get("reason", "")[:2000]),
                "Marked as not the council's responsibility.")


@bp.post("/assign")
@roles_required(*STAFF)
def assign():
    session = db.session()
    refs = [r.strip().upper()[:12] for r in request.form.getlist("reports")][:triage.QUEUE_LIMIT]
    reports = session.scalars(select(Report).where(Report.reference.in_(refs))).all() if refs else []
    crew = session.get(Crew, _int(request.form.get("crew")) or 0)
    back = request.form.get("back") or ""
    try:
        if crew is None:
            raise DomainError("Choose a crew.", field="crew")
        count = triage.assign(session, list(reports), crew, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.report", reference=back) if back else url_for("staff.queue")), 303
    flash(f"{count} report{'s' if count != 1 else ''} assigned to {crew.name}.", "success")
    return redirect(url_for("staff.report", reference=back) if back else url_for("staff.queue"))


def _store():
    from ..services.photos import PhotoStore
    return PhotoStore(current_app.config["PHOTO_DIR"])


@bp.post("/reports/<reference>/hide")
@roles_required(*STAFF)
def hide(reference: str):
    hidden = request.form.get("hidden") == "1"
    return _act(reference, lambda s, r: moderation.set_hidden(s, r, current_user, hidden,
                                                               request.form.get("reason", "")),
                "Report hidden from the public." if hidden else "Report shown to the public again.")


@bp.post("/reports/<reference>/redact")
@roles_required(*STAFF)
def redact(reference: str):
    return _act(reference, lambda s, r: moderation.redact_description(
        s, r, current_user, request.form.get("description", "")[:4000], request.form.get("reason", "")),
        "Description redacted.")


@bp.post("/reports/<reference>/photos/<int:photo_id>/remove")
@roles_required(*STAFF)
def remove_photo(reference: str, photo_id: int):
    return _act(reference, lambda s, r: moderation.remove_photo(s, r, photo_id, current_user,
                                                                request.form.get("reason", ""), _store()),
                "Photo removed.")
