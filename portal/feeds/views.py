"""Atom feeds: bad parameters are a 400 with a plain message, never a 500; links are absolute, from BASE_URL."""
from flask import abort, make_response, render_template, request

from models import utcnow

from .. import db
from ..services import feeds, visibility
from ..services.errors import DomainError
from ..services.text import xml_safe
from . import bp

ATOM = "application/atom+xml; charset=utf-8"


def _atom(template: str, **context):
    # Text stored before input was cleaned (or imported) may hold characters XML forbids: one of them would
    # make the whole feed unreadable for every reader, so the document keeps only what XML allows.
    response = make_response(xml_safe(render_template(template, **context)))
    response.headers["Content-Type"] = ATOM
    response.cache_control.public, response.cache_control.max_age = True, 300
    return response


@bp.get("/reports.atom")
def everything():
    session = db.session()
    try:
        query = feeds.parse_query(session, request.args)
    except DomainError as exc:
        return make_response(exc.message + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"})
    rows = feeds.reports(session, query)
    return _atom("feeds/reports.xml", title=query.title, args=query.args, reports=rows,
                 updated=feeds.updated([r.updated_at for r in rows], utcnow()))


@bp.get("/reports/<reference>.atom")
def report(reference: str):
    found = visibility.report_for(db.session(), reference, None)
    if found is None:
        abort(404)
    events = feeds.report_events(found)
    return _atom("feeds/report.xml", report=found, events=events,
                 updated=feeds.updated([e.at for e in events], found.updated_at))
