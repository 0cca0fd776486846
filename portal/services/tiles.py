"""Map tiles served from this site: a browser asks us, not the tile server, so no third party learns which
streets a resident looks at (their address, often), from their IP address and the page's Referer.

Each tile is fetched from the upstream tile server once and kept on disk for a week (the OpenStreetMap tile
policy asks for caching and an identifying User-Agent); a stale copy is served while the upstream is down.
After a failure the upstream is left alone for a short while, so a map does not wait on it for every tile.

Only tiles of the council's area (and some miles around it) are fetched, with the whole world at the zooms a
map shows a country at: anyone may ask for /tiles/, and without a bound this site would be a free proxy for
every tile on Earth, fetching (and keeping) whatever a stranger asked for, against the tile server's usage
policy, with a web worker waiting on each fetch.
"""
from __future__ import annotations

import math
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

MAX_ZOOM = 19
KEEP_SECONDS = 7 * 24 * 3600
MAX_BYTES = 1_000_000
TIMEOUT_SECONDS = 3.0
#: After the upstream failed, it is not asked again for this long (each process).
REST_SECONDS = 30.0
_resting_until = 0.0


#: Every tile up to this zoom (5,461 in all): a map zoomed out to the country still has its background.
WORLD_ZOOM = 6
#: Around the council's area, in degrees (about 7 miles north-south, 4 to 7 east-west in Britain), and at least
#: this many tiles beyond it at every zoom (a 2,560 px screen is 10 tiles wide): the borough's map at zoom 12
#: on a wide screen, maps of places near the boundary, and some panning, still have every tile.
AREA_MARGIN_DEGREES = 0.1
AREA_MARGIN_TILES = 6


class TileUnavailable(Exception):
    """Neither the upstream nor the disk has the tile."""


def in_range(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the zoom-z tile (Web Mercator, as OpenStreetMap's) holding a point."""
    n = 2 ** z
    lat = max(-85.0511, min(85.0511, lat))
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def near_area(z: int, x: int, y: int, area: tuple[float, float, float, float] | None) -> bool:
    """Whether tile z/x/y is one this site serves: any at WORLD_ZOOM or below; above it, one overlapping the
    area's (min lon, min lat, max lon, max lat) widened by AREA_MARGIN_DEGREES, then AREA_MARGIN_TILES. No
    area known (no wards loaded yet): every tile."""
    if area is None or z <= WORLD_ZOOM:
        return True
    m = AREA_MARGIN_DEGREES
    x0, y0 = tile_of(area[0] - m, area[3] + m, z)          # north-west corner: the smallest x and y
    x1, y1 = tile_of(area[2] + m, area[1] - m, z)          # south-east corner
    t = AREA_MARGIN_TILES
    return x0 - t <= x <= x1 + t and y0 - t <= y <= y1 + t


Bounds = tuple[float, float, float, float]


def tile(z: int, x: int, y: int, upstream: str, cache_dir: Path, user_agent: str,
         area: Callable[[], Bounds | None] | None = None) -> bytes:
    """The PNG of tile z/x/y (ValueError for one that cannot exist, or, not kept fresh on disk, that is far from
    the area ``area()`` answers). A fresh copy is served without asking for the area: only tiles near it are
    ever fetched, and most requests are for those (the area comes from the database)."""
    global _resting_until
    if not in_range(z, x, y):
        raise ValueError("no such tile")
    path = Path(cache_dir) / str(z) / str(x) / f"{y}.png"
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        age = None
    if age is not None and age < KEEP_SECONDS:
        return path.read_bytes()
    if area is not None and not near_area(z, x, y, area()):
        raise ValueError("no such tile")
    if upstream and time.monotonic() >= _resting_until:
        try:
            data = _fetch(upstream.format(z=z, x=x, y=y, s="a"), user_agent)
        except (OSError, ValueError, urllib.error.URLError):
            _resting_until = time.monotonic() + REST_SECONDS
        else:
            _keep(path, data)
            return data
    if age is not None:
        return path.read_bytes()          # stale, but better than a hole in the map
    raise TileUnavailable(f"tile {z}/{x}/{y}")


def _fetch(url: str, user_agent: str) -> bytes:
    """The tile, asked for with our User-Agent only: no cookie, no Referer, nothing of the resident's."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "image/png"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        if response.status != 200 or response.headers.get_content_type() != "image/png":
            raise ValueError(f"upstream answered {response.status} {response.headers.get_content_type()}")
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("upstream sent something other than a PNG tile")
    return data


def _keep(path: Path, data: bytes) -> None:
    """Write the tile whole or not at all (another process may be reading it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def rest_over() -> None:
    """Ask the upstream again at the next tile (tests, and after changing TILE_UPSTREAM)."""
    global _resting_until
    _resting_until = 0.0
