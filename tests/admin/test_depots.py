"""Crew depots by postcode or street name (the imported streets, as everywhere else), coordinates as the
alternative."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Crew


def test_a_depot_by_postcode(admin_client, db_session):
    resp = admin_client.submit("/admin/crews/new", {"name": "Depot crew", "depot_place": "se6 4ru", "active": "y"})
    assert resp.status_code == 302
    crew = db_session.scalars(select(Crew).where(Crew.name == "Depot crew")).one()
    lon, lat = db_session.execute(select(func.ST_X(Crew.depot), func.ST_Y(Crew.depot)).where(Crew.id == crew.id)).one()
    assert crew.depot_place == "SE6 4RU" and -0.05 < lon < 0.0 and 51.4 < lat < 51.5
    assert 'value="SE6 4RU"' in admin_client.get(f"/admin/crews/{crew.id}").get_data(as_text=True)
    # coordinates, with the postcode box emptied
    resp = admin_client.submit(f"/admin/crews/{crew.id}", {"name": "Depot crew", "depot_place": "",
                                                           "depot_lat": "51.45", "depot_lon": "-0.02", "active": "y"})
    assert resp.status_code == 302
    db_session.refresh(crew)
    assert crew.depot_place == ""


@pytest.mark.parametrize(("place", "message"), [
    ("Nowhere Such Lane", "could not find that street"), ("ZZ9 9ZZ", "do not know that postcode"),
    ("SW1A 1AA", "do not know that postcode"), ("' OR 1=1 --", "could not find that street"),
    ("x" * 200, "at most 100 characters"), ("Dow‮ning Street", "could not find that street"),
])
def test_a_depot_place_we_cannot_find(admin_client, db_session, place, message):
    resp = admin_client.submit("/admin/crews/new", {"name": "Lost crew", "depot_place": place, "active": "y"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html and 'value="Lost crew"' in html
    assert db_session.scalars(select(Crew).where(Crew.name == "Lost crew")).first() is None


def test_a_depot_by_street_name(admin_client, db_session):
    """A street name is found in the imported streets (gis.streets) like the crew's start place and alerts:
    the depot is a point on it, and the page shows the street's name as found."""
    resp = admin_client.submit("/admin/crews/new", {"name": "Street crew", "depot_place": "  rushey green ",
                                                    "active": "y"})
    assert resp.status_code == 302
    crew = db_session.scalars(select(Crew).where(Crew.name == "Street crew")).one()
    lon, lat = db_session.execute(select(func.ST_X(Crew.depot), func.ST_Y(Crew.depot)).where(Crew.id == crew.id)).one()
    assert crew.depot_place == "Rushey Green" and -0.03 < lon < 0.0 and 51.43 < lat < 51.45
    assert 'value="Rushey Green"' in admin_client.get(f"/admin/crews/{crew.id}").get_data(as_text=True)
