"""Teams and other bodies in administration: through WTForms and the field macro, admins only; bad input gets
its message on its field, the rest of the input is kept, and nothing is saved."""
from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from models import Body, Category, Role, Team
from tests.conftest import login

from ..bodies_helpers import bow_tie, square


def _pothole(db_session) -> int:
    return db_session.scalars(select(Category.id).where(Category.code == "pothole")).one()


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAFF, Role.CREW])
def test_only_admins(app, make_user, role):
    client = login(app.test_client(), make_user(role).email)
    for url in ["/admin/teams", "/admin/teams/new", "/admin/bodies", "/admin/bodies/new"]:
        assert client.get(url).status_code == 403, url


def test_a_team_is_made_and_a_category_routed_to_it(admin_client, db_session):
    resp = admin_client.submit("/admin/teams/new", {"name": "Highways", "email": "highways@example.org",
                                                    "active": "y"})
    assert resp.status_code == 302
    team = db_session.scalars(select(Team).where(Team.name == "Highways")).one()
    pothole = _pothole(db_session)
    resp = admin_client.submit(f"/admin/categories/{pothole}", {"name": "Pothole", "group": "Roads", "target": "5",
                                                                "target_unit": "days", "team": str(team.id),
                                                                "active": "y"})
    assert resp.status_code == 302
    assert db_session.get(Category, pothole).team_id == team.id
    assert "Pothole" in admin_client.get("/admin/teams").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "Give the team a name"), ("name", "n" * 81, "under 80"), ("email", "nobody", "email"),
    ("email", "a@b.c\u202e", "email"),
])
def test_team_bad_input(admin_client, db_session, field, value, message):
    good = {"name": "Parks", "email": "parks@example.org", "active": "y"}
    resp = admin_client.submit("/admin/teams/new", {**good, field: value})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html and 'aria-invalid="true"' in html
    assert db_session.scalar(select(func.count()).select_from(Team)) == 0


def _body_form(db_session, **changes) -> dict:
    data = {"name": "Transport for London", "endpoint": "https://open311.tfl.example/v2", "format": "json",
            "api_key": "tfl-key", "jurisdiction_id": "", "boundary": json.dumps(square()), "active": "y",
            f"service_{_pothole(db_session)}": "RR_POTHOLE"}
    data.update(changes)
    return data


def test_a_body_is_made_from_pasted_geojson_and_shown(admin_client, db_session):
    resp = admin_client.submit("/admin/bodies/new", _body_form(db_session))
    assert resp.status_code == 302
    body = db_session.scalars(select(Body)).one()
    html = admin_client.get(f"/admin/bodies/{body.id}").get_data(as_text=True)
    assert "Polygons</dt><dd>1" in html and "km²" in html and 'value="RR_POTHOLE"' in html
    assert "tfl-key" not in html                                       # the key is never shown back
    download = admin_client.get(f"/admin/bodies/{body.id}/boundary")
    assert download.status_code == 200 and json.loads(download.data)["geometry"]["type"] == "MultiPolygon"
    assert "Transport for London" in admin_client.get("/admin/bodies").get_data(as_text=True)
    assert body.extended_statuses is False and 'name="extended_statuses"' in html    # the plain standard


def test_a_body_with_extended_statuses_is_saved_and_shown_so(admin_client, db_session):
    resp = admin_client.submit("/admin/bodies/new", _body_form(db_session, extended_statuses="y"))
    assert resp.status_code == 302
    body = db_session.scalars(select(Body)).one()
    assert body.extended_statuses is True
    html = admin_client.get(f"/admin/bodies/{body.id}").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*name="extended_statuses"[^>]*>', html)
    assert "checked" in box


def test_a_body_boundary_from_a_file(admin_client, db_session):
    data = _body_form(db_session, boundary="")
    data["boundary_file"] = (io.BytesIO(json.dumps({"type": "Feature", "geometry": square()}).encode()),
                             "redroutes.geojson")
    resp = admin_client.submit("/admin/bodies/new", data, content_type="multipart/form-data")
    assert resp.status_code == 302 and db_session.scalar(select(func.count()).select_from(Body)) == 1


def test_a_file_that_is_not_text_is_refused(admin_client, db_session):
    data = _body_form(db_session, boundary="")
    data["boundary_file"] = (io.BytesIO(b"\xff\xfe\x00binary"), "redroutes.geojson")
    resp = admin_client.submit("/admin/bodies/new", data, content_type="multipart/form-data")
    assert resp.status_code == 400 and "not GeoJSON text" in resp.get_data(as_text=True)


def test_an_invalid_polygon_is_refused_clearly_and_the_rest_is_kept(admin_client, db_session):
    resp = admin_client.submit("/admin/bodies/new", _body_form(db_session, boundary=json.dumps(bow_tie())))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "not a valid polygon (Self-intersection" in html
    assert 'href="#boundary"' in html and 'value="Transport for London"' in html and 'value="RR_POTHOLE"' in html
    assert db_session.scalar(select(func.count()).select_from(Body)) == 0
    resp = admin_client.submit("/admin/bodies/new", _body_form(db_session, boundary=json.dumps(bow_tie()), repair="y"))
    assert resp.status_code == 302
    assert "repaired by ST_MakeValid" in admin_client.get(resp.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": ""}, "Give the body a name"), ({"endpoint": "not a url"}, "Open311 base address"),
    ({"format": "csv"}, "Choose JSON or XML"), ({"boundary": "x" * 100}, "not GeoJSON"),
    ({"boundary": json.dumps({"type": "LineString", "coordinates": [[-0.02, 51.44], [-0.01, 51.45]]})},
     "polygons only"),
    ({"service_CATEGORY": ""}, "at least one category"), ({"service_CATEGORY": "<script>"}, "service_code"),
    ({"service_CATEGORY": "s" * 101}, "at most 100"), ({"api_key": "k" * 300}, "too long"),
])
def test_body_bad_input(admin_client, db_session, changes, message):
    pothole = _pothole(db_session)
    changes = {k.replace("CATEGORY", str(pothole)): v for k, v in changes.items()}
    resp = admin_client.submit("/admin/bodies/new", _body_form(db_session, **changes))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html and "There is a problem" in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>")[0].replace('&lt;script&gt;', "")
    assert db_session.scalar(select(func.count()).select_from(Body)) == 0


def test_unknown_records_are_not_found(admin_client):
    for url in ["/admin/teams/999999", "/admin/bodies/999999", "/admin/bodies/99999999999",
                "/admin/bodies/999999/boundary.geojson"]:
        assert admin_client.get(url).status_code == 404, url
