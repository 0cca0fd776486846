"""Who does the work: teams (each category routes to one: see the category's page) and other bodies with their
boundaries and Open311 endpoints. Admins only; the rules are services/bodies.py."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from sqlalchemy import func, select

from models import Body, BodySend, Category, Role, Team

from .. import db
from ..forms import PG_INT_MAX, add_error, form_errors
from ..permissions import roles_required
from ..services import bodies
from ..services.errors import DomainError
from . import bp
from .forms import TeamForm, body_form


def _get(model, record_id: int | None):
    if record_id is None:
        return None
    if record_id > PG_INT_MAX:
        abort(404)
    return db.session().get(model, record_id) or abort(404)


@bp.get("/teams")
@roles_required(Role.ADMIN)
def teams():
    return render_template("admin/teams.html", teams=db.session().scalars(select(Team).order_by(Team.name)).all())


@bp.route("/teams/new", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def team(team_id: int | None):
    t = _get(Team, team_id)
    form = TeamForm(data={} if t is None else {"name": t.name, "email": t.email, "active": t.active})
    errors = []
    if form.validate_on_submit():
        try:
            t = bodies.save_team(db.session(), t, name=form.name.data or "", email=form.email.data or "",
                                 active=form.active.data)
        except DomainError as exc:
            errors = [add_error(form, exc.field, exc.message, fallback="name")]
        else:
            flash(f"Team “{t.name}” saved.", "success")
            return redirect(url_for("admin.teams"))
    errors = form_errors(form) if form.errors else errors
    return render_template("admin/team.html", team=t, form=form, errors=errors), 400 if errors else 200


@bp.get("/bodies")
@roles_required(Role.ADMIN)
def bodies_list():
    session = db.session()
    waiting = (select(BodySend.body_id, func.count().label("n")).where(BodySend.sent_at.is_(None))
               .group_by(BodySend.body_id).subquery())
    rows = session.execute(select(Body, func.coalesce(waiting.c.n, 0))
                           .outerjoin(waiting, waiting.c.body_id == Body.id).order_by(Body.name)).all()
    return render_template("admin/bodies.html", rows=rows)


@bp.route("/bodies/new", methods=["GET", "POST"], defaults={"body_id": None})
@bp.route("/bodies/<int:body_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def body(body_id: int | None):
    session = db.session()
    b = _get(Body, body_id)
    categories = session.scalars(select(Category).order_by(Category.group, Category.name)).all()
    data = {}
    if b is not None:
        data = {"name": b.name, "endpoint": b.endpoint, "format": b.format, "jurisdiction_id": b.jurisdiction_id,
                "active": b.active, "extended_statuses": b.extended_statuses,
                **{f"service_{s.category_id}": s.service_code for s in b.services}}
    form = body_form(categories, data=data)
    errors = []
    if form.validate_on_submit():
        geojson, file_problem = form.boundary_text()
        if file_problem:
            errors = [add_error(form, "boundary_file", file_problem)]
        else:
            try:
                b, repaired = bodies.save_body(
                    session, b, name=form.name.data or "", endpoint=form.endpoint.data or "",
                    fmt=form.format.data or "", api_key=form.api_key.data or "",
                    jurisdiction_id=form.jurisdiction_id.data or "", boundary=geojson, repair=form.repair.data,
                    services={c.id: form[f"service_{c.id}"].data or "" for c in categories},
                    active=form.active.data, extended_statuses=form.extended_statuses.data)
            except DomainError as exc:
                errors = [add_error(form, exc.field, exc.message,
                                    fallback="services" if exc.field == "services" else "name")]
            else:
                flash(f"Body “{b.name}” saved" + (": its boundary was not a valid polygon and was repaired by "
                                                   "ST_MakeValid; check it." if repaired else "."), "success")
                return redirect(url_for("admin.body", body_id=b.id))
    errors = form_errors(form) if form.errors else errors
    summary = bodies.boundary_summary(session, b) if b is not None else None
    return render_template("admin/body.html", body=b, form=form, errors=errors, summary=summary,
                           services_error=errors and errors[0][0] == "services" and errors[0][1]), \
        400 if errors else 200


@bp.get("/bodies/<int:body_id>/boundary")
@roles_required(Role.ADMIN)
def body_boundary(body_id: int):
    b = _get(Body, body_id)
    return Response(bodies.boundary_geojson(db.session(), b), content_type="application/geo+json",
                    headers={"Content-Disposition": f'attachment; filename="body-{b.id}-boundary.geojson"'})
