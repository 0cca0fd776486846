"""Map tiles come from this site (/tiles/): the resident's browser never asks the tile server, which sees only
this server, asking once a week per tile with our User-Agent (and nothing of the resident's)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.services import tiles
from tests.factories import image_bytes

PNG = image_bytes("PNG")


class Upstream:
    """A tile server on loopback that records what it was asked, with what headers."""

    def __init__(self):
        self.asked, self.status, self.body, self.kind = [], 200, PNG, "image/png"
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                upstream.asked.append((self.path, dict(self.headers)))
                self.send_response(upstream.status)
                self.send_header("Content-Type", upstream.kind)
                self.send_header("Content-Length", str(len(upstream.body)))
                self.end_headers()
                self.wfile.write(upstream.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def upstream():
    server = Upstream()
    tiles.rest_over()
    yield server
    server.close()
    tiles.rest_over()


@pytest.fixture()
def tile_client(connection, app_config, upstream, tmp_path):
    from portal.app import create_app
    app = create_app(dict(app_config, TILE_UPSTREAM=upstream.url, TILE_CACHE_DIR=tmp_path / "tiles"),
                     bind=connection)
    return app.test_client()


def test_a_tile_is_fetched_once_without_anything_of_the_residents(tile_client, upstream):
    tile_client.set_cookie("session", "the-residents-session")
    first = tile_client.get("/tiles/16/32742/21795.png", headers={"Referer": "http://localhost/near?postcode=SE6"})
    assert first.status_code == 200 and first.mimetype == "image/png" and first.data == PNG
    assert "public" in first.headers["Cache-Control"]
    [(path, headers)] = upstream.asked
    assert path == "/16/32742/21795.png"
    assert headers["User-Agent"].startswith("Kerbside/") and "Cookie" not in headers and "Referer" not in headers
    assert tile_client.get("/tiles/16/32742/21795.png").data == PNG
    assert len(upstream.asked) == 1                               # kept: the upstream is asked once


@pytest.mark.parametrize("path", ["/tiles/1/2/0.png", "/tiles/1/0/2.png", "/tiles/20/0/0.png", "/tiles/-1/0/0.png",
                                  "/tiles/a/0/0.png", "/tiles/1/0/0.jpg"])
def test_a_tile_that_cannot_exist_is_404_and_not_asked_for(tile_client, upstream, path):
    assert tile_client.get(path).status_code == 404
    assert upstream.asked == []


def test_an_upstream_that_fails_gives_502_then_rests(tile_client, upstream):
    upstream.status, upstream.body, upstream.kind = 500, b"oops", "text/plain"
    assert tile_client.get("/tiles/3/1/1.png").status_code == 502
    assert tile_client.get("/tiles/3/1/2.png").status_code == 502
    assert len(upstream.asked) == 1                               # resting: the second was not asked
    tiles.rest_over()
    upstream.status, upstream.kind = 200, "text/html"             # 200, but not a tile
    assert tile_client.get("/tiles/3/1/1.png").status_code == 502


def test_a_stale_tile_is_served_while_the_upstream_is_down(tile_client, upstream, monkeypatch):
    assert tile_client.get("/tiles/2/1/1.png").data == PNG
    monkeypatch.setattr(tiles, "KEEP_SECONDS", -1)                # everything kept is now stale
    upstream.status = 503
    again = tile_client.get("/tiles/2/1/1.png")
    assert again.status_code == 200 and again.data == PNG and len(upstream.asked) == 2


def test_by_default_maps_ask_this_site_and_the_csp_names_no_tile_server(client, app):
    from portal.config import Settings
    assert Settings().TILE_URL.startswith("/tiles/")
    page = client.get("/report")
    assert "tile.openstreetmap.org" not in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("lon, lat", [(2.3522, 48.8566), (-2.9916, 53.4084), (-0.0209, 51.80), (0.40, 51.45)])
def test_a_tile_far_from_the_councils_area_is_not_fetched(tile_client, upstream, lon, lat):
    """Paris, Liverpool, 40 km north, 30 km east: anyone may ask /tiles/, which must not be a free proxy for
    every tile on Earth (the tile server's usage policy; a web worker waits on each fetch)."""
    for z in (14, 16, 19):              # (zoomed out, a tile is miles wide, and six of them are served around)
        x, y = tiles.tile_of(lon, lat, z)
        assert tile_client.get(f"/tiles/{z}/{x}/{y}.png").status_code == 404, (z, lon, lat)
    assert upstream.asked == []


def test_tiles_of_the_area_its_edge_and_the_zoomed_out_world_are_served(tile_client, upstream, db_session):
    from gis.queries import service_area_bounds
    west, south, east, north = service_area_bounds(db_session)
    inside = [(16, *tiles.tile_of((west + east) / 2, (south + north) / 2, 16)),
              (19, *tiles.tile_of(west - 0.05, north + 0.05, 19)),        # past the edge, within the margin
              (12, *tiles.tile_of(east, south, 12)),
              (12, *tiles.tile_of(west - 0.4, north, 12)),                # the borough's map on a wide screen
              (4, *tiles.tile_of(2.3522, 48.8566, 4))]                      # a country's view: any tile
    for z, x, y in inside:
        assert tile_client.get(f"/tiles/{z}/{x}/{y}.png").status_code == 200, (z, x, y)
    assert len(upstream.asked) == len(inside)
    outside = tiles.tile_of(east + tiles.AREA_MARGIN_DEGREES + 0.05, south, 17)   # 6 tiles at 17: 0.016 degrees
    assert tile_client.get(f"/tiles/17/{outside[0]}/{outside[1]}.png").status_code == 404


def test_tile_of_matches_openstreetmaps_numbering():
    assert tiles.tile_of(-0.1276, 51.5072, 16) == (32744, 21792)          # Trafalgar Square area
    assert tiles.tile_of(0, 0, 1) == (1, 1) and tiles.tile_of(-180, 85.0511, 3) == (0, 0)
