"""Parse and check coordinates. All points are WGS84 (EPSG:4326), longitude first in geometry."""
from __future__ import annotations

import math
from dataclasses import dataclass

from pyproj import Transformer


class InvalidCoordinates(ValueError):
    """A coordinate that is missing, not a number, or out of range; the message is for the user."""


@dataclass(frozen=True)
class LonLat:
    lon: float
    lat: float

    @property
    def ewkt(self) -> str:
        return f"SRID=4326;POINT({self.lon!r} {self.lat!r})"


def ascii_float(text: str) -> float:
    """A number as typed in ASCII, or ValueError. ``float()`` alone also reads "５１.４" (full-width),
    "٥١.٤" (Arabic-Indic digits) and "5_1.4"; numbers from people and clients are ASCII digits only."""
    text = str(text).strip()
    if not text.isascii() or "_" in text:
        raise ValueError(f"not an ASCII number: {text[:40]!r}")
    return float(text)


def parse_lat_lon(lat: object, lon: object) -> LonLat:
    """Return a checked WGS84 point (degrees) from user input, or raise InvalidCoordinates."""
    values = []
    for name, raw in (("latitude", lat), ("longitude", lon)):
        text = "" if raw is None else str(raw).strip()
        if not text:
            raise InvalidCoordinates(f"Enter a {name}, or choose the location another way.")
        if len(text) > 32:
            raise InvalidCoordinates(f"The {name} is too long to be a coordinate.")
        try:
            value = ascii_float(text)
        except ValueError:
            raise InvalidCoordinates(f"The {name} must be a number in decimal degrees, like 51.4452.") from None
        if not math.isfinite(value):
            raise InvalidCoordinates(f"The {name} must be a real number.")
        values.append(value)
    lat_v, lon_v = values
    if not -90 <= lat_v <= 90:
        raise InvalidCoordinates("The latitude must be between -90 and 90 degrees.")
    if not -180 <= lon_v <= 180:
        raise InvalidCoordinates("The longitude must be between -180 and 180 degrees.")
    return LonLat(lon=round(lon_v, 7), lat=round(lat_v, 7))


_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


def to_bng(point: LonLat) -> tuple[float, float]:
    """(easting, northing) in British National Grid (EPSG:27700, metres) of a WGS84 point."""
    return _TO_BNG.transform(point.lon, point.lat)


def to_bng_many(points: list[LonLat]) -> list[tuple[float, float]]:
    """``to_bng`` of many points in one call to PROJ (a thousand map points: ~1 ms instead of ~10)."""
    if not points:
        return []
    eastings, northings = _TO_BNG.transform([p.lon for p in points], [p.lat for p in points])
    return list(zip(eastings, northings))


_GRID_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # no I


def os_grid_reference(point: LonLat, digits: int = 10) -> str:
    """Ordnance Survey grid reference (e.g. 'TQ 37654 74521') of a WGS84 point; metres resolution at 10 digits."""
    e, n = _TO_BNG.transform(point.lon, point.lat)
    if not (0 <= e < 700000 and 0 <= n < 1300000):
        raise InvalidCoordinates("That point is outside the Ordnance Survey national grid.")
    e100k, n100k = int(e // 100000), int(n // 100000)
    l1 = (19 - n100k) - (19 - n100k) % 5 + (e100k + 10) // 5
    l2 = ((19 - n100k) * 5) % 25 + e100k % 5
    half = digits // 2
    scale = 10 ** (5 - half)
    east = int(e % 100000) // scale
    north = int(n % 100000) // scale
    return f"{_GRID_LETTERS[l1]}{_GRID_LETTERS[l2]} {east:0{half}d} {north:0{half}d}"
