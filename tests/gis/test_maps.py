"""Map builders (gis/maps.py): what the view of a map takes in."""
from __future__ import annotations

import re

from gis.coords import LonLat
from gis.maps import selectable_points_map

TILES, ATTRIBUTION = "http://tiles.invalid/{z}/{x}/{y}.png", "test tiles"


def test_a_queue_map_takes_in_every_report():
    """The triage queue's map opened on the first report at a fixed zoom: reports a few km away were off the
    map, so they could not be picked there. The view now fits them all."""
    points = [(LonLat(lon=-0.0205, lat=51.4452), "KB-AAAAA"), (LonLat(lon=-0.0650, lat=51.4820), "KB-BBBBB"),
              (LonLat(lon=0.0270, lat=51.4170), "KB-CCCCC")]
    script = str(selectable_points_map(points[0][0], points, TILES, ATTRIBUTION).script)
    bounds = re.search(r"fitBounds\(\s*\[\[([-\d.]+),\s*([-\d.]+)\],\s*\[([-\d.]+),\s*([-\d.]+)\]\]", script)
    assert bounds, script
    assert [float(v) for v in bounds.groups()] == [51.417, -0.065, 51.482, 0.027]


def test_one_report_or_none_keeps_the_centre_and_zoom():
    one = [(LonLat(lon=-0.0205, lat=51.4452), "KB-AAAAA")]
    assert "fitBounds" not in str(selectable_points_map(one[0][0], one, TILES, ATTRIBUTION).script)
    assert "fitBounds" not in str(selectable_points_map(one[0][0], [], TILES, ATTRIBUTION).script)


def test_shared_templates_draw_every_map_exactly_as_jinja2_does(monkeypatch):
    """gis.maps shares branca's compiled templates (and keeps text without jinja2 syntax as it is): every map
    builder must give the same parts, character for character, as with jinja2 compiling each one afresh."""
    import itertools

    import branca.element
    import jinja2

    from gis import maps
    point = LonLat(lon=-0.0205, lat=51.4452)
    builders = [
        lambda: maps.location_picker(point, TILES, ATTRIBUTION),
        lambda: maps.point_map(point, TILES, "© <b>attribution</b> {not jinja}", "A label"),
        lambda: maps.report_with_neighbours_map(point, "here", [(LonLat(lon=-0.02, lat=51.445), "KB-AAAAA")],
                                                TILES, ATTRIBUTION),
        lambda: maps.selectable_points_map(point, [(point, "KB-A"), (LonLat(lon=-0.03, lat=51.44), "KB-B")],
                                           TILES, ATTRIBUTION),
        lambda: maps.neighbourhood_map(point, "near", [(point, "x")], TILES, ATTRIBUTION),
    ]

    def drawn(template_maker):
        ids = itertools.count()
        monkeypatch.setattr(branca.element.Element, "_generate_id", classmethod(lambda cls: f"{next(ids):032x}"))
        monkeypatch.setattr(branca.element, "Template", template_maker)
        return [(str(p.header), str(p.html), str(p.script), p.name) for p in (build() for build in builders)]

    shared = drawn(maps.shared_template)
    assert shared == drawn(jinja2.Template)
    assert any("L.tileLayer" in script for _h, _html, script, _n in shared)
    for text in ("plain text, {braces} and all\n", "two\n\n", "none", "", "\n", "{ not } a {tag}\n  "):
        assert isinstance(maps.shared_template(text), maps._Literal)
        assert maps.shared_template(text).render(this=None) == jinja2.Template(text).render(this=None), text
    assert maps.shared_template("{{ x }}") is maps.shared_template("{{ x }}")       # compiled once
