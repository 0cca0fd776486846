"""Photos: checked, re-encoded as JPEG, resized to 2048 px, every bit of metadata stripped.

Whatever the upload's format, the stored JPEG is built from its pixels alone: no EXIF (camera, GPS, thumbnail),
XMP, ICC profile, comment, text chunk or any other segment of the original reaches the store. A GPS position
found in the original's EXIF is returned (so it can be offered as the pin) but never stored.
Processed photos wait in the store's pending area until their report is saved; the worker deletes pending
photos that no report claimed within PHOTO_PENDING_HOURS (a day).
"""
from __future__ import annotations

import io
import os
import re
import secrets
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from gis.coords import InvalidCoordinates, LonLat, parse_lat_lon

from .errors import InvalidPhoto

try:  # HEIC/HEIF from phones, when the optional library is present
    import pillow_heif
    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover
    HEIF = False

MAX_SIDE = 2048
MAX_PIXELS = 40_000_000           # larger images are treated as decompression bombs
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
GPS_IFD = 0x8825
SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    width: int
    height: int
    gps: LonLat | None


def _gps(exif) -> LonLat | None:
    try:
        gps = exif.get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None

        def degrees(dms) -> float:
            d, m, s = (float(x) for x in dms)
            return d + m / 60 + s / 3600
        lat = degrees(gps[2]) * (-1 if gps.get(1) == "S" else 1)
        lon = degrees(gps[4]) * (-1 if gps.get(3) == "W" else 1)
        return parse_lat_lon(lat, lon)
    except (InvalidCoordinates, KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def _srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """The image as RGB pixels in sRGB: colours in an embedded profile (a phone's Display P3, a CMYK print
    profile) are converted, since the profile itself is not kept. A profile we cannot use is ignored."""
    if img.mode not in ("RGB", "CMYK"):
        img = img.convert("RGB")
    if icc:
        try:
            return ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB,
                                             outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    return img.convert("RGB")


def _encode_pixels(img: Image.Image, gps: LonLat | None) -> ProcessedPhoto:
    """JPEG of the pixels alone. A new image is made from the raw pixel bytes, so nothing in ``img.info``
    (Pillow carries a JPEG's comment over into a new JPEG; HEIF keeps thumbnails and XMP there) can be written."""
    pixels = Image.frombytes("RGB", img.size, img.tobytes())
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=85, optimize=True)
    return ProcessedPhoto(out.getvalue(), pixels.width, pixels.height, gps)


def process_photo(raw: bytes, filename: str = "photo", max_bytes: int = 10 * 1024 * 1024) -> ProcessedPhoto:
    """Validate and re-encode an uploaded image; raise InvalidPhoto with a message for the user."""
    name = os.path.basename(filename or "photo")[:80]
    if not raw:
        raise InvalidPhoto(f"{name} is empty.")
    if len(raw) > max_bytes:
        # Callers read at most max_bytes + 1, so the true size is unknown here: do not state one.
        raise InvalidPhoto(f"{name} is too big: each photo must be at most {max_bytes // 1048576} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            with Image.open(io.BytesIO(raw)) as img:
                if img.format not in ALLOWED_FORMATS:
                    raise InvalidPhoto(f"{name} is not a JPEG, PNG, WebP or HEIC photo.")
                if img.width * img.height > MAX_PIXELS:
                    raise InvalidPhoto(f"{name} has too many pixels to process safely.")
                gps = _gps(img.getexif())           # read before the metadata goes; never stored
                img.load()
                icc = img.info.get("icc_profile")
                img = ImageOps.exif_transpose(img)
                img = _srgb(img, icc)
                img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
                return _encode_pixels(img, gps)
    except InvalidPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidPhoto(f"{name} has too many pixels to process safely.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidPhoto(f"{name} is not a photo we can read (JPEG, PNG, WebP or HEIC).") from None


class PhotoStore:
    """Photos on disk under one directory: ``pending/`` until their report exists, then the top level."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _pending(self, key: str) -> Path:
        return self.root / "pending" / f"{key}.jpg"

    def path(self, key: str) -> Path:
        if not KEY_RE.match(key):
            raise InvalidPhoto("Unknown photo.")
        return self.root / f"{key}.jpg"

    def save_pending(self, photo: ProcessedPhoto) -> str:
        key = secrets.token_urlsafe(18)
        try:
            self._pending(key).parent.mkdir(parents=True, exist_ok=True)
            tmp = self._pending(key).with_suffix(".tmp")
            tmp.write_bytes(photo.data)
            tmp.replace(self._pending(key))
        except OSError:
            raise InvalidPhoto("We could not store your photo just now. Please try again later.") from None
        return key

    def pending_exists(self, key: str) -> bool:
        return bool(KEY_RE.match(key)) and self._pending(key).exists()

    def pending_size(self, key: str) -> tuple[int, int]:
        with Image.open(self._pending(key)) as img:
            return img.width, img.height

    def discard_pending(self, keys: list[str]) -> None:
        """Delete pending photos that will not be published (their request was refused)."""
        for key in keys:
            if KEY_RE.match(key):
                self._pending(key).unlink(missing_ok=True)

    def purge_pending(self, older_than: timedelta, now: float | None = None) -> int:
        """Delete pending photos (and unfinished writes) last changed more than ``older_than`` before ``now``
        (a Unix time; default: the present): photos of reports never sent. Returns how many were deleted."""
        cutoff = (time.time() if now is None else now) - older_than.total_seconds()
        gone = 0
        for path in (self.root / "pending").glob("*"):
            try:
                if path.suffix in (".jpg", ".tmp") and path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
            except FileNotFoundError:   # published or purged meanwhile
                continue
        return gone

    def publish(self, key: str) -> None:
        """Move a pending photo to the store proper (same filesystem: atomic)."""
        try:
            self._pending(key).replace(self.path(key))
        except OSError:
            raise InvalidPhoto("We could not store your photo just now. Please try again later.") from None
