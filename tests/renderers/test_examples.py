"""Every shipped form with its example answers: walk, HTML, decode, answers, PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from engine import decode_form, load_definition, walk
from renderers.html import render_answers, render_form
from renderers.pdf import render_report, sample_attachments
from renderers.preview import demo_context

from .conftest import example_cases, read_answers
from .formpost import posted_pairs


@pytest.mark.parametrize("form_file, answers_file", example_cases())
def test_shipped_form(form_file, answers_file):
    d = load_definition(form_file)
    data = read_answers(answers_file)
    tree = walk(d, data)
    assert tree.children
    html = render_form(d, data, d.validate(data) if data is not None else ())
    assert html.startswith("<form") and html.rstrip().endswith("</form>")
    if data is not None:
        assert decode_form(d, posted_pairs(html)) == data
    blank = render_form(d, None, lang="en")
    assert 'data-ff-form="%s"' % d.id in blank
    answers = render_answers(d, data or {}, attachment_url=lambda i: f"/a/{i}")
    assert "ff-answers" in answers
    pdf = render_report(d, data or {}, demo_context(), attachments=sample_attachments(d, data or {}))
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert d.title_in("fr") in text
    assert f"Page 1 / {len(reader.pages)}" in text
