"""Teams and bodies administration: the boundary policy (ST_IsValid refuses with PostGIS's reason; ST_MakeValid only
when asked), the endpoint and the service codes; nothing half-written on a refusal."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models import Body, BodyService, Category, Team
from portal.services.bodies import check_boundary, save_body, save_team
from portal.services.body_sender import unseal_key
from portal.services.errors import DomainError

from ..bodies_helpers import bow_tie, square
from ..factories import OUTSIDE


def _pothole(db_session) -> int:
    return db_session.scalars(select(Category.id).where(Category.code == "pothole")).one()


def _save(db_session, body=None, **changes):
    fields = dict(name="Housing association", endpoint="https://open311.example.org/v2", fmt="json",
                  api_key="secret-key", jurisdiction_id="", boundary=json.dumps(square()), repair=False,
                  services={_pothole(db_session): "estate_pothole"}, active=True)
    fields.update(changes)
    return save_body(db_session, body, **fields)


def test_a_valid_body_is_saved_with_its_key_sealed(db_session):
    body, repaired = _save(db_session)
    assert not repaired and body.api_key_sealed and "secret-key" not in body.api_key_sealed
    assert unseal_key(db_session, body.api_key_sealed) == "secret-key"
    assert [(s.category_id, s.service_code) for s in body.services] == [(_pothole(db_session), "estate_pothole")]
    assert db_session.scalar(select(func.ST_GeometryType(Body.boundary)).where(Body.id == body.id)) == "ST_MultiPolygon"
    # editing with the key and the boundary left empty keeps both
    body, _ = _save(db_session, body, api_key="", boundary="", name="Housing association (estates)")
    assert unseal_key(db_session, body.api_key_sealed) == "secret-key" and body.name.endswith("(estates)")


def test_an_invalid_polygon_is_refused_with_the_reason_and_nothing_is_saved(db_session):
    with pytest.raises(DomainError, match=r"not a valid polygon \(Self-intersection") as refused:
        _save(db_session, boundary=json.dumps(bow_tie()))
    assert refused.value.field == "boundary"
    assert db_session.scalar(select(func.count()).select_from(Body)) == 0
    assert db_session.scalar(select(func.count()).select_from(BodyService)) == 0


def test_repair_is_applied_only_when_asked_and_said(db_session):
    body, repaired = _save(db_session, boundary=json.dumps(bow_tie()), repair=True)
    assert repaired
    valid, kind, parts = db_session.execute(select(func.ST_IsValid(Body.boundary), func.ST_GeometryType(Body.boundary),
                                                   func.ST_NumGeometries(Body.boundary)).where(Body.id == body.id)).one()
    assert valid and kind == "ST_MultiPolygon" and parts == 2          # the bow-tie's two triangles


def test_overlapping_polygons_of_a_collection_are_one_area(db_session):
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": square(half=0.002)},
                                                     {"type": "Feature", "geometry": square(half=0.003)}]}
    checked = check_boundary(db_session, json.dumps(doc), repair=False)
    assert not checked.repaired and checked.ewkt.startswith("SRID=4326;MULTIPOLYGON")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "name"), ({"name": "x" * 121}, "name", "name"),
    ({"endpoint": "ftp://example.org"}, "endpoint", "http"), ({"endpoint": "javascript:alert(1)"}, "endpoint", "http"),
    ({"endpoint": "https://example.org/v2?x=1"}, "endpoint", "no query"), ({"endpoint": ""}, "endpoint", "base"),
    ({"endpoint": "https://" + "a" * 600}, "endpoint", "base"),
    ({"fmt": "yaml"}, "format", "JSON or XML"), ({"api_key": "k" * 201}, "api_key", "too long"),
    ({"jurisdiction_id": "j" * 101}, "jurisdiction_id", "100"),
    ({"services": {}}, "services", "at least one"), ({"services": {999999: "x"}}, "service_999999", "no longer"),
    ({"boundary": ""}, "boundary", "Give the body's boundary"), ({"boundary": "{nope"}, "boundary", "not GeoJSON"),
    ({"boundary": json.dumps(square(OUTSIDE))}, "boundary", "does not overlap"),
    ({"boundary": json.dumps({"type": "Point", "coordinates": [0, 51]})}, "boundary", "polygons only"),
])
def test_bad_input_is_refused_on_its_field(db_session, changes, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        _save(db_session, **changes)
    assert refused.value.field == field
    assert db_session.scalar(select(func.count()).select_from(Body)) == 0


def test_a_hostile_service_code_is_refused(db_session):
    with pytest.raises(DomainError, match="service_code") as refused:
        _save(db_session, services={_pothole(db_session): "'; DROP TABLE reports; --"})
    assert refused.value.field == f"service_{_pothole(db_session)}"


def test_names_are_unique(db_session):
    _save(db_session)
    with pytest.raises(DomainError, match="already exists"):
        _save(db_session)
    save_team(db_session, None, name="Highways", email="", active=True)
    with pytest.raises(DomainError, match="already exists"):
        save_team(db_session, None, name="Highways", email="", active=True)


def test_team_mailbox_is_checked(db_session):
    with pytest.raises(DomainError) as refused:
        save_team(db_session, None, name="Cleansing", email="not an address", active=True)
    assert refused.value.field == "email"
    team = save_team(db_session, None, name="Cleansing", email="Cleansing@Example.org", active=True)
    assert db_session.get(Team, team.id).email.endswith("@example.org")
