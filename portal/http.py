"""HTTP concerns shared by every page: security headers, error pages (HTML, or JSON for APIs), request logs."""
from __future__ import annotations

import json
import math
import secrets
import logging
import time
import uuid
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, Request, abort, current_app, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import BadRequest, HTTPException, TooManyRequests

from . import shared_cache
from .extensions import retry_after
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
    _refuse_unreadable(app)
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
    view, form and API sees text without control characters. NUL is kept here so that ``refuse_unreadable``
    can answer 400. A multipart part without a name Werkzeug can read (none, or one broken by a line break)
    comes with the name None: it is no field of any form, so it is dropped rather than handed to code that
    expects text."""

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

    def make_form_data_parser(self):
        """Werkzeug's parser, made to say when a body cannot be read as a form (bytes that are not UTF-8, a
        broken multipart body) instead of handing on an empty form, whose first missing field would then be
        blamed."""
        parser = super().make_form_data_parser()
        parser.silent = False
        return parser

    def _load_form_data(self) -> None:
        """The form, or 400 (NOT_UTF8) wherever it is first read (the CSRF check, a view): a URL-encoded body
        must be UTF-8 once its %-escapes are undone (Werkzeug would keep such bytes as the text "%FF"), and a
        body must be one the parser can read. The form is then empty, so nothing reads it twice."""
        if "form" in self.__dict__:
            return
        try:
            if self.mimetype == URLENCODED and not _is_utf8(self.get_data(cache=True)):
                raise ValueError("not UTF-8")
            super()._load_form_data()
        except ValueError:
            self.__dict__.update(form=self.parameter_storage_class(), files=self.parameter_storage_class())
            raise BadRequest(NOT_UTF8) from None


#: The answer to a query or form that is not UTF-8 text (raw or %-escaped), or a body that is no form.
NOT_UTF8 = "The request could not be read: send its query and form as UTF-8 text (URL-encoded or multipart)."
URLENCODED = "application/x-www-form-urlencoded"


def _is_utf8(raw: bytes) -> bool:
    """Whether a query string or URL-encoded body is UTF-8 once its %-escapes are undone (Werkzeug would keep
    the bytes that are not as the text "%FF")."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _refuse_unreadable(app: Flask) -> None:
    """A NUL character is never valid input, and PostgreSQL refuses it in text: answer 400 before any view
    sees it, wherever it is (the path, a query or form field's name or value, an upload's file name). So is
    a query or form that is not UTF-8 text, or a form body that cannot be read: one clear 400, not a form read
    as empty or a stored "%FF"."""
    app.request_class = CleanRequest

    @app.before_request
    def refuse_unreadable():
        if not _is_utf8(request.query_string):
            abort(400, NOT_UTF8)
        fields = [*request.args.items(multi=True)]
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
                URLENCODED, "multipart/form-data"):
            fields += request.form.items(multi=True)        # 400 if it cannot be read (CleanRequest)
            fields += [(name, upload.filename or "") for name, upload in request.files.items(multi=True)]
        if text.has_nul(request.path) or any(text.has_nul(k) or text.has_nul(v) for k, v in fields):
            abort(400, "A request may not contain a NUL character.")
        return None


def _register_errors(app: Flask) -> None:
    def page(code: int, title: str, default_message: str, api_message=None):
        """``api_message``: what a client of the APIs is told instead (a function of nothing, read when it is
        needed), where the page's words are for someone at the report form."""
        def body(message: str):
            if api_message is not None and message == default_message and wants_json():
                message = api_message()
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
                                         "smaller photos and send the report again.",
                                         lambda: "The request is too large: at most "
                                                 f"{current_app.config['MAX_CONTENT_LENGTH'] // 2**20} MB in all, "
                                                 "and each photo at most 10 MB."))
    limited = page(429, "Too many attempts", "You have tried this too many times in a short while. Please wait "
                                             "a few minutes and try again.")

    @app.errorhandler(429)
    def too_many(error):
        """How long to wait, in words and in Retry-After (Flask-Limiter's own text was "20 per 1 hour")."""
        if not isinstance(error, RateLimitExceeded):
            return limited(error)
        wait = retry_after()
        when = f"{wait} second{'s' if wait != 1 else ''}" if wait < 90 else \
            f"{math.ceil(wait / 60)} minutes" if wait < 5400 else f"{math.ceil(wait / 3600)} hours"
        response, code = limited(TooManyRequests(f"You have tried this too many times in a short while. Please "
                                                 f"try again in {when}."))
        response.headers["Retry-After"] = str(wait)
        return response, code
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
