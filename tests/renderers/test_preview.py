"""`fieldforms preview html|pdf` and the watch loop."""

from __future__ import annotations

import json
import threading
import time

import pytest

from click.testing import CliRunner

from engine import load_definition
from renderers.preview import bundle_scripts, watch_and_render, write_html_preview

from .conftest import FORMS_DIR, EXAMPLES_DIR, KITCHEN_SINK


def test_preview_html_is_standalone(tmp_path):
    d = load_definition(KITCHEN_SINK)
    out = write_html_preview(d, {"nom": "x"}, tmp_path / "p.html")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<form" in page and ".ff-form" in page
    assert 'src="' not in page.split("<form")[0]  # nothing to fetch: CSS and JS are inline
    assert "import " not in bundle_scripts().split("\n", 1)[0]
    from renderers.preview import _script_text
    assert "</script" not in _script_text(bundle_scripts())


def test_cli_preview_html_and_pdf(tmp_path):
    from cli import main

    form = FORMS_DIR / "photos-signatures.json"
    data = EXAMPLES_DIR / "photos-signatures" / "valid.json"
    runner = CliRunner()
    r = runner.invoke(main, ["preview", "html", str(form), "--data", str(data), "-o", str(tmp_path / "f.html")])
    assert r.exit_code == 0, r.output
    assert "Marie Cotillon" in (tmp_path / "f.html").read_text(encoding="utf-8")
    r = runner.invoke(main, ["preview", "pdf", str(form), "--data", str(data), "-o", str(tmp_path / "f.pdf")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


def test_watch_survives_a_broken_definition(tmp_path):
    src = tmp_path / "f.json"
    src.write_text(json.dumps(KITCHEN_SINK), encoding="utf-8")
    out = tmp_path / "f.html"
    messages: list[str] = []
    renders = []

    def render():
        d = load_definition(src)
        write_html_preview(d, None, out)
        renders.append(d.version)

    def edit():
        time.sleep(0.15)
        src.write_text("{ broken", encoding="utf-8")
        time.sleep(0.15)
        fixed = dict(KITCHEN_SINK, version=3)
        src.write_text(json.dumps(fixed), encoding="utf-8")

    t = threading.Thread(target=edit)
    t.start()
    watch_and_render([src], render, echo=messages.append, interval=0.03, max_cycles=20)
    t.join()
    assert renders[0] == 2 and renders[-1] == 3
    assert any("invalid JSON" in m and str(src) in m for m in messages), messages


@pytest.mark.parametrize("body, says", [
    ("{{ ''.__class__.__mro__ }}", ":3: access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ range(10**9)|list|length }}", ":3: Range too big."),
    ("{{ 1 / 0 }}", ":3: division by zero"),
    ("{% include 'nope.html' %}", ":3: template 'nope.html' not found"),
    ("{% for %}", ":3: Expected an expression"),
    ('<img src="http://example.org/x.png">', ": refused resource 'http://example.org/x.png'"),
])
def test_cli_preview_pdf_says_file_and_message_never_a_traceback(tmp_path, body, says):
    """A template the report refuses: `file: message` on one line, exit 1 (issue 11)."""
    from cli import main

    tpl = tmp_path / "rapport.html"
    tpl.write_text('{% extends "fieldforms/layout.html" %}\n{% block content %}\n' + body + "\n{% endblock %}\n", encoding="utf-8")
    form = FORMS_DIR / "photos-signatures.json"
    data = EXAMPLES_DIR / "photos-signatures" / "valid.json"
    r = CliRunner().invoke(main, ["preview", "pdf", str(form), "--data", str(data), "--template", str(tpl), "-o", str(tmp_path / "f.pdf")])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{tpl}{says}"), r.output
    assert "Traceback" not in r.output and not (tmp_path / "f.pdf").exists()
