"""One SQLAlchemy session per request, closed at the end of it.

Services commit; views never do. Tests bind the app to a connection whose outer transaction is rolled
back, with sessions joining it through savepoints.
"""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .services.links import Links


def make_engine(url: str) -> Engine:
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800)


def init_app(app: Flask, bind: Engine | Connection | None = None) -> None:
    if bind is None:
        url = app.config.get("DATABASE_URL")
        if not url:
            raise RuntimeError("No database configured: run `make run` or set DATABASE_URL")
        bind = make_engine(url)
    mode = "create_savepoint" if isinstance(bind, Connection) else "rollback_only"
    app.extensions["kerbside.sessions"] = sessionmaker(bind=bind, expire_on_commit=False,
                                                       join_transaction_mode=mode, info={"links": links_for(app)})
    app.teardown_appcontext(_close)


def links_for(app: Flask) -> Links:
    """What services need of the app to write emails, carried by every session (no Flask below the views)."""
    return Links(base_url=app.config["BASE_URL"], url_map=app.url_map, secret_key=app.config["SECRET_KEY"],
                 config=app.config)


def new_session(app: Flask | None = None) -> Session:
    return (app or current_app).extensions["kerbside.sessions"]()


def session() -> Session:
    """The current request's session."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def _close(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        try:
            s.close()
        except DBAPIError:
            # The server went away mid-request (e.g. a restart): drop the connection, do not fail the response.
            s.invalidate()
