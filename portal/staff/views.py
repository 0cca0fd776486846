"""Staff triage: the queue and the report panel. Every view needs the staff or admin role."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from gis.coords import LonLat, os_grid_reference
from gis.maps import report_with_neighbours_map, selectable_points_map
from gis.nearby import report_point
from models import TRANSITIONS, Category, Crew, FixRating, Report, Status, Ward, utcnow

from .. import db
from ..forms import add_error, form_errors
from ..permissions import STAFF, roles_required
from ..services import flags, moderation, people, triage
from ..services.errors import DomainError
from . import bp
from .enforcement_forms import enforcement_forms
from .forms import (resident_update_forms, AssignForm, BulkAssignForm, DetailsForm, DuplicateForm, HideForm, NotResponsibleForm,
                    QueueFilterForm, RedactForm, RemovePhotoForm, StatusForm, UpdateForm)


def _report(reference: str) -> Report:
    report = db.session().scalars(select(Report).where(Report.reference == reference.upper()[:12])).first()
    if report is None:
        abort(404)
    return report


def _crew_choices(first: str) -> list:
    crews = db.session().scalars(select(Crew).where(Crew.active.is_(True)).order_by(Crew.name)).all()
    return [("", first), *((c.id, c.name) for c in crews)]


def _queue_page(filters: QueueFilterForm, assign: BulkAssignForm | None = None, errors=None, status: int = 200):
    session = db.session()
    filters.ward.choices = [("", "All wards"), *((w.id, w.name) for w in
                                                session.scalars(select(Ward).order_by(Ward.name)))]
    filters.category.choices = [("", "All categories"), *((c.id, c.name) for c in
                                                         session.scalars(select(Category).order_by(Category.name)))]
    filters.validate()
    f = filters.queue_filter()
    found = triage.queue_page(session, f)
    rows = found.rows
    assign = assign or BulkAssignForm(formdata=None)
    assign.reports.choices = [(r.reference, r.reference) for r, _, _ in rows]
    assign.crew.choices = _crew_choices("Choose a crew")
    # A page number comes from the page's links, not a box: a bad one shows the first page.
    errors = [*(e for e in form_errors(filters) if e[0] != filters.page.id), *(errors or [])]
    points = triage.points_of(session, [r for r, _, _ in rows])
    cfg = current_app.config
    centre = points[0][0] if points else LonLat(lon=-0.0205, lat=51.4452)
    parts = selectable_points_map(centre, points, cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])
    args = {k: v for k, v in request.args.items() if k != "page"}

    def queue_url(**changes):       # this view of the queue with a page or an order changed
        return url_for("staff.queue", **{k: v for k, v in {**args, **changes}.items() if v not in ("", None)})
    return render_template("staff/queue.html", rows=rows, filters=filters, assign=assign, errors=errors,
                           now=utcnow(), found=found, sort=f.sort, queue_url=queue_url, map=parts), \
        400 if errors else status


@bp.get("/")
@roles_required(*STAFF)
def queue():
    return _queue_page(QueueFilterForm(request.args))


def _forms(session, report: Report) -> dict:
    """A fresh form for each action on the report page, with its choices."""
    templates = triage.templates_for(session, report)
    status = StatusForm(formdata=None)
    details = DetailsForm(formdata=None, data={"category": report.category_id, "priority": report.priority})
    assign = AssignForm(formdata=None, data={"reports": report.reference, "back": report.reference})
    hide = HideForm(formdata=None, data={"hidden": "0" if report.hidden else "1"})
    redact = RedactForm(formdata=None, data={"description": report.description})
    forms = {"status": status, "update": UpdateForm(formdata=None), "details": details, "assign": assign,
             "duplicate": DuplicateForm(formdata=None), "not_responsible": NotResponsibleForm(formdata=None),
             "hide": hide, "redact": redact,
             **{f"photo-{p.id}": RemovePhotoForm(formdata=None, id_suffix=str(p.id)) for p in report.photos},
             **resident_update_forms(report), **enforcement_forms(report)}
    for name, form in forms.items():
        _choices(session, report, name, form, templates)
    return forms


def _choices(session, report: Report, name: str, form, templates=None) -> None:
    """The choices and labels a form of the report page shows (also for a refused one shown again)."""
    if name == "status":
        if templates is None:
            templates = triage.templates_for(session, report)
        form.status.choices = [(s.value, s.label) for s in sorted(
            s for s in Status if s in TRANSITIONS[report.status] and s not in (Status.DUPLICATE, Status.NOT_RESPONSIBLE))]
        # Grouped by the status each was written for; the page's script shows only the chosen status's group.
        form.template.choices = [SelectChoice("", "None"), *(
            SelectChoice(t.id, f"{t.title} – {t.text}", render_kw={"data-status": t.status.value},
                         optgroup=f"For “{t.status.label}”") for t in templates)]
    elif name == "details":
        form.category.choices = [(c.id, c.name) for c in session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.name))]
    elif name == "assign":
        form.reports.choices = [(report.reference, report.reference)]
        form.crew.choices = _crew_choices("Choose a crew")
    elif name == "hide":
        form.reason.label.text = f"Reason for {'showing' if report.hidden else 'hiding'} the report"
    elif name.startswith("update-hide-"):
        event = next((e for e in report.events if f"update-hide-{e.id}" == name), None)
        if event is not None:
            form.reason.label.text = f"Reason for {'showing' if event.hidden else 'hiding'} this update"
    elif name.startswith("photo-"):
        for n, p in enumerate(report.photos, 1):
            if name == f"photo-{p.id}":
                form.reason.label.text = (f"Reason for removing {p.kind} photo {n} "
                                          "(for example a face or a number plate)")


def _panel(report: Report, failed_name: str | None = None, failed=None, error: DomainError | None = None):
    """The report page; after a refused action, with that action's form, its errors and a summary (400)."""
    session = db.session()
    point = report_point(session, report)
    cfg = current_app.config
    nearby = triage.nearby_open(session, report)
    forms = _forms(session, report)
    errors = []
    if failed is not None:
        _choices(session, report, failed_name, failed)
        forms[failed_name] = failed
        errors = form_errors(failed)
        if error is not None:
            errors.append(add_error(failed, error.field, error.message, fallback=f"form-{failed_name}"))
    return render_template(
        "staff/report.html", report=report, point=point, grid_ref=os_grid_reference(point), errors=errors,
        forms=forms, due=triage.due_at(report), overdue=triage.is_overdue(report),
        supporters=triage.supporter_count(session, report), nearby=nearby, priorities=triage.PRIORITIES,
        person=people.person_of_report(session, report), report_flags=flags.waiting(session, report).flags,
        ratings=session.scalars(select(FixRating.score).where(FixRating.report_id == report.id)
                                .order_by(FixRating.created_at)).all(),
        map=report_with_neighbours_map(
            point, f"{report.reference} (this report)",
            [(LonLat(lon=lon, lat=lat), f"{other.reference}: {other.category.name}, {metres:.0f} m")
             for other, metres, lon, lat in nearby], cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])), \
        400 if errors else 200


@bp.get("/reports/<reference>")
@roles_required(*STAFF)
def report(reference: str):
    return _panel(_report(reference))


def _act(reference: str, name: str, form, action, done: str):
    """Check the form, then call the service; a refusal of either shows the page again with the form's errors."""
    report = _report(reference)
    _choices(db.session(), report, name, form)
    if not form.validate_on_submit():
        return _panel(report, name, form)
    try:
        action(db.session(), report)
    except DomainError as exc:
        return _panel(report, name, form, exc)
    flash(done, "success")
    return redirect(url_for("staff.report", reference=report.reference))


@bp.post("/reports/<reference>/status")
@roles_required(*STAFF)
def status(reference: str):
    form = StatusForm()

    def act(session, report):
        triage.change_status(session, report, form.status.data, current_user, form.note.data or "",
                             internal=form.internal.data, template_id=form.template.data)
    return _act(reference, "status", form, act, "Status changed.")


@bp.post("/reports/<reference>/details")
@roles_required(*STAFF)
def details(reference: str):
    form = DetailsForm()
    return _act(reference, "details", form, lambda s, r: triage.update_details(
        s, r, current_user, category_id=form.category.data, priority=form.priority.data), "Details saved.")


@bp.post("/reports/<reference>/update")
@roles_required(*STAFF)
def update(reference: str):
    form = UpdateForm()
    return _act(reference, "update", form,
                lambda s, r: triage.add_update(s, r, current_user, form.note.data, form.internal.data,
                                               for_crews=form.for_crews.data),
                "Safety note for crews added." if form.for_crews.data else
                "Internal note added." if form.internal.data else "Public update posted.")


@bp.post("/reports/<reference>/duplicate")
@roles_required(*STAFF)
def duplicate(reference: str):
    form = DuplicateForm()

    def act(session, report):
        original = session.scalars(select(Report).where(Report.reference == form.original.data)).first()
        if original is None:
            raise DomainError("Enter the reference of an existing report, like KB-7QF3K.", field="original")
        triage.mark_duplicate(session, report, original, current_user)
    return _act(reference, "duplicate", form, act, "Marked as a duplicate.")


@bp.post("/reports/<reference>/not-responsible")
@roles_required(*STAFF)
def not_responsible(reference: str):
    form = NotResponsibleForm()
    return _act(reference, "not_responsible", form,
                lambda s, r: triage.mark_not_responsible(s, r, current_user, form.reason.data),
                "Marked as not the council's responsibility.")


@bp.post("/assign")
@roles_required(*STAFF)
def assign():
    """From a report's page (that report, then back to it) or the queue (the reports ticked): all are
    assigned, or none."""
    session = db.session()
    form = AssignForm()
    if form.back.data:
        report = _report(form.back.data)
        _choices(session, report, "assign", form)
        if not form.validate_on_submit():
            return _panel(report, "assign", form)
        try:
            count, crew = _assign(session, form)
        except DomainError as exc:
            return _panel(report, "assign", form, exc)
        flash(f"{count} report{'s' if count != 1 else ''} assigned to {crew.name}.", "success")
        return redirect(url_for("staff.report", reference=report.reference))
    form = BulkAssignForm()
    form.crew.choices = _crew_choices("Choose a crew")
    if not form.validate_on_submit():
        return _queue_page(QueueFilterForm(), form, form_errors(form))
    try:
        count, crew = _assign(session, form)
    except DomainError as exc:
        return _queue_page(QueueFilterForm(), form, [add_error(form, exc.field, exc.message, fallback="reports")])
    flash(f"{count} report{'s' if count != 1 else ''} assigned to {crew.name}.", "success")
    return redirect(url_for("staff.queue"))


def _assign(session, form) -> tuple[int, Crew]:
    refs = form.reports.data if isinstance(form.reports.data, list) else [form.reports.data or ""]
    reports = session.scalars(select(Report).where(Report.reference.in_(refs))).all() if refs else []
    crew = session.get(Crew, form.crew.data)
    if crew is None:
        raise DomainError("Choose a crew.", field="crew")
    return triage.assign(session, list(reports), crew, current_user), crew


def _store():
    from ..services.photos import PhotoStore
    return PhotoStore(current_app.config["PHOTO_DIR"])


@bp.post("/reports/<reference>/hide")
@roles_required(*STAFF)
def hide(reference: str):
    form = HideForm()
    hidden = form.hidden.data == "1"
    return _act(reference, "hide", form,
                lambda s, r: moderation.set_hidden(s, r, current_user, hidden, form.reason.data),
                "Report hidden from the public." if hidden else "Report shown to the public again.")


@bp.post("/reports/<reference>/redact")
@roles_required(*STAFF)
def redact(reference: str):
    form = RedactForm()
    return _act(reference, "redact", form, lambda s, r: moderation.redact_description(
        s, r, current_user, form.description.data, form.reason.data), "Description redacted.")


@bp.post("/reports/<reference>/photos/<int:photo_id>/remove")
@roles_required(*STAFF)
def remove_photo(reference: str, photo_id: int):
    form = RemovePhotoForm(id_suffix=str(photo_id))
    return _act(reference, f"photo-{photo_id}", form, lambda s, r: moderation.remove_photo(
        s, r, photo_id, current_user, form.reason.data, _store()), "Photo removed.")
