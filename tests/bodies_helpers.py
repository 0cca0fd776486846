"""Shared makers for the teams-and-bodies tests: boundaries around known points, a body, and real Open311
servers for the sender to talk to (Kerbside's own API in a second app, and a small one that misbehaves)."""
from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from gis.coords import LonLat
from models import Body, Category

from .factories import CATFORD


def square(centre: LonLat = CATFORD, half: float = 0.002) -> dict:
    """A GeoJSON Polygon: a square of ``half`` degrees either side of ``centre``."""
    x, y = centre.lon, centre.lat
    return {"type": "Polygon", "coordinates": [[[x - half, y - half], [x + half, y - half], [x + half, y + half],
                                                [x - half, y + half], [x - half, y - half]]]}


def bow_tie(centre: LonLat = CATFORD, half: float = 0.002) -> dict:
    """A ring that crosses itself: not a valid polygon (ST_IsValid false, 'Self-intersection')."""
    x, y = centre.lon, centre.lat
    return {"type": "Polygon", "coordinates": [[[x - half, y - half], [x + half, y + half], [x + half, y - half],
                                                [x - half, y + half], [x - half, y - half]]]}


def make_body(session, endpoint: str, *, categories: dict[str, str], boundary: dict | None = None,
              name: str = "Transport for London (red routes)", fmt: str = "json", api_key: str = "") -> Body:
    """A body through the admin service (sealed key, checked boundary); ``categories``: our code -> theirs."""
    from portal.services.bodies import save_body
    ids = {c.code: c.id for c in session.scalars(select(Category).where(Category.code.in_(categories)))}
    body, _ = save_body(session, None, name=name, endpoint=endpoint, fmt=fmt, api_key=api_key, jurisdiction_id="",
                        boundary=json.dumps(boundary or square()), repair=False,
                        services={ids[code]: theirs for code, theirs in categories.items()}, active=True)
    return body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScriptedOpen311:
    """A real HTTP server answering each request with the next scripted (status, body) — a body that is down
    for a while (500), answers garbage, or answers with a token first. Records what it was sent."""

    def __init__(self, answers: list[tuple[int, str]]):
        self.answers, self.received = list(answers), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.received.append((self.command, self.path, self.rfile.read(length).decode()))
                status, text = outer.answers.pop(0) if outer.answers else (500, "no more answers")
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/open311/v2"

    @contextmanager
    def running(self):
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            thread.join(5)
            self.server.server_close()


@contextmanager
def kerbside_open311(connection, config: dict):
    """Kerbside's own Open311 API as the other body: a second app on the test's connection (so its writes are
    rolled back with the test), served by werkzeug in a thread, one request at a time. Yields its base URL."""
    from werkzeug.serving import make_server

    from portal.app import create_app
    holder = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=False)
    base = f"http://127.0.0.1:{server.server_port}"
    settings = {k: v for k, v in config.items() if k != "SERVER_NAME"} | {"BASE_URL": base}
    holder["app"] = create_app(settings, bind=connection)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{base}/open311/v2"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()



