"""Test data makers and known places."""
from __future__ import annotations

import io

from PIL import Image

from gis.coords import LonLat

PASSWORD = "correct horse battery staple"
# Known points (checked against the ONS 2022 ward boundaries).
CATFORD = LonLat(lon=-0.0205, lat=51.4452)            # Rushey Green ward, near Lewisham town hall
OUTSIDE = LonLat(lon=-0.1276, lat=51.5072)            # Westminster: outside Lewisham

FLY_TIPPING_ANSWERS = {"q_fly_tipping_size": "small_van", "q_fly_tipping_waste": ["furniture", "household"],
                       "q_fly_tipping_where": "road", "q_fly_tipping_witnessed": "no"}


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
