"""The phone app's PNG icons (192 and 512 px, for the manifest: Android's install prompt
and home screen want PNGs), drawn with Pillow like ``static/m/icon.svg`` (96 units).

    .venv/bin/python -m webapp.mobile.icons     # writes static/m/icon-192.png, icon-512.png
"""

from __future__ import annotations

import io
from pathlib import Path

SIZES = (192, 512)
STATIC_M = Path(__file__).resolve().parent.parent / "static" / "m"
BLUE, GREEN, WHITE = "#1f4e79", "#2e7d32", "#ffffff"


def draw_icon(size: int) -> bytes:
    from PIL import Image, ImageDraw

    big = size * 4  # drawn large, then reduced: smooth edges without an SVG renderer
    k = big / 96
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, big - 1, big - 1], radius=round(18 * k), fill=BLUE)
    d.rectangle([28 * k, 22 * k, 68 * k, 74 * k], fill=WHITE)
    w = round(5 * k)
    for y, x2 in ((34, 60), (44, 60), (54, 50)):
        d.line([36 * k, y * k, x2 * k, y * k], fill=BLUE, width=w)
        for x in (36, x2):
            d.ellipse([x * k - w / 2, y * k - w / 2, x * k + w / 2, y * k + w / 2], fill=BLUE)
    d.ellipse([50 * k, 52 * k, 74 * k, 76 * k], fill=GREEN)
    d.line([(56 * k, 64 * k), (60 * k, 68 * k), (68 * k, 60 * k)], fill=WHITE, width=round(4 * k), joint="curve")
    out = io.BytesIO()
    img.resize((size, size), Image.LANCZOS).save(out, "PNG", optimize=True)
    return out.getvalue()


def write_icons(directory: Path = STATIC_M) -> list[Path]:
    paths = []
    for size in SIZES:
        path = directory / f"icon-{size}.png"
        path.write_bytes(draw_icon(size))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_icons():
        print(p, p.stat().st_size, "bytes")
