"""Phone-like photos for the browser tests: a big JPEG with the capture time and GPS in EXIF."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

TAKEN = "2026:05:01 10:00:00"


def phone_jpeg(seed: int = 1, size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A 12 MP photo-like JPEG with DateTimeOriginal and GPS, as a phone camera writes it."""
    rnd = random.Random(seed)
    w, h = size
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(30):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        box = (x0, y0, x0 + rnd.randrange(w // 10, w // 2), y0 + rnd.randrange(h // 10, h // 2))
        draw.ellipse(box, fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = TAKEN
    exif.get_ifd(0x8825).update({1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 12.0)})
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def heavy_jpeg(seed: int = 1, size: tuple[int, int] = (2048, 1536)) -> bytes:
    """A photo no larger than 2048 px that still weighs about 3 MB: sensor noise in every
    channel, saved at a high quality without chroma subsampling, as some phones write them."""
    from PIL import ImageChops

    base = Image.open(io.BytesIO(phone_jpeg(seed=seed, size=size)))
    exif = base.getexif()
    noise = Image.merge("RGB", [Image.effect_noise(size, 15) for _ in range(3)])
    im = ImageChops.add(base.convert("RGB"), noise, scale=1.0, offset=-128)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, subsampling=0, exif=exif)
    return out.getvalue()
