"""Photos, signatures and the company logo, as a report embeds them.

Opened through :mod:`renderers.imaging` (the pixel count read from the header, bombs
refused before decoding), downscaled (``draft`` + ``thumbnail``) to JPEG once, and cached
by content on disk (shared by the processes of one machine) and in memory: a warm render
reads nothing but the small copies, and a cold one holds one photo's pixels at a time.

A photo may be given as bytes, a path, or a :class:`StoredImage` (kept in object storage):
then it is fetched only when no small copy of it is cached.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..imaging import ImageRefused, bounded
from .errors import ReportError

#: Downscaled images, by content hash (shared by the processes of one machine).
CACHE_DIR = Path(os.environ.get("FIELDFORMS_CACHE_DIR", Path(tempfile.gettempdir()) / "fieldforms-report-cache"))

PHOTO_MAX_PX = 1000     # long side of an embedded photo: ~300 dpi at 8.5 cm
PHOTO_QUALITY = 72
SIGNATURE_MAX_PX = 700
LOGO_MAX_PX = 600


@dataclass(frozen=True)
class StoredImage:
    """An image kept elsewhere, under an id its bytes never change under (a content
    address): ``read()`` gives its bytes, or None when it is gone (the report then shows
    it as missing, as for a file that is not there)."""

    content_id: str
    read: Callable[[], bytes | None]


@dataclass(frozen=True)
class PreparedImage:
    path: Path
    width: int
    height: int


class ImageCache:
    """Downscaled JPEG copies of photos and signatures, by content and size, on disk and
    in memory: a warm render reads nothing but the small copies."""

    def __init__(self, directory: Path = CACHE_DIR):
        self.directory = directory
        self.memory: dict[tuple, PreparedImage] = {}
        self.lock = threading.Lock()

    def prepare(self, source: Any, max_px: int, what: str) -> PreparedImage | None:
        """The small copy of ``source``; None only for a :class:`StoredImage` that is gone."""
        if isinstance(source, StoredImage):
            data = None
            key: tuple = ("s", source.content_id, max_px)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            key = ("b", hashlib.sha256(data).hexdigest(), max_px)
        else:
            p = Path(source)
            try:
                st = p.stat()
            except OSError as exc:
                raise ReportError(f"{what}: cannot read {p}: {exc.strerror}") from None
            data = None
            key = ("f", str(p.resolve()), st.st_mtime_ns, st.st_size, max_px)
        hit = self.memory.get(key)
        if hit is not None and hit.path.is_file():
            return hit
        digest = key[1] if key[0] == "b" else hashlib.sha256(repr(key).encode()).hexdigest()
        out = self.directory / f"{digest[:40]}-{max_px}.jpg"
        if out.is_file():
            from PIL import Image

            with Image.open(out) as im:
                prepared = PreparedImage(out, im.width, im.height)
        else:
            if isinstance(source, StoredImage):
                data = source.read()
                if data is None:
                    return None
            prepared = self._downscale(data if data is not None else Path(source), out, max_px, what)
        with self.lock:
            self.memory[key] = prepared
        return prepared

    def _downscale(self, source: Any, out: Path, max_px: int, what: str) -> PreparedImage:
        try:  # the pixel bound read from the header first: a bomb is refused, not decoded
            im = bounded(source, max_px, keep_alpha=False)
        except ImageRefused as exc:
            raise ReportError(f"{what}: {exc}") from None
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        im.save(tmp, "JPEG", quality=PHOTO_QUALITY, optimize=False, progressive=False)
        os.replace(tmp, out)
        return PreparedImage(out, im.width, im.height)


IMAGE_CACHE = ImageCache()
