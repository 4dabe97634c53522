"""Draw the application icon: resources/icons/app.png (window icon, Linux) and app.ico (Windows executable).

The icons are committed source assets; run this again only to change them:
    .venv/bin/python resources/make_icons.py
The drawing is done at 4x the largest size and shrunk with Lanczos, which gives smooth edges without
an anti-aliasing drawing library.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent / "icons"
PNG_SIZE = 256
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Windows Explorer and the task bar ask for
SUPERSAMPLE = 4

BACKGROUND = (32, 58, 112, 255)  # deep blue tile
FACE = (244, 206, 170, 255)
FEATURES = (40, 40, 52, 255)
SPARKLE = (255, 214, 64, 255)  # "restored": a four-pointed star at the top right


def draw_icon(size: int) -> Image.Image:
    """The icon as an RGBA image of ``size`` x ``size`` pixels."""
    big = size * SUPERSAMPLE
    unit = big / 64  # design grid: 64 x 64
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((2 * unit, 2 * unit, 62 * unit, 62 * unit), radius=12 * unit, fill=BACKGROUND)
    draw.ellipse((14 * unit, 12 * unit, 46 * unit, 52 * unit), fill=FACE)
    for eye_x in (23, 37):
        draw.ellipse(((eye_x - 2.5) * unit, 26 * unit, (eye_x + 2.5) * unit, 31 * unit), fill=FEATURES)
    draw.arc((22 * unit, 32 * unit, 38 * unit, 44 * unit), start=20, end=160, fill=FEATURES, width=round(2 * unit))
    _sparkle(draw, 50 * unit, 14 * unit, 9 * unit, 2.2 * unit)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _sparkle(draw: ImageDraw.ImageDraw, x: float, y: float, reach: float, waist: float) -> None:
    points = [(x, y - reach), (x + waist, y - waist), (x + reach, y), (x + waist, y + waist),
              (x, y + reach), (x - waist, y + waist), (x - reach, y), (x - waist, y - waist)]
    draw.polygon(points, fill=SPARKLE)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    largest = draw_icon(max(ICO_SIZES))
    draw_icon(PNG_SIZE).save(ICONS / "app.png", optimize=True)
    # Pillow's ICO writer scales the largest image down to each listed size.
    largest.save(ICONS / "app.ico", sizes=[(side, side) for side in ICO_SIZES])
    print(f"wrote {ICONS / 'app.png'} and {ICONS / 'app.ico'}")


if __name__ == "__main__":
    main()
