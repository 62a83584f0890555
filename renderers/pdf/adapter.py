"""xhtml2pdf and ReportLab, as reports use them: the only module that imports either.

The rest of :mod:`renderers.pdf` asks this module to register fonts, measure text, read a
colour and turn HTML into PDF, so that an upgrade of either library is read here and
nowhere else (``tests/engine/test_boundaries.py`` checks that no other module of the
renderers imports them).

Most of it is their documented API. The one-pass layout of page marks (see
:mod:`.page_marks`) is not: a canvas class put where xhtml2pdf makes its canvases, the
depth of ReportLab's graphics state stack, its page buffer, the PIL image inside an
``ImageReader``, and xhtml2pdf's table of font names. That part only ever runs inside
:func:`convert_in_one_pass`: whatever goes wrong in it is recorded on the layout's
:class:`~.page_marks.Drawn` (xhtml2pdf swallows errors raised while it paints a static
frame, so an exception alone would not say so), and :func:`renderers.pdf.layout.html_to_pdf`
lays the report out again the plain way: right, only slower.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

import reportlab.rl_config
from reportlab.lib.colors import toColor
from reportlab.pdfbase.pdfmetrics import getAscent, stringWidth
from reportlab.pdfgen.canvas import Canvas

try:  # the canvas xhtml2pdf makes (crop marks); plain ReportLab before it had one
    from xhtml2pdf.builders.printmarks import MarkedCanvas as _BaseCanvas
except ImportError:  # pragma: no cover - depends on the installed xhtml2pdf
    _BaseCanvas = Canvas

if TYPE_CHECKING:  # the canvas reads and fills in one layout's tally; page_marks measures text here
    from .page_marks import Drawn, PageMark

# ReportLab's ASCII85 encoding of images makes files 25 % larger and renders slower: the
# PDF is binary anyway.
reportlab.rl_config.useA85 = 0

#: The header marks the canvas acts on (see :mod:`.page_marks`).
HEADER_START, HEADER_END, HEADER_HERE = "header-start", "header-end", "header-here"
_HEADER_FORM = "ffHeader"


# --- fonts, text and colours ------------------------------------------------------------
def register_font_family(faces: Mapping[tuple[str, str], tuple[str, Path]], css_names: Iterable[str]) -> None:
    """Register the four faces of one family, by (weight, style): (name, file), with
    ReportLab, and make xhtml2pdf take ``css_names`` in a CSS ``font-family`` for it."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from xhtml2pdf import default as x2p_default

    for name, path in faces.values():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    regular = faces[("normal", "normal")][0]
    for (weight, style), (name, _) in faces.items():
        addMapping(regular, int(weight == "bold"), int(style == "italic"), name)
    pdfmetrics.registerFontFamily(regular, normal=regular, bold=faces[("bold", "normal")][0], italic=faces[("normal", "italic")][0], boldItalic=faces[("bold", "italic")][0])
    # xhtml2pdf's own table of CSS font names (internal): how a family registered once with
    # ReportLab gets a CSS name, without an @font-face in every report
    for css in (*css_names, regular.lower()):
        x2p_default.DEFAULT_FONT[css] = regular


def text_width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def font_ascent(font: str, size: float) -> float:
    return getAscent(font, size)


def colour_hex(value: Any, default: str) -> str:
    """``#rrggbb`` of a CSS colour as ReportLab reads it, ``default`` for anything else
    (what a template author wrote is only ever read as a colour)."""
    fallback = toColor(default)
    rgb = toColor(value, fallback) if isinstance(value, str) else fallback
    return "#" + rgb.hexval()[2:]


# --- HTML to PDF: the plain way, public API only ------------------------------------------
def convert(html: str, link_callback: Callable[..., str], allowed_roots: Iterable[Path], base_dir: Path) -> tuple[bytes, int]:
    """The PDF of ``html`` and how many errors xhtml2pdf counted; exceptions propagate.

    Files are read through ``link_callback`` only, and (with an xhtml2pdf that has one) a
    resource policy allowing no network and no folder but ``allowed_roots``.
    """
    from xhtml2pdf import pisa

    out = io.BytesIO()
    kwargs: dict[str, Any] = {"dest": out, "link_callback": link_callback, "encoding": "utf-8"}
    policy = _policy(allowed_roots, base_dir)
    if policy is not None:
        kwargs["resource_policy"] = policy
    status = pisa.CreatePDF(html, **kwargs)
    return out.getvalue(), status.err


def _policy(allowed_roots: Iterable[Path], base_dir: Path) -> Any:
    try:
        from xhtml2pdf.config.resources import ResourceAccessPolicy
    except ImportError:  # older xhtml2pdf: the link_callback alone guards
        return None
    return ResourceAccessPolicy(allow_remote=False, base_dir=base_dir, extra_roots=tuple(sorted(set(allowed_roots))))


# --- the one-pass layout of page marks (internals) ---------------------------------------
def png_text(image: Any, chunk: str) -> str | None:
    """A text chunk of the PNG an image ReportLab is asked to draw was read from."""
    pil = getattr(image, "_image", None)  # ReportLab's ImageReader keeps the PIL image there
    info = getattr(pil, "info", None)
    value = info.get(chunk) if isinstance(info, dict) else None
    return value if isinstance(value, str) else None


_active: contextvars.ContextVar["Drawn | None"] = contextvars.ContextVar("fieldforms_page_marks", default=None)


def convert_in_one_pass(html: str, drawn: Drawn, link_callback: Callable[..., str], allowed_roots: Iterable[Path], base_dir: Path) -> tuple[bytes, int]:
    """:func:`convert`, with the canvas drawing the marks of ``drawn`` and counting in it
    what it drew. Exceptions propagate; those xhtml2pdf swallows are in ``drawn.error``."""
    install()
    with drawing(drawn):
        return convert(html, link_callback, allowed_roots, base_dir)


def _baseline_above_image(mark: PageMark, height: float) -> float:
    """Where the text's baseline is, from the bottom of its placeholder.

    xhtml2pdf gives an inline image the vertical-align of its table cell, and turns
    ``baseline`` into the line's bottom; the mark asks for ``middle``, which xhtml2pdf puts
    at ``size - (1.2 × size + height) / 2`` above the baseline for text of the mark's size.
    """
    return (1.2 * mark.size + height) / 2 - mark.size


class PageMarksCanvas(_BaseCanvas):  # type: ignore[misc, valid-type]
    """xhtml2pdf's canvas, drawing page totals and the header as forms.

    Made outside :func:`convert_in_one_pass` (no layout to count in), it is xhtml2pdf's
    canvas: every method below hands over to it at once.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: the layout this canvas draws marks for (a canvas lives for one build)
        self._ff_drawn = _active.get()
        self._ff_totals: dict[str, tuple[int, PageMark]] = {}
        #: a header mark seen, acted on between this flowable and the next
        self._ff_pending: str | None = None
        #: the depth of graphics state the static frames' flowables are drawn at, this page
        self._ff_frame_depth: int | None = None
        self._ff_recording = False

    @contextlib.contextmanager
    def _ff_guard(self) -> Iterator[None]:
        """Note a failure of the marks' drawing in the layout's tally, then let it go on."""
        try:
            yield
        except Exception as exc:
            if self._ff_drawn is not None:
                self._ff_drawn.fail(exc)
            raise

    # --- marks -----------------------------------------------------------------------------
    def drawImage(self, image: Any, x: float, y: float, width: float | None = None, height: float | None = None, *args: Any, **kwargs: Any) -> Any:
        drawn = self._ff_drawn
        if drawn is None:
            return super().drawImage(image, x, y, width, height, *args, **kwargs)
        with self._ff_guard():
            mark = drawn.marks.of(image)
        if mark is None:
            return super().drawImage(image, x, y, width, height, *args, **kwargs)
        with self._ff_guard():
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
        if self._ff_frame_depth is None and self._ff_drawn is not None:
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
        drawn = self._ff_drawn
        kind = self._ff_pending
        self._ff_pending = None
        with self._ff_guard():
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
        drawn = self._ff_drawn
        if drawn is not None:
            with self._ff_guard():
                # save() shows the page in progress, if it has anything on it
                drawn.pages = self.getPageNumber() if self._code else self.getPageNumber() - 1
                if self._ff_recording:  # an end mark never came: the fallback redoes the report
                    self._ff_recording = False
                    self.endForm()
                for name, (page, mark) in self._ff_totals.items():
                    self._define_total(name, mark, mark.text(page, drawn.pages))
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
def drawing(drawn: Drawn) -> Iterator[Drawn]:
    """Let the canvases made meanwhile (in this thread) draw the marks of ``drawn``."""
    token = _active.set(drawn)
    try:
        yield drawn
    finally:
        _active.reset(token)
