"""The seam to the renderers (``renderers.html``), with a plain fallback.

When ``renderers.html`` is importable the back office uses its ``render_form`` and
``render_answers``; otherwise (while it is being written, or if it breaks at import) the
answers show as a definition list and forms cannot be corrected in the browser.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from markupsafe import Markup, escape

try:  # pragma: no cover - depends on the renderers being there
    from renderers.html import render_answers as _render_answers
    from renderers.html import render_form as _render_form
except ImportError:  # pragma: no cover
    _render_form = None
    _render_answers = None


def available() -> bool:
    return _render_form is not None


def static_dir() -> str | None:
    try:
        import renderers
    except ImportError:  # pragma: no cover
        return None
    return getattr(renderers, "STATIC_DIR", None)


def render_form(d, data=None, errors=(), lang="fr", **kwargs) -> Markup | None:
    if _render_form is None:
        return None
    return Markup(_render_form(d, data, errors, lang, **kwargs))


def render_answers(d, data: dict, lang: str = "fr", *, attachment_url: Callable[[str], str] | None = None) -> Markup:
    if _render_answers is not None:
        return Markup(_render_answers(d, data, lang, attachment_url=attachment_url))
    return _fallback_answers(data)


def _fallback_answers(data: Any) -> Markup:
    if isinstance(data, dict):
        rows = "".join(f"<dt>{escape(k)}</dt><dd>{_fallback_answers(v)}</dd>" for k, v in data.items())
        return Markup(f'<dl class="answers">{rows}</dl>')
    if isinstance(data, list):
        return Markup("<ul>" + "".join(f"<li>{_fallback_answers(v)}</li>" for v in data) + "</ul>")
    if isinstance(data, bool):
        return Markup("✓" if data else "✗")
    return escape(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))
