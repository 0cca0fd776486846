"""Accounts: the list, one account's page with its actions (role, disable/enable, unlock, resend the sign-up
confirmation, reset two-factor sign-in) and the action log. Admins only; every action is a POST with a CSRF
token and is logged by its service."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import func, select

from models import Role, User, Ward

from .. import db
from ..extensions import csrf_in_form
from ..forms import form_errors
from ..permissions import roles_required
from ..services import councillors, twofactor, user_admin
from ..services.errors import DomainError
from . import bp
from .forms import ConfirmForm, DisableForm, RoleForm, UserSearchForm, WardsForm

PG_INT_MAX = 2 ** 31 - 1
#: action name in the URL -> (form class, service call, message when done)
ACTIONS = {
    "disable": (DisableForm, lambda s, u, f: user_admin.disable(s, u, current_user, f.reason.data or ""),
                "{email} is disabled and signed out everywhere."),
    "enable": (ConfirmForm, lambda s, u, f: user_admin.enable(s, u, current_user), "{email} can sign in again."),
    "unlock": (ConfirmForm, lambda s, u, f: user_admin.unlock(s, u, current_user),
               "Failed sign-in attempts of {email} are cleared: it can try again now."),
    "resend-confirmation": (ConfirmForm, lambda s, u, f: user_admin.resend_confirmation(s, u, current_user),
                            "A new confirmation link is on its way to {email}."),
    "reset-two-factor": (ConfirmForm, lambda s, u, f: user_admin.reset_two_factor(s, u, current_user),
                         "Two-factor sign-in of {email} is reset: it sets it up again at its next sign-in."),
}


def _user_or_404(user_id: int) -> User:
    if user_id > PG_INT_MAX:                  # beyond any id: not a database error
        abort(404)
    return db.session().get(User, user_id) or abort(404)


def _forms(user: User, failed=None, failed_name: str | None = None) -> dict:
    session = db.session()
    forms = {"role": RoleForm(data={"role": user.role.value}),
             "wards": WardsForm(data={"wards": [w.code for w in councillors.wards_of(session, user)]})
             .with_wards(session.scalars(select(Ward).order_by(Ward.name))),
             **{name: cls() for name, (cls, _, _) in ACTIONS.items()}}
    if failed is not None:
        forms[failed_name] = failed
    return forms


def _page(user: User, failed_name: str | None = None, failed=None, error: DomainError | None = None):
    """The account's page; after a refused action, with that action's form, its errors and a summary (400)."""
    session = db.session()
    forms = _forms(user, failed, failed_name)
    errors = form_errors(failed) if failed is not None else []
    if error is not None:
        field = getattr(failed, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        errors.append((field.id if field is not None else "actions", error.message))
    return render_template(
        "admin/user.html", user=user, forms=forms, errors=errors, failed_name=failed_name,
        lock=user_admin.lock_state(session, user), codes_left=twofactor.recovery_codes_left(session, user),
        needs_two_factor=twofactor.required_for(user), log=user_admin.recent_actions(session, target=user, limit=20),
    ), 400 if errors else 200


def _done(user: User, message: str):
    """After an action: if it ended the admin's own sessions, keep this one; then back to the account."""
    if user.id == current_user.id:
        login_user(user)
        if not user.has_role(Role.ADMIN):
            flash(message, "success")
            return redirect(url_for("main.home"))
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    search = UserSearchForm(request.args)
    q = (search.q.data or "").strip() if search.validate() else ""
    stmt = select(User).where(User.password_hash.is_not(None)).order_by(User.role, User.email).limit(200)
    if q:
        stmt = stmt.where(func.lower(User.email).contains(q.lower()))
    return render_template("admin/users.html", users=db.session().scalars(stmt).all(), search=search,
                           errors=form_errors(search), needs_two_factor=twofactor.required_for), \
        400 if search.errors else 200


@bp.get("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user(user_id: int):
    return _page(_user_or_404(user_id))


@bp.post("/users/<int:user_id>/role")
@roles_required(Role.ADMIN)
@csrf_in_form
def user_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _page(user, "role", form)
    try:
        changed = user_admin.set_role(db.session(), user, Role(form.role.data), current_user)
    except DomainError as exc:
        return _page(user, "role", form, exc)
    return _done(user, f"{user.email} is now {user.role.label}; it is signed out everywhere." if changed
                 else f"{user.email} was {user.role.label} already.")


@bp.post("/users/<int:user_id>/wards")
@roles_required(Role.ADMIN)
@csrf_in_form
def user_wards(user_id: int):
    user = _user_or_404(user_id)
    form = WardsForm()
    form.with_wards(db.session().scalars(select(Ward).order_by(Ward.name)))
    if not form.validate_on_submit():
        return _page(user, "wards", form)
    try:
        changed = councillors.set_wards(db.session(), user, [c[:20] for c in (form.wards.data or [])][:100],
                                        current_user)
    except DomainError as exc:
        return _page(user, "wards", form, exc)
    names = ", ".join(w.name for w in councillors.wards_of(db.session(), user)) or "no ward"
    return _done(user, f"{user.email} now speaks for {names}." if changed else f"{user.email} had these wards already.")


@bp.post("/users/<int:user_id>/<any({}):action>".format(", ".join(f'"{a}"' for a in ACTIONS)))
@roles_required(Role.ADMIN)
@csrf_in_form
def user_action(user_id: int, action: str):
    user = _user_or_404(user_id)
    form_cls, call, message = ACTIONS[action]
    form = form_cls()
    if not form.validate_on_submit():
        return _page(user, action, form)
    try:
        call(db.session(), user, form)
    except DomainError as exc:
        return _page(user, action, form, exc)
    return _done(user, message.format(email=user.email))


@bp.get("/log")
@roles_required(Role.ADMIN)
def action_log():
    return render_template("admin/log.html", entries=user_admin.recent_actions(db.session()))

