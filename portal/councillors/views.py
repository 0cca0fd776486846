"""A councillor's own pages: "My ward" (the ward page of the ward they speak for, or the list of them)."""
from flask import redirect, render_template, url_for
from flask_login import current_user

from models import Role

from .. import db
from ..permissions import roles_required
from ..services.councillors import wards_of
from . import bp


@bp.get("/my/ward")
@roles_required(Role.COUNCILLOR)
def my_ward():
    wards = wards_of(db.session(), current_user)
    if len(wards) == 1:
        return redirect(url_for("maps.ward", code=wards[0].code))
    return render_template("councillors/my_wards.html", wards=wards)
