import secrets

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from gis.coords import InvalidCoordinates, LonLat, os_grid_reference, parse_lat_lon
from gis.nearby import open_reports_near
from gis.maps import location_picker, point_map
from gis.queries import format_postcode, normalise_postcode, postcode_location, service_area_centre
from models import Category, Photo, Report, ReportEvent, Status

from .. import db
from ..extensions import account_or_address, csrf_in_form, limiter
from ..forms import form_errors
from ..services import updates, visibility
from ..services.errors import DomainError, InvalidPhoto
from ..services.photos import KEY_RE, PhotoStore, process_photo
from ..services.support import supporter_count
from ..services.triage import due_at, is_overdue
from ..services.reports import NewReport, hazards, validate_answers
from ..services.submission import CALLER_CHANNELS, Submission, submit_report
from . import bp
from .forms import ReportForm



def photo_store() -> PhotoStore:
    return PhotoStore(current_app.config["PHOTO_DIR"])


def categories(session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.active.is_(True))
                                .order_by(Category.group, Category.name)))


def grouped_choices(cats: list[Category]) -> dict[str, list[tuple[str, str]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in cats:
        groups.setdefault(c.group, []).append((c.code, c.name))
    return {"": [("", "Choose a category")], **groups}


def raw_answers(cats: list[Category]) -> dict[str, dict]:
    """Answers posted for every category's questions, as {category code: {question code: value}}."""
    out = {}
    for c in cats:
        out[c.code] = {}
        for q in c.questions:
            name = f"q_{c.code}_{q['code']}"
            if q["type"] == "multi":
                out[c.code][q["code"]] = [v[:100] for v in request.form.getlist(name)][:20]
            else:
                out[c.code][q["code"]] = (request.form.get(name) or "")[:600]
    return out



def _take_photos(form: ReportForm, store: PhotoStore, max_count: int,
                 form_ok: bool) -> tuple[list[str], LonLat | None]:
    """Process new uploads into the pending store; keep earlier ones. Errors go on the photos field.

    Nothing is read or written unless the form passed (``form_ok``: CSRF token and field shapes): a forged or
    malformed post must not be able to put files in the store."""
    # Each kept photo once (a repeated key would break the unique photo key), and never more than allowed.
    keys = list(dict.fromkeys(k for k in (form.pending_photos.data or "").split(",")
                              if KEY_RE.match(k) and store.pending_exists(k)))[:max_count]
    gps = None
    uploads = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    if uploads and not form_ok:
        form.photos.errors.append("Your photo was not kept: add it again." if len(uploads) == 1 else
                                  "Your photos were not kept: add them again.")
        uploads = []
    if len(keys) + len(uploads) > max_count:
        form.photos.errors.append(f"You can add at most {max_count} photos.")
        uploads = uploads[: max(0, max_count - len(keys))]
    limit = current_app.config["PHOTO_MAX_BYTES"]
    for upload in uploads:
        raw = upload.stream.read(limit + 1)
        try:
            processed = process_photo(raw, upload.filename, max_bytes=limit)
            keys.append(store.save_pending(processed))
            gps = gps or processed.gps
        except InvalidPhoto as exc:
            form.photos.errors.append(exc.message)
    form.pending_photos.data = ",".join(keys)
    return keys, gps


@bp.route("/report", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("20 per hour", methods=["POST"])                                  # per address
@limiter.limit("30 per hour", methods=["POST"], key_func=account_or_address)      # per account
def new():
    session = db.session()
    cats = categories(session)
    form = ReportForm()
    form.category.choices = grouped_choices(cats)
    answers_by_cat = raw_answers(cats) if request.method == "POST" else {}
    answer_errors: dict[str, str] = {}
    notice = None
    point = None
    if request.method == "GET":
        form.submission_token.data = secrets.token_urlsafe(24)
        if request.args.get("category"):
            form.category.data = request.args["category"][:40]
    else:
        form_ok = form.validate_on_submit()
        if not form.submission_token.data or len(form.submission_token.data) > 64:
            form.submission_token.data = secrets.token_urlsafe(24)
        keys, photo_gps = _take_photos(form, photo_store(), current_app.config["PHOTO_MAX_COUNT"], form_ok)
        action = request.form.get("action")
        if action == "find_postcode":
            found = postcode_location(session, form.postcode.data or "")
            if found is None:
                form.postcode.errors.append(
                    "Enter a full postcode in the area, like SE6 4RU." if normalise_postcode(form.postcode.data or "") is None
                    else "We do not know that postcode. Check it, or choose the point on the map or by coordinates.")
            else:
                form.latitude.data, form.longitude.data = f"{found.lat:.6f}", f"{found.lon:.6f}"
                form.postcode.data = format_postcode(normalise_postcode(form.postcode.data))
                notice = "We have put the pin in the middle of that postcode. Move it to the exact spot if you can."
            return _render(form, cats, answers_by_cat, answer_errors, notice, status=200 if found else 400)
        if not (form.latitude.data or "").strip() and not (form.longitude.data or "").strip() and photo_gps:
            form.latitude.data, form.longitude.data = f"{photo_gps.lat:.6f}", f"{photo_gps.lon:.6f}"
            notice = ("We have placed the pin where your photo was taken. Check it is right, then send the "
                      "report again.")
            return _render(form, cats, answers_by_cat, answer_errors, notice, status=200)
        try:
            point = parse_lat_lon(form.latitude.data, form.longitude.data)
        except InvalidCoordinates as exc:
            form.latitude.errors.append(str(exc))
        category = next((c for c in cats if c.code == form.category.data), None)
        if category is None:
            form.category.errors.append("Choose a category from the list.")
        else:
            _, answer_errors = validate_answers(category, answers_by_cat.get(category.code, {}))
        if not (form.description.data or "").strip():
            form.description.errors.append("Describe the problem, so the crew knows what to look for.")
        nearby = [] if form.errors or answer_errors or action == "submit_new" else \
            open_reports_near(session, visibility.visible_reports(current_user), point, category.id)
        if nearby:  # "me too": offer the open reports of this kind within 50 m before making another
            return _render(form, cats, answers_by_cat, answer_errors, None, status=200, point=point, nearby=nearby)
        if not form.errors and not answer_errors:
            data = NewReport(category_code=category.code, point=point, description=form.description.data,
                             answers=answers_by_cat[category.code], photo_keys=keys,
                             anonymous=form.anonymous.data, client_token=form.submission_token.data)
            submission = Submission(report=data, email=form.email.data or "", name=form.your_name.data or "",
                                    caller_channel=form.channel.data or "")
            try:
                outcome = submit_report(session, submission, current_user, photo_store())
            except DomainError as exc:
                field = {"location": "latitude"}.get(exc.field, exc.field) or "description"
                if field.startswith("q_"):
                    answer_errors[field[2:]] = exc.message
                else:
                    getattr(form, field).errors.append(exc.message)
            else:
                report = outcome.report
                if report.status is Status.UNCONFIRMED:
                    return redirect(url_for("notices.check_email"))
                if outcome.for_caller:
                    flash(f"Report {report.reference} made for the caller ({CALLER_CHANNELS[data.channel]}).", "success")
                    return redirect(url_for("staff.report", reference=report.reference))
                return redirect(url_for("reports.sent", reference=report.reference))
    return _render(form, cats, answers_by_cat, answer_errors, notice,
                   status=400 if request.method == "POST" else 200, point=point)


def _render(form, cats, answers_by_cat, answer_errors, notice, status, point=None, nearby=()):
    session = db.session()
    if point is None:
        try:
            point = parse_lat_lon(form.latitude.data, form.longitude.data)
        except InvalidCoordinates:
            point = None
    cfg = current_app.config
    picker = location_picker(service_area_centre(session), cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"], marker=point)
    errors = form_errors(form) + \
             [(f"q_{form.category.data}_{code}", msg) for code, msg in answer_errors.items()]
    return render_template("reports/new.html", form=form, categories=cats, answers=answers_by_cat.get(
        form.category.data or "", {}), all_answers=answers_by_cat, answer_errors=answer_errors, notice=notice,
        picker=picker, errors=errors, nearby=nearby, caller_channels=CALLER_CHANNELS,
        staff=visibility.is_staff(current_user), pending=[k for k in (form.pending_photos.data or "").split(",") if k]), status


def _report_or_404(reference: str) -> Report:
    report = visibility.report_for(db.session(), reference, current_user)
    if report is None:
        abort(404)
    return report


@bp.get("/reports/<reference>/sent")
@login_required
def sent(reference: str):
    report = _report_or_404(reference)
    if not visibility.is_reporter(report, current_user):
        abort(404)
    return render_template("reports/sent.html", report=report, hazards=hazards(report.category, report.answers))


@bp.get("/reports/<reference>")
def detail(reference: str):
    report = _report_or_404(reference)
    lon, lat = db.session().execute(select(func.ST_X(Report.geom), func.ST_Y(Report.geom))
                                    .where(Report.id == report.id)).one()
    point = LonLat(lon=lon, lat=lat)
    cfg = current_app.config
    return render_template(
        "reports/detail.html", report=report, point=point, grid_ref=os_grid_reference(point),
        reporter_name=visibility.reporter_name(report, current_user),
        timeline=visibility.timeline(report, current_user),
        is_reporter=visibility.is_reporter(report, current_user),
        supporters=supporter_count(db.session(), report), due=due_at(report), overdue=is_overdue(report),
        supported=updates.supports(db.session(), report, current_user),
        following=updates.follows(db.session(), report, current_user),
        map=point_map(point, cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"], f"Location of {report.reference}"))


@bp.get("/my/reports")
@login_required
def mine():
    session = db.session()
    last_change = (select(ReportEvent.report_id, func.max(ReportEvent.at).label("at"))
                   .group_by(ReportEvent.report_id).subquery())
    rows = session.execute(
        select(Report, last_change.c.at).join(last_change, last_change.c.report_id == Report.id)
        .where(visibility.mine(current_user)).order_by(Report.created_at.desc(), Report.id.desc())
        .limit(500)).all()
    return render_template("reports/mine.html", rows=rows,
                           followed=updates.followed_reports(session, current_user))


@bp.get("/photos/<key>.jpg")
def photo(key: str):
    if not KEY_RE.match(key):
        abort(404)
    row = db.session().scalars(select(Photo).where(Photo.key == key)).first()
    if row is None or not visibility.can_view_photo(row, current_user):
        abort(404)
    path = photo_store().path(key)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=3600)
    if not visibility.can_view_photo(row, None):  # not public yet: no shared cache may keep it
        response.cache_control.public = False
        response.cache_control.private = True
    return response
