"""The fonts and the files a report may use.

Nothing is fetched from the network: xhtml2pdf reads files through
:meth:`Resources.link_callback`, which serves only the files prepared for this render
(downscaled photos and signatures, the company logo, the page marks) by the tokens its HTML
names them with, and raises for anything else.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from markupsafe import Markup

from .. import FONTS_DIR
from .adapter import register_font_family
from .errors import ReportError
from .images import CACHE_DIR, IMAGE_CACHE, LOGO_MAX_PX
from .page_marks import Drawn, PageMark, PageMarks

FONT_FILES = {
    ("normal", "normal"): "DejaVuSans.ttf",
    ("bold", "normal"): "DejaVuSans-Bold.ttf",
    ("normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("bold", "italic"): "DejaVuSans-BoldOblique.ttf",
}
_FONT_FALLBACK_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


# --- fonts -------------------------------------------------------------------------------
def font_path(name: str) -> Path | None:
    for folder in (FONTS_DIR, *_FONT_FALLBACK_DIRS):
        p = folder / name
        if p.is_file():
            return p
    return None


_font_lock = threading.Lock()


def font_names() -> tuple[str, str]:
    """ReportLab's names of the report's regular and bold faces."""
    return ("ffDejaVu", "ffDejaVuBold") if register_fonts() == "DejaVu" else ("Helvetica", "Helvetica-Bold")


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register DejaVu Sans with ReportLab and xhtml2pdf once; the CSS font family name.

    Falls back to Helvetica (Latin-1 only) when no DejaVu file is found (``make assets``).
    """
    with _font_lock:
        paths = {k: font_path(v) for k, v in FONT_FILES.items()}
        regular = paths[("normal", "normal")]
        if regular is None:
            return "Helvetica"
        faces = {
            (weight, style): ("ffDejaVu" + {"normal": "", "bold": "Bold"}[weight] + {"normal": "", "italic": "Oblique"}[style], p or regular)
            for (weight, style), p in paths.items()
        }
        register_font_family(faces, css_names=("dejavu", "dejavu sans"))
        return "DejaVu"


# --- the render's files ------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedToken:
    """An image of the report, by the token its ``<img>`` names it with."""

    token: str
    width: int
    height: int


class Resources:
    """The only files a report may use, by the tokens its HTML names them with."""

    def __init__(self, attachments: Mapping[str, Any] | None, logo: Any):
        self.attachments = dict(attachments or {})
        self.files: dict[str, Path] = {}
        self.refused: list[str] = []
        self.logo = logo
        self.page_marks = PageMarks(CACHE_DIR)
        #: what the canvas made of the marks, the last time the report was laid out
        self.drawn: Drawn | None = None

    def image(self, attachment_id: str, what: str, max_px: int) -> PreparedToken | None:
        source = self.attachments.get(attachment_id)
        if source is None:
            return None
        prepared = IMAGE_CACHE.prepare(source, max_px, what)
        if prepared is None:  # kept in storage, and gone from it
            return None
        token = f"ff-res:{len(self.files)}-{attachment_id}"
        self.files[token] = prepared.path
        return PreparedToken(token, prepared.width, prepared.height)

    def logo_token(self) -> tuple[str, int, int] | None:
        if not self.logo:
            return None
        prepared = IMAGE_CACHE.prepare(self.logo, LOGO_MAX_PX, "company logo")
        token = "ff-res:logo"
        self.files[token] = prepared.path
        return token, prepared.width, prepared.height

    def page_mark(self, mark: PageMark | str) -> Markup:
        """A page total's placeholder, or one of the header's marks (see :mod:`.page_marks`)."""
        if isinstance(mark, PageMark):
            token = f"ff-res:page-{mark.key}"
            path, html = self.page_marks.page_total(mark, token)
        else:
            token = f"ff-res:page-{mark}"
            path, html = self.page_marks.header(mark, token)
        if path is not None:
            self.files[token] = path
        return html

    def roots(self) -> set[Path]:
        """The folders of the files a report may use: the only ones xhtml2pdf may read."""
        return {p.parent for p in self.files.values()} | {FONTS_DIR}

    def link_callback(self, uri: str, rel: str | None = None) -> str:
        """xhtml2pdf's resource fetcher: known local files only; everything else raises."""
        path = self.files.get(uri)
        if path is not None:
            return str(path)
        self.refused.append(uri)
        raise ReportError(f"refused resource {uri!r}: a report may only use its photos, signatures, fonts and logo")
