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
