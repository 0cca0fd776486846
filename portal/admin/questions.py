"""A category's extra questions, edited through forms: the list (move up, move down, remove) and one question's
page with its answers (add, reorder by position, remove). Admins only; the rules are admin.build_question and
admin.check_questions."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from models import Category, Role

from .. import db
from ..forms import PG_INT_MAX, add_error, form_errors
from ..permissions import roles_required
from ..services import admin
from ..services.errors import DomainError
from . import bp
from .forms import SPARE_CHOICES, QuestionActionForm, QuestionForm


def _category(category_id: int) -> Category:
    if category_id > PG_INT_MAX:
        abort(404)
    return db.session().get(Category, category_id) or abort(404)


@bp.get("/categories/<int:category_id>/questions")
@roles_required(Role.ADMIN)
def questions(category_id: int):
    return render_template("admin/questions.html", category=_category(category_id), action=QuestionActionForm())


@bp.post("/categories/<int:category_id>/questions/<code>/<any(up, down, remove):action>")
@roles_required(Role.ADMIN)
def question_action(category_id: int, code: str, action: str):
    category = _category(category_id)
    form = QuestionActionForm()
    if not form.validate_on_submit():
        return render_template("admin/questions.html", category=category, action=form,
                               errors=form_errors(form)), 400
    try:
        if action == "remove":
            admin.remove_question(db.session(), category, code)
        else:
            admin.move_question(db.session(), category, code, -1 if action == "up" else 1)
    except DomainError as exc:
        return render_template("admin/questions.html", category=category, action=form,
                               errors=[("main", exc.message)]), 400
    flash("Question removed: past reports keep their answers." if action == "remove" else
          f"Question moved {action}.", "success")
    return redirect(url_for("admin.questions", category_id=category.id))


def _form_data(question: dict | None) -> dict:
    if question is None:
        return {"choices": [{}] * SPARE_CHOICES}
    choices = [{"label": o["label"], "value": o["value"], "hazard": bool(o.get("hazard")), "position": n}
               for n, o in enumerate(question.get("options", []), 1)]
    return {"code": question["code"], "label": question["label"], "hint": question.get("hint", ""),
            "kind": question["type"], "required": bool(question.get("required")),
            "choices": choices + [{}] * SPARE_CHOICES}


@bp.route("/categories/<int:category_id>/questions/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/categories/<int:category_id>/questions/<code>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def question(category_id: int, code: str | None):
    category = _category(category_id)
    existing = category.question(code) if code else None
    if code and existing is None:
        abort(404)
    form = QuestionForm(data=_form_data(existing))
    errors, choices_error = [], None
    if form.validate_on_submit():
        try:
            built = admin.build_question(code=code or form.code.data or "", label=form.label.data or "",
                                         hint=form.hint.data or "", kind=form.kind.data or "",
                                         required=form.required.data, choices=form.choice_rows())
            admin.save_question(db.session(), category, code, built)
        except DomainError as exc:
            if exc.field == "choices":        # about the answers as a whole: shown on their fieldset
                errors, choices_error = [("choices", exc.message)], exc.message
            else:
                errors = [add_error(form, exc.field, exc.message, fallback="label")]
        else:
            flash(f"Question “{built['label']}” saved.", "success")
            return redirect(url_for("admin.questions", category_id=category.id))
    elif form.is_submitted():
        errors = _errors(form)
    if form.is_submitted():     # keep room to add answers on the page shown again
        while len(form.choices.entries) < len(form.choice_rows()) + SPARE_CHOICES \
                and len(form.choices.entries) < form.choices.max_entries:
            form.choices.append_entry()
    return render_template("admin/question.html", category=category, question=existing, form=form,
                           errors=errors, choices_error=choices_error), 400 if errors else 200


def _errors(form: QuestionForm) -> list[tuple[str, str]]:
    """form_errors, with each answer row's fields (a FieldList of forms) linked one by one."""
    found = []
    for f in form:
        if f.name == "choices":
            found += [(sub.id, e) for entry in f.entries for sub in entry.form for e in sub.errors]
        else:
            found += [("main" if f.name == "csrf_token" else f.id, e) for e in f.errors]
    return found
