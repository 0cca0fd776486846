"""Ordering stops into a route: greedy nearest neighbour on great-circle distance (metres, WGS84)."""
from __future__ import annotations

import math
from typing import Hashable

from .coords import LonLat

EARTH_RADIUS_M = 6_371_008.8


def distance_m(a: LonLat, b: LonLat) -> float:
    """Haversine distance in metres between two WGS84 (EPSG:4326) points."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def nearest_neighbour_route(start: LonLat, stops: dict[Hashable, LonLat]) -> list[tuple[Hashable, float]]:
    """Visit every stop, always going next to the nearest unvisited one.

    Returns [(key, metres from the previous stop)] in visiting order; ties go to the smaller key order given.
    Good enough for a crew's dozen jobs; not an optimal tour.
    """
    left = dict(stops)
    here, route = start, []
    while left:
        key = min(left, key=lambda k: distance_m(here, left[k]))
        route.append((key, distance_m(here, left[key])))
        here = left.pop(key)
    return route
