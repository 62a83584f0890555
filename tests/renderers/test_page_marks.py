"""The header and “Page X / Y” laid out once, and the same report when the canvas that
does it is not used."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from renderers.pdf import adapter, convert, html_to_pdf, render_html, sample_attachments
from renderers.pdf.adapter import PageMarksCanvas
from renderers.pdf.page_marks import PageMark, PageMarks
from renderers.preview import demo_context

from .conftest import KITCHEN_ANSWERS


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def _long_answers() -> dict:
    """The kitchen sink with enough lines in its table to fill several pages."""
    answers = dict(KITCHEN_ANSWERS)
    answers["pieces"] = [{"ref": f"R-{i:03d}", "designation": f"Pièce n° {i}", "quantite": i % 5 + 1} for i in range(140)]
    return answers


def _report(sink, answers=KITCHEN_ANSWERS, template=None, logo=None, address=None):
    context = demo_context()
    context["company"]["logo"] = logo
    if address is not None:
        context["company"]["address"] = address
    return render_html([(sink, answers)], context, template=template, attachments=sample_attachments(sink, answers))


def _count_layouts(monkeypatch) -> list[int]:
    """How many times ReportLab lays the document out (multiBuild builds once per pass)."""
    from reportlab.platypus.doctemplate import BaseDocTemplate

    builds: list[int] = []
    original = BaseDocTemplate.build

    def build(self, *args, **kwargs):
        builds.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BaseDocTemplate, "build", build)
    return builds


def _without_the_canvas(monkeypatch) -> None:
    """As with an xhtml2pdf that makes its canvas somewhere we do not reach."""
    from xhtml2pdf import xhtml2pdf_reportlab

    monkeypatch.setattr(xhtml2pdf_reportlab, "MarkedCanvas", PageMarksCanvas.__mro__[1])
    monkeypatch.setattr(adapter, "install", lambda: False)


def test_one_layout_header_drawn_once_and_every_page_numbered(sink, monkeypatch):
    html, resources = _report(sink, _long_answers())
    assert "<pdf:pagecount>" not in html
    builds = _count_layouts(monkeypatch)
    pdf = html_to_pdf(html, resources)
    pages = _pages(pdf)
    assert len(builds) == 1
    assert len(pages) >= 4
    drawn = resources.drawn
    assert (drawn.pages, drawn.totals, drawn.header_recorded, drawn.header_replayed) == (len(pages), len(pages), True, len(pages) - 1)
    for i, text in enumerate(pages, 1):
        assert f"Page {i} / {len(pages)}" in text
        assert "Granulés & Chaleur Services" in text and "Marie Cotillon" in text and "Cesson-Sévigné" in text
    # the header is one form XObject, the same object on every page
    reader = PdfReader(io.BytesIO(pdf))
    headers = {p["/Resources"]["/XObject"].raw_get("/FormXob.ffHeader").idnum for p in reader.pages}
    assert len(headers) == 1


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian's poppler-utils, installed by `make test` as root) is missing")
def test_the_pages_look_the_same_as_the_plain_layout(sink, tmp_path):
    """Pixel for pixel, with a logo in the header: the recorded header is the header."""
    from PIL import Image, ImageChops

    from renderers.pdf import sample_image

    logo = tmp_path / "logo.jpg"
    logo.write_bytes(sample_image("photo", "LOGO"))
    html, resources = _report(sink, _long_answers(), logo=logo)
    fast = html_to_pdf(html, resources)
    assert not resources.drawn.missed()
    plain = convert(resources.page_marks.with_fallbacks(html), resources)
    for name, pdf in (("fast", fast), ("plain", plain)):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        done = subprocess.run(["pdftoppm", "-png", "-r", "80", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], capture_output=True, text=True, check=True)
        assert "Syntax Error" not in done.stderr, done.stderr  # balanced operators
    shots = sorted(tmp_path.glob("fast-*.png"))
    assert len(shots) == len(PdfReader(io.BytesIO(plain)).pages) >= 4
    # “Page X / Y” is right-aligned by xhtml2pdf in one and by the canvas in the other, a
    # fraction of a point apart: its cell (the footer's right 3 cm) is left out
    px = 80 / 2.54
    total_cell = (round(16.5 * px), round(28.1 * px), round(19.7 * px), round(29.2 * px))
    for shot in shots:
        with Image.open(shot) as a, Image.open(tmp_path / shot.name.replace("fast", "plain")) as b:
            a, b = a.convert("RGB"), b.convert("RGB")
            for im in (a, b):
                im.paste("white", total_cell)
            assert ImageChops.difference(a, b).getbbox() is None, shot.name


def test_without_the_canvas_the_report_is_laid_out_the_plain_way(sink, monkeypatch):
    _without_the_canvas(monkeypatch)
    html, resources = _report(sink, _long_answers())
    builds = _count_layouts(monkeypatch)
    pages = _pages(html_to_pdf(html, resources))
    assert resources.drawn.missed() and resources.drawn.totals == 0
    assert len(builds) == 3  # the layout that drew no marks, then multiBuild's two passes
    for i, text in enumerate(pages, 1):
        assert f"Page {i} / {len(pages)}" in text
        assert "Granulés & Chaleur Services" in text and "Marie Cotillon" in text


def test_a_header_that_is_not_recorded_is_laid_out_on_every_page(sink, monkeypatch):
    """The start mark never acted on (as if xhtml2pdf drew static frames differently): no
    page goes without its header."""
    monkeypatch.setattr(PageMarksCanvas, "_ff_between_flowables", lambda self, saving: None)
    html, resources = _report(sink, _long_answers())
    pages = _pages(html_to_pdf(html, resources))
    assert resources.drawn.missed() and not resources.drawn.header_recorded
    assert len(pages) >= 4
    for i, text in enumerate(pages, 1):
        assert f"Page {i} / {len(pages)}" in text
        assert "Granulés & Chaleur Services" in text and "Marie Cotillon" in text


def test_a_one_page_report_and_a_template_with_its_own_header(sink, tmp_path):
    from engine import load_definition

    short = load_definition({"id": "court", "version": 1, "title": "Court", "schema": {"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}})
    html, resources = render_html([(short, {"a": "une ligne"})], demo_context())
    pages = _pages(html_to_pdf(html, resources))
    assert len(pages) == 1 and "Page 1 / 1" in pages[0] and not resources.drawn.missed()
    tpl = tmp_path / "own.html"
    tpl.write_text('{% extends "fieldforms/layout.html" %}{% block header %}<p>En-tête maison « {{ company.name }} »</p>{% endblock %}', encoding="utf-8")
    html, resources = _report(sink, _long_answers(), template=tpl)
    pages = _pages(html_to_pdf(html, resources))
    assert resources.drawn.header_replayed == len(pages) - 1
    for text in pages:
        assert "En-tête maison « Granulés & Chaleur Services »" in text


def test_pdf_pagecount_in_a_template_still_works(sink, tmp_path):
    tpl = tmp_path / "own.html"
    tpl.write_text('{% extends "fieldforms/layout.html" %}{% block footer %}<p>Feuille <pdf:pagenumber> sur <pdf:pagecount></p>{% endblock %}', encoding="utf-8")
    html, resources = _report(sink, _long_answers(), template=tpl)
    pages = _pages(html_to_pdf(html, resources))
    for i, text in enumerate(pages, 1):
        assert f"Feuille {i} sur {len(pages)}" in text


def test_a_template_places_page_x_of_y_where_it_wants_in_its_style(sink, tmp_path):
    tpl = tmp_path / "own.html"
    tpl.write_text(
        '{% extends "fieldforms/layout.html" %}'
        '{% block doc_title %}Attestation {{ page_x_of_y(size=9, color="#b42318", bold=true, align="left") }}{% endblock %}',
        encoding="utf-8",
    )
    html, resources = _report(sink, template=tpl)
    pdf = html_to_pdf(html, resources)
    pages = _pages(pdf)
    # two totals a page (header and footer), each drawn as a form of its own
    assert resources.drawn.totals == 2 * len(pages) and not resources.drawn.missed()
    for i, text in enumerate(pages, 1):
        assert text.count(f"Page {i} / {len(pages)}") == 2
    forms = [xo.get_object() for xo in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"].values()]
    red_bold = [f.get_data() for f in forms if b".705882 .137255 .094118 rg" in f.get_data()]
    assert len(red_bold) == 1 and b"9 Tf" in red_bold[0]


def test_marks_are_told_apart_and_are_transparent_images(tmp_path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    marks = PageMarks(tmp_path)
    a = PageMark("Page", 7.5, "#666666", "Helvetica", "right")
    b = PageMark("Seite", 9.0, "#000000", "Helvetica-Bold", "left")
    path_a, _ = marks.page_total(a, "ff-res:a")
    path_b, html_b = marks.page_total(b, "ff-res:b")
    path_h, _ = marks.header("header-start", "ff-res:h")
    assert len({path_a, path_b, path_h}) == 3
    with Image.open(path_a) as im:
        assert im.size == (1, 1) and im.getpixel((0, 0))[3] == 0
    assert marks.of(ImageReader(str(path_a))) == a
    assert marks.of(ImageReader(str(path_b))) == b
    assert marks.of(ImageReader(str(path_h))) == "header-start"
    assert marks.of(ImageReader(str(tmp_path / "page-marks" / f"{a.key}.png"))) == a
    later = marks.later_pages()
    # the plain layout: the page tags with the same words, the header on every page
    assert marks.with_fallbacks(f"<td>{html_b}</td>{later}") == (
        '<td><span style="font-size: 9pt; color: #000000">Seite <pdf:pagenumber> / <pdf:pagecount></span></td>'
    )


@pytest.mark.parametrize("size", ["'x'", "none", "1000", "-3"])
def test_a_bad_size_or_colour_in_a_template_is_kept_in_bounds(sink, tmp_path, size):
    tpl = tmp_path / "own.html"
    tpl.write_text('{% extends "fieldforms/layout.html" %}{% block footer %}{{ page_x_of_y(size=' + size + ', color="red; background: url(http://example.com/x)") }}{% endblock %}', encoding="utf-8")
    html, resources = _report(sink, template=tpl)
    assert "example.com" not in html
    pages = _pages(html_to_pdf(html, resources))
    assert f"Page 1 / {len(pages)}" in pages[0]


def test_a_page_number_recorded_in_the_header_is_never_drawn_on_another_page(sink, tmp_path, monkeypatch):
    """Were the HTML check to miss a page total in the header, the canvas sees it recorded
    and the report is laid out the plain way: no page shows another page's number."""
    monkeypatch.setattr(PageMarks, "header_varies", lambda self, html: False)
    tpl = tmp_path / "own.html"
    tpl.write_text('{% extends "fieldforms/layout.html" %}{% block doc_title %}Attestation {{ page_x_of_y(size=9) }}{% endblock %}', encoding="utf-8")
    html, resources = _report(sink, _long_answers(), template=tpl)
    pages = _pages(html_to_pdf(html, resources))
    assert resources.drawn.header_varies and resources.drawn.missed()
    for i, text in enumerate(pages, 1):
        assert text.count(f"Page {i} / {len(pages)}") == 2, text


def test_reports_laid_out_at_the_same_time_keep_their_own_marks(sink):
    """Web requests and report workers render in threads: each report's marks and counts
    are its own (xhtml2pdf lays one document out at a time; the marks follow the thread)."""
    from concurrent.futures import ThreadPoolExecutor

    from engine import load_definition

    short = load_definition({"id": "court", "version": 1, "title": "Court", "schema": {"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}})
    jobs = [_report(sink, _long_answers()), render_html([(short, {"a": "une ligne"})], demo_context())] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: (_pages(html_to_pdf(*job)), job[1].drawn), jobs))
    for pages, drawn in results:
        assert not drawn.missed() and drawn.pages == len(pages) and drawn.header_replayed == len(pages) - 1
        for i, text in enumerate(pages, 1):
            assert f"Page {i} / {len(pages)}" in text and "Marie Cotillon" in text
    assert {len(pages) for pages, _ in results} == {1, len(results[0][0])}


def test_a_header_too_tall_for_its_frame_is_laid_out_on_every_page(sink):
    """xhtml2pdf shrinks such a header inside a box of its own, where the marks cannot be
    told from the frame's flowables: nothing is recorded, and the plain layout keeps every
    page whole."""
    html, resources = _report(sink, _long_answers(), address="\n".join(f"Ligne d'adresse {i}" for i in range(14)))
    pages = _pages(html_to_pdf(html, resources))
    assert resources.drawn.missed() and not resources.drawn.header_recorded
    for i, text in enumerate(pages, 1):
        assert f"Page {i} / {len(pages)}" in text
        assert "Granulés & Chaleur Services" in text and "Ligne d'adresse 13" in text
