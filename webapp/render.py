"""The renderers as the web app uses them: their HTML marked safe for Jinja, their assets."""

from __future__ import annotations

from typing import Any, Callable

from markupsafe import Markup

import renderers
from renderers.html import render_answers as _render_answers
from renderers.html import render_form as _render_form


def static_dir() -> str:
    return str(renderers.STATIC_DIR)


def render_form(d, data: Any = None, errors=(), lang: str = "fr", **kwargs) -> Markup:
    return Markup(_render_form(d, data, errors, lang, **kwargs))


def render_answers(d, data: dict, lang: str = "fr", *, attachment_url: Callable[[str], str] | None = None) -> Markup:
    return Markup(_render_answers(d, data, lang, attachment_url=attachment_url))
