"""Photo uploads: formats, orientation, privacy, bombs, storage and re-use, on real images."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, features

from audit.model import PhotoRef
from audit.photos import (
    PhotoError,
    PhotoStore,
    PreparedPhoto,
    hash_distance,
    message,
    prepare_photo,
    reuse_flags,
)
from audit.photos.prepare import PHOTO_ERROR_CODES

ROOT = Path(__file__).resolve().parents[1]

RED = (230, 20, 20)
GREEN = (20, 200, 40)
BLUE = (30, 60, 220)


# --- image makers ---------------------------------------------------------------------------


def _encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def _marked(size: tuple[int, int] = (600, 400)) -> Image.Image:
    """A blue picture, red in the top-left corner and green in the top-right one."""
    w, h = size
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, w // 4, h // 4))
    im.paste(GREEN, (w - w // 4, 0, w, h // 4))
    return im


def _exif(
    *,
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: device data that must not leave with the copies
    if orientation is not None:
        exif[0x0112] = orientation
    sub = exif.get_ifd(0x8769)
    if taken is not None:
        sub[0x9003] = taken
    if offset is not None:
        sub[0x9011] = offset
    if gps is not None:
        lat, lon = gps
        exif.get_ifd(0x8825).update(
            {
                1: "N" if lat >= 0 else "S",
                2: _dms(abs(lat)),
                3: "E" if lon >= 0 else "W",
                4: _dms(abs(lon)),
            }
        )
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return float(degrees), float(minutes), seconds


def _scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Something photo-like: a sky-to-ground gradient with coloured objects in it."""
    rnd = random.Random(seed)
    w, h = size
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(14):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        box = (x0, y0, x0 + rnd.randrange(w // 10, w // 2), y0 + rnd.randrange(h // 10, h // 2))
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        (draw.rectangle if rnd.random() < 0.5 else draw.ellipse)(box, fill=colour)
    return im


def _png_bomb(side: int) -> bytes:
    """A complete, valid 1-bit PNG of side × side pixels: ~100 KB that decode to side² bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    rows_per_step = 1000
    idat = b"".join(
        packer.compress(row * min(rows_per_step, side - start)) for start in range(0, side, rows_per_step)
    )
    idat += packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _rgb_profile(
    description: str,
    red: tuple[float, float, float],
    green: tuple[float, float, float],
    blue: tuple[float, float, float],
) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with the given primaries (linear TRC)."""

    def s15(values: tuple[float, ...]) -> bytes:
        return b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + s15(values)

    text = description.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(8 + 2 + 1 + 67)
    desc += bytes(-len(desc) % 4)
    d50 = (0.9642, 1.0, 0.8249)
    curve = b"curv\0\0\0\0" + struct.pack(">I", 0)  # no entries: identity
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + s15(d50)
        + bytes(48)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


# sRGB's primaries adapted to D50, as ICC profiles store them.
SRGB_RED = (0.4361, 0.2225, 0.0139)
SRGB_GREEN = (0.3851, 0.7169, 0.0971)
SRGB_BLUE = (0.1431, 0.0606, 0.7141)


def _rgb(im: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    r, g, b = im.convert("RGB").getpixel((x, y))  # type: ignore[misc]
    return r, g, b


def _colour(im: Image.Image, x: int, y: int) -> str:
    r, g, b = _rgb(im, x, y)
    if r > 150 and g < 100 and b < 100:
        return "red"
    if g > 150 and r < 100 and b < 100:
        return "green"
    if b > 150 and r < 100 and g < 100:
        return "blue"
    return f"rgb{(r, g, b)}"


def _corners(im: Image.Image) -> dict[str, str]:
    w, h = im.size
    dx, dy = max(1, w // 20), max(1, h // 20)
    return {
        "top-left": _colour(im, dx, dy),
        "top-right": _colour(im, w - 1 - dx, dy),
        "bottom-left": _colour(im, dx, h - 1 - dy),
        "bottom-right": _colour(im, w - 1 - dx, h - 1 - dy),
    }


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def _photo_error(data: bytes, **limits: int) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        prepare_photo(data, **limits)
    return caught.value


# --- formats and orientation ------------------------------------------------------------------

# Where the red (stored top-left) and green (stored top-right) marks must end up, per the
# EXIF spec's meaning of each orientation value.
ORIENTATIONS = [
    (1, "top-left", "top-right", False),
    (2, "top-right", "top-left", False),
    (3, "bottom-right", "bottom-left", False),
    (4, "bottom-left", "bottom-right", False),
    (5, "top-left", "bottom-left", True),
    (6, "top-right", "bottom-right", True),
    (7, "bottom-right", "top-right", True),
    (8, "bottom-left", "top-left", True),
]


@pytest.mark.parametrize(
    ("orientation", "red_at", "green_at", "turned"),
    ORIENTATIONS,
    ids=[f"orientation_{o[0]}" for o in ORIENTATIONS],
)
def test_prepare_photo__exif_orientation__comes_out_upright(
    orientation: int, red_at: str, green_at: str, turned: bool
) -> None:
    # 3600 × 2400 makes the JPEG decoder's draft scaling take part, as with a phone photo.
    data = _encode(_marked((3600, 2400)), "JPEG", quality=90, exif=_exif(orientation=orientation))

    photo = prepare_photo(data)

    assert (photo.width, photo.height) == ((2400, 3600) if turned else (3600, 2400))
    for copy, long_edge in ((photo.display, 1600), (photo.thumbnail, 320)):
        im = _open(copy)
        assert max(im.size) == long_edge
        assert (im.width < im.height) == turned
        corners = _corners(im)
        assert corners[red_at] == "red"
        assert corners[green_at] == "green"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_prepare_photo__orientation_6_in_other_formats__comes_out_upright(fmt: str) -> None:
    # pillow-heif turns HEIC itself; this also guards against turning it a second time.
    data = _encode(_marked(), fmt, exif=_exif(orientation=6).tobytes(), quality=90)

    photo = prepare_photo(data)

    im = _open(photo.display)
    assert im.size == (400, 600)
    assert (photo.width, photo.height) == (400, 600)
    assert _corners(im)["top-right"] == "red"
    assert _corners(im)["bottom-right"] == "green"


@pytest.mark.parametrize(
    ("fmt", "source_format", "ext"),
    [
        ("JPEG", "JPEG", "jpg"),
        ("PNG", "PNG", "png"),
        ("WEBP", "WEBP", "webp"),
        ("HEIF", "HEIF", "heic"),
    ],
)
def test_prepare_photo__accepted_format__recognised_by_content(
    fmt: str, source_format: str, ext: str
) -> None:
    data = _encode(_marked(), fmt, quality=90)

    photo = prepare_photo(data)

    assert (photo.source_format, photo.original_ext) == (source_format, ext)
    assert photo.original == data
    assert photo.size == len(data)
    assert (photo.width, photo.height) == (600, 400)
    display = _open(photo.display)
    assert display.format == "JPEG"
    assert display.size == (600, 400)
    assert _corners(display)["top-left"] == "red"
    assert _open(photo.thumbnail).size == (320, 213)


def test_prepare_photo__heic_written_by_pillow_heif__has_heif_brand_and_is_accepted() -> None:
    data = _encode(_scene(3), "HEIF", quality=80)
    assert data[4:12] in (b"ftypheic", b"ftypmif1")

    photo = prepare_photo(data)

    assert photo.source_format == "HEIF"
    assert _open(photo.display).size == (640, 480)


def test_prepare_photo__multi_picture_jpeg__is_accepted_as_jpeg() -> None:
    # Samsung and iPhone JPEGs with depth or gain maps are MPO files to Pillow.
    data = _encode(_marked(), "MPO", save_all=True, append_images=[_scene(1, (600, 400))])

    photo = prepare_photo(data)

    assert (photo.source_format, photo.original_ext) == ("JPEG", "jpg")
    assert _corners(_open(photo.display))["top-left"] == "red"


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_prepare_photo__png_with_transparency__lies_on_white(mode: str) -> None:
    if mode == "P":
        im = Image.new("P", (600, 400), 0)
        im.putpalette([0, 0, 0, *RED])
        im.paste(1, (0, 0, 300, 400))
        data = _encode(im, "PNG", transparency=0)  # palette index 0 is see-through
    else:
        im = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
        im.paste((*RED, 255), (0, 0, 300, 400))
        data = _encode(im.convert(mode), "PNG")

    photo = prepare_photo(data)

    display = _open(photo.display)
    assert display.mode == "RGB"
    assert min(_rgb(display, 500, 200)) > 240
    assert sum(_rgb(display, 100, 200)) < 400


def test_prepare_photo__16_bit_grey_png__keeps_its_grey() -> None:
    data = _encode(Image.new("I;16", (300, 200), 32768), "PNG")

    display = _open(prepare_photo(data).display)

    assert all(120 <= v <= 136 for v in _rgb(display, 150, 100))


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "code"),
    [("JPEG", "truncated"), ("PNG", "truncated"), ("WEBP", "corrupt"), ("HEIF", "corrupt")],
)
def test_prepare_photo__cut_in_half__refused_as_damaged(fmt: str, code: str) -> None:
    data = _encode(_scene(2), fmt, quality=90)

    err = _photo_error(data[: len(data) // 2])

    assert err.code == code
    assert "send it again" in str(err).lower()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"Dear HQ, the photo is attached.\n" * 20, "not_an_image", id="text-as-jpg"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"\x00" * 4096, "not_an_image", id="zeros"),
        pytest.param(b"\xff\xd8\xff" + b"\x00" * 64, "corrupt", id="jpeg-header-then-junk"),
    ],
)
def test_prepare_photo__not_a_picture__refused_with_reason(data: bytes, code: str) -> None:
    # There is no file name to trust: a text file renamed "puddle.jpg" arrives as these bytes.
    err = _photo_error(data)

    assert err.code == code
    assert str(err) == message(err, "en")


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("GIF", "GIF"),
        ("BMP", "BMP"),
        ("TIFF", "TIFF"),
        pytest.param(
            "AVIF",
            "AVIF",
            marks=pytest.mark.skipif(not features.check("avif"), reason="Pillow without AVIF"),
        ),
    ],
)
def test_prepare_photo__other_picture_format__refused_by_name(fmt: str, name: str) -> None:
    err = _photo_error(_encode(_marked(), fmt))

    assert err.code == "unsupported_format"
    assert err.params["format"] == name
    assert name in str(err)
    assert "JPEG, PNG, WebP or HEIC" in str(err)


def test_prepare_photo__file_over_size_limit__refused_before_decoding() -> None:
    data = _encode(_scene(4), "JPEG", quality=95)

    err = _photo_error(data, max_bytes=len(data) - 1)

    assert err.code == "too_large"
    assert err.params == {"size": len(data), "limit": len(data) - 1}


def test_prepare_photo__pixels_over_limit__refused_with_the_size() -> None:
    data = _encode(_marked(), "PNG")

    err = _photo_error(data, max_pixels=600 * 400 - 1)

    assert err.code == "too_many_pixels"
    assert (err.params["width"], err.params["height"]) == (600, 400)
    assert "600 × 400" in str(err)


@pytest.mark.parametrize("side", [9_000, 30_000])
def test_prepare_photo__png_bomb__refused_as_too_many_pixels(side: int) -> None:
    # 9,000² is past our 50 MP limit only; 30,000² is past Pillow's own bomb limit too.
    err = _photo_error(_png_bomb(side))

    assert err.code == "too_many_pixels"
    assert "50" in str(err)


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_prepare_photo__pillow_bomb_warning_raised_as_error__becomes_photo_error() -> None:
    # 12,000² is between Pillow's warning and error limits; some deployments turn the
    # warning into an exception, which must still reach the shopper as a PhotoError.
    err = _photo_error(_png_bomb(12_000), max_pixels=10**9)

    assert err.code == "too_many_pixels"


def test_prepare_photo__png_bomb_30000__refused_with_little_memory(tmp_path: Path) -> None:
    resource = pytest.importorskip("resource")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_bomb(30_000))
    # A fresh interpreter, so the peak-memory figure is this call's alone.
    script = (
        "import json, resource, sys\n"
        "from pathlib import Path\n"
        "from audit.photos import PhotoError, prepare_photo\n"
        "data = Path(sys.argv[1]).read_bytes()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    prepare_photo(data)\n"
        "    code = None\n"
        "except PhotoError as err:\n"
        "    code = err.code\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'code': code, 'grew': after - before}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

    done = subprocess.run(
        [sys.executable, "-c", script, str(bomb)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )

    result = json.loads(done.stdout)
    grew_bytes = result["grew"] * (1 if sys.platform == "darwin" else 1024)
    assert resource is not None
    assert result["code"] == "too_many_pixels"
    # Decoding it would take 900 MB (Pillow keeps 1-bit pixels as bytes) before any resize.
    assert len(bomb.read_bytes()) < 200_000
    assert grew_bytes < 50 * 2**20


# --- privacy and metadata ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [(55.7558, 37.6173), (-33.8688, 151.2093), (40.7128, -74.006)],
    ids=["moscow", "sydney", "new-york"],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_prepare_photo__gps_in_input__kept_in_metadata_and_absent_from_copies(
    fmt: str, where: tuple[float, float]
) -> None:
    exif = _exif(gps=where, taken="2024:05:17 14:03:22")
    data = _encode(_scene(5), fmt, quality=90, exif=exif.tobytes())

    photo = prepare_photo(data)

    assert photo.gps == pytest.approx(where, abs=1e-5)
    assert photo.original == data  # the evidence itself stays untouched, for HQ only
    for copy in (photo.display, photo.thumbnail):
        assert b"Exif" not in copy
        assert b"PhoneMaker" not in copy
        im = _open(copy)
        assert not im.getexif()
        assert "exif" not in im.info


def test_prepare_photo__comment_and_xmp_in_input__absent_from_copies() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">owner: Ivan Petrov</x:xmpmeta>'
    data = _encode(_scene(5), "JPEG", comment=b"shot by Ivan Petrov", xmp=xmp)
    assert b"Ivan Petrov" in data

    photo = prepare_photo(data)

    for copy in (photo.display, photo.thumbnail):
        assert b"Ivan Petrov" not in copy
        assert not {"comment", "xmp", "icc_profile"} & set(_open(copy).info)


@pytest.mark.parametrize(
    ("taken", "offset", "expected"),
    [
        ("2024:05:17 14:03:22", None, "2024-05-17T14:03:22"),
        ("2024:05:17 14:03:22", "+03:00", "2024-05-17T14:03:22+03:00"),
        ("2024:05:17 14:03:22", "-05:30", "2024-05-17T14:03:22-05:30"),
        ("2024:05:17 14:03:22", "garbage", "2024-05-17T14:03:22"),
        ("0000:00:00 00:00:00", None, None),
        ("yesterday", None, None),
        (None, None, None),
    ],
)
def test_prepare_photo__capture_time__read_from_exif(
    taken: str | None, offset: str | None, expected: str | None
) -> None:
    data = _encode(_scene(6), "JPEG", exif=_exif(taken=taken, offset=offset))

    assert prepare_photo(data).captured_at == expected


def test_prepare_photo__no_exif_at_all__has_no_time_and_no_place() -> None:
    photo = prepare_photo(_encode(_scene(6), "PNG"))

    assert (photo.captured_at, photo.gps) == (None, None)


def test_prepare_photo__gps_zeros_from_a_phone_without_fix__means_no_position() -> None:
    data = _encode(_scene(6), "JPEG", exif=_exif(gps=(0.0, 0.0)))

    assert prepare_photo(data).gps is None


# Pillow says so on the warnings channel; the photo itself must still go through.
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_prepare_photo__broken_exif_block__keeps_the_photo() -> None:
    data = _encode(_scene(7), "JPEG", exif=b"Exif\x00\x00MM\x00\x2a\x00\x00\xff\xff" + b"\x01" * 40)

    photo = prepare_photo(data)

    assert photo.captured_at is None
    assert _open(photo.display).size == (640, 480)


def test_prepare_photo__wide_gamut_profile__converted_to_srgb_and_dropped() -> None:
    # A profile whose first channel is sRGB's green: a correct conversion turns "red" green.
    profile = _rgb_profile("Swapped primaries", SRGB_GREEN, SRGB_RED, SRGB_BLUE)
    im = Image.new("RGB", (400, 300), (255, 0, 0))

    photo = prepare_photo(_encode(im, "JPEG", quality=95, icc_profile=profile))

    display = _open(photo.display)
    assert _colour(display, 200, 150) == "green"
    assert "icc_profile" not in display.info


def test_prepare_photo__srgb_profile__colours_unchanged() -> None:
    profile = _rgb_profile("sRGB-like test profile", SRGB_RED, SRGB_GREEN, SRGB_BLUE)
    im = Image.new("RGB", (400, 300), (255, 0, 0))

    photo = prepare_photo(_encode(im, "JPEG", quality=95, icc_profile=profile))

    assert _colour(_open(photo.display), 200, 150) == "red"


def test_prepared_photo__repr__does_not_dump_the_bytes() -> None:
    photo = prepare_photo(_encode(_scene(8), "JPEG"))

    assert len(repr(photo)) < 600
    assert photo.sha256 in repr(photo)


def test_prepared_photo__to_ref__carries_what_hq_needs() -> None:
    data = _encode(_scene(9), "JPEG", exif=_exif(taken="2024:05:17 14:03:22", gps=(55.75, 37.62)))
    photo = prepare_photo(data)

    ref = photo.to_ref("2024-05-18T09:00:00+00:00")

    assert ref == PhotoRef(
        sha256=photo.sha256,
        width=640,
        height=480,
        size=len(data),
        uploaded_at="2024-05-18T09:00:00+00:00",
        captured_at="2024-05-17T14:03:22",
        gps=photo.gps,
        phash=photo.phash,
        source_format="JPEG",
    )
    assert PhotoRef.from_dict(ref.to_dict()) == ref


# --- storage ----------------------------------------------------------------------------------


@pytest.fixture
def photo() -> PreparedPhoto:
    return prepare_photo(_encode(_scene(10), "JPEG", quality=90))


def _stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_photo_store__same_bytes_twice__stores_one_file(tmp_path: Path) -> None:
    data = _encode(_scene(10), "JPEG", quality=90)
    store = PhotoStore(tmp_path)

    first = store.put(prepare_photo(data))
    second = store.put(prepare_photo(data))

    assert (first, second) == (True, False)
    sha = prepare_photo(data).sha256
    folder = tmp_path / "photos" / sha[:2]
    assert _stored_files(tmp_path) == sorted(
        [folder / f"{sha}.jpg", folder / f"{sha}.display.jpg", folder / f"{sha}.thumb.jpg"]
    )


def test_photo_store__get__returns_each_kind(tmp_path: Path, photo: PreparedPhoto) -> None:
    store = PhotoStore(tmp_path)
    store.put(photo)

    assert store.exists(photo.sha256)
    assert store.get(photo.sha256, "original") == photo.original
    assert store.get(photo.sha256, "display") == photo.display
    assert store.get(photo.sha256, "thumb") == photo.thumbnail
    assert not [p for p in _stored_files(tmp_path) if p.name.startswith(".")]


def test_photo_store__keep_originals_off__stores_only_the_copies(
    tmp_path: Path, photo: PreparedPhoto
) -> None:
    store = PhotoStore(tmp_path, keep_originals=False)

    assert store.put(photo)

    assert store.get(photo.sha256, "display") == photo.display
    with pytest.raises(KeyError):
        store.get(photo.sha256, "original")
    assert len(_stored_files(tmp_path)) == 2


def test_photo_store__originals_turned_back_on__stores_the_missing_original(
    tmp_path: Path, photo: PreparedPhoto
) -> None:
    PhotoStore(tmp_path, keep_originals=False).put(photo)

    assert PhotoStore(tmp_path).put(photo) is True

    assert PhotoStore(tmp_path).get(photo.sha256, "original") == photo.original


@pytest.mark.parametrize(
    "sha",
    [
        "0" * 64,  # well formed, never stored
        "../../etc/passwd",
        "../" + "a" * 61,
        "A" * 64,
        "a" * 63,
        "a" * 64 + "/",
        "",
    ],
)
def test_photo_store__unknown_or_crafted_id__raises_key_error(
    tmp_path: Path, photo: PreparedPhoto, sha: str
) -> None:
    store = PhotoStore(tmp_path)
    store.put(photo)

    with pytest.raises(KeyError):
        store.get(sha, "display")
    assert not store.exists(sha)


def test_photo_store__crafted_prepared_photo__cannot_write_outside(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path / "data")
    crafted = replace(prepare_photo(_encode(_scene(11), "JPEG")), sha256="../../" + "a" * 58)

    with pytest.raises(ValueError, match="sha256"):
        store.put(crafted)
    assert _stored_files(tmp_path) == []


# --- re-use -----------------------------------------------------------------------------------


def _ref(data: bytes, captured_at: str | None = None) -> PhotoRef:
    ref = prepare_photo(data).to_ref("2024-06-01T10:00:00")
    return replace(ref, captured_at=captured_at) if captured_at else ref


def test_reuse_flags__identical_photo_in_another_audit__flagged_duplicate() -> None:
    data = _encode(_scene(20), "JPEG", quality=90)
    earlier = prepare_photo(data)

    flags = reuse_flags(
        _ref(data),
        audit_id="a2",
        visit_at=None,
        known=[("a1", earlier.sha256, earlier.phash)],
    )

    assert flags == ("duplicate:a1",)


def test_reuse_flags__recompressed_resized_copy__flagged_similar() -> None:
    # The same picture forwarded through a messenger: smaller and recompressed.
    scene = _scene(21)
    earlier = prepare_photo(_encode(scene, "JPEG", quality=92))
    forwarded = _encode(scene.resize((480, 360)), "JPEG", quality=55)

    ref = _ref(forwarded)
    flags = reuse_flags(ref, audit_id="a2", visit_at=None, known=[("a1", earlier.sha256, earlier.phash)])

    assert ref.sha256 != earlier.sha256
    assert hash_distance(ref.phash, earlier.phash) <= 6
    assert flags == ("similar:a1",)


@pytest.mark.parametrize("seed", [30, 31, 32, 33, 34])
def test_reuse_flags__different_photos__not_flagged(seed: int) -> None:
    known = [prepare_photo(_encode(_scene(s), "JPEG")) for s in (40, 41, 42)]

    flags = reuse_flags(
        _ref(_encode(_scene(seed), "JPEG")),
        audit_id="a2",
        visit_at=None,
        known=[(f"a{i}", p.sha256, p.phash) for i, p in enumerate(known)],
    )

    assert flags == ()


def test_reuse_flags__same_audit__not_flagged() -> None:
    data = _encode(_scene(22), "JPEG")
    same = prepare_photo(data)

    flags = reuse_flags(_ref(data), audit_id="a1", visit_at=None, known=[("a1", same.sha256, same.phash)])

    assert flags == ()


def test_reuse_flags__flat_pictures__never_similar() -> None:
    # Two plain walls (or two pocket shots) hash alike; that is no sign of re-use.
    white = prepare_photo(_encode(Image.new("RGB", (400, 300), "white"), "JPEG"))
    grey = _ref(_encode(Image.new("RGB", (400, 300), "grey"), "JPEG"))
    assert hash_distance(white.phash, grey.phash) <= 6

    flags = reuse_flags(grey, audit_id="a2", visit_at=None, known=[("a1", white.sha256, white.phash)])

    assert flags == ()


def test_reuse_flags__duplicate_and_similar_in_several_audits__one_flag_each() -> None:
    scene = _scene(23)
    data = _encode(scene, "JPEG", quality=90)
    same = prepare_photo(data)
    similar = prepare_photo(_encode(scene, "JPEG", quality=40))
    known = [
        ("a1", similar.sha256, similar.phash),
        ("a1", same.sha256, same.phash),
        ("a3", similar.sha256, similar.phash),
        ("a4", "", ""),  # an old record without hashes
    ]

    flags = reuse_flags(_ref(data), audit_id="a2", visit_at=None, known=known)

    assert flags == ("duplicate:a1", "similar:a3")


@pytest.mark.parametrize(
    ("captured_at", "visit_at", "is_old"),
    [
        ("2024-05-01T10:00:00", "2024-06-01T10:00:00", True),
        ("2024-05-25T10:00:00", "2024-06-01T10:00:00", False),
        ("2024-06-01T09:00:00", "2024-06-01T10:00:00", False),
        ("2024-05-01T10:00:00+03:00", "2024-06-01T07:00:00+00:00", True),
        ("2024-05-01T10:00:00", "2024-06-01T07:00:00Z", True),  # phone time has no zone
        ("2024-05-17T10:00:00", "2024-06-01T10:00:00", True),  # 15 days
        ("2024-05-18T10:00:00", "2024-06-01T10:00:00", False),  # exactly 14 days
        ("2024-05-01T10:00:00", None, False),
        ("2024-05-01T10:00:00", "not a date", False),
    ],
)
def test_reuse_flags__capture_time_long_before_visit__flagged_old(
    captured_at: str, visit_at: str | None, is_old: bool
) -> None:
    ref = _ref(_encode(_scene(24), "JPEG"), captured_at=captured_at)

    flags = reuse_flags(ref, audit_id="a2", visit_at=visit_at, known=[])

    assert flags == (("old",) if is_old else ())


hex64 = st.integers(min_value=0, max_value=2**64 - 1).map(lambda n: f"{n:016x}")


@given(hex64, hex64, hex64)
def test_hash_distance__is_a_metric(a: str, b: str, c: str) -> None:
    assert hash_distance(a, a) == 0
    assert hash_distance(a, b) == hash_distance(b, a)
    assert 0 <= hash_distance(a, b) <= 64
    assert (hash_distance(a, b) == 0) == (a == b)
    assert hash_distance(a, c) <= hash_distance(a, b) + hash_distance(b, c)


def test_hash_distance__one_bit_apart__is_one() -> None:
    assert hash_distance("8000000000000000", "0000000000000000") == 1
    assert hash_distance("ffffffffffffffff", "0000000000000000") == 64


def test_hash_distance__different_lengths__raises() -> None:
    with pytest.raises(ValueError, match="length"):
        hash_distance("ff", "00ff")


# --- messages ---------------------------------------------------------------------------------

SAMPLE_PARAMS: dict[str, dict[str, object]] = {
    "empty": {},
    "too_large": {"size": 31_500_000, "limit": 25 * 2**20},
    "not_an_image": {},
    "unsupported_format": {"format": "GIF"},
    "too_many_pixels": {"width": 9000, "height": 9000, "limit": 50_000_000},
    "truncated": {},
    "corrupt": {"format": "JPEG"},
    "too_much_memory": {"width": 16000, "height": 3000, "megabytes": 778, "limit": 256},
    "busy": {},
}


def test_photo_error_codes__all_have_sample_params() -> None:
    assert set(SAMPLE_PARAMS) == set(PHOTO_ERROR_CODES)


@pytest.mark.parametrize("code", PHOTO_ERROR_CODES)
def test_message__every_code__reads_well_in_russian_and_english(code: str) -> None:
    err = PhotoError(code, **SAMPLE_PARAMS[code])

    en, ru = message(err, "en"), message(err, "ru")

    assert en == str(err)
    assert en != ru
    for text in (en, ru):
        assert text.endswith(".")
        assert "{" not in text
    assert any("а" <= ch <= "я" for ch in ru.lower())


def test_message__sizes_in_russian__use_a_decimal_comma() -> None:
    err = PhotoError("too_large", size=31_500_000, limit=25 * 2**20)

    assert "30.1 MB" in message(err, "en")
    assert "30,1 МБ" in message(err, "ru")
    assert "25 МБ" in message(err, "ru")


def test_message__pillow_refused_before_we_knew_the_size__still_names_the_limit() -> None:
    err = PhotoError("too_many_pixels", width=None, height=None, limit=50_000_000)

    assert "50 megapixels" in message(err, "en")
    assert "50 Мп" in message(err, "ru")


def test_photo_error__pickled_and_back__keeps_code_params_and_message() -> None:
    err = PhotoError("too_large", size=31_500_000, limit=25 * 2**20)

    back = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes

    assert (back.code, back.params, str(back)) == (err.code, err.params, str(err))


def test_photo_error__unknown_code__is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown photo error code"):
        PhotoError("file_is_sad")


# --- robustness -------------------------------------------------------------------------------

SMALL_VALID = {
    fmt: _encode(_scene(50, (96, 64)), fmt, quality=80, exif=_exif(orientation=6, gps=(1.5, 2.5)))
    for fmt in ("JPEG", "PNG", "WEBP", "HEIF")
}


# Damaged EXIF makes Pillow warn before we drop it; the warning is expected here.
@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=300, deadline=None)
@given(
    fmt=st.sampled_from(sorted(SMALL_VALID)),
    cut=st.floats(min_value=0.0, max_value=1.0),
    damage=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6),
)
def test_prepare_photo__damaged_upload__either_works_or_raises_photo_error(
    fmt: str, cut: float, damage: list[tuple[float, int]]
) -> None:
    data = bytearray(SMALL_VALID[fmt][: max(1, int(len(SMALL_VALID[fmt]) * cut))])
    for where, value in damage:
        data[int(where * (len(data) - 1))] = value

    try:
        photo = prepare_photo(bytes(data))
    except PhotoError as err:
        assert err.code in PHOTO_ERROR_CODES
    else:
        assert _open(photo.display).format == "JPEG"


def test_prepare_photo__from_several_threads__same_results_as_one_by_one() -> None:
    # Streamlit serves every session on its own thread; nothing may be shared between calls.
    uploads = [_encode(_scene(s), fmt) for s in range(4) for fmt in ("JPEG", "PNG", "HEIF")]
    one_by_one = [prepare_photo(u) for u in uploads]

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(prepare_photo, uploads))

    assert together == one_by_one
