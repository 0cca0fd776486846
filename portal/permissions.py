"""Role checks for views: ``@roles_required(Role.STAFF, Role.ADMIN)`` on every staff, crew and admin page."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from models import Role

from .extensions import login_manager

STAFF = (Role.STAFF, Role.ADMIN)


def roles_required(*roles: Role):
    """Anonymous visitors are sent to log in; signed-in users without one of ``roles`` get 403."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_roles = roles
        return wrapped
    return decorate
