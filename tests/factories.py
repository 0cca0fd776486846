"""Test data makers and known places."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from gis.coords import LonLat

PASSWORD = "correct horse battery staple"
#: The authenticator secret of every staff and admin test account (each account still has its own replay state).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Known points (checked against the ONS 2022 ward boundaries).
CATFORD = LonLat(lon=-0.0205, lat=51.4452)            # Rushey Green ward, near Lewisham town hall
OUTSIDE = LonLat(lon=-0.1276, lat=51.5072)            # Westminster: outside Lewisham

FLY_TIPPING_ANSWERS = {"q_fly_tipping_size": "small_van", "q_fly_tipping_waste": ["furniture", "household"],
                       "q_fly_tipping_where": "road", "q_fly_tipping_witnessed": "no"}


def enrol_two_factor(session, user, config, secret: str = TOTP_SECRET) -> None:
    """Give an account an authenticator as if it had enrolled (``config`` holds the app's SECRET_KEY)."""
    from models import utcnow
    from portal.services import twofactor
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = twofactor.seal(secret, config), utcnow(), None
    session.commit()


def totp_code(secret: str = TOTP_SECRET, steps_ahead: int = 0) -> str:
    """The code an authenticator shows now (or ``steps_ahead`` 30-second steps later)."""
    import time

    import pyotp
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def image_bytes(fmt: str = "JPEG", size=(640, 480), color=(200, 40, 40), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def report_form(point: LonLat = CATFORD, **overrides) -> dict:
    data = {"latitude": str(point.lat), "longitude": str(point.lon), "category": "fly_tipping",
            "description": "Sofa and bags dumped by the lamp post", "anonymous": "y", "action": "submit_new",  # skips the "me too" offer
            "submission_token": overrides.pop("submission_token", "tok-" + str(id(overrides))),
            **FLY_TIPPING_ANSWERS}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def gps_exif(lat=(51.0, 26.0, 42.72), lon=(0.0, 1.0, 13.8), lat_ref="N", lon_ref="W") -> bytes:
    """EXIF with a camera make/model and a GPS position (default: Catford, 51.4452 N 0.0205 W)."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"          # Make
    exif[0x0110] = "Model X"         # Model
    exif.get_ifd(0x8825).update({1: lat_ref, 2: lat, 3: lon_ref, 4: lon})
    return exif.tobytes()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def big_file(size: int = 30 * 1024 * 1024) -> bytes:
    """A valid JPEG start padded to ``size`` bytes."""
    head = image_bytes()
    return head + b"\0" * (size - len(head))


def alerts_start_now(session) -> None:
    """Move the worker's place past every event already in the database, whatever its date or number: the
    database may hold committed events of other tests. The test's transaction takes the place's row lock (and
    keeps it until it rolls back); if another connection holds it, say which rather than match nothing."""
    session.execute(text("SET LOCAL lock_timeout = '10s'"))
    try:
        session.execute(text("UPDATE alert_progress SET last_event_id = "
                             "(SELECT coalesce(max(id), 0) FROM report_events) WHERE id = 1"))
    except OperationalError as exc:
        raise AssertionError(f"alert_progress is locked by another connection: {_holders()}") from exc
    session.execute(text("SET LOCAL lock_timeout = 0"))


def _holders() -> list:
    from tests.conftest import _test_url
    engine = create_engine(_test_url())
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pid, state, xact_start, left(query, 200) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
    finally:
        engine.dispose()


# --- Reports through the real service --------------------------------------------------------------------------
import itertools  # noqa: E402

import factory  # noqa: E402

from portal.services.reports import NewReport  # noqa: E402

_tokens = itertools.count(1)


class ReportFactory(factory.Factory):
    """A report made through ``portal.services.reports.create_report`` (the real service, real PostGIS): checked,
    saved with its first timeline entry, its email queued. ``ReportFactory(session=..., store=..., ...)``; the
    other fields are those of ``NewReport`` plus ``reporter`` and ``status`` (given to create_report)."""

    class Meta:
        model = NewReport

    category_code = "fly_tipping"
    point = CATFORD
    description = "A sofa on the pavement"
    answers = factory.LazyAttribute(lambda o: {k.removeprefix("q_fly_tipping_"): v
                                               for k, v in FLY_TIPPING_ANSWERS.items()}
                                    if o.category_code == "fly_tipping" else {})
    anonymous = True
    client_token = factory.LazyFunction(lambda: f"factory-{next(_tokens)}-{id(object())}")

    @classmethod
    def _create(cls, model_class, *, session, store, reporter=None, status=None, **fields):
        from portal.services.reports import create_report
        kw = {"status": status} if status is not None else {}
        return create_report(session, model_class(**fields), reporter, store, **kw)
