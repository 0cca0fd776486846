"""HTTP concerns shared by every page: security headers, error pages (HTML, or JSON for APIs), request logs."""
from __future__ import annotations

import json
import secrets
import logging
import time
import uuid
from urllib.parse import urlsplit

from flask import Flask, Request, abort, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException

from . import shared_cache
from .services import text

log = logging.getLogger("kerbside.http")
API_PREFIXES = ("/api/", "/open311/")


def nonce() -> str:
    """This response's CSP nonce, for the inline scripts the page may run."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def wants_json() -> bool:
    return request.path.startswith(API_PREFIXES) or request.path.endswith(".json")


def register(app: Flask) -> None:
    _refuse_nul(app)
    _security_headers(app)
    _register_errors(app)
    _request_log(app)


def _security_headers(app: Flask) -> None:
    tiles = urlsplit(app.config["TILE_URL"])
    tile_origin = f"{tiles.scheme}://{tiles.netloc}".replace("{s}", "*") if tiles.netloc else ""

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        keep = shared_cache.mark(response)
        if response.mimetype == "text/html":
            # A page nginx keeps for everyone names its scripts by hash: a nonce is for one response only.
            scripts = (shared_cache.script_hashes(response.get_data(as_text=True), nonce()) if keep
                       else [f"'nonce-{nonce()}'"])
            response.headers.setdefault("Content-Security-Policy", "; ".join([
                "default-src 'self'",
                " ".join(["script-src 'self'", *scripts]),
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


class CleanMultiDict(ImmutableMultiDict):
    """Query and form fields (and uploads) as parsed by Werkzeug, cleaned once (services/text.clean): every
    view, form and API sees text without control characters. NUL is kept here so that ``refuse_nul`` can
    answer 400. A multipart part without a name Werkzeug can read (none, or one broken by a line break) comes
    with the name None: it is no field of any form, so it is dropped rather than handed to code that expects
    text."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        kept = []
        for k, v in pairs:
            if k is not None:
                kept.append((_clean(k), _clean(v)))
            elif hasattr(v, "close"):      # an upload's spooled file: the request closes only those it keeps
                v.close()
        super().__init__(kept)


def _clean(value):
    return text.clean(value) if isinstance(value, str) else value


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


def _refuse_nul(app: Flask) -> None:
    """A NUL character is never valid input, and PostgreSQL refuses it in text: answer 400 before any view
    sees it, wherever it is (the path, a query or form field's name or value, an upload's file name)."""
    app.request_class = CleanRequest

    @app.before_request
    def refuse_nul():
        fields = [*request.args.items(multi=True)]
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            fields += request.form.items(multi=True)
            fields += [(name, upload.filename or "") for name, upload in request.files.items(multi=True)]
        if text.has_nul(request.path) or any(text.has_nul(k) or text.has_nul(v) for k, v in fields):
            abort(400, "A request may not contain a NUL character.")
        return None


def _register_errors(app: Flask) -> None:
    def page(code: int, title: str, default_message: str):
        def body(message: str):
            if request.path.startswith("/open311/v2/"):   # the standard's own error document
                from .open311.views import open311_http_error
                return open311_http_error(code, message)
            if wants_json():
                return jsonify(error=title, message=message, status=code), code
            return render_template("errors/error.html", code=code, title=title, message=message), code

        def handler(error):
            # A message given with abort(code, "...") is written for people: show it; else the default.
            described = isinstance(error, HTTPException) and error.description != type(error).description
            response = make_response(body(error.description if described else default_message))
            # A 405 names the methods the address allows (RFC 9110 requires Allow): routing knows them.
            if getattr(error, "valid_methods", None):
                response.headers["Allow"] = ", ".join(error.valid_methods)
            return response, code
        return handler

    app.register_error_handler(400, page(400, "Something was wrong with that request",
                                         "Please go back and try again."))
    app.register_error_handler(403, page(403, "You cannot see this page",
                                         "This page is not available to your account."))
    app.register_error_handler(404, page(404, "Page not found",
                                         "Check the address, or find a report by its reference."))
    app.register_error_handler(405, page(405, "That method is not allowed here",
                                         "This address does not accept that kind of request."))
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

    unavailable = page(503, "The service is briefly unavailable",
                       "We could not reach our database, so nothing was saved. Please try again in a minute.")

    @app.errorhandler(DBAPIError)
    def database_down(error):
        if not (isinstance(error, (OperationalError, InterfaceError)) or error.connection_invalidated):
            raise error           # a bug (bad SQL, constraint...): a real 500, logged with its traceback
        # A lost connection is not the user's fault and must not look like a crash: 503, retry later.
        log.error("database unavailable: %s", error.__class__.__name__)
        # Render the page as for an anonymous visitor: loading the user would need the database again.
        from .extensions import login_manager
        g._login_user = login_manager.anonymous_user()
        try:
            from . import db
            db.session().rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; nothing more to clean up
            pass
        body, code = unavailable(error)
        return body, code, {"Retry-After": "30"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _request_log(app: Flask) -> None:
    if app.config.get("PRODUCTION") and not app.config.get("TESTING"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex

    @app.after_request
    def _log(response):
        took = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        response.headers.setdefault("X-Request-Id", g.get("request_id", ""))
        log.info("request", extra={"fields": {"method": request.method, "path": request.path,
                                              "status": response.status_code, "ms": round(took, 1),
                                              "request_id": g.get("request_id")}})
        return response
