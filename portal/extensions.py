"""Flask extensions, created once and bound to the app in create_app."""
import math
import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "account.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def account_or_address() -> str:
    """Rate-limit key: the logged-in account, else the client address."""
    from flask_login import current_user
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{get_remote_address()}"


def retry_after() -> int:
    """Seconds until the limit this request broke lets it through again (a 429's Retry-After, and its words).
    Flask-Limiter's own headers (RATELIMIT_HEADERS_ENABLED) are not used: they go on every answer, and a
    shared-cache copy of a page would hand one visitor's remaining count to all."""
    breached = limiter.current_limit
    try:
        return max(1, math.ceil(breached.window.reset_time - time.time()))
    except Exception:  # noqa: BLE001 - the limit store went away meanwhile: the whole window is a safe wait
        return breached.limit.get_expiry()


def made(response) -> bool:
    """Whether a submission was taken (a redirect onwards): submission limits count these only, so a form sent
    back with errors, or with "is it one of these?", does not use up a person's allowance (the 21st try at
    one report met "too many attempts" and lost what was typed)."""
    return 300 <= response.status_code < 400


def csrf_in_form(view):
    """Mark a view whose FlaskForm checks the CSRF token itself, so a missing or stale token is shown as a
    form error with the user's input kept. Every other unsafe request is checked before its view runs."""
    view.csrf_in_form = True
    return view


def protect_unsafe_requests(app) -> None:
    from flask import request

    @app.before_request
    def _csrf_default():
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or not app.config.get("WTF_CSRF_ENABLED", True):
            return
        view = app.view_functions.get(request.endpoint)
        if view is None or getattr(view, "csrf_in_form", False):
            return
        if request.blueprint in app.config.get("CSRF_EXEMPT_BLUEPRINTS", ()):
            return
        csrf.protect()
