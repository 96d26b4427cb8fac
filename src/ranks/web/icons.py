"""The app's icons for the home screen: a red square with a yellow star and an "R", drawn from
shapes (no font, so any machine draws the same). `make icons` writes them under
static/ranks/icons/ (`python -m ranks.web.icons`); the manifest and base.html name them.
Pillow comes with WeasyPrint; only this generator uses it.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

RED = "#C8102E"
YELLOW = "#FFD700"
ICONS_DIR = Path(__file__).resolve().parent / "static" / "ranks" / "icons"
# Drawn this many times larger, then scaled down: smooth edges.
SUPERSAMPLE = 4

# name: (size in pixels, full bleed (maskable, Apple) or rounded corners on transparency)
ICONS: dict[str, tuple[int, bool]] = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon-180.png": (180, True),
}
# A maskable icon may be cut to a circle of 80 % of its width: the drawing shrinks to fit.
MASKABLE_SCALE = 0.78
PALETTE = 48


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.382
    points = []
    for n in range(10):
        radius = outer if n % 2 == 0 else inner
        angle = -math.pi / 2 + n * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _letter_r(draw: ImageDraw.ImageDraw, x: float, y: float, height: float) -> None:
    """A bold "R" whose box starts at (x, y): a stem, a bowl over its upper half, a leg."""
    width, stroke = height * 0.68, height * 0.2
    bowl, ring = height * 0.56, height * 0.17
    centre = x + width - bowl / 2
    # The bowl: solid, then its counter cut out in the background's red (square on the left).
    draw.rounded_rectangle((x, y, x + width, y + bowl), radius=bowl / 2, fill=YELLOW)
    draw.rectangle((x, y, centre, y + bowl), fill=YELLOW)
    inner = bowl / 2 - ring
    draw.rectangle((x + stroke, y + ring, centre, y + bowl - ring), fill=RED)
    draw.ellipse(
        (centre - inner, y + bowl / 2 - inner, centre + inner, y + bowl / 2 + inner), fill=RED
    )
    draw.rectangle((x, y, x + stroke, y + height), fill=YELLOW)
    leg_top = (x + width * 0.42, y + bowl - ring)
    draw.polygon(
        [
            leg_top,
            (leg_top[0] + stroke * 1.05, leg_top[1]),
            (x + width + stroke * 0.1, y + height),
            (x + width + stroke * 0.1 - stroke * 1.15, y + height),
        ],
        fill=YELLOW,
    )


def icon(size: int, full_bleed: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if full_bleed:
        draw.rectangle((0, 0, big, big), fill=RED)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=RED)
    scale = big * (MASKABLE_SCALE if full_bleed else 1.0)
    offset = (big - scale) / 2
    draw.polygon(_star(offset + scale * 0.5, offset + scale * 0.34, scale * 0.2), fill=YELLOW)
    letter = scale * 0.3
    _letter_r(draw, offset + scale * 0.5 - letter * 0.36, offset + scale * 0.56, letter)
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    if full_bleed:
        image = image.convert("RGB")
    # Two colours and their blended edges: a small palette keeps the file a few KB.
    return image.quantize(colors=PALETTE, method=Image.Quantize.FASTOCTREE)


def write_icons(directory: Path = ICONS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (size, full_bleed) in ICONS.items():
        path = directory / name
        icon(size, full_bleed).save(path, "PNG", optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_icons(Path(sys.argv[1]) if len(sys.argv) > 1 else ICONS_DIR):
        print(path)
