"""Administration pages: categories and crews (accounts: see users.py). Admins only."""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from models import Category, Crew, Role, User

from .. import db
from ..permissions import roles_required
from ..services import admin
from ..services.errors import DomainError
from ..services.text import ascii_int
from . import bp


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return redirect(url_for("admin.users"))


@bp.get("/categories")
@roles_required(Role.ADMIN)
def categories():
    cats = db.session().scalars(select(Category).order_by(Category.group, Category.name)).all()
    return render_template("admin/categories.html", categories=cats)


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def category(category_id: int | None):
    session = db.session()
    cat = session.get(Category, category_id) if category_id else None
    if category_id and cat is None:
        abort(404)
    values = {"code": cat.code if cat else "", "name": cat.name if cat else "", "group": cat.group if cat else "",
              "target_hours": str(cat.target_hours) if cat else "48", "active": cat.active if cat else True,
              "questions": json.dumps(cat.questions if cat else [], indent=2, ensure_ascii=False)}
    error = None
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("code", "name", "group", "target_hours", "questions")}
        values["active"] = request.form.get("active") == "y"
        try:
            cat = admin.save_category(session, cat, **values)
        except DomainError as exc:
            error = exc
        else:
            flash(f"Category “{cat.name}” saved.", "success")
            return redirect(url_for("admin.categories"))
    return render_template("admin/category.html", category=cat, values=values, error=error), 400 if error else 200


@bp.get("/crews")
@roles_required(Role.ADMIN)
def crews():
    session = db.session()
    return render_template("admin/crews.html", crews=session.scalars(select(Crew).order_by(Crew.name)).all())


@bp.route("/crews/new", methods=["GET", "POST"], defaults={"crew_id": None})
@bp.route("/crews/<int:crew_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def crew(crew_id: int | None):
    session = db.session()
    c = session.get(Crew, crew_id) if crew_id else None
    if crew_id and c is None:
        abort(404)
    lat = lon = ""
    if c is not None and c.depot is not None:
        lon, lat = session.execute(select(func.ST_X(Crew.depot), func.ST_Y(Crew.depot)).where(Crew.id == c.id)).one()
    values = {"name": c.name if c else "", "depot_lat": str(lat), "depot_lon": str(lon),
              "active": c.active if c else True, "member_ids": [m.user_id for m in c.members] if c else []}
    error = None
    if request.method == "POST":
        ids = []
        for raw in request.form.getlist("members")[:100]:
            if (number := ascii_int(raw)) is not None:
                ids.append(number)
        values = {"name": request.form.get("name", ""), "depot_lat": request.form.get("depot_lat", ""),
                  "depot_lon": request.form.get("depot_lon", ""), "active": request.form.get("active") == "y",
                  "member_ids": ids}
        try:
            c = admin.save_crew(session, c, **values)
        except DomainError as exc:
            error = exc
        else:
            flash(f"Crew “{c.name}” saved.", "success")
            return redirect(url_for("admin.crews"))
    crew_users = session.scalars(select(User).where(User.role == Role.CREW).order_by(User.display_name)).all()
    return render_template("admin/crew.html", crew=c, values=values, error=error, crew_users=crew_users), \
        400 if error else 200
