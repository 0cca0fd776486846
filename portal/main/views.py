from datetime import datetime, timezone

from flask import current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from gis.coords import LonLat
from gis.maps import neighbourhood_map
from gis.measures import MIN_COUNT
from models import LABELS

from .. import db
from ..apispec import document
from ..forms import form_errors
from ..shared_cache import shared
from ..services import visibility
from ..services.neighbourhood import PlaceNotFound, locate, neighbourhood
from . import bp
from .forms import CoordinatesForm, FindForm, PostcodeForm
from .schemas import Health


def _home(postcode_form=None, coordinates_form=None, errors=(), find=None):
    return render_template("main/home.html", postcode_form=postcode_form or PostcodeForm(formdata=None),
                           coordinates_form=coordinates_form or CoordinatesForm(formdata=None), errors=list(errors),
                           find=find or FindForm(formdata=None))


@bp.get("/")
@shared
def home():
    return _home()


@bp.get("/near")
@db.public_read
def near():
    """The neighbourhood page of a postcode or coordinates (the home page's forms); a place that cannot be
    used brings the home page back with the message beside the field and what was typed kept."""
    args = request.args
    postcode_form, coordinates_form = PostcodeForm(formdata=args), CoordinatesForm(formdata=args)
    by_postcode = "postcode" in args or not ("lat" in args or "lon" in args)
    form = postcode_form if by_postcode else coordinates_form
    if not form.validate():
        return _home(postcode_form, coordinates_form, form_errors(form)), 400
    session = db.session()
    try:
        place = locate(session, current_app.config["COUNCIL_NAME"],
                       postcode=postcode_form.postcode.data if by_postcode else None,
                       lat=coordinates_form.lat.data, lon=coordinates_form.lon.data)
    except PlaceNotFound as exc:
        bad = getattr(form, exc.field or "", None) or next(iter(form))
        bad.errors = [*bad.errors, exc.message]
        return _home(postcode_form, coordinates_form, form_errors(form)), 400
    today = datetime.now(timezone.utc).date()
    hood = neighbourhood(session, place, today)
    cfg = current_app.config
    labels = [f"{r.reference} {r.category.name}: {LABELS[r.status]}" for r, *_ in hood.reports]
    parts = neighbourhood_map(place.point, f"You chose {place.label}",
                              [(LonLat(lon=lon, lat=lat), label) for (_r, _m, lon, lat), label
                               in zip(hood.reports, labels)], cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])
    alerts = url_for("alerts.index", place=place.label) if "alerts.index" in current_app.view_functions else None
    # The same circle as an Atom feed (the point, not the label: a feed reader keeps the address for years).
    feed = url_for("feeds.everything", lat=f"{place.point.lat:.6f}", lon=f"{place.point.lon:.6f}",
                   radius=hood.radius_m) if "feeds.everything" in current_app.view_functions else None
    return render_template("main/near.html", hood=hood, place=place, map=parts, alerts_url=alerts, feed_url=feed,
                           min_count=MIN_COUNT, today=today)


@bp.get("/about")
@shared
def about():
    return render_template("main/about.html")


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")


@bp.get("/find")
def find():
    """Go to a report by its reference (the form on the home page); a reference that is not one, or names no
    report the viewer may see, brings the home page back with the message beside the box and the text kept."""
    form = FindForm(request.args)
    if not form.validate():
        return _home(errors=form_errors(form), find=form), 400
    report = visibility.report_for(db.session(), form.reference.data, current_user)
    if report is None:
        form.reference.errors = [f"We have no report {form.reference.data}. Check the reference in your "
                                 "confirmation email; a report made without an account appears once its emailed "
                                 "link is followed."]
        return _home(errors=form_errors(form), find=form), 404
    return redirect(url_for("reports.detail", reference=report.reference))


@bp.get("/healthz")
def healthz():
    """For load balancers and monitoring: 200 when the database answers, else 503 (via the error handler)."""
    from sqlalchemy import text
    from .. import db
    db.session().execute(text("SELECT 1")).scalar_one()
    return Health(status="ok", database="ok").model_dump()


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/api/openapi.json")
def openapi():
    """The OpenAPI description of the JSON endpoints (map data, exports, Open311 JSON, /healthz), generated from
    the routes and the models that parse them (portal/apispec.py)."""
    return document(current_app)
