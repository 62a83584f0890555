"""The one-pass layout of reports is an optimisation with a guard on each side: it must stay
in use for the standard report (an upgrade of xhtml2pdf or ReportLab could turn it off
without a word), and anything failing inside it must cost speed only, never the report."""

from __future__ import annotations

import logging

import pytest

from bench.report import standard_forms
from renderers.pdf import adapter, html_to_pdf, render_html, sample_attachments
from renderers.pdf.adapter import PageMarksCanvas
from renderers.pdf.page_marks import PageMarks
from renderers.preview import demo_context

from .test_page_marks import _count_layouts, _long_answers, _pages, _report


def test_guard_the_standard_report_is_laid_out_in_one_pass(monkeypatch):
    """The report `bench/report.py` measures: one ReportLab build, the header laid out on
    the first page only, every total drawn by the canvas."""
    forms = standard_forms()
    attachments = {k: v for d, data in forms for k, v in sample_attachments(d, data).items()}
    html, resources = render_html(forms, demo_context(), attachments=attachments)
    builds = _count_layouts(monkeypatch)
    pages = _pages(html_to_pdf(html, resources))
    drawn = resources.drawn
    why = (
        "the standard report is no longer laid out in one pass: xhtml2pdf or ReportLab no longer "
        f"makes or drives the canvas as renderers/pdf/adapter.py expects (error: {drawn.error!r}, "
        f"{len(builds)} builds, header recorded: {drawn.header_recorded}, replayed on "
        f"{drawn.header_replayed} of {len(pages) - 1} pages, {drawn.totals} totals for {len(pages)} pages)"
    )
    assert len(pages) >= 2, "the standard report should have more than one page"
    assert drawn.error is None and not drawn.missed(), why
    assert len(builds) == 1, why
    assert (drawn.header_recorded, drawn.header_replayed, drawn.totals) == (True, len(pages) - 1, len(pages)), why


class Injected(Exception):
    """The failure a test puts inside the one-pass layout."""


def _raise(*args, **kwargs):
    raise Injected("injected into the one-pass layout")


def _in_the_one_pass_only(method):
    """``method`` failing on canvases drawing marks, as it does on xhtml2pdf's own otherwise."""

    def fail_or_run(self, *args, **kwargs):
        if self._ff_drawn is not None:
            _raise()
        return method(self, *args, **kwargs)

    return fail_or_run


#: where the one pass may fail: (what is patched, its attribute, the replacement)
FAILURES = {
    # the HTML side: a mark's placeholder image cannot be written
    "mark file": (PageMarks, "_file", _raise),
    # before the layout: the canvas cannot be put in place, the header cannot be read
    "install": (adapter, "install", _raise),
    "header check": (PageMarks, "header_varies", _raise),
    # in the canvas, while xhtml2pdf paints the header frame (it swallows what raises there)
    "mark lookup": (PageMarks, "of", _raise),
    "header form": (PageMarksCanvas, "beginForm", _in_the_one_pass_only(PageMarksCanvas.beginForm)),
    "header replay": (PageMarksCanvas, "doForm", _in_the_one_pass_only(PageMarksCanvas.doForm)),
    # in the canvas, outside any frame: the totals defined when the document is saved
    "page totals": (PageMarksCanvas, "_define_total", _raise),
}


@pytest.mark.parametrize("where", FAILURES)
def test_a_failure_inside_the_one_pass_layout_costs_only_speed(sink, monkeypatch, caplog, where):
    target, name, replacement = FAILURES[where]
    monkeypatch.setattr(target, name, replacement)
    html, resources = _report(sink, _long_answers())
    with caplog.at_level(logging.WARNING, logger="renderers.pdf.layout"):
        pages = _pages(html_to_pdf(html, resources))
    assert isinstance(resources.drawn.error, Injected) and resources.drawn.missed()
    assert any("laid out the plain way" in r.getMessage() for r in caplog.records)
    assert len(pages) >= 4
    for i, text in enumerate(pages, 1):
        assert f"Page {i} / {len(pages)}" in text
        assert "Granulés & Chaleur Services" in text and "Marie Cotillon" in text and "Cesson-Sévigné" in text
    assert "Pièce n° 139" in "\n".join(pages)  # the last line of the long table


def test_after_a_failed_one_pass_the_next_report_is_laid_out_in_one_pass_again(sink, monkeypatch):
    """A failure belongs to its layout: nothing is left switched off for the next one."""
    with monkeypatch.context() as m:
        m.setattr(PageMarks, "of", _raise)
        html, resources = _report(sink, _long_answers())
        html_to_pdf(html, resources)
        assert isinstance(resources.drawn.error, Injected)
    html, resources = _report(sink, _long_answers())
    html_to_pdf(html, resources)
    assert resources.drawn.error is None and not resources.drawn.missed()

