"""What a report repeats on every page, laid out once: the page header and “Page X / Y”.

xhtml2pdf lays a report out page by page, and two things made that slow. ``<pdf:pagecount>``
makes it lay the whole document out twice (ReportLab's ``multiBuild``), only to learn the
total; and the header, a static frame, is copied and laid out again on every page. Both are
drawn once here, by a canvas that recognises small transparent placeholder images (marks)
in the report's HTML and draws PDF form XObjects in their place:

- a *page total* mark (``page_x_of_y()`` in templates) becomes a form per page, defined as
  “Page 2 / 3” when the last page is shown: PDF lets a form be used before it is defined;
- the header sits between a *start* and an *end* mark on the first page: what is drawn
  between them is recorded as a form as it is drawn; the following pages use a page template
  (``@page ff_later``) whose header frame holds only a *here* mark, where the form is drawn.
  Forms begin, end and are drawn between two of the frame's flowables, at the depth of
  graphics state the static frames are painted at: the recorded operators are balanced, and
  the form lands where the header was.

The canvas is xhtml2pdf's own (``MarkedCanvas``) with these methods more, put where
xhtml2pdf makes its canvases. If a later xhtml2pdf makes them elsewhere, or lays static
frames out differently, no mark is drawn or the header is not replayed on every page:
:func:`renderers.pdf.html_to_pdf` notices and lays the report out again the plain way
(every page with its header, ``<pdf:pagenumber> / <pdf:pagecount>``), so reports stay right
and only lose the speed.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from markupsafe import Markup, escape
from reportlab.lib.colors import toColor
from reportlab.pdfbase.pdfmetrics import getAscent, stringWidth
from reportlab.pdfgen.canvas import Canvas

try:  # the canvas xhtml2pdf makes (crop marks); plain ReportLab before it had one
    from xhtml2pdf.builders.printmarks import MarkedCanvas as _BaseCanvas
except ImportError:  # pragma: no cover - depends on the installed xhtml2pdf
    _BaseCanvas = Canvas

#: The PNG text chunk naming what a mark stands for.
_CHUNK = "fieldforms-page-mark"
#: Digits reserved for the page number and the total: up to 999 pages fit the mark.
_WIDEST = "888"
#: The header marks, and the page template of the pages after the first.
HEADER_START, HEADER_END, HEADER_HERE = "header-start", "header-end", "header-here"
LATER_PAGES = "ff_later"
#: where the pages after the first take that template (report.css's @page ff_later)
LATER_PAGES_TAG = Markup(f'<pdf:nexttemplate name="{LATER_PAGES}">')
_HEADER_FORM = "ffHeader"


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
        return stringWidth(self.text(_WIDEST, _WIDEST), self.font, self.size)

    @property
    def height(self) -> float:
        # the font's ascent: the mark takes the room of a line of text of its size
        return getAscent(self.font, self.size)

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

    # --- the HTML side ---------------------------------------------------------------------
    def page_total(self, mark: PageMark, token: str) -> tuple[Path, Markup]:
        """The file and the ``<img>`` of a page total; its fallback HTML is remembered."""
        html = Markup('<img src="{}" style="width: {:.2f}pt; height: {:.2f}pt; vertical-align: middle">').format(token, mark.width, mark.height)
        label = f"{escape(mark.label)} " if mark.label else ""
        self.fallbacks[str(html)] = (
            f'<span style="font-size: {mark.size:g}pt; color: {escape(mark.color)}">{label}<pdf:pagenumber> / <pdf:pagecount></span>'
        )
        self.by_key[mark.key] = mark
        return self._file(mark.key), html

    def header(self, kind: str, token: str) -> tuple[Path, Markup]:
        """The file and the HTML of a header mark: a paragraph of its own, so that it is a
        flowable of the frame."""
        html = Markup('<p class="ff-mark"><img src="{}" style="width: 1pt; height: 0.5pt"></p>').format(token)
        self.by_key[kind] = kind
        self.header_html[kind] = str(html)
        return self._file(kind), html

    def later_pages(self) -> Markup:
        """Where the pages after the first take the template whose header is the here mark;
        the fallback leaves it out, and every page lays its header out."""
        self.fallbacks[str(LATER_PAGES_TAG)] = ""
        return LATER_PAGES_TAG

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
        pil = getattr(image, "_image", None)  # ReportLab's ImageReader keeps the PIL image there
        info = getattr(pil, "info", None)
        key = info.get(_CHUNK) if isinstance(info, dict) else None
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

    def missed(self) -> bool:
        """Whether the canvas missed something: totals not drawn, a page without header."""
        if any(isinstance(m, PageMark) for m in self.marks.by_key.values()) and not self.totals:
            return True
        if HEADER_START in self.marks.by_key and self.pages > 1 and not self.header_every_page:
            return self.header_varies or not self.header_recorded or self.header_replayed != self.pages - 1
        return False


_active: contextvars.ContextVar[Drawn | None] = contextvars.ContextVar("fieldforms_page_marks", default=None)


def _baseline_above_image(mark: PageMark, height: float) -> float:
    """Where the text's baseline is, from the bottom of its placeholder.

    xhtml2pdf gives an inline image the vertical-align of its table cell, and turns
    ``baseline`` into the line's bottom; the mark asks for ``middle``, which xhtml2pdf puts
    at ``size - (1.2 × size + height) / 2`` above the baseline for text of the mark's size.
    """
    return (1.2 * mark.size + height) / 2 - mark.size


class PageMarksCanvas(_BaseCanvas):  # type: ignore[misc, valid-type]
    """xhtml2pdf's canvas, drawing page totals and the header as forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ff_totals: dict[str, tuple[int, PageMark]] = {}
        #: a header mark seen, acted on between this flowable and the next
        self._ff_pending: str | None = None
        #: the depth of graphics state the static frames' flowables are drawn at, this page
        self._ff_frame_depth: int | None = None
        self._ff_recording = False

    # --- marks -----------------------------------------------------------------------------
    def drawImage(self, image: Any, x: float, y: float, width: float | None = None, height: float | None = None, *args: Any, **kwargs: Any) -> Any:
        drawn = _active.get()
        mark = drawn.marks.of(image) if drawn is not None else None
        if mark is None:
            return super().drawImage(image, x, y, width, height, *args, **kwargs)
        if isinstance(mark, str):
            self._ff_pending = mark
            return (width, height)
        page = self.getPageNumber()
        name = f"ffPage{page}x{mark.key}"
        w, h = width or mark.width, height or mark.height
        self.saveState()
        self.translate(x + {"left": 0.0, "center": w / 2}.get(mark.align, w), y + _baseline_above_image(mark, h))
        self.doForm(name)
        self.restoreState()
        self._ff_totals[name] = (page, mark)
        drawn.totals += 1
        if self._ff_recording:
            drawn.header_varies = True
        return (w, h)

    # --- the header: between two flowables of its frame ------------------------------------
    def showPage(self) -> None:
        super().showPage()
        self._ff_frame_depth = None

    def saveState(self) -> None:
        self._ff_between_flowables(saving=True)
        super().saveState()
        if self._ff_frame_depth is None:
            # the page's first save is xhtml2pdf's, around its static frames: their
            # flowables are drawn one level below, each in a save/restore of its own
            self._ff_frame_depth = len(self.state_stack)

    def restoreState(self) -> None:
        self._ff_between_flowables(saving=False)
        super().restoreState()

    def _ff_between_flowables(self, saving: bool) -> None:
        """Act on the header marks between two flowables of a static frame.

        A save or restore made at the frame's depth is a flowable beginning (a save) or the
        static frames ending (a restore): the flowable holding a mark is done. Recording
        begins at the save after the start mark and ends at the save or restore after the
        end mark, so the form holds whole flowables and balanced operators; a restore at the
        frame's depth in between means the frames ended without an end mark: the recording
        is closed without counting as recorded, and the report laid out again the plain way.
        """
        if self._ff_pending is None and not self._ff_recording:
            return  # every save and restore of the report comes here: most have nothing to do
        if self._ff_frame_depth is None:
            return
        # beginForm keeps the page's graphics state on the stack: one level more inside
        if len(self.state_stack) != self._ff_frame_depth + self._ff_recording:
            return
        drawn = _active.get()
        kind = self._ff_pending
        self._ff_pending = None
        if kind == HEADER_START and saving and self.getPageNumber() == 1 and not self._ff_recording and not (drawn and drawn.header_every_page):
            self.beginForm(_HEADER_FORM)
            self._ff_recording = True
        elif kind == HEADER_END and self._ff_recording:
            self._ff_recording = False
            self.endForm()
            self.doForm(_HEADER_FORM)
            if drawn is not None:
                drawn.header_recorded = True
        elif kind == HEADER_HERE and drawn is not None and drawn.header_recorded:
            self.doForm(_HEADER_FORM)
            drawn.header_replayed += 1
        elif self._ff_recording and not saving:
            self._ff_recording = False
            self.endForm()
            self.doForm(_HEADER_FORM)

    # --- the end: page totals ---------------------------------------------------------------
    def save(self) -> None:
        # save() shows the page in progress, if it has anything on it
        total = self.getPageNumber() if self._code else self.getPageNumber() - 1
        drawn = _active.get()
        if drawn is not None:
            drawn.pages = total
        if self._ff_recording:  # an end mark never came: the fallback redoes the report
            self._ff_recording = False
            self.endForm()
        for name, (page, mark) in self._ff_totals.items():
            self._define_total(name, mark, mark.text(page, total))
        super().save()

    def _define_total(self, name: str, mark: PageMark, text: str) -> None:
        self.beginForm(name, lowerx=-2000, lowery=-mark.size, upperx=2000, uppery=2 * mark.size)
        self.setFillColor(toColor(mark.color, toColor("#000000")))
        self.setFont(mark.font, mark.size)
        draw = {"left": self.drawString, "center": self.drawCentredString}.get(mark.align, self.drawRightString)
        draw(0, 0, text)
        self.endForm()


_install_lock = threading.Lock()


def install() -> bool:
    """Make xhtml2pdf create :class:`PageMarksCanvas`; False when it has no such place.

    Harmless to other conversions in the process: without marks it is xhtml2pdf's canvas.
    """
    with _install_lock:
        try:
            from xhtml2pdf import xhtml2pdf_reportlab
        except ImportError:  # pragma: no cover
            return False
        current = getattr(xhtml2pdf_reportlab, "MarkedCanvas", None)
        if not isinstance(current, type):
            return False
        if not issubclass(current, PageMarksCanvas):
            if current is not _BaseCanvas:
                return False  # someone else's canvas: leave it, the fallback keeps reports right
            xhtml2pdf_reportlab.MarkedCanvas = PageMarksCanvas
        return True


@contextlib.contextmanager
def drawing(marks: PageMarks, header_every_page: bool = False) -> Iterator[Drawn]:
    """Let the canvas find this report's marks while xhtml2pdf lays it out once."""
    drawn = Drawn(marks, header_every_page)
    token = _active.set(drawn)
    try:
        yield drawn
    finally:
        _active.reset(token)
