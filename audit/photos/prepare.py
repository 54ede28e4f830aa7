"""Preparing an uploaded photo with Pillow: checked, decoded within a budget, upright, copies made."""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pillow_heif
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from audit.core import limits
from audit.model import PhotoRef

# iPhones upload HEIC; registering once at import lets Image.open recognise it by content.
pillow_heif.register_heif_opener()

PHOTO_ERROR_CODES: tuple[str, ...] = (
    "empty",  # params: {}
    "too_large",  # params: size, limit (bytes)
    "not_an_image",  # params: {}
    "unsupported_format",  # params: format (e.g. "GIF")
    "too_many_pixels",  # params: width, height (None when Pillow refused first), limit (pixels)
    "truncated",  # params: {}
    "corrupt",  # params: format
    "too_much_memory",  # params: width, height, megabytes (what decoding would take), limit (MB)
    "busy",  # params: {}  (other large photos are being decoded; send it again)
)

DISPLAY_LONG_EDGE = 1600
THUMB_LONG_EDGE = 320
DISPLAY_QUALITY = 82
THUMB_QUALITY = 75

# Pillow format name -> (source_format, original_ext). MPO is how Pillow names a JPEG that
# carries extra pictures (Samsung and iPhone depth maps, gain maps): it is a phone JPEG.
_ACCEPTED: dict[str, tuple[str, str]] = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "HEIF": ("HEIF", "heic"),
    "HEIC": ("HEIF", "heic"),
}
# Only these parsers ever see upload bytes for decoding; the JPEG opener also yields MPO.
_OPENERS = ("JPEG", "PNG", "WEBP", "HEIF")

_TAG_ORIENTATION = 0x0112
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_TAG_OFFSET_TIME_DIGITIZED = 0x9012

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_OFFSET_RE = re.compile(r"[+-]\d{2}:\d{2}")


# --- errors -------------------------------------------------------------------------------

_FORMATS_HINT = {
    "en": "Send a photo in JPEG, PNG, WebP or HEIC format.",
    "ru": "Отправьте фото в формате JPEG, PNG, WebP или HEIC.",
}

_MESSAGES: dict[str, dict[str, str]] = {
    "empty": {
        "en": "The file is empty. Take the photo again or choose another file.",
        "ru": "Файл пустой. Сделайте снимок ещё раз или выберите другой файл.",
    },
    "too_large": {
        "en": "The file is too large: {size} MB, and the limit is {limit} MB. "
        "Send a smaller photo, for example one taken at the camera's standard quality.",
        "ru": "Файл слишком большой: {size} МБ, а допускается не больше {limit} МБ. "
        "Отправьте фото поменьше — например, снятое в стандартном качестве камеры.",
    },
    "not_an_image": {
        "en": "This file is not a picture. " + _FORMATS_HINT["en"],
        "ru": "Этот файл — не изображение. " + _FORMATS_HINT["ru"],
    },
    "unsupported_format": {
        "en": "{format} files are not accepted. " + _FORMATS_HINT["en"],
        "ru": "Формат {format} не принимается. " + _FORMATS_HINT["ru"],
    },
    "too_many_pixels": {
        "en": "The picture is too big: {width} × {height} pixels ({megapixels} megapixels), "
        "and the limit is {limit} megapixels. "
        "Send a photo taken at the camera's standard resolution.",
        "ru": "Изображение слишком большое: {width} × {height} пикселей ({megapixels} Мп), "
        "а допускается не больше {limit} Мп. "
        "Отправьте фото, снятое в стандартном разрешении камеры.",
    },
    "too_many_pixels/unsized": {
        "en": "The picture has too many pixels: the limit is {limit} megapixels. "
        "Send a photo taken at the camera's standard resolution.",
        "ru": "В изображении слишком много пикселей: допускается не больше {limit} Мп. "
        "Отправьте фото, снятое в стандартном разрешении камеры.",
    },
    "truncated": {
        "en": "The photo arrived incomplete: the file ends before the picture does. "
        "The upload may have been interrupted; please send it again.",
        "ru": "Фото загрузилось не полностью: файл обрывается раньше, чем заканчивается "
        "изображение. Возможно, прервалась связь — отправьте фото ещё раз.",
    },
    "corrupt": {
        "en": "The photo is damaged and cannot be read. Send it again or take a new one.",
        "ru": "Фото повреждено, и прочитать его не удалось. Отправьте его ещё раз или сделайте новый снимок.",
    },
    "too_much_memory": {
        "en": "The picture is too large to process: {width} × {height} pixels would take about "
        "{megabytes} MB of memory, and the limit is {limit} MB. "
        "Send a photo taken at the camera's standard resolution.",
        "ru": "Изображение слишком велико для обработки: {width} × {height} пикселей заняли бы "
        "около {megabytes} МБ памяти, а допускается не больше {limit} МБ. "
        "Отправьте фото, снятое в стандартном разрешении камеры.",
    },
    "busy": {
        "en": "The server is busy with other large photos. Send this one again in a minute.",
        "ru": "Сервер занят обработкой других больших фото. Отправьте это фото ещё раз через минуту.",
    },
}


class PhotoError(Exception):
    """An upload we cannot use; `code` is stable for the UI, `str()` is plain English."""

    def __init__(self, code: str, **params: Any) -> None:
        if code not in PHOTO_ERROR_CODES:
            raise ValueError(f"unknown photo error code {code!r}")
        self.code = code
        self.params: dict[str, Any] = params
        super().__init__(_render(code, params, "en"))

    def __reduce__(self) -> tuple[Any, ...]:
        # Survives pickling (process pools, caches), which would otherwise call
        # PhotoError(message) and fail on the unknown code.
        return _rebuild_photo_error, (self.code, self.params)


def _rebuild_photo_error(code: str, params: dict[str, Any]) -> PhotoError:
    return PhotoError(code, **params)


def message(err: PhotoError, lang: str) -> str:
    """The error's message in "ru" or "en" (anything else falls back to English)."""
    return _render(err.code, err.params, "ru" if lang == "ru" else "en")


def _render(code: str, params: Mapping[str, Any], lang: str) -> str:
    if code == "too_large":
        return _MESSAGES[code][lang].format(
            size=_number(_ceil1(params["size"] / 2**20), lang),
            limit=_number(params["limit"] / 2**20, lang),
        )
    if code == "too_many_pixels":
        limit = _number(params["limit"] / 1e6, lang)
        width, height = params.get("width"), params.get("height")
        if width is None or height is None:
            return _MESSAGES["too_many_pixels/unsized"][lang].format(limit=limit)
        return _MESSAGES[code][lang].format(
            width=width,
            height=height,
            megapixels=_number(_ceil1(width * height / 1e6), lang),
            limit=limit,
        )
    if code == "too_much_memory":
        return _MESSAGES[code][lang].format(**{**params, "megabytes": f"{params['megabytes']:,}"
                                               .replace(",", " ")})
    return _MESSAGES[code][lang].format(**params)


def _ceil1(x: float) -> float:
    # Rounded up, so "25.0 MB, the limit is 25 MB" never shows for a file just over it.
    return math.ceil(x * 10) / 10


def _number(x: float, lang: str) -> str:
    text = f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"
    return text.replace(".", ",") if lang == "ru" else text


# --- the prepared photo ---------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedPhoto:
    """An accepted upload: the original, its two light copies, and what HQ needs to trust it."""

    sha256: str
    original: bytes = field(repr=False)
    original_ext: str
    display: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    width: int
    height: int
    size: int
    source_format: str
    captured_at: str | None
    gps: tuple[float, float] | None
    phash: str

    def to_ref(self, uploaded_at: str) -> PhotoRef:
        return PhotoRef(
            sha256=self.sha256,
            width=self.width,
            height=self.height,
            size=self.size,
            uploaded_at=uploaded_at,
            captured_at=self.captured_at,
            gps=self.gps,
            phash=self.phash,
            source_format=self.source_format,
        )


def prepare_photo(
    data: bytes, *, max_bytes: int = limits.PHOTO_MAX_BYTES,
    max_pixels: int = limits.PHOTO_MAX_PIXELS,
    max_decode_bytes: int = limits.PHOTO_DECODE_MAX_BYTES,
) -> PreparedPhoto:
    """Check an upload and make its display copy, thumbnail and metadata; raise PhotoError.

    Memory is bounded, not only pixels: what decoding would take is estimated from the
    header before any pixel is decoded; over `max_decode_bytes` the photo is refused, and
    the decodes of one process share a budget (a large one waits for the others, then runs
    alone).
    """
    data = bytes(data)
    if not data:
        raise PhotoError("empty")
    if len(data) > max_bytes:
        raise PhotoError("too_large", size=len(data), limit=max_bytes)

    im = _open(data, max_pixels)
    with im:
        source_format, ext = _ACCEPTED[im.format or ""]
        width, height = im.size
        if width * height > max_pixels:
            raise PhotoError("too_many_pixels", width=width, height=height, limit=max_pixels)
        if source_format == "JPEG":
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale: a 12 MP photo costs a 3 MP decode.
            im.draft("RGB", _fit(im.size, DISPLAY_LONG_EDGE))
        need = decode_cost(im.size, im.mode, source_format)
        if need > max_decode_bytes:
            raise PhotoError("too_much_memory", width=width, height=height,
                             megabytes=math.ceil(need / 2**20), limit=max_decode_bytes // 2**20)
        with _decodes.hold(need):
            _load(im, source_format, max_pixels)
            exif = _exif(im)
            icc = im.info.get("icc_profile")
            # Resize first, then flatten, turn and colour-convert: all cheaper on 2 MP than
            # on 12 MP, and the full-size picture is never copied.
            display_im = _flatten(_shrink(im, DISPLAY_LONG_EDGE) if im.mode in _RESIZABLE
                                  else _shrink(_flatten(im), DISPLAY_LONG_EDGE))
    # Pillow carries info (EXIF, XMP, JPEG comments, ICC) along and writes some of it back
    # unasked: the copies start with none of it, so nothing about the phone leaves with them.
    display_im.info.clear()

    orientation = exif.get(_TAG_ORIENTATION) if exif is not None else None
    transpose = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
    if transpose is not None:
        display_im = display_im.transpose(transpose)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
    display_im = _to_srgb(display_im, icc if isinstance(icc, bytes) else None)
    thumb_im = _shrink(display_im, THUMB_LONG_EDGE)

    return PreparedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        original=data,
        original_ext=ext,
        display=_jpeg(display_im, DISPLAY_QUALITY, optimize=False),
        # Thumbnails are what a section screen sends; Huffman optimisation trims them ~10%
        # for well under a millisecond.
        thumbnail=_jpeg(thumb_im, THUMB_QUALITY, optimize=True),
        width=width,
        height=height,
        size=len(data),
        source_format=source_format,
        captured_at=_captured_at(exif),
        gps=_gps(exif),
        phash=_dhash(thumb_im),
    )


@dataclass(frozen=True)
class SentPhoto:
    """A photo a phone sent (every route's, after `prepare_sent`): the server's preparation of
    the bytes, and where it was taken as far as anyone can say."""

    prepared: PreparedPhoto
    gps: tuple[float, float] | None  # the server's reading of the bytes, else the phone's
    gps_from_phone: bool  # the phone read it from the original it made lighter


def prepare_sent(data: bytes, phone_gps: tuple[float, float] | None = None) -> SentPhoto:
    """The one rule for a photo any route receives from a phone (a walk's, an action's, a
    location's): `prepare_photo` checks and prepares the bytes (its limits, its refusals as
    PhotoError); the phone's copy is a light one without EXIF, so the GPS the phone read from the
    original (`phone_gps`, already checked as a point on Earth) stands in where the bytes carry
    none. The server's own reading always wins."""
    prepared = prepare_photo(data)
    if prepared.gps is not None:
        return SentPhoto(prepared, prepared.gps, False)
    return SentPhoto(prepared, phone_gps, phone_gps is not None)


# Peak bytes per decoded pixel, measured with tests/security/test_photo_memory.py: Pillow
# keeps 4 bytes for every RGB pixel; the WebP and HEIF decoders hold their own full-size
# buffer beside Pillow's; a palette or 16-bit PNG is converted at full size once.
_COST_PER_PIXEL = {"JPEG": 11, "PNG": 11, "WEBP": 17, "HEIF": 10}
_COST_CONVERTED_PNG = 15
# Modes Pillow resizes as they are (RGBA with premultiplied alpha): no full-size conversion.
_RESIZABLE = ("RGB", "RGBA", "L", "LA")


def decode_cost(size: tuple[int, int], mode: str, source_format: str) -> int:
    """Bytes that decoding and shrinking a picture of this size and mode may take at peak."""
    per_pixel = _COST_PER_PIXEL[source_format]
    if source_format == "PNG" and mode not in _RESIZABLE:
        per_pixel = _COST_CONVERTED_PNG
    return size[0] * size[1] * per_pixel


class _DecodeBudget:
    """Decodes in this process share `total` bytes; one that needs more waits to run alone."""

    def __init__(self, total: int, wait: float) -> None:
        self.total = total
        self.wait = wait
        self.used = 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def hold(self, need: int) -> Iterator[None]:
        with self._cond:
            if not self._cond.wait_for(lambda: self.used == 0 or self.used + need <= self.total,
                                       timeout=self.wait):
                raise PhotoError("busy")
            self.used += need
        try:
            yield
        finally:
            with self._cond:
                self.used -= need
                self._cond.notify_all()


_decodes = _DecodeBudget(limits.PHOTO_DECODE_SHARED_BYTES, limits.PHOTO_DECODE_WAIT_SECONDS)


def _open(data: bytes, max_pixels: int) -> ImageFile.ImageFile:
    try:
        im = Image.open(io.BytesIO(data), formats=_OPENERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own bomb check fired first; it does not tell us the size.
        raise PhotoError("too_many_pixels", width=None, height=None, limit=max_pixels) from None
    except UnidentifiedImageError:
        raise _unreadable(data) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError("corrupt", format=_sniff(data) or "") from None
    if im.format not in _ACCEPTED:
        im.close()
        raise PhotoError("unsupported_format", format=im.format or "?")
    return im


def _unreadable(data: bytes) -> PhotoError:
    """Why bytes that none of our parsers accept are refused, as precisely as we can tell."""
    sniffed = _sniff(data)
    if sniffed is not None:
        return PhotoError("corrupt", format=sniffed)
    # Opening (never decoding) with every Pillow parser only names the format for the message.
    try:
        with Image.open(io.BytesIO(data)) as other:
            name = other.format
    except Exception:  # any failure here just means "not a picture"
        return PhotoError("not_an_image")
    return PhotoError("unsupported_format", format=name or "?")


def _sniff(data: bytes) -> str | None:
    """The accepted format these bytes claim to be by their signature, if any."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1"):
        return "HEIF"
    return None


def _load(im: ImageFile.ImageFile, source_format: str, max_pixels: int) -> None:
    # Decoding fully here (LOAD_TRUNCATED_IMAGES stays off) turns a half-uploaded file into
    # an error instead of a photo with a grey bottom half.
    try:
        im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("too_many_pixels", width=None, height=None, limit=max_pixels) from None
    except OSError as err:
        if "truncated" in str(err).lower():
            raise PhotoError("truncated") from None
        raise PhotoError("corrupt", format=source_format) from None
    except (SyntaxError, ValueError, EOFError, RuntimeError):
        raise PhotoError("corrupt", format=source_format) from None


def _flatten(im: Image.Image) -> Image.Image:
    """The picture as RGB or L, transparency laid on white: what a JPEG can hold."""
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        return im.point(lambda v: v / 257).convert("L")
    if im.mode == "1":
        return im.convert("L")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")


def _shrink(im: Image.Image, long_edge: int) -> Image.Image:
    return im.resize(_fit(im.size, long_edge), Image.Resampling.BICUBIC, reducing_gap=2.0)


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    w, h = size
    scale = long_edge / max(w, h)
    if scale >= 1:
        return w, h
    return max(1, round(w * scale)), max(1, round(h * scale))


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Colours converted from the photo's own profile (iPhones shoot Display P3) to sRGB.

    The copies carry no profile, so viewers and PDFs read them as sRGB; without this a P3
    photo would look washed out. An unreadable profile is ignored, as a browser would.
    """
    if not icc or im.mode != "RGB":
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return im
        transform = ImageCms.buildTransform(source, ImageCms.createProfile("sRGB"), "RGB", "RGB")
        converted = ImageCms.applyTransform(im, transform)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
    return converted if converted is not None else im


def _jpeg(im: Image.Image, quality: int, *, optimize: bool) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=optimize)
    return out.getvalue()


def _dhash(im: Image.Image) -> str:
    """64-bit difference hash: for 8×8 cells, is the right-hand neighbour brighter."""
    cells = im.convert("L").resize((9, 8), Image.Resampling.BOX).tobytes()
    bits = 0
    for y in range(8):
        row = cells[y * 9 : y * 9 + 9]
        for x in range(8):
            bits = (bits << 1) | (row[x + 1] > row[x])
    return f"{bits:016x}"


# --- EXIF -----------------------------------------------------------------------------------
# Metadata is best effort: a broken EXIF block must not cost the shopper their evidence.


def _exif(im: Image.Image) -> Image.Exif | None:
    try:
        exif = im.getexif()
    except Exception:
        return None
    return exif if exif else None


def _captured_at(exif: Image.Exif | None) -> str | None:
    if exif is None:
        return None
    try:
        sub = exif.get_ifd(_IFD_EXIF)
        for when_tag, offset_tag in (
            (_TAG_DATETIME_ORIGINAL, _TAG_OFFSET_TIME_ORIGINAL),
            (_TAG_DATETIME_DIGITIZED, _TAG_OFFSET_TIME_DIGITIZED),
        ):
            when = _exif_datetime(sub.get(when_tag) or exif.get(when_tag))
            if when is not None:
                offset = _text(sub.get(offset_tag))
                if offset is not None and plausible_offset(offset):
                    return when + offset
                return when
    except Exception:
        return None
    return None


def plausible_offset(offset: str) -> bool:
    """An offset such as "+03:00" that a zone on Earth has (at most ±14:00); a wider one,
    garbled or forged, is ignored and the time kept as the camera's wall clock."""
    if not _OFFSET_RE.fullmatch(offset):
        return False
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    return minutes < 60 and hours * 60 + minutes <= limits.UTC_OFFSET_MAX_MINUTES


def _exif_datetime(value: Any) -> str | None:
    text = _text(value)
    if text is None or len(text) < 19:
        return None
    try:
        # EXIF writes "2024:05:17 14:03:22"; some editors write dashes in the date.
        when = datetime.strptime(text[:19].replace("-", ":"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return when.isoformat()


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None


def _gps(exif: Image.Exif | None) -> tuple[float, float] | None:
    if exif is None:
        return None
    try:
        gps = exif.get_ifd(_IFD_GPS)
        if not gps:
            return None
        lat = _degrees(gps.get(2), _text(gps.get(1)), "S")
        lon = _degrees(gps.get(4), _text(gps.get(3)), "W")
    except Exception:
        return None
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    # Phones without a fix write zeros; Null Island is not where the branch is.
    if lat == 0 and lon == 0:
        return None
    return round(lat, 7), round(lon, 7)


def _degrees(value: Any, ref: str | None, negative_ref: str) -> float | None:
    if not isinstance(value, tuple) or not 1 <= len(value) <= 3:
        return None
    parts = [float(v) for v in value]
    if not all(math.isfinite(p) for p in parts):
        return None
    degrees = math.fsum(p / 60**i for i, p in enumerate(parts))
    return -degrees if (ref or "").upper().startswith(negative_ref) else degrees
