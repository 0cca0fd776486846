"""One SQLAlchemy session per request, closed at the end of it; public reads from a replica when there is one.

Services commit; views never do. Tests bind the app to a connection whose outer transaction is rolled
back, with sessions joining it through savepoints.

Read replicas (``REPLICA_DATABASE_URL``). The request's session is bound here, once, for the whole request:
views and services never choose a database. A GET or HEAD of a view marked ``@public_read`` (or of a blueprint
given to ``public_read``) reads from the replica: pages and data anyone may see, for which a moment's delay
does not matter. Everything else reads and writes the primary: every other method, staff, crew and admin
pages, a person's own pages, and work outside a request (CLI, workers). A public read also goes to the primary

- for ``READ_YOUR_WRITES_SECONDS`` after a request of the same browser committed a change (a signed cookie with
  its own expiry), so a resident who has just written sees it;
- while the replica is down, is not a standby, or is more than ``REPLICA_MAX_LAG_SECONDS`` behind
  (``portal/replica.py``, asked at most every ``REPLICA_CHECK_SECONDS`` per process).
"""
from __future__ import annotations

from typing import TypeVar

from flask import Flask, Response, current_app, g, has_request_context, request
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from gis import figure_cache

from .replica import ReplicaRouter
from .services.links import Links

SESSIONS, ROUTER = "kerbside.sessions", "kerbside.replica"
#: Set on a view function or a blueprint by ``public_read``.
PUBLIC_READ_MARK = "kerbside_public_read"
READ_METHODS = ("GET", "HEAD")
WROTE_COOKIE = "kerbside_wrote"
_WROTE_SALT = "kerbside.read-your-writes"

Marked = TypeVar("Marked")


def public_read(target: Marked) -> Marked:
    """Mark a view (decorate it, under its route) or a whole blueprint whose GETs show only what anyone may see
    and write nothing: they may read from the replica, a moment behind the primary."""
    setattr(target, PUBLIC_READ_MARK, True)
    return target


class RequestSession(Session):
    """A session that also closes the replica connection it was given (checked out beforehand, to know the
    replica answers before the view runs)."""

    own_connection: Connection | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def invalidate(self) -> None:
        try:
            super().invalidate()
        finally:
            self._release()

    def _release(self) -> None:
        conn, self.own_connection = self.own_connection, None
        if conn is not None:
            conn.close()


def make_engine(url: str, **kwargs) -> Engine:
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800, **kwargs)


def init_app(app: Flask, bind: Engine | Connection | None = None) -> None:
    if bind is None:
        url = app.config.get("DATABASE_URL")
        if not url:
            raise RuntimeError("No database configured: run `make run` or set DATABASE_URL")
        bind = make_engine(url)
    mode = "create_savepoint" if isinstance(bind, Connection) else "rollback_only"
    info = {"links": links_for(app)}
    if app.config.get("FIGURES_CACHE_SECONDS"):
        info[figure_cache.INFO_KEY] = figure_cache.FigureCache(app.config["FIGURES_CACHE_SECONDS"])
    factory = sessionmaker(bind=bind, class_=RequestSession, expire_on_commit=False, join_transaction_mode=mode,
                           info=info)
    app.extensions[SESSIONS] = factory
    app.teardown_appcontext(_close)
    replica_url = app.config.get("REPLICA_DATABASE_URL")
    if replica_url:
        # A replica that does not answer must not hold a request up for long: its pages go to the primary.
        replica = make_engine(replica_url, connect_args={"connect_timeout": 3})
        app.extensions[ROUTER] = ReplicaRouter(bind if isinstance(bind, Engine) else bind.engine, replica,
                                               app.config.get("REPLICA_MAX_LAG_SECONDS", 10),
                                               app.config.get("REPLICA_CHECK_SECONDS", 5))
        event.listen(factory, "after_commit", _note_write)
        app.after_request(_mark_writer)


def links_for(app: Flask) -> Links:
    """What services need of the app to write emails, carried by every session (no Flask below the views)."""
    return Links(base_url=app.config["BASE_URL"], url_map=app.url_map, secret_key=app.config["SECRET_KEY"],
                 config=app.config)


def new_session(app: Flask | None = None) -> Session:
    """A session on the primary, for work of its own (CLI, workers, tests)."""
    return (app or current_app).extensions[SESSIONS]()


def session() -> Session:
    """The current request's session."""
    if "db_session" not in g:
        g.db_session = request_session()
    return g.db_session


def request_session() -> Session:
    """A new session reading where the current request reads (the replica for a public read, see above); the
    caller closes it. For a body streamed after the request's own session is closed."""
    app = current_app._get_current_object()
    factory = app.extensions[SESSIONS]
    router: ReplicaRouter | None = app.extensions.get(ROUTER)
    if router is not None and has_request_context() and _is_public_read(app) and not _wrote_recently(app):
        conn = router.connection()
        if conn is not None:
            s = factory(bind=conn)
            s.own_connection, s.info["replica"] = conn, True
            return s
    return factory()


def reads_replica(s: Session) -> bool:
    return bool(s.info.get("replica"))


def _is_public_read(app: Flask) -> bool:
    return request.method in READ_METHODS and view_marked(app, PUBLIC_READ_MARK)


def view_marked(app: Flask, *marks: str) -> bool:
    """Whether the current request's view, or its blueprint, carries any of ``marks`` (``public_read``,
    ``shared_cache.shared``)."""
    view = app.view_functions.get(request.endpoint) if request.endpoint else None
    blueprint = app.blueprints.get(request.blueprint) if request.blueprint else None
    return any(getattr(target, mark, False) for target in (view, blueprint) for mark in marks)


def _signer(app: Flask) -> TimestampSigner:
    return TimestampSigner(app.config["SECRET_KEY"], salt=_WROTE_SALT)


def _wrote_recently(app: Flask) -> bool:
    value = request.cookies.get(WROTE_COOKIE)
    if not value:
        return False
    try:
        _signer(app).unsign(value, max_age=app.config.get("READ_YOUR_WRITES_SECONDS", 30))
    except BadSignature:            # forged, altered or expired (SignatureExpired is a BadSignature)
        return False
    return True


def _note_write(s: Session) -> None:
    if has_request_context() and not reads_replica(s):
        g.kerbside_wrote = True


def _mark_writer(response: Response) -> Response:
    """This browser's next reads, for a short while, see what it has just written: they read the primary."""
    if g.pop("kerbside_wrote", False):
        app = current_app
        response.set_cookie(WROTE_COOKIE, _signer(app).sign(b"1").decode(),
                            max_age=app.config.get("READ_YOUR_WRITES_SECONDS", 30), httponly=True,
                            samesite="Lax", secure=bool(app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _close(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        try:
            s.close()
        except DBAPIError:
            # The server went away mid-request (e.g. a restart): drop the connection, do not fail the response.
            s.invalidate()
