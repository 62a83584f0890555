"""The app's icons, drawn with Pillow like ``static/m/icon.svg`` (96 units): the phone
app's PNGs (192 and 512 px, for the manifest: Android's install prompt and home screen want
PNGs) and the ``favicon.ico`` every browser asks for (16, 32 and 48 px in one file), served
at ``/favicon.ico`` for the back office and the phone alike.

    .venv/bin/python -m webapp.mobile.icons     # writes static/m/icon-*.png, static/favicon.ico
"""

from __future__ import annotations

import io
from pathlib import Path

SIZES = (192, 512)
FAVICON_SIZES = (16, 32, 48)
STATIC_M = Path(__file__).resolve().parent.parent / "static" / "m"
FAVICON = STATIC_M.parent / "favicon.ico"
BLUE, GREEN, WHITE = "#1f4e79", "#2e7d32", "#ffffff"


def draw_icon(size: int) -> bytes:
    out = io.BytesIO()
    _image(size).save(out, "PNG", optimize=True)
    return out.getvalue()


def draw_favicon() -> bytes:
    out = io.BytesIO()
    _image(max(FAVICON_SIZES)).save(out, "ICO", sizes=[(s, s) for s in FAVICON_SIZES])
    return out.getvalue()


def _image(size: int):
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
    return img.resize((size, size), Image.LANCZOS)


def write_icons(directory: Path = STATIC_M, favicon: Path = FAVICON) -> list[Path]:
    paths = []
    for size in SIZES:
        path = directory / f"icon-{size}.png"
        path.write_bytes(draw_icon(size))
        paths.append(path)
    favicon.write_bytes(draw_favicon())
    return paths + [favicon]


if __name__ == "__main__":
    for p in write_icons():
        print(p, p.stat().st_size, "bytes")
