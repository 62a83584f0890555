"""`fieldforms preview html|pdf` and the watch loop."""

from __future__ import annotations

import json
import threading
import time

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
