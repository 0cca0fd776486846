from flask import redirect, render_template, request, send_from_directory, url_for
from flask import current_app

from ..apispec import document
from . import bp
from .forms import FindForm
from .schemas import Health


@bp.get("/")
def home():
    return render_template("main/home.html", find=FindForm())


@bp.get("/about")
def about():
    return render_template("main/about.html")


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")


@bp.get("/find")
def find():
    """Go to a report by its reference (the form on the home page)."""
    form = FindForm(request.args)
    return redirect(url_for("reports.detail", reference=form.reference.data or "KB-"))


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
