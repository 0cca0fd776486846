"""The application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.globals import request_ctx
from sqlalchemy.engine import Connection, Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BuildError, MapAdapter

from gis.maps import configure_assets
from models import LABELS, Status, User

from . import db
from .config import INSTANCE, load_settings
from .extensions import csrf, limiter, login_manager, protect_unsafe_requests
from .services.links import bind_base_url

ROOT = Path(__file__).resolve().parent.parent


class Kerbside(Flask):
    """Flask, with every absolute URL built from the configured BASE_URL.

    A link in an email, a feed or an API answer must never come from the request's Host header (a forged
    Host would put a valid reset token on an attacker's site). Relative URLs are unchanged."""

    def base_url_adapter(self) -> MapAdapter:
        return bind_base_url(self.url_map, self.config["BASE_URL"])

    def create_url_adapter(self, request):
        if request is None:             # outside a request (worker, CLI): BASE_URL, not SERVER_NAME
            return self.base_url_adapter()
        return super().create_url_adapter(request)

    def url_for(self, /, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values) -> str:
        ctx = request_ctx._get_current_object() if request_ctx else None
        # A refused Host leaves the request without an adapter: its error page still needs links.
        if ctx is None or not (_external or _scheme or ctx.url_adapter is None):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        if endpoint[:1] == ".":
            endpoint = f"{ctx.request.blueprint}{endpoint}" if ctx.request.blueprint else endpoint[1:]
        self.inject_url_defaults(endpoint, values)
        try:
            url = self.base_url_adapter().build(endpoint, values, method=_method,
                                                force_external=bool(_external or _scheme))
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=True)
            return self.handle_url_build_error(error, endpoint, values)
        return url + (f"#{_anchor}" if _anchor else "")


def create_app(config: dict | None = None, bind: Engine | Connection | None = None) -> Flask:
    app = Kerbside("portal", template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(INSTANCE))
    app.config.update(load_settings().flask_config())     # the environment, checked (SettingsError)
    app.config.update(config or {})                         # then what the caller gives (tests)

    if app.config.get("PROXY_COUNT"):      # behind nginx: the visitor's address and scheme, from the proxy
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app, bind)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    protect_unsafe_requests(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    configure_assets("/vendor")

    from . import assets, cli, http, templating
    from .account import bp as account_bp
    from .main import bp as main_bp
    from .reports import bp as reports_bp
    from .maps import bp as maps_bp
    from .open311 import admin_bp as apikeys_bp, bp as open311_bp
    from .notices import bp as notices_bp
    from .staff import bp as staff_bp
    from .crew import bp as crew_bp
    from .admin import bp as admin_bp
    from .alerts import bp as alerts_bp
    from .updates import bp as updates_bp
    from .feeds import bp as feeds_bp
    from .lookup import bp as lookup_bp
    from .councillors import bp as councillors_bp
    for blueprint in (assets.bp, main_bp, account_bp, reports_bp, maps_bp, open311_bp, apikeys_bp,
                      notices_bp, staff_bp, crew_bp, admin_bp, alerts_bp, updates_bp, feeds_bp, lookup_bp,
                      councillors_bp):
        app.register_blueprint(blueprint)
    cli.register(app)
    http.register(app)

    from .forms import form_errors
    templating.register(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["form_errors"] = form_errors

    @app.context_processor
    def globals_for_templates():
        return {"council_name": app.config["COUNCIL_NAME"], "status_labels": LABELS, "Status": Status,
                "csp_nonce": http.nonce()}

    return app


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The user of a session made by ``User.get_id`` ("id:version"), while that version is current."""
    user_id, _, version = (session_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    user = db.session().get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user

