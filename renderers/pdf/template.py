"""The report's HTML: a Jinja template rendered in a sandboxed, autoescaped environment.

The default template is generated from the walked tree (``fieldforms/default.html``:
sections, a two-column table of answers, arrays as tables, photos in a grid, signatures);
account managers write their own in ``form_definitions/reports/`` by extending
``fieldforms/layout.html`` and reusing ``fieldforms/macros.html``. The functions templates
call (``image``, ``photo``, ``logo``, ``page_x_of_y``…) work on the render in progress:
its language and its :class:`~.resources.Resources`.
"""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, Template, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from engine import MISSING, FormDefinition, Node, clock, display

from .. import PACKAGE_DIR, TEMPLATES_DIR
from ..html import photo_ids, texts
from .adapter import colour_hex
from .context import PDF_TEXTS, FormList, FormView, attachments_of, child, normalise_context
from .errors import ReportError
from .images import PHOTO_MAX_PX, SIGNATURE_MAX_PX
from .page_marks import HEADER_END, HEADER_HERE, HEADER_START, PageMark
from .resources import Resources, font_names, register_fonts

#: Where account managers keep their report templates.
REPORTS_DIR = Path(os.environ.get("FIELDFORMS_REPORTS_DIR", PACKAGE_DIR.parent / "form_definitions" / "reports"))

_current: contextvars.ContextVar["_Render"] = contextvars.ContextVar("fieldforms_report")


@dataclass
class _Render:
    lang: str
    resources: Resources


# --- what templates call -----------------------------------------------------------------
def _image(attachment_id: Any, width_cm: float = 6.0, height_cm: float = 4.5, what: str = "image", kind: str = "photo") -> Markup:
    """``<img>`` of an attachment, fitted in width × height cm; a note when unavailable."""
    r = _current.get()
    t = PDF_TEXTS.get(r.lang, PDF_TEXTS["fr"])
    if not isinstance(attachment_id, str) or not attachment_id:
        return Markup("")
    prepared = r.resources.image(attachment_id, what, SIGNATURE_MAX_PX if kind == "signature" else PHOTO_MAX_PX)
    if prepared is None:
        return Markup('<span class="missing">{} ({})</span>').format(t["photo_missing"], attachment_id[:8])
    ratio = min(width_cm / prepared.width, height_cm / prepared.height)
    w, h = prepared.width * ratio, prepared.height * ratio
    return Markup('<img src="{}" style="width: {:.2f}cm; height: {:.2f}cm">').format(prepared.token, w, h)


def _field_what(node: Node) -> str:
    return f"{node.label} ({node.pointer})" if node.label else node.pointer


def _photo(node: Node, attachment_id: str, width_cm: float = 6.15, height_cm: float = 4.65) -> Markup:
    return _image(attachment_id, width_cm, height_cm, what=f"{_field_what(node)}: photo {attachment_id}")


def _signature_image(node: Node, width_cm: float = 4.9, height_cm: float = 1.95) -> Markup:
    a = child(node, "attachment")
    if a is None or not isinstance(a.value, str):
        return Markup("")
    return _image(a.value, width_cm, height_cm, what=f"{_field_what(node)}: signature {a.value}", kind="signature")


def _show(node: Node) -> str:
    return display.answer(node, _current.get().lang) if node is not None else ""


def _duration(minutes: Any) -> str:
    """The ``duration`` filter of report templates, in the report's language."""
    return display.duration(minutes, _current.get().lang)


def _logo() -> Markup:
    r = _current.get()
    tok = r.resources.logo_token()
    if tok is None:
        return Markup("")
    token, w, h = tok
    ratio = min(3.0 / w, 1.2 / h)
    return Markup('<img src="{}" style="width: {:.2f}cm; height: {:.2f}cm">').format(token, w * ratio, h * ratio)


def _page_x_of_y(size: float = 7.5, color: str = "#666666", bold: bool = False, align: str = "right") -> Markup:
    """“Page 2 / 3” at this place on every page it is drawn on (a footer, a header).

    Laid out in one pass (see :mod:`.page_marks`), where ``<pdf:pagecount>`` makes
    xhtml2pdf lay the whole report out twice. ``size`` in pt; ``align`` is where the text
    sits in the room kept for it: ``right``, ``left`` or ``center``.
    """
    regular, heavy = font_names()
    try:
        size = min(max(float(size), 4.0), 30.0)
    except (TypeError, ValueError):
        size = 7.5
    mark = PageMark(_t("page"), size, colour_hex(color, "#666666"), heavy if bold else regular, align if align in ("left", "center") else "right")
    return _current.get().resources.page_mark(mark)


def _header_mark(kind: str) -> Markup:
    """The layout's marks around the header (``start``, ``end``) and where the following
    pages draw it (``here``); ``later`` switches those pages to their own page template."""
    resources = _current.get().resources
    if kind == "later":
        return resources.page_marks.later_pages()
    return resources.page_mark({"start": HEADER_START, "end": HEADER_END, "here": HEADER_HERE}[kind])


def _t(key: str) -> str:
    lang = _current.get().lang
    return PDF_TEXTS.get(lang, PDF_TEXTS["fr"]).get(key) or texts(lang)[key]


def _nl2br(text: Any) -> Markup:
    return Markup("<br>").join(escape(line) for line in str(text or "").splitlines())


# --- the environment and the render -------------------------------------------------------
class ReportEnvironment(SandboxedEnvironment):
    """Sandboxed and autoescaped; templates compiled once per file content."""


@lru_cache(maxsize=8)
def environment(user_dir: str | None) -> ReportEnvironment:
    """The environment of the templates of ``user_dir`` (and the shipped ``fieldforms/``)."""
    loaders: list = []
    if user_dir:
        loaders.append(FileSystemLoader(user_dir))
    loaders.append(PrefixLoader({"fieldforms": FileSystemLoader(str(TEMPLATES_DIR / "report"))}))
    env = ReportEnvironment(loader=ChoiceLoader(loaders), autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=True, cache_size=200)
    env.globals.update(
        image=_image, photo=_photo, signature_image=_signature_image, show=_show, child=child,
        photo_ids=photo_ids, logo=_logo, t=_t, duration=_duration, MISSING=MISSING, page_x_of_y=_page_x_of_y, header_mark=_header_mark,
    )
    env.filters["nl2br"] = _nl2br
    env.filters["duration"] = _duration
    return env


def resolve_template(template: str | os.PathLike | None) -> tuple[str | None, str]:
    """(folder to load user templates from, template name) for a path or a name."""
    if template is None:
        return (str(REPORTS_DIR) if REPORTS_DIR.is_dir() else None), "fieldforms/default.html"
    p = Path(template)
    if p.is_file():
        return str(p.resolve().parent), p.name
    candidate = REPORTS_DIR / str(template)
    if candidate.is_file():
        return str(REPORTS_DIR), str(template)
    if not str(template).endswith(".html") and (REPORTS_DIR / f"{template}.html").is_file():
        return str(REPORTS_DIR), f"{template}.html"
    raise ReportError(f"{template}: report template not found (looked in {REPORTS_DIR})")


def _load_template(template: str | os.PathLike | None) -> Template:
    folder, name = resolve_template(template)
    env = environment(folder)
    label = str(template) if template is not None else name
    try:
        return env.get_template(name)
    except TemplateSyntaxError as exc:
        raise ReportError(f"{exc.filename or label}:{exc.lineno}: {exc.message}") from None
    except TemplateNotFound as exc:
        raise ReportError(f"{label}: template {exc.name!r} not found") from None


def render_html(forms: Sequence[tuple[FormDefinition, Any]], context: Any, template: str | os.PathLike | None = None, lang: str = "fr", attachments: Mapping[str, Any] | None = None) -> tuple[str, Resources]:
    """The report's HTML (before xhtml2pdf) and the resources it may use."""
    font_family = register_fonts()
    company, intervention = normalise_context(context, lang)
    resources = Resources(attachments if attachments is not None else attachments_of(context), company.get("logo"))
    tpl = _load_template(template)
    token = _current.set(_Render(lang, resources))
    try:
        views = FormList(FormView(d, data, lang) for d, data in forms)
        title = intervention.get("title") or intervention.get("type") or PDF_TEXTS.get(lang, PDF_TEXTS["fr"])["report"]
        html = tpl.render(
            forms=views, form=views[0] if views else None, answers={v.id: v.data for v in views},
            company=company, intervention=intervention, lang=lang, title=title, font_family=font_family,
            generated_at=display.datetime(clock.now(), lang),
        )
    except ReportError:
        raise
    except TemplateNotFound as exc:
        raise ReportError(f"{_where(exc, tpl, template)}: template {exc.name!r} not found") from None
    except Exception as exc:  # noqa: BLE001 - the template's own fault: the sandbox (SecurityError, a range too big), a division by zero...
        raise ReportError(f"{_where(exc, tpl, template)}: {exc or type(exc).__name__}") from None
    finally:
        _current.reset(token)
    return html, resources


def _where(exc: BaseException, tpl: Template, template: Any) -> str:
    """``file:line`` of the template line an error came from (Jinja points its traceback
    at template lines), else the template's file."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".htm", ".j2", ".jinja")):
            where = f"{name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where or str(getattr(tpl, "filename", None) or template)
