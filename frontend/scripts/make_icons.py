"""Draws the app icons into frontend/public/, one set per face a person can give the app
(src/ui/disguise.ts). Run once after changing the design:

    .venv/bin/pip install pillow && .venv/bin/python frontend/scripts/make_icons.py

The app's own icon is deliberately plain — a ring of dots — so it says nothing about violence or
support to someone glancing at the phone; the others look like the everyday apps they are named
after (a notepad, a bowl, a bar chart).
"""

import math
from pathlib import Path

from collections.abc import Callable

from PIL import Image, ImageDraw

PUBLIC = Path(__file__).resolve().parents[1] / "public"
LIGHT = (251, 248, 244)

# What a face draws on a canvas `big` pixels wide, its content scaled by `k` around the centre.
Motif = Callable[[ImageDraw.ImageDraw, float, float], None]


def dots(pen: ImageDraw.ImageDraw, big: float, k: float) -> None:
    centre = big / 2
    ring = big * 0.30 * k
    dot = big * 0.085 * k
    for i in range(6):
        angle = math.pi / 2 + i * math.pi / 3
        x, y = centre + ring * math.cos(angle), centre - ring * math.sin(angle)
        pen.ellipse((x - dot, y - dot, x + dot, y + dot), fill=LIGHT)
    pen.ellipse((centre - dot, centre - dot, centre + dot, centre + dot), fill=LIGHT)


def _box(big: float, k: float, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    """A box given in fractions of a face drawn at full size, scaled by `k` around the centre."""
    c = big / 2
    return (c + (x0 - 0.5) * big * k, c + (y0 - 0.5) * big * k, c + (x1 - 0.5) * big * k, c + (y1 - 0.5) * big * k)


def notepad(pen: ImageDraw.ImageDraw, big: float, k: float) -> None:
    pen.rounded_rectangle(_box(big, k, 0.24, 0.16, 0.76, 0.84), radius=big * 0.04 * k, fill=LIGHT)
    for y in (0.34, 0.48, 0.62):
        pen.rectangle(_box(big, k, 0.32, y, 0.68, y + 0.045), fill=(170, 150, 90))


def bowl(pen: ImageDraw.ImageDraw, big: float, k: float) -> None:
    pen.chord(_box(big, k, 0.14, 0.22, 0.86, 0.82), 0, 180, fill=(200, 105, 58))
    pen.rounded_rectangle(_box(big, k, 0.3, 0.2, 0.38, 0.48), radius=big * 0.04 * k, fill=(122, 140, 90))


def bars(pen: ImageDraw.ImageDraw, big: float, k: float) -> None:
    for x, top in ((0.22, 0.56), (0.43, 0.4), (0.64, 0.24)):
        pen.rectangle(_box(big, k, x, top, x + 0.14, 0.78), fill=LIGHT)


# face prefix (file names), background, motif: the same faces as src/ui/disguise.ts
FACES: list[tuple[str, tuple[int, int, int], Motif]] = [
    ("", (61, 90, 87), dots),
    ("notes-", (242, 201, 76), notepad),
    ("recipes-", (251, 243, 232), bowl),
    ("budget-", (47, 111, 79), bars),
]


def draw(size: int, *, content_scale: float, rounded: bool, background: tuple[int, int, int] = (61, 90, 87),
         motif: Motif = dots) -> Image.Image:
    scale = 4  # draw large, then shrink, for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if rounded:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=background)
    else:
        pen.rectangle((0, 0, big, big), fill=background)
    motif(pen, big, content_scale)
    # Two colours and their anti-aliased edges fit a small palette: a quarter of the bytes, and
    # every byte is precached on a survivor's phone.
    return image.resize((size, size), Image.Resampling.LANCZOS).quantize(colors=32)


def main() -> None:
    for prefix, background, motif in FACES:
        face = {"background": background, "motif": motif}
        draw(192, content_scale=1.0, rounded=True, **face).save(PUBLIC / f"{prefix}icon-192.png", optimize=True)
        draw(512, content_scale=1.0, rounded=True, **face).save(PUBLIC / f"{prefix}icon-512.png", optimize=True)
        # Maskable icons are cropped to a circle or squircle by the launcher: full bleed, content
        # inside the central safe zone.
        maskable = draw(512, content_scale=0.75, rounded=False, **face)
        maskable.save(PUBLIC / f"{prefix}icon-maskable-512.png", optimize=True)
        touch = draw(180, content_scale=0.9, rounded=False, **face)
        touch.save(PUBLIC / f"{prefix}apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
