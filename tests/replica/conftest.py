"""A real streaming replica of the private test cluster, for the read-replica tests only.

A replica only sees what is committed on the primary, so these tests do not run inside the rolled-back
transaction of the other tests: they use a database of their own on the test cluster (``<test db>_replica``,
built like the test database, dropped at the end), and apps bound to real engines. The standby is made once
per module (``pg_basebackup -R`` into a temporary directory, started on its own socket as the cluster's OS
user) and is running, replaying and caught up at the start of every test.
"""
from __future__ import annotations

import itertools
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from devtools import cluster, replica
from models import Category, Report, Role, Status
from portal import db
from portal.app import create_app
from portal.services import twofactor
from portal.services.accounts import register_user
from tests.conftest import build_test_database, links_for_tests, reference
from tests.factories import CATFORD, PASSWORD, enrol_two_factor


@pytest.fixture(scope="module")
def primary_url(database_url):
    """A database of these tests' own on the test cluster (the primary)."""
    if os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL"):
        pytest.skip("the replica tests copy the private test cluster; TEST_DATABASE_URL/DATABASE_URL point "
                    "at a server of their own")
    name = f"{make_url(database_url).database}_replica"
    url = build_test_database(cluster.recreate_database(database_url, name))
    yield url
    admin = psycopg2.connect(cluster._dsn(make_url(url).set(database="postgres").render_as_string(False)))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def standby(primary_url):
    missing = replica.basebackup_missing()
    if missing:
        pytest.skip(f"no streaming replica can be made: {missing}")
    # Under /tmp, not pytest's tmp_path: a short socket path, and a parent the postgres user may enter.
    standby = replica.Standby(Path(tempfile.mkdtemp(prefix="kb-standby-")))
    try:
        standby.create(primary_url)
        standby.start()
        standby.wait_until_replayed(primary_url)
        yield standby
    finally:
        standby.destroy()


@pytest.fixture()
def replica_db(standby, primary_url):
    """The standby, running, replaying and caught up with the primary; replay resumed after the test."""
    standby.start()
    standby.resume_replay()
    standby.wait_until_replayed(primary_url)
    yield standby
    if standby.running():
        standby.resume_replay()


@pytest.fixture()
def make_app(primary_url, replica_db, app_config):
    """Apps bound to the primary's engine with the standby as REPLICA_DATABASE_URL; the health check is asked
    on every request unless a test says otherwise, and the lag bound is an hour (replay pauses in the tests
    must not count as lag unless a test says so)."""
    made = []

    def make(**overrides):
        replica_url = replica_db.url(make_url(primary_url).database)
        app = create_app({**app_config, "DATABASE_URL": primary_url, "REPLICA_DATABASE_URL": replica_url,
                          "REPLICA_MAX_LAG_SECONDS": 3600, "REPLICA_CHECK_SECONDS": 0,
                          "READ_YOUR_WRITES_SECONDS": 30, **overrides})
        made.append(app)
        return app
    yield make
    for app in made:
        app.extensions[db.SESSIONS].kw["bind"].dispose()
        router = app.extensions[db.ROUTER]
        router.primary.dispose()
        router.replica.dispose()


@pytest.fixture()
def primary(primary_url):
    """A committing session on the primary, for data the replica is to receive (or not, replay paused). It
    commits synchronously, as production does (the test cluster's default is not to): a commit is in the WAL
    that the primary reports as written when the commit returns."""
    engine = create_engine(primary_url, connect_args={"options": "-c synchronous_commit=on"})
    session = Session(engine, expire_on_commit=False, info={"links": links_for_tests()})
    yield session
    session.close()
    engine.dispose()


_numbers = itertools.count(1)


def public_report(session: Session) -> Report:
    """Commit a confirmed (public) report made now, in Catford."""
    category = session.scalars(select(Category).where(Category.code == "fly_tipping")).one()
    report = Report(reference=reference(), category_id=category.id,
                    description="Replicated sofa", geom=CATFORD.ewkt, status=Status.CONFIRMED,
                    created_at=datetime.now(timezone.utc).replace(tzinfo=None), channel="test")
    session.add(report)
    session.commit()
    return report


def committed_user(session: Session, role: Role, app_config: dict) -> str:
    """Commit an account (staff with an authenticator); return its email."""
    email = f"{role.value}-{os.getpid()}-{next(_numbers)}@replica.test"
    user = register_user(session, email=email, password=PASSWORD, display_name=f"Replica {role.value}", role=role)
    if twofactor.required_for(user):
        enrol_two_factor(session, user, app_config)
    return email
