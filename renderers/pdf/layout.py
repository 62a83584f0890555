"""The report's HTML laid out as PDF pages: in one pass when it can, the plain way when not.

The one pass draws the header and the page totals once (see :mod:`.page_marks`), with
xhtml2pdf internals (:mod:`.adapter`). It is an optimisation and nothing more: when the
canvas missed a mark, or anything raised in it, the report is laid out again the plain way
(every page lays its header out, ``<pdf:pagecount>`` makes xhtml2pdf lay it out twice),
which reaches only xhtml2pdf's public API. Either way the report is right;
:attr:`Resources.drawn <.resources.Resources.drawn>` says which way it went, and a failure
is logged as a warning.
"""

from __future__ import annotations

import logging

from . import adapter
from .errors import ReportError
from .images import CACHE_DIR
from .page_marks import LATER_PAGES_TAG, Drawn
from .resources import Resources

log = logging.getLogger(__name__)


def html_to_pdf(html: str, resources: Resources) -> bytes:
    """Lay the report out with xhtml2pdf: once, or again the plain way when the one pass
    missed a page mark or failed."""
    marks = resources.page_marks
    drawn = resources.drawn = Drawn(marks, error=marks.error)
    pdf = _in_one_pass(html, drawn, resources) if drawn.error is None else None
    if pdf is None or drawn.missed():
        if drawn.error is not None:
            log.warning("report laid out the plain way: the one-pass layout failed (%r)", drawn.error, exc_info=drawn.error)
        pdf = convert(marks.with_fallbacks(html), resources)
    return pdf


def _in_one_pass(html: str, drawn: Drawn, resources: Resources) -> bytes | None:
    """The PDF laid out once, or None when that failed (the failure is ``drawn.error``).

    A refused resource or a layout error is the report's own, which the plain way would
    meet again: it is raised, not retried.
    """
    try:
        drawn.header_every_page = drawn.marks.header_varies(html)
        if drawn.header_every_page:  # a header showing page numbers: each page lays its own out
            html = html.replace(LATER_PAGES_TAG, "")
        pdf, errors = adapter.convert_in_one_pass(html, drawn, resources.link_callback, resources.roots(), CACHE_DIR)
    except ReportError:
        raise
    except Exception as exc:
        drawn.fail(exc)
        return None
    _check(resources, errors)
    return pdf


def convert(html: str, resources: Resources) -> bytes:
    """``html`` laid out by xhtml2pdf as it is (the plain way), with the report's files only."""
    pdf, errors = adapter.convert(html, resources.link_callback, resources.roots(), CACHE_DIR)
    _check(resources, errors)
    return pdf


def _check(resources: Resources, errors: int) -> None:
    if resources.refused:
        raise ReportError(f"refused resource {resources.refused[0]!r}: a report may only use its photos, signatures, fonts and logo")
    if errors:
        raise ReportError(f"the PDF layout failed ({errors} error(s))")
