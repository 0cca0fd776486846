"""The admin page for API keys: admins only, key shown once, CSRF-checked, revocation."""
import re

import pytest
from sqlalchemy import select

from models import ApiKey, Role
from portal.services.apikeys import active_key

from ..conftest import login


@pytest.fixture()
def admin_client(app, make_user):
    return login(app.test_client(), make_user(Role.ADMIN).email)


def test_admin_issues_and_revokes_a_key(admin_client, db_session):
    resp = admin_client.submit("/admin/api-keys", {"name": "StreetFix app", "may_update": ""})
    assert resp.status_code == 201
    raw = re.search(r"<code>(kb_[^<]+)</code>", resp.get_data(as_text=True)).group(1)
    assert active_key(db_session, raw) is not None
    assert raw not in admin_client.get("/admin/api-keys").get_data(as_text=True)   # shown once only
    key = db_session.scalars(select(ApiKey).where(ApiKey.name == "StreetFix app")).one()
    resp = admin_client.submit(f"/admin/api-keys/{key.id}/revoke", {}, page="/admin/api-keys")
    assert resp.status_code == 302
    db_session.expire_all()
    assert active_key(db_session, raw) is None
    assert "Revoked" in admin_client.get("/admin/api-keys").get_data(as_text=True)


@pytest.mark.parametrize("name,message", [("", "Name the app"), ("x" * 81, "80"), ("Dup", "already")])
def test_bad_key_names_are_shown(admin_client, db_session, name, message):
    from portal.services.apikeys import create_key
    create_key(db_session, "Dup")
    before = len(db_session.scalars(select(ApiKey)).all())
    resp = admin_client.submit("/admin/api-keys", {"name": name})
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert len(db_session.scalars(select(ApiKey)).all()) == before


def test_forms_are_csrf_checked(admin_client, db_session):
    assert admin_client.post("/admin/api-keys", data={"name": "No token"}).status_code == 400
    assert db_session.scalars(select(ApiKey).where(ApiKey.name == "No token")).first() is None


def test_unknown_key_revoke_is_404(admin_client):
    assert admin_client.submit("/admin/api-keys/999999/revoke", {}, page="/admin/api-keys").status_code == 404


def test_residents_and_staff_cannot_see_keys(resident_client, staff_client, client):
    assert resident_client.get("/admin/api-keys").status_code == 403
    assert staff_client.get("/admin/api-keys").status_code == 403
    assert client.get("/admin/api-keys").status_code == 302                     # to the login page
