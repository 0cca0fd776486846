"""Routing when a report is made, in create_report (every channel): the category's team, and the body that takes
the category inside its boundary (the smallest when boundaries overlap), with its sending queued."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gis.coords import LonLat
from models import BodySend, Category, Report, Team
from portal.services.reports import NewReport, create_report

from ..bodies_helpers import make_body, square
from ..factories import CATFORD

ELSEWHERE = LonLat(lon=-0.0350, lat=51.4600)          # in Lewisham, outside the squares around CATFORD


@pytest.fixture()
def report_at(db_session, store):
    counter = iter(range(1000))

    def make(point: LonLat, category: str = "pothole") -> Report:
        return create_report(db_session, NewReport(category_code=category, point=point, description="Hole",
                                                   client_token=f"route-{next(counter)}-{id(store)}"), None, store)
    return make


def test_the_category_team_is_kept_on_the_report(db_session, report_at):
    team = Team(name="Highways")
    db_session.add(team)
    db_session.flush()
    db_session.scalars(select(Category).where(Category.code == "pothole")).one().team_id = team.id
    db_session.commit()
    report = report_at(CATFORD)
    assert report.team_id == team.id and report.body_id is None and report.body_send is None
    assert report_at(CATFORD, "graffiti").team_id is None


def test_inside_the_boundary_the_body_takes_it_outside_the_council_keeps_it(db_session, report_at):
    body = make_body(db_session, "http://127.0.0.1:9/v2", categories={"pothole": "PH"})
    inside, outside, other_kind = report_at(CATFORD), report_at(ELSEWHERE), report_at(CATFORD, "graffiti")
    assert inside.body_id == body.id and inside.body_send.service_code == "PH"
    assert outside.body_id is None and other_kind.body_id is None
    assert db_session.scalars(select(BodySend.report_id)).all() == [inside.id]


def test_the_smallest_of_overlapping_boundaries_wins_and_inactive_bodies_take_nothing(db_session, report_at):
    wide = make_body(db_session, "http://127.0.0.1:9/v2", categories={"pothole": "W"}, name="Wide",
                     boundary=square(half=0.01))
    narrow = make_body(db_session, "http://127.0.0.1:9/v2", categories={"pothole": "N"}, name="Narrow")
    assert report_at(CATFORD).body_id == narrow.id
    narrow.active = False
    db_session.commit()
    assert report_at(CATFORD).body_id == wide.id


def test_a_point_on_the_edge_is_inside(db_session, report_at):
    body = make_body(db_session, "http://127.0.0.1:9/v2", categories={"pothole": "PH"},
                     boundary=square(LonLat(lon=CATFORD.lon + 0.002, lat=CATFORD.lat)))
    assert report_at(CATFORD).body_id == body.id
