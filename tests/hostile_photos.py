"""Hostile photos for the metadata tests, and a check that a stored JPEG holds pixels and nothing else.

Each image carries every kind of hidden data its format allows: EXIF (camera, GPS and an embedded thumbnail),
XMP, an ICC profile, comments and text chunks, each holding a script payload. ``assert_pixels_only`` walks the
stored JPEG's segments and scans its bytes for every one of them.
"""
from __future__ import annotations

import io
import struct

from PIL import Image, ImageCms, PngImagePlugin

from .factories import gps_exif

PAYLOAD = b"<script>alert(1)</script>"
XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
       b'exif:GPSLatitude="51,26.712N" xmp:CreatorTool="' + PAYLOAD.replace(b"<", b"&lt;") + b'"/>'
       b"</rdf:RDF></x:xmpmeta>" + PAYLOAD + b'<?xpacket end="w"?>')
THUMB_MARK = b"THUMBNAIL-" + PAYLOAD

#: Byte strings none of which may be left in a stored photo.
MARKERS = (PAYLOAD, b"alert(1)", b"<script", b"Exif", b"http://ns.adobe.com/xap", b"xmpmeta", b"ICC_PROFILE",
           b"acsp", b"SpyCam", b"Photoshop 3.0", b"8BIM", b"JFXX", b"THUMBNAIL-", b"Adobe")


def icc_profile() -> bytes:
    """A real sRGB ICC profile whose description is the payload."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    raw = profile.tobytes()
    assert raw[36:40] == b"acsp"
    return raw + PAYLOAD   # trailing bytes after the tagged data: still read as a profile


def _jpeg(img: Image.Image, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", **kw)
    return out.getvalue()


def thumbnail() -> bytes:
    return _jpeg(Image.new("RGB", (16, 12), (0, 255, 0)), comment=THUMB_MARK)


def exif_with_thumbnail() -> bytes:
    """EXIF (camera make, GPS) whose IFD1 holds a JPEG thumbnail, as cameras write it."""
    exif = gps_exif()
    assert exif.startswith(b"Exif\0\0MM")
    tiff = bytearray(exif[6:])
    entries = struct.unpack_from(">H", tiff, 8)[0]
    next_ifd = 8 + 2 + 12 * entries
    assert struct.unpack_from(">I", tiff, next_ifd)[0] == 0
    if len(tiff) % 2:
        tiff += b"\0"
    ifd1_at = len(tiff)
    thumb = thumbnail()
    thumb_at = ifd1_at + 2 + 3 * 12 + 4
    ifd1 = (struct.pack(">H", 3) + struct.pack(">HHIHH", 0x0103, 3, 1, 6, 0)           # Compression: JPEG
            + struct.pack(">HHII", 0x0201, 4, 1, thumb_at) + struct.pack(">HHII", 0x0202, 4, 1, len(thumb))
            + struct.pack(">I", 0))
    struct.pack_into(">I", tiff, next_ifd, ifd1_at)
    return b"Exif\0\0" + bytes(tiff) + ifd1 + thumb


def _segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


def _splice(jpeg: bytes, *segments: bytes) -> bytes:
    """Insert segments after SOI and the first APPn segment."""
    assert jpeg[:2] == b"\xff\xd8"
    first_len = struct.unpack(">H", jpeg[4:6])[0]
    at = 4 + first_len
    return jpeg[:at] + b"".join(segments) + jpeg[at:]


def hostile_jpeg(size=(320, 240), mode: str = "RGB") -> bytes:
    img = Image.new(mode, size, (30, 90, 160) if mode == "RGB" else (10, 60, 0, 20))
    raw = _jpeg(img, exif=exif_with_thumbnail(), icc_profile=icc_profile() if mode == "RGB" else None,
                comment=PAYLOAD, xmp=XMP, quality=90)
    jfxx = _segment(0xE0, b"JFXX\0\x10" + thumbnail())                                 # JFIF extension thumbnail
    irb = _segment(0xED, b"Photoshop 3.0\0" + b"8BIM" + struct.pack(">HBBI", 0x0404, 0, 0, len(PAYLOAD)) + PAYLOAD)
    second_comment = _segment(0xFE, b"another " + PAYLOAD)
    return _splice(raw, jfxx, irb, second_comment)


def hostile_mpo(size=(320, 240)) -> bytes:
    """A multi-picture JPEG (phones' stereo and depth photos): a second full image in the file."""
    out = io.BytesIO()
    Image.new("RGB", size, (30, 160, 90)).save(
        out, "MPO", save_all=True, append_images=[Image.new("RGB", size, (0, 255, 0))], exif=exif_with_thumbnail(),
        comment=PAYLOAD, xmp=XMP, icc_profile=icc_profile())
    return out.getvalue()


def hostile_png(size=(320, 240)) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PAYLOAD.decode())                                         # tEXt
    info.add_text("Description", PAYLOAD.decode() * 4, zip=True)                       # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())                                   # iTXt (XMP)
    info.add_itxt("Title", PAYLOAD.decode(), lang="en", tkey="Title", zip=True)        # compressed iTXt
    out = io.BytesIO()
    Image.new("RGBA", size, (160, 90, 30, 255)).save(out, "PNG", pnginfo=info, exif=gps_exif(),  # eXIf
                                                     icc_profile=icc_profile())        # iCCP
    return out.getvalue()


def hostile_webp(size=(320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 160, 30)).save(out, "WEBP", exif=exif_with_thumbnail(), xmp=XMP,
                                               icc_profile=icc_profile(), lossless=False)
    return out.getvalue()


def hostile_heif(size=(320, 240)) -> bytes:
    import pillow_heif
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (160, 30, 90)).save(out, "HEIF", exif=exif_with_thumbnail(), xmp=XMP,
                                               icc_profile=icc_profile())
    return out.getvalue()


def hostile_images(heif: bool = True) -> dict[str, bytes]:
    """{file name: bytes}, one per format (and a CMYK JPEG, which Pillow marks with an Adobe APP14 segment, and
    a multi-picture JPEG)."""
    images = {"hostile.jpg": hostile_jpeg(), "cmyk.jpg": hostile_jpeg(mode="CMYK"), "stereo.mpo": hostile_mpo(),
              "hostile.png": hostile_png(), "hostile.webp": hostile_webp()}
    if heif:
        images["hostile.heic"] = hostile_heif()
    return images


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, body) of every segment from SOI up to and including SOS (the scan data is not walked)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    out, at = [(0xD8, b"")], 2
    while at < len(data):
        assert data[at] == 0xFF, f"no marker at byte {at}"
        marker = data[at + 1]
        if marker == 0xFF:         # fill byte
            at += 1
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        out.append((marker, data[at + 4:at + 2 + length]))
        at += 2 + length
        if marker == 0xDA:
            return out
    raise AssertionError("no SOS segment")


#: SOI, APP0 (JFIF), DQT, SOF0/1/2, DHT, DRI, SOS: the segments of a baseline or progressive JPEG of pixels.
PIXEL_SEGMENTS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA}


def assert_pixels_only(data: bytes) -> None:
    segments = jpeg_segments(data)
    markers = {m for m, _ in segments}
    assert markers <= PIXEL_SEGMENTS, f"metadata segments kept: {sorted(hex(m) for m in markers - PIXEL_SEGMENTS)}"
    app0 = [body for m, body in segments if m == 0xE0]
    assert all(body.startswith(b"JFIF\0") for body in app0) and len(app0) <= 1, app0
    assert 0xFE not in markers                                     # COM
    assert data.count(b"\xff\xd8") == 1, "an embedded JPEG (thumbnail) is left"
    assert data.rstrip(b"\0").endswith(b"\xff\xd9")                # nothing hidden after EOI
    for marker in MARKERS:
        assert marker not in data, f"{marker!r} is still in the stored photo"
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert not (set(img.info) & {"exif", "icc_profile", "comment", "xmp", "photoshop", "adobe"}), img.info
        assert len(img.getexif()) == 0
        assert [name for name, _ in img.applist] == ["APP0"]
