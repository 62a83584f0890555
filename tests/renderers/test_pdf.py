"""PDF reports: real text, accents, labels, page X / Y, escaping, safe resources."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from renderers.pdf import ReportError, Resources, check_template, render_html, render_intervention_report, render_report, sample_attachments
from renderers.preview import demo_context


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def sink_pdf(sink):
    from .conftest import KITCHEN_ANSWERS

    return render_report(sink, KITCHEN_ANSWERS, demo_context(), attachments=sample_attachments(sink, KITCHEN_ANSWERS))


def test_text_labels_accents_choices_booleans(sink_pdf):
    assert sink_pdf.startswith(b"%PDF")
    text = text_of(sink_pdf)
    for expected in ("Granulés & Chaleur Services", "Marie Cotillon", "Cesson-Sévigné", "Pierre Paul Jacques",
                     "Entretien poêle à granulés", "Réalisé", "1 h 30", "1 h 45", "25 min", "24/11/2026 14:00 – 15:30",
                     "Énergie", "Contrôles", "Puissance", "8,5", "Non", "Oui", "Autre", "Joint, Sonde", "1 h 35",
                     "Signé par", "Marie Ç. <b>", "Désignation", "fondue", "ligne 2 « é »"):
        assert expected in text, expected


def test_page_x_of_y_on_every_page(sink_pdf):
    pages = PdfReader(io.BytesIO(sink_pdf)).pages
    assert len(pages) >= 2
    for i, page in enumerate(pages, 1):
        t = page.extract_text()
        assert f"Page {i} / {len(pages)}" in t
        assert "Granulés & Chaleur Services" in t and "Marie Cotillon" in t  # header on every page


def test_font_is_embedded_dejavu(sink_pdf):
    reader = PdfReader(io.BytesIO(sink_pdf))
    fonts = set()
    for page in reader.pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert any("DejaVu" in f for f in fonts), fonts


def test_answers_with_markup_and_template_code_are_text(sink_pdf):
    text = text_of(sink_pdf)
    assert "Dupont <script>alert('x')</script> {{ 7*7 }} {% raw %}" in text
    assert "<script>alert(1)</script> {{ 7*7 }}" in text.replace("\n", " ")
    assert "49" not in text.replace("2026", "")


def test_link_callback_allows_known_files_only(tmp_path):
    res = Resources({}, None)
    for uri in ("http://example.com/x.png", "https://example.com/a.css", "file:///etc/passwd", "/etc/passwd", "x.png"):
        with pytest.raises(ReportError, match="refused resource"):
            res.link_callback(uri, None)


def test_remote_image_in_a_template_refuses_the_report(tmp_path, sink, sink_answers):
    tpl = tmp_path / "remote.html"
    tpl.write_text('{% extends "fieldforms/layout.html" %}{% block before_forms %}<img src="http://example.com/x.png">{% endblock %}', encoding="utf-8")
    with pytest.raises(ReportError, match="refused resource 'http://example.com/x.png'"):
        render_report(sink, sink_answers, demo_context(), template=tpl, attachments={})
    for snippet in ('{% block extra_style %}body { background-image: url("/etc/hosts"); }{% endblock %}',
                    '{% block before_forms %}<link rel="stylesheet" href="/etc/hosts">{% endblock %}',
                    '{% block extra_style %}@font-face { font-family: X; src: url("http://example.com/f.ttf"); }{% endblock %}'):
        tpl.write_text('{% extends "fieldforms/layout.html" %}' + snippet, encoding="utf-8")
        with pytest.raises(ReportError, match="refused resource"):
            render_report(sink, sink_answers, demo_context(), template=tpl, attachments={})


def test_corrupt_or_non_image_photo_names_the_field(sink, sink_answers):
    atts = sample_attachments(sink, sink_answers)
    atts["3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b"] = b"%PDF-1.4 not an image"
    with pytest.raises(ReportError, match=r"Photos \(/photos\): photo 3f1c9a2e.*not an image"):
        render_report(sink, sink_answers, demo_context(), attachments=atts)
    good = sample_attachments(sink, sink_answers)["3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b"]
    atts["3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b"] = good[: len(good) // 3]
    with pytest.raises(ReportError, match=r"Photos \(/photos\).*corrupt"):
        render_report(sink, sink_answers, demo_context(), attachments=atts)


def test_missing_photo_is_noted_not_fatal(sink, sink_answers):
    text = text_of(render_report(sink, sink_answers, demo_context(), attachments={}))
    assert "Photo indisponible" in text


def test_missing_or_broken_template(tmp_path, sink, sink_answers):
    with pytest.raises(ReportError, match=r"^nope\.html: report template not found"):
        render_report(sink, sink_answers, demo_context(), template="nope.html")
    bad = tmp_path / "bad.html"
    bad.write_text("{% if %}", encoding="utf-8")
    with pytest.raises(ReportError, match=r"bad\.html:1: "):
        render_report(sink, sink_answers, demo_context(), template=bad)


def test_templates_are_sandboxed(tmp_path, sink, sink_answers):
    tpl = tmp_path / "evil.html"
    tpl.write_text('{% extends "fieldforms/layout.html" %}{% block before_forms %}{{ form.__class__.__mro__ }}{{ "".__class__.__subclasses__() }}{% endblock %}', encoding="utf-8")
    with pytest.raises(ReportError):
        render_report(sink, sink_answers, demo_context(), template=tpl, attachments={})


def test_shipped_template_and_lint(repo_root_forms):
    from renderers.pdf import REPORTS_DIR

    tpl = REPORTS_DIR / "entretien.html"
    assert check_template(tpl, repo_root_forms) == []
    d, data = repo_root_forms["entretien-poele"], __import__("json").loads((REPORTS_DIR.parents[1] / "examples" / "entretien-poele" / "valid.json").read_text())
    text = text_of(render_report(d, data, demo_context(), template="entretien.html", attachments=sample_attachments(d, data)))
    assert "Attestation d'entretien" in text and "Conclusion" in text and "en état de fonctionnement" in text


def test_check_template_finds_unknown_answers(tmp_path, repo_root_forms):
    tpl = tmp_path / "t.html"
    tpl.write_text("{% extends 'fieldforms/layout.html' %}{% block content %}{{ answers['entretien-poele'].appareil.nope }}"
                   "{{ answers.zzz.a }}{{ forms['entretien-poele'].value('appareil.marque') }}{{ forms['entretien-poele'].value('bad') }}{% endblock %}", encoding="utf-8")
    msgs = [p.message for p in check_template(tpl, repo_root_forms)]
    assert any("no field “appareil.nope”" in m for m in msgs)
    assert any("no form “zzz”" in m for m in msgs)
    assert any("no field “bad”" in m for m in msgs)
    assert not any("appareil.marque" in m for m in msgs)
    tpl.write_text("{% extends 'nothere.html' %}", encoding="utf-8")
    assert "nothere.html" in check_template(tpl, repo_root_forms)[0].message
    tpl.write_text("{% for %}", encoding="utf-8")
    [p] = check_template(tpl, repo_root_forms)
    assert p.file == str(tpl) and p.message.startswith("line 1:")


def test_several_forms_in_one_report(repo_root_forms):
    d1, d2 = repo_root_forms["entretien-poele"], repo_root_forms["photos-signatures"]
    import json
    from .conftest import EXAMPLES_DIR

    a1 = json.loads((EXAMPLES_DIR / "entretien-poele" / "valid.json").read_text())
    a2 = json.loads((EXAMPLES_DIR / "photos-signatures" / "valid.json").read_text())
    atts = {**sample_attachments(d1, a1), **sample_attachments(d2, a2)}
    pdf = render_intervention_report([(d1, a1), (d2, a2)], demo_context(), attachments=atts)
    text = text_of(pdf)
    assert text.index(d1.title_in("fr")) < text.index(d2.title_in("fr"))
    html, _ = render_html([(d1, a1), (d2, a2)], demo_context(), attachments=atts)
    assert html.count("<h1 class=\"form-title\">") == 2


def test_english_report(sink, sink_answers):
    text = text_of(render_report(sink, sink_answers, demo_context("en"), lang="en", attachments={}))
    assert "Intervention report" in text and "Yes" in text and "No" in text


@pytest.fixture(scope="module")
def repo_root_forms():
    from engine import load_definition
    from .conftest import FORMS_DIR

    return {f.stem: load_definition(f) for f in sorted(FORMS_DIR.glob("*.json"))}


def test_a_list_of_plain_values_is_a_row_of_the_answers_table():
    import io

    from pypdf import PdfReader

    from engine import load_definition
    from renderers.pdf import render_html, render_report
    from renderers.preview import demo_context

    d = load_definition({"id": "codes", "version": 1, "schema": {"type": "object", "properties": {
        "avant": {"type": "string", "title": "Avant"},
        "codes": {"type": "array", "title": "Codes erreur", "items": {"type": "string"}},
        "apres": {"type": "string", "title": "Après"}}}})
    data = {"avant": "a", "codes": ["E108", "A01"], "apres": "b"}
    html, _ = render_html([(d, data)], demo_context())
    row = html[html.index("Codes erreur"):]
    assert row.index("E108") < row.index("</tr>")  # in the same row as its label
    assert '<h3 class="sub">Codes erreur' not in html
    text = PdfReader(io.BytesIO(render_report(d, data, demo_context()))).pages[0].extract_text()
    assert "Codes erreur" in text and "E108" in text and "A01" in text


def test_reportlab_runs_with_its_c_accelerators():
    """``reportlab[accel]`` is a dependency: without it number formatting and string widths
    run in Python, 7 % of a report's layout."""
    import inspect

    from reportlab.lib import rl_accel

    for name in ("fp_str", "instanceStringWidthTTF", "escapePDF"):
        assert inspect.isbuiltin(getattr(rl_accel, name)), name


def test_a_list_alone_in_its_section_is_not_titled_twice():
    """“Pièces remplacées”, the section, then “Pièces remplacées”, its only field: once."""
    import json

    from engine import load_definition

    from .conftest import EXAMPLES_DIR, FORMS_DIR

    d = load_definition(FORMS_DIR / "entretien-chaudiere.json")
    answers = json.loads((EXAMPLES_DIR / "entretien-chaudiere" / "valid.json").read_text(encoding="utf-8"))
    html, _ = render_html([(d, answers)], demo_context())
    assert html.count(">Pièces remplacées<") == 1
    assert '<h2 class="section">Pièces remplacées</h2><table class="rows"' in html
    assert '<h3 class="sub">Photos avant intervention</h3>' in render_html(
        [(load_definition(FORMS_DIR / "photos-signatures.json"), json.loads((EXAMPLES_DIR / "photos-signatures" / "valid.json").read_text(encoding="utf-8")))],
        demo_context(),
    )[0]
