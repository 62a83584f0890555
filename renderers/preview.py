"""Previews for account managers: a standalone HTML page of a form, a PDF with a demo context.

The HTML page inlines the stylesheet and the ES modules (bundled into one inline module,
because browsers refuse module imports from ``file://`` pages), so it opens by double-click.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from markupsafe import escape

from engine import DefinitionError, FormDefinition

from . import STATIC_DIR

#: The form's modules in dependency order (each only imports modules listed before it).
MODULES = ("values.js", "condition.js", "choice.js", "arrays.js", "attachments.js", "camera.js", "signature.js", "steps.js", "prefill.js", "form.js")
VENDOR_SIGNATURE_PAD = "vendor/signature_pad/signature_pad.js"

_EXPORT_DECL = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)", re.M)
_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w/.-]+)";\s*$', re.M)
_REEXPORT = re.compile(r'^export\s*\{[^}]*\}\s*from\s*"[^"]+";\s*$', re.M)
_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\};?\s*$", re.M)


def _var(module: str) -> str:
    return "__ff_" + re.sub(r"\W", "_", module)


def _wrap_module(name: str, code: str) -> str:
    exported = _EXPORT_DECL.findall(code)
    code = _IMPORT.sub(lambda m: "const {" + m.group(1).replace(" as ", ": ") + "} = " + _var(m.group(2)) + ";", code)
    code = _REEXPORT.sub("", code)
    extra: list[str] = []

    def export_list(m: re.Match) -> str:
        for part in m.group(1).split(","):
            part = part.strip()
            if not part:
                continue
            local, _, alias = part.partition(" as ")
            extra.append(f"{(alias or local).strip()}: {local.strip()}")
        return ""

    code = _EXPORT_LIST.sub(export_list, code)
    code = re.sub(r"^export\s+", "", code, flags=re.M)
    code = code.replace(f'import("./{VENDOR_SIGNATURE_PAD}")', f"Promise.resolve({_var(VENDOR_SIGNATURE_PAD)})")
    members = ", ".join(exported + extra)
    return f"const {_var(name)} = (() => {{\n{code}\nreturn {{ {members} }};\n}})();\n"


def bundle_scripts(static_dir: Path = STATIC_DIR) -> str:
    """The form's ES modules as one module script (for ``file://`` pages and previews)."""
    parts = []
    vendor = static_dir / VENDOR_SIGNATURE_PAD
    if vendor.is_file():
        parts.append(_wrap_module(VENDOR_SIGNATURE_PAD, vendor.read_text(encoding="utf-8")))
    else:
        parts.append(f"const {_var(VENDOR_SIGNATURE_PAD)} = {{ default: null }}; // run `make assets`\n")
    for name in MODULES:
        parts.append(_wrap_module(name, (static_dir / name).read_text(encoding="utf-8")))
    return "\n".join(parts)


def _script_text(code: str) -> str:
    # nothing inside may close the <script> element
    return code.replace("</script", "<\\/script").replace("<!--", "<\\!--")


PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; padding: 1rem 0.75rem 3rem; background: #eef1f4; }}
.ff-preview-head {{ max-width: 44rem; margin: 0 auto 1rem; font: 15px/1.4 system-ui, sans-serif; color: #1b1f24; }}
.ff-preview-head h1 {{ font-size: 1.35rem; margin: 0 0 0.2rem; }}
.ff-preview-head p {{ margin: 0; color: #57606a; }}
.ff-preview-submit {{ max-width: 44rem; margin: 1rem auto; display: flex; gap: .6rem; }}
.ff-preview-out {{ max-width: 44rem; margin: 0 auto; white-space: pre-wrap; font: 13px/1.4 monospace; background: #fff; padding: .5rem; border-radius: 6px; }}
{css}
</style>
</head>
<body>
<header class="ff-preview-head"><h1>{title}</h1><p>{subtitle}</p></header>
{form}
<div class="ff-preview-submit"><button class="ff-btn ff-btn-primary" type="submit" form="{form_id}">{check}</button></div>
<pre class="ff-preview-out" id="ff-preview-out" hidden></pre>
<script type="module">
{script}
const __form = document.getElementById({form_id_json});
__form.addEventListener("submit", (ev) => {{
  ev.preventDefault();
  const out = document.getElementById("ff-preview-out");
  out.hidden = false;
  out.textContent = JSON.stringify(__ff_values_js.decodeForm(__form), null, 2);
}});
</script>
</body>
</html>
"""


def html_page(d: FormDefinition, data: Any = None, lang: str = "fr", errors: Iterable = ()) -> str:
    from .html import render_form

    form_id = f"ff-form-{d.id}"
    form = render_form(d, data, errors, lang=lang, form_id=form_id, action="#")
    css = (STATIC_DIR / "form.css").read_text(encoding="utf-8")
    subtitle = f"{d.id} · version {d.version} · " + ("aperçu, rien n'est envoyé" if lang == "fr" else "preview, nothing is sent")
    return PAGE.format(
        lang=escape(lang), title=escape(d.title_in(lang)), subtitle=escape(subtitle), css=css.replace("</style", "<\\/style"),
        form=form, form_id=escape(form_id), form_id_json=json.dumps(form_id),
        check=escape("Vérifier les réponses" if lang == "fr" else "Check the answers"),
        script=_script_text(bundle_scripts()),
    )


def write_html_preview(d: FormDefinition, data: Any, output: str | Path, lang: str = "fr") -> Path:
    """A standalone page of ``d`` (filled with ``data`` and its validation errors)."""
    errors = d.validate(data, lang=lang) if isinstance(data, dict) else ()
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_page(d, data, lang, errors), encoding="utf-8")
    return out


def watch_and_render(paths: Iterable[str | Path], render_fn: Callable[[], None], echo: Callable[[str], None] = print, interval: float = 0.5, max_cycles: int | None = None) -> None:
    """Render now, then again whenever one of ``paths`` changes (polling mtimes).

    A definition that does not load is reported (its problems, one a line) and the watch
    goes on: fix the file and the page comes back. Ctrl-C stops.
    """
    paths = [Path(p) for p in paths]

    def stamp() -> tuple:
        out = []
        for p in paths:
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def attempt() -> None:
        try:
            render_fn()
        except DefinitionError as exc:
            for problem in exc.problems:
                echo(str(problem))
        except SystemExit:
            pass
        except Exception as exc:  # keep watching whatever the author broke
            echo(f"{paths[0]}: {type(exc).__name__}: {exc}")

    last = stamp()
    attempt()
    echo("watching " + ", ".join(str(p) for p in paths) + " (Ctrl-C to stop)")
    cycles = 0
    try:
        while max_cycles is None or cycles < max_cycles:
            cycles += 1
            time.sleep(interval)
            now = stamp()
            if now != last:
                last = now
                attempt()
    except KeyboardInterrupt:
        echo("stopped")


def demo_context(lang: str = "fr") -> dict:
    """A plausible intervention for previews and the benchmark."""
    start = dt.datetime(2026, 11, 24, 14, 0)
    return {
        "company": {
            "name": "Granulés & Chaleur Services",
            "address": "12 rue de la Chalotais\n35000 Rennes",
            "phone": "02 99 00 00 00",
            "email": "contact@granules-chaleur.example",
            "logo": None,
        },
        "intervention": {
            "reference": "INT-2026-0412",
            "client": {"name": "Marie Cotillon", "address": "4 allée des Tilleuls\n35510 Cesson-Sévigné", "phone": "06 12 34 56 78", "email": "marie.cotillon@example.fr"},
            "start": start,
            "end": start + dt.timedelta(minutes=90),
            "technicians": ["Pierre Paul Jacques"],
            "type": "Entretien poêle à granulés" if lang == "fr" else "Pellet stove maintenance",
            "status": "Réalisé" if lang == "fr" else "Done",
            "planned_minutes": 90,
            "actual_minutes": 105,
            "travel_minutes": 25,
        },
    }


def write_pdf_preview(d: FormDefinition, data: Any, output: str | Path, template: str | Path | None = None, lang: str = "fr", attachments: dict | None = None) -> Path:
    """The report of ``d`` filled with ``data``, with a demo intervention and sample images
    standing in for photos and signatures that are not on this machine."""
    from .pdf import render_report, sample_attachments

    atts = dict(sample_attachments(d, data))
    atts.update(attachments or {})
    pdf = render_report(d, data, demo_context(lang), template=template, lang=lang, attachments=atts)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out
