import io

import pytest
from PIL import Image

from portal.services.errors import InvalidPhoto
from portal.services.photos import MAX_SIDE, PhotoStore, process_photo

from ..factories import CATFORD, big_file, bomb_png, gps_exif, image_bytes
from ..hostile_photos import MARKERS, PAYLOAD, assert_pixels_only, hostile_images, hostile_jpeg


def reopen(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_exif_and_gps_are_stripped_from_the_stored_jpeg():
    raw = image_bytes("JPEG", exif=gps_exif())
    assert b"SpyCam" in raw and reopen(raw).getexif().get_ifd(0x8825)
    photo = process_photo(raw, "phone.jpg")
    stored = reopen(photo.data)
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0 and not stored.getexif().get_ifd(0x8825)
    assert b"SpyCam" not in photo.data and b"Exif" not in photo.data
    assert "icc_profile" not in stored.info


HOSTILE = hostile_images()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_stored_photo_holds_pixels_only_whatever_the_format(name):
    """EXIF with GPS and a thumbnail, XMP, an ICC profile, JPEG comments and APP13, PNG tEXt/zTXt/iTXt/eXIf/
    iCCP, WebP and HEIF metadata: none of it, nor the script payload it carries, is in the stored bytes."""
    raw = HOSTILE[name]
    with Image.open(io.BytesIO(raw)) as original:   # the metadata really is there to start with
        assert original.getexif().get_ifd(0x8825) and "xmp" in original.info
    photo = process_photo(raw, name)
    assert_pixels_only(photo.data)
    assert photo.gps is not None and photo.gps.lat == pytest.approx(CATFORD.lat, abs=1e-4)


def test_jpeg_comment_is_not_carried_over():
    """The outside report: Pillow writes an opened JPEG's comment into the JPEG it saves from it."""
    raw = hostile_jpeg()
    assert reopen(raw).info["comment"] == PAYLOAD
    data = process_photo(raw, "comment.jpg").data
    assert b"\xff\xfe" not in data.split(b"\xff\xda", 1)[0] and PAYLOAD not in data
    assert "comment" not in reopen(data).info


def test_colours_survive_the_profile_being_dropped():
    stored = reopen(process_photo(HOSTILE["hostile.jpg"], "a.jpg").data)   # sRGB profile, colour (30, 90, 160)
    assert all(abs(a - b) <= 6 for a, b in zip(stored.getpixel((100, 100)), (30, 90, 160)))


def test_the_hostile_photos_really_hold_every_marker():
    """So the scan of the stored bytes looks for something that was there."""
    assert all(m in HOSTILE["hostile.jpg"] for m in MARKERS if m != b"Adobe")
    assert b"Adobe" in HOSTILE["cmyk.jpg"]


def test_gps_position_is_offered():
    photo = process_photo(image_bytes("JPEG", exif=gps_exif()), "phone.jpg")
    assert photo.gps is not None
    assert photo.gps.lat == pytest.approx(CATFORD.lat, abs=1e-4)
    assert photo.gps.lon == pytest.approx(CATFORD.lon, abs=1e-4)


def test_southern_and_eastern_hemispheres():
    photo = process_photo(image_bytes("JPEG", exif=gps_exif(lat_ref="S", lon_ref="E")), "a.jpg")
    assert photo.gps.lat < 0 < photo.gps.lon


def test_impossible_gps_is_ignored_not_an_error():
    photo = process_photo(image_bytes("JPEG", exif=gps_exif(lat=(95.0, 0.0, 0.0))), "a.jpg")
    assert photo.gps is None


def test_no_gps_gives_none():
    assert process_photo(image_bytes("JPEG"), "a.jpg").gps is None


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_png_webp_jpeg_are_accepted_and_re_encoded_as_jpeg(fmt):
    photo = process_photo(image_bytes(fmt, size=(300, 200)), f"photo.{fmt.lower()}")
    img = reopen(photo.data)
    assert img.format == "JPEG" and img.size == (300, 200) == (photo.width, photo.height)


def test_heic_from_phones_is_accepted():
    from portal.services.photos import HEIF
    if not HEIF:
        pytest.skip("pillow-heif is not installed")
    photo = process_photo(image_bytes("HEIF", size=(64, 48)), "IMG_0001.HEIC")
    assert reopen(photo.data).format == "JPEG" and (photo.width, photo.height) == (64, 48)


def test_transparent_png_is_accepted():
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, "PNG")
    assert reopen(process_photo(out.getvalue(), "t.png").data).mode == "RGB"


@pytest.mark.parametrize("size, expected", [((3000, 1500), (2048, 1024)), ((1000, 4096), (500, 2048)),
                                            ((2048, 2048), (2048, 2048)), ((800, 600), (800, 600))])
def test_resized_to_2048_on_the_long_side(size, expected):
    photo = process_photo(image_bytes("JPEG", size=size), "big.jpg")
    assert (photo.width, photo.height) == expected == reopen(photo.data).size
    assert max(expected) <= MAX_SIDE


def test_text_file_named_jpg_is_refused():
    with pytest.raises(InvalidPhoto, match=r"notes\.jpg is not a photo we can read"):
        process_photo(b"Dear council, this is not a picture.\n" * 20, "notes.jpg")


def test_gif_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(InvalidPhoto, match="not a JPEG, PNG, WebP or HEIC"):
        process_photo(out.getvalue(), "anim.gif")


def test_truncated_jpeg_is_refused():
    with pytest.raises(InvalidPhoto, match="not a photo we can read"):
        process_photo(image_bytes("JPEG")[:200], "cut.jpg")


def test_empty_file_is_refused():
    with pytest.raises(InvalidPhoto, match="empty"):
        process_photo(b"", "nothing.jpg")


def test_30_mb_file_is_refused_with_a_clear_message():
    with pytest.raises(InvalidPhoto) as info:
        process_photo(big_file(), "huge.jpg")
    assert info.value.message == "huge.jpg is too big: each photo must be at most 10 MB."


def test_size_limit_is_checked_on_what_was_read():
    # The view reads at most limit + 1 bytes; the message must not claim the file was the limit's size.
    limit = 10 * 1024 * 1024
    with pytest.raises(InvalidPhoto, match="too big: each photo must be at most 10 MB"):
        process_photo(big_file()[: limit + 1], "huge.jpg", max_bytes=limit)


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (7_000, 7_000)])
def test_decompression_bomb_is_refused(width, height):
    raw = bomb_png(width, height)
    assert len(raw) < 200
    with pytest.raises(InvalidPhoto, match="too many pixels to process safely"):
        process_photo(raw, "bomb.png")


def test_hostile_filename_is_shortened_in_messages():
    with pytest.raises(InvalidPhoto) as info:
        process_photo(b"nope", "../../etc/" + "x" * 200 + ".jpg")
    assert "/" not in info.value.message and len(info.value.message) < 200


def test_store_keeps_photos_pending_until_published(tmp_path):
    store = PhotoStore(tmp_path)
    key = store.save_pending(process_photo(image_bytes(), "a.jpg"))
    assert store.pending_exists(key) and store.pending_size(key) == (640, 480)
    assert not store.path(key).exists()
    store.publish(key)
    assert store.path(key).exists() and not store.pending_exists(key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "short", "a" * 41, "abc/defghijklmnopqrs"])
def test_store_refuses_bad_keys(tmp_path, key):
    store = PhotoStore(tmp_path)
    assert not store.pending_exists(key)
    with pytest.raises(InvalidPhoto):
        store.path(key)


def test_exif_orientation_is_applied_then_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6                                      # "rotate 90° clockwise to display"
    photo = process_photo(image_bytes("JPEG", size=(200, 100), exif=exif.tobytes()), "sideways.jpg")
    stored = reopen(photo.data)
    assert stored.size == (100, 200) and 0x0112 not in stored.getexif()


def test_pending_photos_older_than_a_day_are_purged(tmp_path):
    import os
    import time
    from datetime import timedelta
    store = PhotoStore(tmp_path)
    now = time.time()
    old, fresh, published = (store.save_pending(process_photo(image_bytes(), "a.jpg")) for _ in range(3))
    store.publish(published)
    unfinished = tmp_path / "pending" / "half-written.tmp"
    unfinished.write_bytes(b"\xff\xd8")
    for path in (store._pending(old), unfinished, store.path(published)):
        os.utime(path, (now - 25 * 3600, now - 25 * 3600))
    os.utime(store._pending(fresh), (now - 23 * 3600, now - 23 * 3600))
    assert store.purge_pending(timedelta(days=1), now=now) == 2
    assert not store.pending_exists(old) and not unfinished.exists()
    assert store.pending_exists(fresh) and store.path(published).exists()   # published photos are never purged
    assert store.purge_pending(timedelta(days=1), now=now) == 0
    assert PhotoStore(tmp_path / "never-used").purge_pending(timedelta(days=1)) == 0
