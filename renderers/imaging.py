"""Images nobody vouches for: a phone's upload, a stored attachment, the company logo.

Opened only as JPEG, PNG or WebP, their pixel count read from the header before a single
pixel is decoded, and refused above :data:`MAX_PIXELS` (:class:`ImageRefused`, never
Pillow's ``DecompressionBombError`` or ``DecompressionBombWarning``): a 107 KB PNG that
claims 30000 × 30000 costs a header read. What the server keeps of an upload is
:func:`reencode`: at most :data:`MAX_SIDE` pixels on the long side, EXIF orientation
applied, no metadata (EXIF, GPS, comments, ICC); a PNG stays a PNG (signatures and
drawings: lines that JPEG would blur), so does an image with transparency, and the rest
(photos: JPEG, WebP) becomes a JPEG at :data:`JPEG_QUALITY`.

The web app (uploads) and the report pipeline (:mod:`renderers.pdf.images`) both open
images through here, so the bound is one rule.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The most pixels an image may claim: 9000 × 9000, well above what the phone sends (it
#: downscales on the device) and below Pillow's own bomb threshold, so that Pillow never
#: warns nor raises first.
MAX_PIXELS = 9000 * 9000
#: The long side of what the server keeps of an upload.
MAX_SIDE = 2560
JPEG_QUALITY = 85
FORMATS = ("JPEG", "PNG", "WEBP")


class ImageRefused(ValueError):
    """An image that will not be decoded: ``code`` says why (``not_image``,
    ``too_many_pixels``, ``unreadable``), ``details`` the numbers for a message."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Encoded:
    """What :func:`reencode` keeps: the bytes, their type, their size in pixels."""

    data: bytes
    content_type: str
    width: int
    height: int


def _readers() -> dict[str, Any]:
    from PIL import JpegImagePlugin, PngImagePlugin, WebPImagePlugin

    return {"JPEG": JpegImagePlugin.JpegImageFile, "PNG": PngImagePlugin.PngImageFile, "WEBP": WebPImagePlugin.WebPImageFile}


def header(data: bytes) -> tuple[str, int, int]:
    """The format and the size an image claims, read from its header by the format's own
    parser (no pixel decoded, no bomb check of Pillow's reached)."""
    for fmt, reader in _readers().items():
        try:
            im = reader(io.BytesIO(data))
        except (SyntaxError, OSError, ValueError, EOFError, TypeError, IndexError, KeyError):
            continue
        return fmt, im.width, im.height
    raise ImageRefused("not_image", "not an image (JPEG, PNG or WebP)")


def _bytes(source: bytes | str | Path) -> bytes:
    return bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else Path(source).read_bytes()


def open_image(source: bytes | str | Path, max_pixels: int = MAX_PIXELS):
    """A Pillow image of ``source`` (bytes or a file), its size checked first: at most
    ``max_pixels`` (and never more than Pillow's own threshold). Not decoded yet: JPEGs can
    still be ``draft``-ed to decode at a fraction of their size."""
    from PIL import Image

    data = _bytes(source)
    fmt, width, height = header(data)
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    if width * height > limit:
        raise ImageRefused("too_many_pixels", f"{width} × {height} pixels: at most {limit:,} are accepted".replace(",", " "),
                           width=width, height=height, limit=limit)
    try:
        return Image.open(io.BytesIO(data), formats=[fmt])
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRefused("unreadable", f"corrupt image ({exc})") from None


def _has_alpha(im) -> bool:
    return im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)


def bounded(source: bytes | str | Path, max_side: int, *, max_pixels: int = MAX_PIXELS, keep_alpha: bool = True):
    """``source`` decoded to at most ``max_side`` pixels on its long side, EXIF orientation
    applied, in RGB, L or (``keep_alpha`` and transparent) RGBA; metadata dropped. Memory
    is bounded by ``max_pixels``; a JPEG is decoded directly at 1/2, 1/4 or 1/8 scale."""
    from PIL import Image, ImageOps

    im = open_image(source, max_pixels)
    try:
        if im.format == "JPEG":
            im.draft("RGB" if im.mode not in ("L", "1") else "L", (max_side, max_side))
        alpha = _has_alpha(im)
        target = "RGBA" if alpha else ("L" if im.mode in ("1", "L", "I", "I;16", "F") else "RGB")
        if im.mode != target:
            im = im.convert(target)
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
        ImageOps.exif_transpose(im, in_place=True)  # on the small copy: its EXIF came along
        if alpha and im.getchannel("A").getextrema()[0] == 255:
            im, alpha = im.convert("RGB"), False  # opaque all over: a photo, not a signature
        if alpha and not keep_alpha:
            flat = Image.new("RGB", im.size, (255, 255, 255))
            flat.paste(im, mask=im.getchannel("A"))
            im = flat
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRefused("unreadable", f"corrupt image ({exc})") from None
    im.info = {}  # no EXIF, GPS, comment nor ICC profile goes further
    return im


def reencode(source: bytes | str | Path, *, max_side: int = MAX_SIDE, quality: int = JPEG_QUALITY, max_pixels: int = MAX_PIXELS) -> Encoded:
    """What the server keeps of an uploaded image, whatever the device sent: see the
    module's docstring. Deterministic for the same bytes (same Pillow)."""
    data = _bytes(source)
    lossless = header(data)[0] == "PNG"
    im = bounded(data, max_side, max_pixels=max_pixels)
    out = io.BytesIO()
    if lossless or im.mode == "RGBA":
        im.save(out, "PNG", optimize=False, compress_level=6)
        return Encoded(out.getvalue(), "image/png", im.width, im.height)
    im.save(out, "JPEG", quality=quality, optimize=True, progressive=False)
    return Encoded(out.getvalue(), "image/jpeg", im.width, im.height)
