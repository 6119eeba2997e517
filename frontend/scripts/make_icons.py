"""Draws the app icons into frontend/public/. Run once after changing the design:

    .venv/bin/pip install pillow && .venv/bin/python frontend/scripts/make_icons.py

The icon is deliberately plain — a ring of dots — so it says nothing about violence or support
to someone glancing at the phone.
"""

import math
from pathlib import Path

from PIL import Image, ImageDraw

PUBLIC = Path(__file__).resolve().parents[1] / "public"
BACKGROUND = (61, 90, 87)
DOTS = (251, 248, 244)


def draw(size: int, *, content_scale: float, rounded: bool) -> Image.Image:
    scale = 4  # draw large, then shrink, for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if rounded:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BACKGROUND)
    else:
        pen.rectangle((0, 0, big, big), fill=BACKGROUND)
    centre = big / 2
    ring = big * 0.30 * content_scale
    dot = big * 0.085 * content_scale
    for i in range(6):
        angle = math.pi / 2 + i * math.pi / 3
        x, y = centre + ring * math.cos(angle), centre - ring * math.sin(angle)
        pen.ellipse((x - dot, y - dot, x + dot, y + dot), fill=DOTS)
    pen.ellipse((centre - dot, centre - dot, centre + dot, centre + dot), fill=DOTS)
    # Two colours and their anti-aliased edges fit a small palette: a quarter of the bytes, and
    # every byte is precached on a survivor's phone.
    return image.resize((size, size), Image.Resampling.LANCZOS).quantize(colors=32)


def main() -> None:
    draw(192, content_scale=1.0, rounded=True).save(PUBLIC / "icon-192.png", optimize=True)
    draw(512, content_scale=1.0, rounded=True).save(PUBLIC / "icon-512.png", optimize=True)
    # Maskable icons are cropped to a circle or squircle by the launcher: full bleed, content
    # inside the central safe zone.
    draw(512, content_scale=0.75, rounded=False).save(PUBLIC / "icon-maskable-512.png", optimize=True)
    draw(180, content_scale=0.9, rounded=False).save(PUBLIC / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
