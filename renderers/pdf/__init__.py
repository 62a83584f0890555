"""Answers to PDF: intervention reports, as a pipeline of named stages.

1. :mod:`.context` — what a template sees: the company, the intervention and the forms,
   normalised to display strings in the report's language;
2. :mod:`.images` — photos, signatures and the logo, downscaled once and cached by content;
3. :mod:`.resources` — the fonts, and the only files a report may read (no network);
4. :mod:`.template` — the sandboxed, autoescaped Jinja template rendered to HTML;
5. :mod:`.layout` — the HTML laid out by xhtml2pdf, the header and “Page X / Y” in one pass
   (:mod:`.page_marks`) or the plain way when that fails;
6. :mod:`.template_lint` — the check of account managers' templates (``fieldforms lint``);
7. :mod:`.samples` — stand-in photos and signatures for previews.

xhtml2pdf and ReportLab are reached through :mod:`.adapter` only.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

from engine import FormDefinition

from .errors import ReportError
from .images import CACHE_DIR
from .layout import convert, html_to_pdf
from .resources import Resources
from .samples import sample_attachments, sample_image
from .template import REPORTS_DIR, render_html
from .template_lint import check_template

__all__ = [
    "CACHE_DIR", "REPORTS_DIR", "ReportError", "Resources", "check_template", "convert", "html_to_pdf",
    "render_html", "render_intervention_report", "render_report", "sample_attachments", "sample_image",
]


def render_intervention_report(forms: Sequence[tuple[FormDefinition, Any]], context: Any, template: str | os.PathLike | None = None, lang: str = "fr", attachments: Mapping[str, Any] | None = None) -> bytes:
    """One PDF for an intervention and all its forms, in order. Every failure is a
    :class:`ReportError` that starts with the file at fault (``file: message``)."""
    html, resources = render_html(forms, context, template, lang, attachments)
    try:
        return html_to_pdf(html, resources)
    except ReportError as exc:  # what the template's HTML asked for (a refused resource...)
        raise ReportError(f"{template or 'fieldforms/default.html'}: {exc}") from None


def render_report(d: FormDefinition, data: Any, context: Any, template: str | os.PathLike | None = None, *, lang: str = "fr", attachments: Mapping[str, Any] | None = None) -> bytes:
    """The PDF report of one form's answers (see :func:`render_intervention_report`)."""
    return render_intervention_report([(d, data)], context, template, lang=lang, attachments=attachments)
