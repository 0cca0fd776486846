"""Administration: roles, categories (questions JSON checked), crews; admins only."""
import json

import pytest
from sqlalchemy import select

from models import Category, Crew, CrewMember, Role

from tests.conftest import client_for


@pytest.fixture()
def admin_client(app, make_user):
    return client_for(app, make_user(Role.ADMIN))


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.CREW, Role.STAFF, Role.COUNCILLOR])
def test_only_admins(app, make_user, role):
    client = client_for(app, make_user(role))
    for url in ["/admin/users", "/admin/categories", "/admin/categories/new", "/admin/crews", "/admin/crews/new"]:
        assert client.get(url).status_code == 403, url
    from tests.conftest import csrf_from
    csrf = csrf_from(client.get("/account").get_data(as_text=True))
    assert client.post("/admin/users/1/role", data={"csrf_token": csrf, "role": "admin"}).status_code == 403


def test_change_role_and_keep_one_admin(app, admin_client, make_user, db_session):
    user = make_user()
    assert admin_client.submit(f"/admin/users/{user.id}/role", {"role": "staff"}, page="/admin/users").status_code == 302
    db_session.refresh(user)
    assert user.role is Role.STAFF
    resp = admin_client.submit(f"/admin/users/{user.id}/role", {"role": "king"}, page="/admin/users")
    assert resp.status_code == 400 and "Choose a role from the list." in resp.get_data(as_text=True)
    db_session.refresh(user)
    assert user.role is Role.STAFF
    admins = db_session.scalars(select(type(user)).where(type(user).role == Role.ADMIN)).all()
    if len(admins) == 1:
        resp = admin_client.submit(f"/admin/users/{admins[0].id}/role", {"role": "resident"}, page="/admin/users")
        assert resp.status_code == 400 and "at least one active administrator" in resp.get_data(as_text=True)
        db_session.refresh(admins[0])
        assert admins[0].role is Role.ADMIN


def test_category_create_edit_and_bad_input(admin_client, db_session):
    page = "/admin/categories/new"
    good = {"code": "abandoned_trolley", "name": "Abandoned trolley", "group": "Streets", "target": "3",
            "target_unit": "days", "team": "", "active": "y"}
    for field, value, message in [("target", "0", "whole number"), ("target", "366", "365 days"),
                                  ("target", "x" * 5000, "whole number"), ("target_unit", "weeks", "hours or days"),
                                  ("team", "999999", "team from the list"), ("team", "1; DROP", "team from the list"),
                                  ("name", "", "name"), ("code", "Bad Code", "code")]:
        resp = admin_client.submit(page, {**good, field: value})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and message in html, (field, value)
        assert 'value="Abandoned trolley"' in html or field == "name"          # the rest is kept
    assert db_session.scalars(select(Category).where(Category.code == "abandoned_trolley")).first() is None
    resp = admin_client.submit(page, good)
    cat = db_session.scalars(select(Category).where(Category.code == "abandoned_trolley")).one()
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admin/categories/{cat.id}/questions")
    assert cat.target_hours == 72 and cat.questions == []
    assert admin_client.submit(page, good).status_code == 400                        # code taken
    edit = f"/admin/categories/{cat.id}"
    assert 'value="3"' in admin_client.get(edit).get_data(as_text=True)             # shown in days again
    assert admin_client.submit(edit, {**good, "target": "30", "target_unit": "hours", "active": ""}).status_code == 302
    db_session.refresh(cat)
    assert cat.target_hours == 30 and cat.active is False


def test_crew_create_with_members(admin_client, make_user, db_session):
    crew_user, resident = make_user(Role.CREW), make_user()
    page = "/admin/crews/new"
    resp = admin_client.submit(page, {"name": "Night crew", "depot_lat": "51.45", "depot_lon": "-0.02", "active": "y",
                                      "members": [str(resident.id)]})
    assert resp.status_code == 400 and "crew role" in resp.get_data(as_text=True)
    resp = admin_client.submit(page, {"name": "Night crew", "depot_lat": "91", "depot_lon": "-0.02"})
    assert resp.status_code == 400
    resp = admin_client.submit(page, {"name": "Night crew", "depot_lat": "51.45", "depot_lon": "-0.02", "active": "y",
                                      "members": [str(crew_user.id)]})
    assert resp.status_code == 302
    crew = db_session.scalars(select(Crew).where(Crew.name == "Night crew")).one()
    assert db_session.scalars(select(CrewMember.crew_id).where(CrewMember.user_id == crew_user.id)).all() == [crew.id]
    # moving the member to another crew takes them out of the first
    resp = admin_client.submit(page, {"name": "Day crew", "active": "y", "members": [str(crew_user.id)]})
    assert resp.status_code == 302
    assert len(db_session.scalars(select(CrewMember).where(CrewMember.user_id == crew_user.id)).all()) == 1
    assert "Night crew" in admin_client.get("/admin/crews").get_data(as_text=True)
