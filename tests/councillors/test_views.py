"""A councillor's "My ward" and menu; admins set the wards through the account page's form; the weekly digest
command."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import CouncillorDigest, Role, UserWard, Ward
from portal.services import councillors

from ..conftest import login


@pytest.fixture()
def wards(db_session):
    return db_session.scalars(select(Ward).order_by(Ward.name)).all()


@pytest.fixture()
def admin_client(app, make_user):
    return login(app.test_client(), make_user(Role.ADMIN).email)


def ward_codes(db_session, user) -> list[str]:
    return [w.code for w in councillors.wards_of(db_session, user)]


def test_my_ward_goes_to_the_one_ward(app, db_session, make_user, wards):
    user = make_user(Role.COUNCILLOR)
    councillors.set_wards(db_session, user, [wards[0].code], make_user(Role.ADMIN))
    client = login(app.test_client(), user.email)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/my/ward">My ward</a>' in home
    resp = client.get("/my/ward")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/wards/{wards[0].code}"


def test_my_ward_lists_several_or_says_none(app, db_session, make_user, wards):
    user = make_user(Role.COUNCILLOR)
    client = login(app.test_client(), user.email)
    assert "does not name a ward yet" in client.get("/my/ward").get_data(as_text=True)
    councillors.set_wards(db_session, user, [wards[0].code, wards[1].code], make_user(Role.ADMIN))
    html = client.get("/my/ward").get_data(as_text=True)
    assert f"/wards/{wards[0].code}" in html and f"/wards/{wards[1].code}" in html


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.CREW])
def test_my_ward_is_for_councillors(app, make_user, role):
    client = login(app.test_client(), make_user(role).email)
    assert client.get("/my/ward").status_code == 403
    assert "My ward" not in client.get("/").get_data(as_text=True)


def test_admin_sets_a_councillors_wards_through_the_form(admin_client, db_session, make_user, wards):
    user = make_user(Role.COUNCILLOR)
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'id="wards" multiple name="wards"' in page and 'for="wards"' in page
    resp = admin_client.submit(f"/admin/users/{user.id}/wards", {"wards": [wards[2].code, wards[3].code]},
                               page=f"/admin/users/{user.id}")
    assert resp.status_code == 302
    assert sorted(ward_codes(db_session, user)) == sorted([wards[2].code, wards[3].code])
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'<option selected value="{wards[2].code}">' in page
    resp = admin_client.submit(f"/admin/users/{user.id}/wards", {}, page=f"/admin/users/{user.id}")
    assert resp.status_code == 302 and ward_codes(db_session, user) == []


@pytest.mark.parametrize("value", ["E05999999", "x" * 5000, "<script>alert(1)</script>", ""])
def test_bad_wards_are_refused_with_a_message(admin_client, db_session, make_user, wards, value):
    user = make_user(Role.COUNCILLOR)
    councillors.set_wards(db_session, user, [wards[0].code], make_user(Role.ADMIN))
    resp = admin_client.submit(f"/admin/users/{user.id}/wards", {"wards": [wards[1].code, value]},
                               page=f"/admin/users/{user.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Choose wards from the list." in html and "There is a problem" in html
    assert "<script>alert(1)" not in html
    assert ward_codes(db_session, user) == [wards[0].code]


def test_wards_only_for_councillors(admin_client, db_session, make_user, wards):
    user = make_user(Role.RESIDENT)
    assert 'id="wards"' not in admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    resp = admin_client.submit(f"/admin/users/{user.id}/wards", {"wards": [wards[0].code]},
                               page=f"/admin/users/{user.id}")
    assert resp.status_code == 400 and "Only councillor accounts name wards" in resp.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(UserWard).where(UserWard.user_id == user.id)) == 0


def test_only_admins_set_wards(app, db_session, make_user, wards):
    user = make_user(Role.COUNCILLOR)
    client = login(app.test_client(), make_user(Role.STAFF).email)
    assert client.submit(f"/admin/users/{user.id}/wards", {"wards": [wards[0].code]},
                         page="/account").status_code == 403
    assert ward_codes(db_session, user) == []


def test_digest_command_queues_once_a_week(app, db_session, make_user, wards):
    user = make_user(Role.COUNCILLOR)
    councillors.set_wards(db_session, user, [wards[0].code], make_user(Role.ADMIN))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["councillors", "digest"])
    assert first.exit_code == 0 and "1 queued, 0 already" in first.output
    second = runner.invoke(args=["councillors", "digest"])
    assert second.exit_code == 0 and "0 queued, 1 already" in second.output
    assert db_session.scalar(select(func.count()).select_from(CouncillorDigest)) == 1
