"""The application factory."""
from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import Connection, Engine

from gis.maps import configure_assets
from models import LABELS, Status, User

from . import db
from .config import INSTANCE, from_environment
from .extensions import csrf, limiter, login_manager, protect_unsafe_requests

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, bind: Engine | Connection | None = None) -> Flask:
    app = Flask("portal", template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(INSTANCE))
    app.config.update(from_environment())
    app.config.update(config or {})

    db.init_app(app, bind)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    protect_unsafe_requests(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    configure_assets("/vendor")

    from . import assets, cli
    from .account import bp as account_bp
    from .main import bp as main_bp
    from .reports import bp as reports_bp
    for blueprint in (assets.bp, main_bp, account_bp, reports_bp):
        app.register_blueprint(blueprint)
    cli.register(app)
    _register_errors(app)
    _security_headers(app)

    from . import templating
    from .forms import form_errors
    templating.register(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["form_errors"] = form_errors

    @app.context_processor
    def globals_for_templates():
        return {"council_name": app.config["COUNCIL_NAME"], "status_labels": LABELS, "Status": Status,
                "csp_nonce": _nonce()}

    return app


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        user = db.session().get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


def _nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _security_headers(app: Flask) -> None:
    tiles = urlsplit(app.config["TILE_URL"])
    tile_origin = f"{tiles.scheme}://{tiles.netloc}".replace("{s}", "*") if tiles.netloc else ""

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", "; ".join([
                "default-src 'self'",
                f"script-src 'self' 'nonce-{_nonce()}'",
                "style-src 'self' 'unsafe-inline'",   # Leaflet positions tiles with style attributes
                f"img-src 'self' data: blob: {tile_origin}".strip(),
                "connect-src 'self'",
                "frame-ancestors 'none'",
                "form-action 'self'",
                "base-uri 'self'",
                "object-src 'none'",
            ]))
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _register_errors(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        def handler(error):
            return render_template("errors/error.html", code=code, title=title, message=message), code
        return handler

    app.register_error_handler(400, page(400, "Something was wrong with that request",
                                         "Please go back and try again."))
    app.register_error_handler(403, page(403, "You cannot see this page",
                                         "This page is not available to your account."))
    app.register_error_handler(404, page(404, "Page not found",
                                         "Check the address, or find a report by its reference."))
    app.register_error_handler(413, page(413, "That upload is too large",
                                         "Photos can be at most 10 MB each, three at most. Go back, choose "
                                         "smaller photos and send the report again."))
    app.register_error_handler(429, page(429, "Too many attempts",
                                         "You have tried this too many times in a short while. Please wait "
                                         "a few minutes and try again."))
    app.register_error_handler(500, page(500, "Something went wrong on our side",
                                         "Nothing you sent was lost half-way: please try again in a moment."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, title="Your form expired",
                               message="For your security, forms expire. Go back, reload the page and send "
                                       "it again."), 400
