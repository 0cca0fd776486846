"""Admin page for Open311 API keys: issue (the key is shown once), list, revoke."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from models import ApiKey, Role

from .. import db
from ..extensions import csrf_in_form
from ..services import apikeys
from ..services.errors import DomainError
from . import admin_bp
from .forms import NewKeyForm, RevokeKeyForm


def _admin_only() -> None:
    if current_user.role is not Role.ADMIN:
        abort(403)


def _page(form: NewKeyForm, new_key: str | None = None, status: int = 200):
    return render_template("open311/keys.html", form=form, keys=apikeys.all_keys(db.session()),
                           revoke_form=RevokeKeyForm(), new_key=new_key), status


@admin_bp.get("/admin/api-keys")
@login_required
def keys():
    _admin_only()
    return _page(NewKeyForm(formdata=None))


@admin_bp.post("/admin/api-keys")
@login_required
@csrf_in_form
def create():
    _admin_only()
    form = NewKeyForm()
    if form.validate_on_submit():
        try:
            _key, raw = apikeys.create_key(db.session(), form.name.data, may_update=form.may_update.data)
        except DomainError as exc:
            form.name.errors.append(exc.message)
        else:
            return _page(NewKeyForm(formdata=None), new_key=raw, status=201)
    return _page(form, status=400)


@admin_bp.post("/admin/api-keys/<int:key_id>/revoke")
@login_required
@csrf_in_form
def revoke(key_id: int):
    _admin_only()
    key = db.session().get(ApiKey, key_id)
    if key is None:
        abort(404)
    if not RevokeKeyForm().validate_on_submit():
        flash("That form had expired: nothing was revoked. Try again.", "error")
        return redirect(url_for("apikeys.keys"))
    apikeys.revoke_key(db.session(), key.name)
    flash(f"The key of {key.name} is revoked.", "success")
    return redirect(url_for("apikeys.keys"))
