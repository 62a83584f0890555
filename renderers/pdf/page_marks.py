"""What a report repeats on every page, laid out once: the page header and “Page X / Y”.

xhtml2pdf lays a report out page by page, and two things made that slow. ``<pdf:pagecount>``
makes it lay the whole document out twice (ReportLab's ``multiBuild``), only to learn the
total; and the header, a static frame, is copied and laid out again on every page. Both are
drawn once, by a canvas that recognises small transparent placeholder images (marks) in the
report's HTML and draws PDF form XObjects in their place:

- a *page total* mark (``page_x_of_y()`` in templates) becomes a form per page, defined as
  “Page 2 / 3” when the last page is shown: PDF lets a form be used before it is defined;
- the header sits between a *start* and an *end* mark on the first page: what is drawn
  between them is recorded as a form as it is drawn; the following pages use a page template
  (``@page ff_later``) whose header frame holds only a *here* mark, where the form is drawn.
  Forms begin, end and are drawn between two of the frame's flowables, at the depth of
  graphics state the static frames are painted at: the recorded operators are balanced, and
  the form lands where the header was.

This module holds the marks (the HTML side, and the plain HTML each stands for) and the
tally of what the canvas drew (:class:`Drawn`). The canvas itself is xhtml2pdf's with a few
methods more, in :mod:`.adapter`, the one module that reaches into xhtml2pdf and ReportLab.
If a later xhtml2pdf makes its canvases elsewhere, lays static frames out differently, or
anything in this one-pass layout raises, the tally says so and
:func:`renderers.pdf.layout.html_to_pdf` lays the report out again the plain way (every page
with its header, ``<pdf:pagenumber> / <pdf:pagecount>``): reports stay right and only lose
the speed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from .adapter import HEADER_END, HEADER_HERE, HEADER_START, font_ascent, png_text, text_width

__all__ = ["HEADER_END", "HEADER_HERE", "HEADER_START", "LATER_PAGES", "LATER_PAGES_TAG", "Drawn", "PageMark", "PageMarks"]

#: The PNG text chunk naming what a mark stands for.
_CHUNK = "fieldforms-page-mark"
#: Digits reserved for the page number and the total: up to 999 pages fit the mark.
_WIDEST = "888"
#: The page template of the pages after the first.
LATER_PAGES = "ff_later"
#: where the pages after the first take that template (report.css's @page ff_later)
LATER_PAGES_TAG = Markup(f'<pdf:nexttemplate name="{LATER_PAGES}">')


@dataclass(frozen=True)
class PageMark:
    """How a page total is drawn: its words, size, colour, font and alignment."""

    label: str
    size: float
    color: str
    font: str
    align: str

    def text(self, page: int | str, total: int | str) -> str:
        return f"{self.label} {page} / {total}" if self.label else f"{page} / {total}"

    @property
    def width(self) -> float:
        return text_width(self.text(_WIDEST, _WIDEST), self.font, self.size)

    @property
    def height(self) -> float:
        # the font's ascent: the mark takes the room of a line of text of its size
        return font_ascent(self.font, self.size)

    @property
    def key(self) -> str:
        return hashlib.sha1(repr(self).encode("utf-8")).hexdigest()[:16]


@dataclass
class PageMarks:
    """The marks of one report's HTML."""

    directory: Path
    by_key: dict[str, PageMark | str] = field(default_factory=dict)
    fallbacks: dict[str, str] = field(default_factory=dict)
    #: the header's start and end marks, as they are in the HTML
    header_html: dict[str, str] = field(default_factory=dict)
    #: why a mark could not be made: the report is laid out the plain way only
    error: Exception | None = None

    # --- the HTML side ---------------------------------------------------------------------
    def page_total(self, mark: PageMark, token: str) -> tuple[Path | None, Markup]:
        """The file and the ``<img>`` of a page total; its fallback HTML is remembered.
        No file, and the fallback itself, when the mark cannot be made."""
        label = f"{escape(mark.label)} " if mark.label else ""
        plain = f'<span style="font-size: {mark.size:g}pt; color: {escape(mark.color)}">{label}<pdf:pagenumber> / <pdf:pagecount></span>'
        try:
            html = Markup('<img src="{}" style="width: {:.2f}pt; height: {:.2f}pt; vertical-align: middle">').format(token, mark.width, mark.height)
            path = self._file(mark.key)
        except Exception as exc:
            return None, self._without_marks(exc, Markup(plain))
        self.fallbacks[str(html)] = plain
        self.by_key[mark.key] = mark
        return path, html

    def header(self, kind: str, token: str) -> tuple[Path | None, Markup]:
        """The file and the HTML of a header mark: a paragraph of its own, so that it is a
        flowable of the frame. Nothing, when the mark cannot be made."""
        try:
            path = self._file(kind)
        except Exception as exc:
            return None, self._without_marks(exc, Markup(""))
        html = Markup('<p class="ff-mark"><img src="{}" style="width: 1pt; height: 0.5pt"></p>').format(token)
        self.by_key[kind] = kind
        self.header_html[kind] = str(html)
        return path, html

    def later_pages(self) -> Markup:
        """Where the pages after the first take the template whose header is the here mark;
        the fallback leaves it out, and every page lays its header out."""
        self.fallbacks[str(LATER_PAGES_TAG)] = ""
        return LATER_PAGES_TAG

    def _without_marks(self, exc: Exception, plain: Markup) -> Markup:
        """A mark that could not be made: the report does without the one-pass layout."""
        if self.error is None:
            self.error = exc
        return plain

    def _file(self, key: str) -> Path:
        # transparent, which is what a renderer that does not know the marks shows; named
        # in a text chunk, which is how the canvas tells the marks of a report apart
        path = self.directory / "page-marks" / f"{key}.png"
        if not path.is_file():
            from PIL import Image, PngImagePlugin

            path.parent.mkdir(parents=True, exist_ok=True)
            info = PngImagePlugin.PngInfo()
            info.add_text(_CHUNK, key)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            Image.new("RGBA", (1, 1), (255, 255, 255, 0)).save(tmp, "PNG", pnginfo=info)
            os.replace(tmp, path)
        return path

    def header_varies(self, html: str) -> bool:
        """Whether the header shows something that changes from page to page (a page
        number): then every page lays its own out."""
        start, end = self.header_html.get(HEADER_START), self.header_html.get(HEADER_END)
        if not start or not end or start not in html or end not in html:
            return False
        header = html[html.index(start):html.index(end)]
        return "<pdf:page" in header or any(p in header for p in self.fallbacks if p.startswith("<img"))

    def with_fallbacks(self, html: str) -> str:
        """``html`` laid out the plain way: page number tags, the header on every page."""
        for placeholder, plain in self.fallbacks.items():
            html = html.replace(placeholder, plain)
        return html

    def of(self, image: Any) -> PageMark | str | None:
        """What an image ReportLab is asked to draw stands for, if it is one of our marks."""
        key = png_text(image, _CHUNK)
        return self.by_key.get(key) if key else None


@dataclass
class Drawn:
    """What the canvas made of the marks in one layout of a report."""

    marks: PageMarks
    #: whether every page lays its header out (one that shows page numbers)
    header_every_page: bool = False
    totals: int = 0
    #: the header: recorded on the first page, drawn on how many pages after it
    header_recorded: bool = False
    header_replayed: int = 0
    #: a page total was recorded in the header: it cannot be drawn again on another page
    header_varies: bool = False
    pages: int = 0
    #: the first exception raised in the one-pass layout (even one xhtml2pdf swallowed)
    error: Exception | None = None

    def fail(self, exc: Exception) -> None:
        if self.error is None:
            self.error = exc

    def missed(self) -> bool:
        """Whether the canvas missed something: a failure, totals not drawn, a page
        without header."""
        if self.error is not None:
            return True
        if any(isinstance(m, PageMark) for m in self.marks.by_key.values()) and not self.totals:
            return True
        if HEADER_START in self.marks.by_key and self.pages > 1 and not self.header_every_page:
            return self.header_varies or not self.header_recorded or self.header_replayed != self.pages - 1
        return False
