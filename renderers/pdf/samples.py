"""Stand-in images for the photos and signatures of example answers: previews of a form's
report (``fieldforms preview pdf``), tests and benchmarks, on a machine that has none."""

from __future__ import annotations

import io
import math
from functools import lru_cache
from typing import Any

from engine import FormDefinition, walk

from ..html import photo_ids
from .context import child


@lru_cache(maxsize=64)
def sample_image(kind: str, label: str) -> bytes:
    """A JPEG standing in for a photo (``label`` written on it) or a signature."""
    from PIL import Image, ImageDraw

    if kind == "signature":
        im = Image.new("RGB", (600, 220), "white")
        draw = ImageDraw.Draw(im)
        pts = [(40 + i * 9, 120 + int(40 * math.sin(i / 3.0))) for i in range(60)]
        draw.line(pts, fill=(20, 30, 90), width=5)
        draw.line([(60, 170), (540, 150)], fill=(20, 30, 90), width=3)
    else:
        im = Image.new("RGB", (1200, 900), (200, 210, 220))
        draw = ImageDraw.Draw(im)
        for y in range(0, 900, 6):
            draw.line([(0, y), (1200, y)], fill=(120 + y // 10, 140, 160 - y // 12))
        draw.rectangle([60, 60, 1140, 840], outline=(255, 255, 255), width=8)
        draw.text((90, 90), label, fill=(255, 255, 255))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def sample_attachments(d: FormDefinition, data: Any) -> dict[str, bytes]:
    """Stand-in images for the photos and signatures of ``data`` (previews, benchmarks)."""
    out: dict[str, bytes] = {}
    tree = walk(d, data if isinstance(data, dict) else {})
    for n in tree.walk():
        if n.widget == "camera":
            for i, pid in enumerate(photo_ids(n)):
                out[pid] = sample_image("photo", f"{n.label} {i + 1}")
        elif n.widget == "signature":
            a = child(n, "attachment")
            if a is not None and isinstance(a.value, str):
                out[a.value] = sample_image("signature", n.label)
    return out
