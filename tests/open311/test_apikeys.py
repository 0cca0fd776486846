"""API keys: issued and revoked from the command line; only a hash is stored."""
import re

from sqlalchemy import select

from models import ApiKey
from portal.services.apikeys import active_key, create_key, hash_key, revoke_key

import pytest
from portal.services.errors import DomainError


@pytest.fixture()
def runner(app):
    with app.app_context():
        yield app.test_cli_runner()


def test_cli_create_list_revoke(runner, db_session):
    out = runner.invoke(args=["apikeys", "create", "Street app"])
    assert out.exit_code == 0, out.output
    raw = re.search(r"(kb_\S+)", out.output).group(1)
    key = db_session.scalars(select(ApiKey).where(ApiKey.name == "Street app")).one()
    assert key.key_hash == hash_key(raw) and raw not in key.key_hash and not key.may_update
    assert active_key(db_session, raw) is not None
    assert "Street app" in runner.invoke(args=["apikeys", "list"]).output
    assert runner.invoke(args=["apikeys", "create", "Street app"]).exit_code != 0   # names are unique
    assert runner.invoke(args=["apikeys", "revoke", "Street app"]).exit_code == 0
    db_session.expire_all()
    assert active_key(db_session, raw) is None
    assert "revoked" in runner.invoke(args=["apikeys", "list"]).output
    assert runner.invoke(args=["apikeys", "revoke", "Nobody"]).exit_code != 0


def test_cli_update_key(runner, db_session):
    out = runner.invoke(args=["apikeys", "create", "CRM", "--updates"])
    assert out.exit_code == 0 and "may post updates" in out.output
    assert db_session.scalars(select(ApiKey).where(ApiKey.name == "CRM")).one().may_update


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_bad_key_names(db_session, name):
    with pytest.raises(DomainError):
        create_key(db_session, name)


def test_unknown_and_oversized_keys_are_not_active(db_session):
    create_key(db_session, "A")
    assert active_key(db_session, None) is None
    assert active_key(db_session, "kb_" + "x" * 300) is None
    revoke_key(db_session, "A")
    assert revoke_key(db_session, "A").revoked_at is not None     # idempotent
