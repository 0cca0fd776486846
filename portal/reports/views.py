import functools
import secrets

from datetime import datetime, timezone

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from gis.measures import data_end
from gis.promises import what_to_expect
from gis.coords import InvalidCoordinates, LonLat, os_grid_reference, parse_lat_lon
from gis.nearby import open_reports_near
from gis.maps import location_picker, point_map
from gis.queries import service_area_centre
from gis.streets import find_places, unknown_place
from models import DESCRIPTION_MAX, Category, Photo, Report, ReportEvent, Status

from .. import db
from ..extensions import account_or_address, csrf_in_form, limiter, made
from ..forms import form_errors, sent_a_link
from ..schemas import ShapeError, parse
from ..shared_cache import shared
from ..services import updates, visibility
from ..services.errors import DomainError, InvalidPhoto, Refused
from ..services.photos import KEY_RE, PhotoStore, process_photo
from ..services.support import supporter_count
from ..services.triage import due_at, is_overdue
from ..services.reports import NewReport, hazards
from ..services.submission import CALLER_CHANNELS, Submission, problems_with, submit_report
from . import bp
from .forms import ReportForm
from .schemas import FormHelperError, Nearby, NearbyQuery, NearbyReport, PhotoAdded



def photo_store() -> PhotoStore:
    return PhotoStore(current_app.config["PHOTO_DIR"])


#: What the report form says a person may do with an open report like theirs close by (templates/reports/new.html).
ME_TOO_ADVICE = {
    "support": "Add your support to one and you will get its updates, or send your report if it is a different "
               "problem.",
    "follow": "Follow one by email to get its updates (or sign in to add your support), or send your report if it "
              "is a different problem.",
    "staff": "If the caller's problem is one of these, give them its reference; otherwise send the report.",
}
_ACTIVE_CATEGORIES = select(Category).where(Category.active.is_(True)).order_by(Category.group, Category.name)


def categories(session) -> list[Category]:
    return list(session.scalars(_ACTIVE_CATEGORIES))


def grouped_choices(cats: list[Category]) -> dict[str | None, list[tuple[str, str]]]:
    """The categories by group; "Choose a category" first, in no group (WTForms draws no optgroup for None:
    an empty label was an unnamed group to a screen reader)."""
    groups: dict[str | None, list[tuple[str, str]]] = {}
    for c in cats:
        groups.setdefault(c.group, []).append((c.code, c.name))
    return {None: [("", "Choose a category")], **groups}


def answers_in(posted: dict[str, list[str]], cats: list[Category]) -> dict[str, dict]:
    """Answers posted (ReportForm.answers) for every category's questions, as {category code: {question code:
    value}}: all of them are posted, so the answers to one category are kept when the reporter switches to
    another and back."""
    out = {}
    for c in cats:
        out[c.code] = {}
        for q in c.questions:
            values = posted.get(f"q_{c.code}_{q['code']}") or []
            if q["type"] == "multi":
                out[c.code][q["code"]] = [str(v)[:100] for v in values][:20]
            else:
                out[c.code][q["code"]] = (values[0] if values else "")[:600]     # the first, as a text field reads
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
    for upload in uploads:
        try:
            key, point = _keep_upload(upload, store)
            keys.append(key)
            gps = gps or point
        except InvalidPhoto as exc:
            form.photos.errors.append(exc.message)
    form.pending_photos.data = ",".join(keys)
    return keys, gps


def _keep_upload(upload, store: PhotoStore) -> tuple[str, LonLat | None]:
    """One uploaded photo, checked and re-encoded into the pending store: (its key, where it was taken)."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    processed = process_photo(upload.stream.read(limit + 1), upload.filename, max_bytes=limit)
    return store.save_pending(processed), processed.gps


class ReportPage:
    """The report form as posted: the form, every category's answers (kept when the category changes) and the
    problems to show beside the questions."""

    def __init__(self):
        self.categories = categories(db.session())
        self.form = ReportForm()
        self.form.category.choices = grouped_choices(self.categories)
        if visibility.is_staff(current_user):     # the contact fields are the caller's
            self.form.email.label.text = "Caller's email address (optional)"
            self.form.email.description = "Only if they want emails about the report: we never show it publicly."
            self.form.your_name.label.text = "Caller's name (optional)"
            self.form.anonymous.label.text = "Hide the name on the public page (the caller's, or yours for your own)"
        self.answers = answers_in(self.form.answers.data, self.categories) if request.method == "POST" else {}
        self.answer_errors: dict[str, str] = {}
        self.notice: str | None = None
        self.staff = visibility.is_staff(current_user)

    def point(self) -> tuple[LonLat | None, DomainError | None]:
        """The point typed, placed on the map or found, or what is wrong with it."""
        form = self.form
        try:
            return parse_lat_lon(form.latitude.data, form.longitude.data), None
        except InvalidCoordinates as exc:
            return None, DomainError(str(exc), field="location")

    def submission(self, photo_keys: list[str], suggest_nearby: bool) -> Submission:
        form = self.form
        point, problem = self.point()
        code = form.category.data or ""
        data = NewReport(category_code=code, point=point, description=form.description.data or "",
                         answers=self.answers.get(code, {}), photo_keys=photo_keys, anonymous=form.anonymous.data,
                         client_token=form.submission_token.data)
        return Submission(report=data, email=form.email.data or "", name=form.your_name.data or "",
                          caller_channel=form.channel.data or "", phone=form.phone.data or "",
                          preference=form.preference.data or "", point_problem=problem,
                          suggest_nearby=suggest_nearby, active_categories=self.categories)

    def show(self, problems: list[DomainError]) -> None:
        """Put each problem beside its field (once: a field the form already faulted keeps its message)."""
        for problem in problems:
            name = {"location": "latitude"}.get(problem.field or "", problem.field or "description")
            if name.startswith("q_"):
                self.answer_errors.setdefault(name[2:], problem.message)
            elif name in self.form and not self.form[name].errors:
                self.form[name].errors.append(problem.message)
            elif name not in self.form:
                self.form.description.errors.append(problem.message)

    def render(self, status: int, nearby=()):
        form = self.form
        cfg = current_app.config
        errors = form_errors(form) + \
            [(f"q_{form.category.data}_{code}", msg) for code, msg in self.answer_errors.items()]
        return render_template(
            "reports/new.html", form=form, categories=self.categories,
            all_answers=self.answers, answer_errors=self.answer_errors, notice=self.notice,
            picker=picker(service_area_centre(db.session()), cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"]),
            errors=errors, nearby=nearby, staff=visibility.is_staff(current_user), me_too_advice=ME_TOO_ADVICE,
            description_max=DESCRIPTION_MAX,
            pending=[k for k in (form.pending_photos.data or "").split(",") if k]), status


@functools.lru_cache(maxsize=8)
def picker(centre: LonLat, tile_url: str, attribution: str):
    """The location picker's map, built once per process: the pin and the view come from the coordinate
    fields in the browser (static/js/report-form.js), so every visitor gets the same map."""
    return location_picker(centre, tile_url, attribution)


def _new_token() -> str:
    return secrets.token_urlsafe(24)


@bp.route("/report", methods=["GET", "POST"])
@csrf_in_form
@limiter.limit("20 per hour", methods=["POST"], deduct_when=made)                                # per address
@limiter.limit("30 per hour", methods=["POST"], key_func=account_or_address, deduct_when=made)    # per account
def new():
    page = ReportPage()
    form = page.form
    if request.method == "GET":
        form.submission_token.data = _new_token()
        form.category.data = (request.args.get("category") or "")[:40] or None
        if request.args.get("caller") in CALLER_CHANNELS and page.staff:   # "Report for a caller"
            form.channel.data = request.args["caller"]
        # Opened from a place (the neighbourhood page, a report's "report another problem here"): pin it.
        if request.args.get("latitude"):
            try:
                point = parse_lat_lon(request.args.get("latitude"), request.args.get("longitude"))
                form.latitude.data, form.longitude.data = f"{point.lat:.6f}", f"{point.lon:.6f}"
            except InvalidCoordinates:
                pass                     # a bad link opens the form as usual
        return page.render(200)
    form_ok = form.validate_on_submit()
    if not form.submission_token.data or len(form.submission_token.data) > 64:
        form.submission_token.data = _new_token()
    keys, photo_gps = _take_photos(form, photo_store(), current_app.config["PHOTO_MAX_COUNT"], form_ok)
    if photo_gps and not (form.latitude.data or "").strip() and not (form.longitude.data or "").strip():
        form.latitude.data, form.longitude.data = f"{photo_gps.lat:.6f}", f"{photo_gps.lon:.6f}"
        page.notice = "We have placed the pin where your photo was taken. Check it is right, then send the report again."
        return page.render(200)
    if not (form.latitude.data or "").strip() and not (form.longitude.data or "").strip() \
            and (place := _typed_place(form)) is not None:
        # Sent with a postcode or street typed but not looked up (without JavaScript, Enter in the box sends):
        # the pin goes where "Find" would have put it, to be checked before sending. Not found: the usual
        # errors, "choose the location" among them.
        return _pin_at(page, place, "Check it, move it to the exact spot if you can, then send the report again.")
    submission = page.submission(keys, suggest_nearby=form.action.data != "submit_new")
    if not form_ok or form.photos.errors:
        # The post itself is not usable (its token, a field's shape, a photo): say so, with every rule too.
        page.show(problems_with(db.session(), submission, current_user))
        return page.render(400)
    try:
        outcome = submit_report(db.session(), submission, current_user, photo_store())
    except DomainError as exc:
        page.show(exc.problems if isinstance(exc, Refused) else [exc])
        return page.render(400)
    if outcome.report is None:     # "me too": open reports of this kind close by, offered before another
        return page.render(200, nearby=outcome.nearby)
    report = outcome.report
    if report.status is Status.UNCONFIRMED:
        return sent_a_link("report")
    if outcome.for_caller:
        flash(f"Report {report.reference} made for the caller ({CALLER_CHANNELS[report.channel]}).", "success")
        return redirect(url_for("staff.report", reference=report.reference))
    return redirect(url_for("reports.sent", reference=report.reference))


@bp.post("/report/locate")
@csrf_in_form
def locate():
    """"Find" without JavaScript: the whole form comes back with the pin at the postcode or street (the script
    asks /lookup/places instead), and everything else typed (photos included) kept."""
    page = ReportPage()
    form = page.form
    form_ok = form.validate_on_submit()
    _take_photos(form, photo_store(), current_app.config["PHOTO_MAX_COUNT"], form_ok)
    return _pin_at_typed_place(page)


def _pin_at_typed_place(page: ReportPage):
    """The form again, its pin at the postcode or street typed (the first place found), or the postcode box's
    error."""
    form = page.form
    place = _typed_place(form)
    if place is None:
        typed = (form.postcode.data or "").strip()
        form.postcode.errors.append(
            "Enter a postcode in the area, like SE6 4RU, or the name of a street." if not typed else
            unknown_place(typed) + " Or choose the point on the map or by coordinates.")
        return page.render(400)
    return _pin_at(page, place, "Move it to the exact spot if you can.")


def _typed_place(form):
    """The first place the postcode box's text names, or None (nothing typed, or nothing found)."""
    typed = (form.postcode.data or "").strip()
    found = find_places(db.session(), typed) if typed else []
    return found[0] if found else None


def _pin_at(page: ReportPage, place, then: str):
    page.form.latitude.data, page.form.longitude.data = f"{place.point.lat:.6f}", f"{place.point.lon:.6f}"
    page.form.postcode.data = place.label
    page.notice = (f"We have put the pin in the middle of {place.label}. {then}" if place.kind == "postcode" else
                   f"We have put the pin on {place.label}. {then}")
    return page.render(200)


@bp.post("/api/photos")
@limiter.limit("60 per hour", key_func=account_or_address)
def add_photo():
    """One photo, checked and kept as pending, for the form's script: {"key", "lat", "lon"} (where it was taken,
    or null), or 400 {"error"}. The form sends the key with the report. (The CSRF token comes in a header.)"""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return jsonify(error="Choose a photo to add."), 400
    try:
        key, gps = _keep_upload(upload, photo_store())
    except InvalidPhoto as exc:
        return jsonify(error=exc.message), 400
    return jsonify(PhotoAdded(key=key, lat=round(gps.lat, 6) if gps else None,
                              lon=round(gps.lon, 6) if gps else None).model_dump())


@bp.get("/api/reports/nearby")
def nearby_json():
    """Open reports of a category within 50 m of a point, that the viewer may see, for the form's script to
    offer "me too" before the report is sent (the server offers the same when it is sent)."""
    session = db.session()
    try:
        query = parse(NearbyQuery, request.args)
        point = parse_lat_lon(query.latitude, query.longitude)
    except ShapeError as exc:
        return jsonify(FormHelperError(error=exc.message).model_dump()), 400
    except InvalidCoordinates as exc:
        return jsonify(FormHelperError(error=str(exc)).model_dump()), 400
    category = next((c for c in categories(session) if c.code == query.category), None)
    if category is None:
        return jsonify(error="Choose a category from the list."), 400
    rows = open_reports_near(session, visibility.visible_reports(current_user), point, category.id)
    return jsonify(Nearby(reports=[
        NearbyReport(reference=r.reference, category=r.category.name, metres=round(m),
                     reported=r.created_at.isoformat(), url=url_for("reports.detail", reference=r.reference),
                     support_url=url_for("notices.support", reference=r.reference),
                     follow_url=url_for("updates.follow", reference=r.reference))
        for r, m, _lon, _lat in rows]).model_dump())


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
    return render_template("reports/sent.html", report=report, hazards=hazards(report.category, report.answers),
                           expect=expectation(report))


def expectation(report: Report):
    """How long this kind of problem usually takes in the report's ward (last 12 months up to the data's end)."""
    session = db.session()
    end = data_end(session, datetime.now(timezone.utc).date())
    return what_to_expect(session, report.category_id, report.category.target_hours, report.ward_id, end)


@bp.get("/reports/<reference>")
@shared
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
        staff_view=visibility.is_staff(current_user),    # staff have the moderation tools, not the flag links
        is_reporter=visibility.is_reporter(report, current_user),
        supporters=supporter_count(db.session(), report), due=due_at(report), overdue=is_overdue(report),
        expect=expectation(report),
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


#: How long a browser or proxy may keep a photo: one a moderator removes (or of a report hidden) stops being
#: shown from their copies within this (it was an hour).
PHOTO_MAX_AGE = 300


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
    accel = current_app.config.get("PHOTO_ACCEL_REDIRECT")
    if accel:        # nginx sends the file from its internal location; the rule above stays the app's
        response = current_app.response_class(mimetype="image/jpeg")
        response.headers["X-Accel-Redirect"] = f"{accel}{key}.jpg"
        response.cache_control.public = True
        response.cache_control.max_age = PHOTO_MAX_AGE
    else:
        response = send_file(path, mimetype="image/jpeg", max_age=PHOTO_MAX_AGE)
    if not visibility.can_view_photo(row, None):  # not public yet: no shared cache may keep it
        response.cache_control.public = False
        response.cache_control.private = True
    return response
