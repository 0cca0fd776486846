"""Administration pages: categories and crews (accounts: see users.py). Admins only."""
from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import func, select

from models import Category, Crew, Role, Team, User

from .. import db
from ..forms import add_error, form_errors
from ..permissions import roles_required
from ..services import admin
from ..services.errors import DomainError
from . import bp
from .forms import CategoryForm, CrewForm


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
    form = CategoryForm(data={} if cat is None else {
        "code": cat.code, "name": cat.name, "group": cat.group, "active": cat.active, "team": cat.team_id,
        **CategoryForm.target_data(cat.target_hours)})
    form.team.choices = [("", "No team yet"), *((t.id, t.name) for t in session.scalars(
        select(Team).where((Team.active.is_(True)) | (Team.id == (cat.team_id if cat else None)))
        .order_by(Team.name)))]
    errors = []
    if form.validate_on_submit():
        try:
            cat = admin.save_category(session, cat, code=form.code.data or "", name=form.name.data or "",
                                      group=form.group.data or "", target_hours=form.target_hours,
                                      active=form.active.data, team_id=form.team.data)
        except DomainError as exc:
            errors = [add_error(form, exc.field, exc.message, fallback="name")]
        else:
            flash(f"Category “{cat.name}” saved.", "success")
            return redirect(url_for("admin.categories") if category_id else
                            url_for("admin.questions", category_id=cat.id))
    errors = form_errors(form) if form.errors else errors
    return render_template("admin/category.html", category=cat, form=form, errors=errors), \
        400 if errors else 200


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
    data = {}
    if c is not None:
        lat = lon = ""
        if c.depot is not None:
            lon, lat = session.execute(select(func.ST_X(Crew.depot), func.ST_Y(Crew.depot))
                                       .where(Crew.id == c.id)).one()
        data = {"name": c.name, "depot_place": c.depot_place, "depot_lat": str(lat), "depot_lon": str(lon),
                "active": c.active,
                "members": [m.user_id for m in c.members]}
    form = CrewForm(data=data)
    form.members.choices = [(u.id, f"{u.display_name} ({u.email})") for u in session.scalars(
        select(User).where(User.role == Role.CREW).order_by(User.display_name))]
    errors = []
    if form.validate_on_submit():
        try:
            c = admin.save_crew(session, c, name=form.name.data or "", depot=form.depot, active=form.active.data,
                                member_ids=form.members.data or [], depot_place=form.depot_place.data or "")
        except DomainError as exc:
            errors = [add_error(form, exc.field, exc.message, fallback="name")]
        else:
            flash(f"Crew “{c.name}” saved.", "success")
            return redirect(url_for("admin.crews"))
    errors = form_errors(form) if form.errors else errors
    return render_template("admin/crew.html", crew=c, form=form, errors=errors), 400 if errors else 200
