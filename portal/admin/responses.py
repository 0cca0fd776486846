"""Response templates (admins): each written for one status, offered on a report's page only with it."""
from flask import abort, flash, redirect, render_template, url_for
from wtforms.fields.choices import SelectChoice

from models import Category, ResponseTemplate, Role, Status
from sqlalchemy import select

from .. import db
from ..forms import add_error, form_errors, optional_id
from ..permissions import roles_required
from ..services import response_templates
from ..services.errors import DomainError, Refused
from . import bp
from .forms import DeleteTemplateForm, ResponseTemplateForm


@bp.get("/templates")
@roles_required(Role.ADMIN)
def response_templates_list():
    return render_template("admin/responses.html", templates=response_templates.all_templates(db.session()),
                           delete=DeleteTemplateForm(formdata=None))


def _status(value) -> Status | None:
    try:
        return Status(value) if value else None
    except ValueError:
        return None


@bp.route("/templates/new", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def response_template(template_id: int | None):
    session = db.session()
    template = session.get(ResponseTemplate, template_id) if template_id else None
    if template_id and template is None:
        abort(404)
    form = ResponseTemplateForm(data={} if template is None else {
        "status": template.status.value, "category": str(template.category_id or ""), "title": template.title,
        "text": template.text})
    form.status.choices = [SelectChoice("", "Choose a status"),
                           *(SelectChoice(s.value, s.label) for s in response_templates.TEMPLATE_STATUSES)]
    form.category.choices = [SelectChoice("", "Any category"), *(SelectChoice(str(c.id), c.name) for c in session.scalars(
        select(Category).order_by(Category.group, Category.name)))]
    errors = []
    if form.validate_on_submit():
        try:
            category_id = optional_id(form.category.data)
        except ValueError:
            category_id = -1                      # not an id: the service refuses it ("from the list")
        try:
            template = response_templates.save_template(
                session, template, status=_status(form.status.data), category_id=category_id,
                title=form.title.data or "", text=form.text.data or "")
        except DomainError as exc:
            problems = exc.problems if isinstance(exc, Refused) else [exc]
            errors = [add_error(form, p.field, p.message, fallback="title") for p in problems]
        else:
            flash(f"Template “{template.title}” saved.", "success")
            return redirect(url_for("admin.response_templates_list"))
    errors = form_errors(form) if form.errors else errors
    return render_template("admin/response.html", template=template, form=form, errors=errors), \
        400 if errors else 200


@bp.post("/templates/<int:template_id>/delete")
@roles_required(Role.ADMIN)
def delete_response_template(template_id: int):
    session = db.session()
    template = session.get(ResponseTemplate, template_id)
    if template is None:
        abort(404)
    form = DeleteTemplateForm()
    if not form.validate_on_submit():
        flash("Nothing was deleted: the form had expired. Try again.", "error")
        return redirect(url_for("admin.response_templates_list"))
    title = template.title
    response_templates.delete_template(session, template)
    flash(f"Template “{title}” deleted.", "success")
    return redirect(url_for("admin.response_templates_list"))
