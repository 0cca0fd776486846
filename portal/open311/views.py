"""Open311 GeoReport v2 endpoints: read the parameters through the models of schemas.py, call one service, answer
with a document of answers.py in the asked format."""
from __future__ import annotations

import functools
import logging
from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from models import Category, CLOSED, Status, utcnow

from .. import db
from ..extensions import limiter, retry_after
from ..services import apikeys, open311
from ..services.errors import DomainError, InvalidPhoto, NotAllowed
from ..services.photos import PhotoStore, ProcessedPhoto, process_photo
from ..schemas import ShapeError, parse
from . import answers, bp, render, schemas
from .schemas import BadInput

log = logging.getLogger("kerbside.open311")
PREFIX = "/open311/v2"
#: Our statuses as mySociety's update statuses (for servicerequestupdates).
MYSOCIETY_STATUS = {Status.NEW: "OPEN", Status.CONFIRMED: "OPEN", Status.REOPENED: "OPEN",
                    Status.INVESTIGATING: "INVESTIGATING", Status.ASSIGNED: "ACTION_SCHEDULED",
                    Status.IN_PROGRESS: "IN_PROGRESS", Status.FIXED: "FIXED", Status.CLOSED: "CLOSED",
                    Status.DUPLICATE: "DUPLICATE", Status.NOT_RESPONSIBLE: "NOT_COUNCILS_RESPONSIBILITY",
                    Status.UNCONFIRMED: "OPEN"}
#: The bodies a POST may have: its parameters as a form.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
QUESTION_TYPES = {"single": "singlevaluelist", "multi": "multivaluelist", "yesno": "singlevaluelist",
                  "text": "string"}


def key_or_address() -> str:
    """Rate-limit bucket: the API key when one is sent, else the client's address."""
    key = request.values.get("api_key") or request.headers.get("X-Api-Key")
    return f"key:{apikeys.hash_key(key)[:16]}" if key else f"ip:{request.remote_addr}"


def _limit(name: str):
    return limiter.limit(lambda: current_app.config.get(name, "600/minute"), key_func=key_or_address)


def api(view):
    """Check the format (and that a POST's body is a form), and turn every refusal (and any failure) into the
    standard's error document."""
    @functools.wraps(view)
    def wrapper(*args, fmt: str, **kwargs):
        shown = schemas.format_of(fmt) or "xml"
        try:
            fmt = schemas.check_format(fmt)
            if request.method == "POST":
                check_form_body()
            return view(*args, fmt=fmt, **kwargs)
        except BadInput as exc:
            return render.errors(shown, exc.code, exc.description)
        except ShapeError as exc:
            return render.errors(shown, 400, exc.message)
        except (open311.UnknownRequest, open311.UnknownService) as exc:
            return render.errors(shown, 404, exc.message)
        except open311.InvalidAttributes as exc:
            return render.errors(shown, 400, exc.messages)
        except NotAllowed as exc:
            return render.errors(shown, 403, exc.message)
        except DomainError as exc:
            return render.errors(shown, 400, exc.message)
        except RateLimitExceeded:
            return too_many_requests(shown)
        except HTTPException as exc:
            return render.errors(shown, exc.code or 500, exc.description or exc.name)
    return wrapper


def too_many_requests(fmt: str):
    """429 for the limit this request broke, saying in words what it is and how long to wait, and in a
    Retry-After header (seconds, RFC 9110) for clients that back off on their own. Flask-Limiter's own headers
    (RATELIMIT_HEADERS_ENABLED) are not used: they go on every answer, and a shared-cache copy of a list would
    hand one visitor's X-RateLimit-Remaining to all (extensions.retry_after)."""
    item, wait = limiter.current_limit.limit, retry_after()
    unit = item.GRANULARITY.name
    per = unit if item.multiples == 1 else f"{item.multiples} {unit}s"
    who = "for this key" if key_or_address().startswith("key:") else "from this address"
    response = render.errors(fmt, 429, f"Too many requests: at most {item.amount} per {per} {who}. Try again in "
                                       f"{wait} second{'s' if wait != 1 else ''}.")
    response.headers["Retry-After"] = str(wait)
    return response


def check_form_body() -> None:
    """A POST's parameters come as a form. Any other body (JSON, XML, text) is one we do not read: Werkzeug
    hands on an empty form, and the first parameter found missing (the api_key) would be blamed. An empty body
    without a Content-Type is an empty form (its missing fields are named)."""
    if request.mimetype in FORM_TYPES:
        return
    if request.mimetype or request.content_length or "chunked" in request.headers.get("Transfer-Encoding", ""):
        given = request.mimetype[:60] or "a body without a Content-Type"
        raise BadInput(f"The request body must be a form: send application/x-www-form-urlencoded, or "
                       f"multipart/form-data (with photos), not {given}.", code=415)


def require_key():
    key = apikeys.active_key(db.session(), request.values.get("api_key") or request.headers.get("X-Api-Key"))
    if key is None:
        raise BadInput("A valid api_key is required (missing, unknown or revoked). See /open311 to get one.",
                       code=403)
    return key


def photo_url(key: str | None) -> str | None:
    return url_for("reports.photo", key=key, _external=True) if key else None


# --- discovery and services ----------------------------------------------------------------------------------

@bp.get(f"{PREFIX}/discovery.<fmt>")
@db.public_read
@api
def discovery(fmt: str):
    base = url_for("open311.services", fmt="xml", _external=True).rsplit("/", 1)[0]
    return render.respond(fmt, "discovery", answers.Discovery(
        changeset="2026-11-23T00:00:00+00:00",
        contact=f"{current_app.config['COUNCIL_NAME']} Council, via {url_for('open311.docs', _external=True)}",
        key_service=url_for("open311.docs", _external=True),
        endpoints=[answers.Endpoint(specification="http://wiki.open311.org/GeoReport_v2", url=base,
                                    changeset="2026-11-23T00:00:00+00:00", type="production",
                                    formats=["text/xml", "application/json"])],
    ))


def _categories():
    return db.session().scalars(select(Category).where(Category.active.is_(True))
                                .order_by(Category.group, Category.name)).all()


@bp.get(f"{PREFIX}/services.<fmt>")
@db.public_read
@api
def services(fmt: str):
    return render.respond(fmt, "services", answers.Services([
        answers.Service(service_code=c.code, service_name=c.name, description=c.description or None,
                        metadata=bool(c.questions), type="realtime", keywords=c.group.lower(), group=c.group)
        for c in _categories()]))


def _attribute(q: dict, order: int) -> answers.Attribute:
    values = ([("yes", "Yes"), ("no", "No")] if q["type"] == "yesno" else
              [(o["value"], o["label"]) for o in q.get("options", [])])
    return answers.Attribute(variable=True, code=q["code"], datatype=QUESTION_TYPES[q["type"]],
                             required=bool(q.get("required")), datatype_description=q.get("hint") or None,
                             order=order, description=q["label"],
                             values=[answers.AttributeValue(key=k, name=n) for k, n in values])


@bp.get(f"{PREFIX}/services/<code>.<fmt>")
@db.public_read
@api
def service_definition(code: str, fmt: str):
    category = next((c for c in _categories() if c.code == code), None)
    if category is None:
        raise BadInput(f"No service has the code {code[:40]}: see services.{fmt}.", code=404)
    return render.respond(fmt, "service_definition", answers.ServiceDefinition(
        service_code=category.code,
        attributes=[_attribute(q, n) for n, q in enumerate(category.questions, start=1)]))


# --- requests ------------------------------------------------------------------------------------------------

def _media_url(row: open311.RequestRow) -> str | None:
    """Our own copy of the first photo when there is one, else the URL the client sent with the request (checked
    again: rows stored before the check was strict may hold one we would refuse today)."""
    if row.photo_key:
        return photo_url(row.photo_key)
    return row.client_media_url if schemas.is_media_url(row.client_media_url) else None


def service_notice(target_hours: int) -> str:
    """The standard's service_notice: the service's target time, the same words when the request is filed and
    whenever it is read."""
    return f"Expected within {target_hours} hours."


def _request_out(row: open311.RequestRow) -> answers.ServiceRequest:
    council = current_app.config["COUNCIL_NAME"]
    return answers.ServiceRequest(
        service_request_id=row.reference,
        status="closed" if row.status in CLOSED else "open",
        status_notes=row.status_notes,
        service_name=row.service_name,
        service_code=row.service_code,
        description=row.description,
        agency_responsible=f"{council} Council",
        service_notice=service_notice(row.target_hours),
        requested_datetime=row.created_at,
        updated_datetime=row.updated_at,
        expected_datetime=row.expected_at,
        # Most specific first, as the standard asks; we hold no street addresses, the ward is what we know.
        address=f"{row.ward_name} ward, {council}" if row.ward_name else council,
        address_id=None,
        zipcode=None,
        lat=row.lat,
        long=row.lon,
        media_url=_media_url(row),
        detailed_status=row.status.value,           # extension: our fine-grained status
        detailed_status_label=row.status.label,
        url=url_for("reports.detail", reference=row.reference, _external=True),
    )


@bp.get(f"{PREFIX}/requests.<fmt>")
@db.public_read
@api
@_limit("OPEN311_READ_LIMIT")
def requests_list(fmt: str):
    query = parse(schemas.RequestsQuery, request.args, context={"now": utcnow()})
    found = open311.find_requests(db.session(), query.filters)
    return _paged(render.respond(fmt, "service_requests", answers.ServiceRequests(
        [_request_out(r) for r in found.rows])), found, query.page, fmt)


def _paged(response, found: open311.Page, page: int, fmt: str):
    """A list with another page after it says so (RFC 8288 Link, rel="next"): the same address, the next page
    number. Built from BASE_URL (url_for), never from the Host the request named."""
    if found.more:      # the query as sent, page replaced (its names are not url_for's to read: "_external")
        query = urlencode([*((name, value) for name, value in request.args.items(multi=True) if name != "page"),
                           ("page", page + 1)])
        response.headers["Link"] = f'<{url_for(request.endpoint, fmt=fmt, _external=True)}?{query}>; rel="next"'
    return response


@bp.get(f"{PREFIX}/requests/<service_request_id>.<fmt>")
@db.public_read
@api
@_limit("OPEN311_READ_LIMIT")
def request_detail(service_request_id: str, fmt: str):
    row = open311.find_request(db.session(), service_request_id)
    return render.respond(fmt, "service_requests", answers.ServiceRequests([_request_out(row)]))


@bp.get(f"{PREFIX}/tokens/<token>.<fmt>")
@api
@_limit("OPEN311_READ_LIMIT")
def token(token: str, fmt: str):
    report = open311.request_for_token(db.session(), token)
    return render.respond(fmt, "service_requests", answers.TokenLookups([
        answers.TokenLookup(service_request_id=report.reference, token=token)]))


def _photos(uploads) -> list[ProcessedPhoto]:
    """The uploaded media, checked and re-encoded in memory: the service stores them once the request passes."""
    limit, photos = current_app.config["PHOTO_MAX_BYTES"], []
    for upload in uploads:
        try:
            photos.append(process_photo(upload.stream.read(limit + 1), upload.filename, limit))
        except InvalidPhoto as exc:
            raise BadInput(exc.message) from None
    return photos


@bp.post(f"{PREFIX}/requests.<fmt>")
@api
@_limit("OPEN311_WRITE_LIMIT")
def requests_create(fmt: str):
    key = require_key()
    data = parse(schemas.NewRequest, request.form,
                 extra={"attributes": schemas.form_attributes(request.form), "media": request.files.getlist("media")},
                 context={"photo_max_count": current_app.config["PHOTO_MAX_COUNT"]})
    report = open311.submit_request(db.session(), key, data, _photos(data.media),
                                    PhotoStore(current_app.config["PHOTO_DIR"]), utcnow())
    # The id is known at once, so no token: the standard returns one or the other, never both.
    return render.respond(fmt, "service_requests", answers.RequestsCreated([answers.RequestCreated(
        service_request_id=report.reference,
        service_notice=service_notice(report.category.target_hours))]), 201)


# --- status updates (mySociety extension) --------------------------------------------------------------------

def _update_out(event, reference: str) -> answers.Update:
    status = event.to_status or Status.NEW
    return answers.Update(update_id=str(event.id), service_request_id=reference, status=MYSOCIETY_STATUS[status],
                          updated_datetime=event.at, description=event.note, media_url=None,
                          detailed_status=status.value)


@bp.get(f"{PREFIX}/servicerequestupdates.<fmt>")
@db.public_read
@api
@_limit("OPEN311_READ_LIMIT")
def updates_list(fmt: str):
    window = parse(schemas.UpdatesQuery, request.args, context={"now": utcnow()})
    found = open311.updates_between(db.session(), window.start_date, window.end_date, window.page, window.page_size)
    return _paged(render.respond(fmt, "service_requests_updates", answers.Updates(
        [_update_out(e, ref) for e, ref in found.rows])), found, window.page, fmt)


@bp.post(f"{PREFIX}/servicerequestupdates.<fmt>")
@api
@_limit("OPEN311_WRITE_LIMIT")
def updates_create(fmt: str):
    key = require_key()
    event = open311.post_update(db.session(), key, parse(schemas.NewUpdate, request.form))
    return render.respond(fmt, "service_request_updates", answers.UpdatesCreated([
        answers.UpdateCreated(update_id=str(event.id))]))


@bp.after_app_request
def readable_from_any_origin(response):
    """Every GET and HEAD answer of the API (its errors too, routed here or not) may be read by a browser app of
    any origin: the data is public and no credentials are involved, so "*" and no Vary: Origin (nginx's one kept
    copy serves every origin). Never on a POST answer: that writes with a key, which a web page must not be led
    to read."""
    if request.method in ("GET", "HEAD") and request.path.startswith(PREFIX + "/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- errors, and the documentation ---------------------------------------------------------------------------
# No catch-all route for unknown addresses under /open311/v2/: one would turn a wrong method on a real endpoint
# into a 404 where the standard (and HTTP) want a 405 with Allow. The app's 404/405 handlers answer those in
# the format the path asks for (open311_http_error).

@bp.errorhandler(Exception)
def failure(error):
    """Never a bare 500: log it and answer in the standard's error format."""
    if isinstance(error, HTTPException):
        response = open311_http_error(error.code or 500, error.description or error.name)
        if getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
    if isinstance(error, DBAPIError):     # the database is unreachable: not the client's fault, retry later
        log.error("open311: database unavailable: %s", error.__class__.__name__)
        return open311_http_error(503, "The service is briefly unavailable; nothing was saved. Retry in a "
                                       "minute."), {"Retry-After": "30"}
    log.exception("open311 request failed")
    return open311_http_error(500, "The request failed on our side; nothing was saved. Please retry.")


def open311_http_error(code: int, description: str):
    """Errors raised before a view runs (404, 405, 413, 429, 503) in the format the path asks for."""
    last = request.path.rsplit("/", 1)[-1]
    fmt = (schemas.format_of(last.rsplit(".", 1)[-1]) if "." in last else None) or "xml"
    if code == 404:     # no route matched: views answer their own 404s (unknown service, request, token)
        description = (f"No such Open311 endpoint: {request.path.removeprefix(PREFIX + '/')[:80]}. "
                       f"See {url_for('open311.docs')}.")
    return render.errors(fmt, code, description)


@bp.get("/open311")
def docs():
    return render_template("open311/docs.html", base=url_for("open311.services", fmt="xml", _external=True)
                           .rsplit("/", 1)[0])
