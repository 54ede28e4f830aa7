"""Benchmark: prepare_photo on a 12 MP phone JPEG against bare Pillow doing the same image work.

The floor opens the JPEG, drafts it, thumbnails it to 1600 px and saves it, then to 320 px
and saves that: the least any display-copy-plus-thumbnail pipeline must do. prepare_photo
also hashes the bytes, reads EXIF (time, GPS), turns the picture upright and computes the
perceptual hash. Both run interleaved in the same process; the figures are medians. Both must
make the same pictures (the display copy and the thumbnail at the same size, once the
product's is turned back, and alike pixel for pixel), or the script stops with an error.

    python benchmarks/photo.py [--tiny]  # --tiny: 3 runs, 2 screen photos, a few seconds
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from audit.photos import DISPLAY_LONG_EDGE, THUMB_LONG_EDGE, prepare_photo  # noqa: E402

PHONE_SIZE = (4032, 3024)  # the 12 MP sensor of most phones, stored landscape
REPEATS = 15
SCREEN_PHOTOS = 10


def phone_jpeg(seed: int) -> bytes:
    """A 12 MP JPEG that compresses and decodes like a phone photo: scene, optics, grain."""
    rnd = random.Random(seed)
    w, h = PHONE_SIZE
    # The scene is drawn at quarter size and enlarged: lenses do not draw razor edges.
    sw, sh = w // 4, h // 4
    sky = Image.linear_gradient("L").resize((sw, sh))
    scene = Image.merge(
        "RGB",
        (
            sky.point(lambda v: 110 + v // 3),
            sky.point(lambda v: 140 + v // 5),
            sky.point(lambda v: 220 - v // 2),
        ),
    )
    draw = ImageDraw.Draw(scene)
    for _ in range(60):
        x0, y0 = rnd.randrange(sw), rnd.randrange(sh // 4, sh)
        box = (x0, y0, x0 + rnd.randrange(20, sw // 3), y0 + rnd.randrange(20, sh // 3))
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        (draw.rectangle if rnd.random() < 0.6 else draw.ellipse)(box, fill=colour)
    for _ in range(400):  # small detail: leaves, text, gravel
        x, y = rnd.randrange(sw), rnd.randrange(sh)
        draw.line(
            (x, y, x + rnd.randrange(-30, 30), y + rnd.randrange(-30, 30)),
            fill=rnd.randrange(256) * 0x010101,
            width=2,
        )
    scene = scene.filter(ImageFilter.GaussianBlur(1)).resize(PHONE_SIZE, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(PHONE_SIZE, 40).convert("RGB")
    photo = Image.blend(scene, grain, 0.18)

    exif = Image.Exif()
    exif[0x010F] = "Phone"
    exif[0x0110] = "Phone 15"
    exif[0x0112] = 6  # held upright: stored sideways, as phones do
    exif.get_ifd(0x8769).update({0x9003: "2025:03:14 12:30:05", 0x9011: "+03:00"})
    exif.get_ifd(0x8825).update({1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 3.0)})
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def floor(data: bytes) -> tuple[bytes, bytes]:
    """Bare Pillow: open, draft, thumbnail, save; thumbnail again, save."""
    im = Image.open(io.BytesIO(data))
    w, h = im.size
    scale = DISPLAY_LONG_EDGE / max(w, h)
    im.draft("RGB", (round(w * scale), round(h * scale)))
    im.thumbnail((DISPLAY_LONG_EDGE, DISPLAY_LONG_EDGE))
    display = io.BytesIO()
    im.save(display, "JPEG", quality=82)
    im.thumbnail((THUMB_LONG_EDGE, THUMB_LONG_EDGE))
    thumb = io.BytesIO()
    im.save(thumb, "JPEG", quality=75)
    return display.getvalue(), thumb.getvalue()


def ours(data: bytes) -> tuple[bytes, bytes]:
    photo = prepare_photo(data)
    return photo.display, photo.thumbnail


def check_same(data: bytes) -> None:
    """The product's display copy and thumbnail, turned back to the file's sideways storage,
    are the floor's: the same size and alike pixel for pixel (JPEG's rounding aside)."""
    for mine, plain in zip(ours(data), floor(data), strict=True):
        a, b = Image.open(io.BytesIO(mine)), Image.open(io.BytesIO(plain))
        assert a.size == b.size[::-1], (a.size, b.size)
        back = a.convert("RGB").transpose(Image.Transpose.ROTATE_90)
        diff = ImageStat.Stat(ImageChops.difference(back, b.convert("RGB"))).mean
        assert max(diff) < 4, f"the pictures differ: {diff}"


def timed(fn: Callable[[bytes], object], data: bytes) -> float:
    start = time.perf_counter()
    fn(data)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="3 runs, 2 screen photos")
    args = parser.parse_args()
    repeats, screen_photos = (3, 2) if args.tiny else (REPEATS, SCREEN_PHOTOS)
    photos = [phone_jpeg(seed) for seed in range(screen_photos)]
    data = photos[0]
    check_same(data)  # also warms caches and lazy imports on both sides
    if not args.tiny:
        floor(data)
        ours(data)

    ours_s: list[float] = []
    floor_s: list[float] = []
    for i in range(repeats):
        # Alternate who goes first so neither always runs on a warmer CPU.
        pair = [(ours, ours_s), (floor, floor_s)]
        for fn, sink in pair if i % 2 == 0 else pair[::-1]:
            sink.append(timed(fn, data))
    ours_ms = statistics.median(ours_s) * 1000
    floor_ms = statistics.median(floor_s) * 1000

    prepared = [prepare_photo(p) for p in photos]
    first = prepared[0]
    display = Image.open(io.BytesIO(first.display))
    thumb = Image.open(io.BytesIO(first.thumbnail))
    screen = sum(len(p.thumbnail) for p in prepared)
    displays = statistics.mean(len(p.display) for p in prepared)
    print(
        f"photo-in: {PHONE_SIZE[0]}×{PHONE_SIZE[1]} JPEG, "
        f"{statistics.mean(len(p) for p in photos) / 2**20:.1f} MB on average; "
        f"display copy {display.width}×{display.height}, thumbnail {thumb.width}×{thumb.height}"
    )
    print(
        f"photo-screen: {screen_photos} thumbnails = {screen / 1024:.0f} KB "
        f"(a display copy, {displays / 1024:.0f} KB on average, only when one is opened)"
    )
    print(f"photo: ratio={ours_ms / floor_ms:.2f} ({ours_ms:.1f} ms vs floor {floor_ms:.1f} ms)")


if __name__ == "__main__":
    main()
