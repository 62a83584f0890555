"""Answers to PDF: intervention reports.

A report is a Jinja template rendered in a sandboxed, autoescaped environment, then laid
out by xhtml2pdf. The default template is generated from the walked tree (sections, a
two-column table of answers, arrays as tables, photos in a grid, signatures); account
managers write their own in ``form_definitions/reports/`` by extending
``fieldforms/layout.html`` and reusing ``fieldforms/macros.html``.

Nothing is fetched from the network: the ``link_callback`` serves only the files this
module prepared (downscaled photos and signatures, the fonts, the company logo) and raises
for anything else. Photos are downscaled with Pillow (``draft`` + ``thumbnail``) once and
cached by content.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, TemplateError, TemplateNotFound, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from engine import MISSING, FormDefinition, Node, Problem, walk
from engine.codec import local_zone

from . import FONTS_DIR, PACKAGE_DIR, TEMPLATES_DIR
from .html import display_value, photo_ids, texts
from .page_marks import HEADER_END, HEADER_HERE, HEADER_START, LATER_PAGES_TAG, Drawn, PageMark, PageMarks, drawing, install

import reportlab.rl_config

# ReportLab's ASCII85 encoding of images makes files 25 % larger and renders slower: the
# PDF is binary anyway.
reportlab.rl_config.useA85 = 0

#: Where account managers keep their report templates.
REPORTS_DIR = Path(os.environ.get("FIELDFORMS_REPORTS_DIR", PACKAGE_DIR.parent / "form_definitions" / "reports"))
#: Downscaled images, by content hash (shared by the processes of one machine).
CACHE_DIR = Path(os.environ.get("FIELDFORMS_CACHE_DIR", Path(tempfile.gettempdir()) / "fieldforms-report-cache"))

PHOTO_MAX_PX = 1000     # long side of an embedded photo: ~300 dpi at 8.5 cm
PHOTO_QUALITY = 72
SIGNATURE_MAX_PX = 700
FONT_FILES = {
    ("normal", "normal"): "DejaVuSans.ttf",
    ("bold", "normal"): "DejaVuSans-Bold.ttf",
    ("normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("bold", "italic"): "DejaVuSans-BoldOblique.ttf",
}
_FONT_FALLBACK_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)

PDF_TEXTS = {
    "fr": {
        "report": "Rapport d'intervention", "client": "Client", "address": "Adresse", "date": "Date",
        "technicians": "Intervenants", "type": "Type", "status": "Statut", "planned": "Durée prévue",
        "actual": "Durée réelle", "durations": "Durée prévue / réelle", "travel": "Temps de trajet", "page": "Page", "reference": "Réf.",
        "photo_missing": "Photo indisponible", "signed_by": "Signé par", "signed_at": "le",
        "not_signed": "Non signé", "technician": "Technicien", "client_signer": "Client",
        "generated": "Document généré le", "none": "—", "item": "n°",
        "segments": "Temps passé (chronomètre)", "total": "Total",
        "signature_invalid": "Signature {signer} de {name} plus valide : les réponses ont été modifiées après la signature.",
    },
    "en": {
        "report": "Intervention report", "client": "Client", "address": "Address", "date": "Date",
        "technicians": "Technicians", "type": "Type", "status": "Status", "planned": "Planned duration",
        "actual": "Actual duration", "durations": "Planned / actual", "travel": "Travel time", "page": "Page", "reference": "Ref.",
        "photo_missing": "Photo not available", "signed_by": "Signed by", "signed_at": "on",
        "not_signed": "Not signed", "technician": "Technician", "client_signer": "Client",
        "generated": "Generated on", "none": "—", "item": "#",
        "segments": "Time spent (timer)", "total": "Total",
        "signature_invalid": "The {signer} signature of {name} is no longer valid: the answers changed after it was signed.",
    },
}


class ReportError(Exception):
    """A report that cannot be made: ``file: message`` or ``field: message``."""


# --- fonts -------------------------------------------------------------------------------
def font_path(name: str) -> Path | None:
    for folder in (FONTS_DIR, *_FONT_FALLBACK_DIRS):
        p = folder / name
        if p.is_file():
            return p
    return None


_font_lock = threading.Lock()


def font_names() -> tuple[str, str]:
    """ReportLab's names of the report's regular and bold faces."""
    return ("ffDejaVu", "ffDejaVuBold") if register_fonts() == "DejaVu" else ("Helvetica", "Helvetica-Bold")


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register DejaVu Sans with ReportLab and xhtml2pdf once; the CSS font family name.

    Falls back to Helvetica (Latin-1 only) when no DejaVu file is found (``make assets``).
    """
    with _font_lock:
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        from xhtml2pdf import default as x2p_default

        paths = {k: font_path(v) for k, v in FONT_FILES.items()}
        if paths[("normal", "normal")] is None:
            return "Helvetica"
        names = {}
        for (weight, style), p in paths.items():
            p = p or paths[("normal", "normal")]
            name = "ffDejaVu" + {"normal": "", "bold": "Bold"}[weight] + {"normal": "", "italic": "Oblique"}[style]
            pdfmetrics.registerFont(TTFont(name, str(p)))
            names[(weight, style)] = name
        regular = names[("normal", "normal")]
        for (weight, style), name in names.items():
            addMapping(regular, int(weight == "bold"), int(style == "italic"), name)
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=names[("bold", "normal")], italic=names[("normal", "italic")], boldItalic=names[("bold", "italic")])
        x2p_default.DEFAULT_FONT["dejavu"] = regular
        x2p_default.DEFAULT_FONT["dejavu sans"] = regular
        x2p_default.DEFAULT_FONT[regular.lower()] = regular
        return "DejaVu"


# --- images ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedImage:
    path: Path
    width: int
    height: int


class ImageCache:
    """Downscaled JPEG copies of photos and signatures, by content and size, on disk and
    in memory: a warm render reads nothing but the small copies."""

    def __init__(self, directory: Path = CACHE_DIR):
        self.directory = directory
        self.memory: dict[tuple, PreparedImage] = {}
        self.lock = threading.Lock()

    def prepare(self, source: Any, max_px: int, what: str) -> PreparedImage:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            key: tuple = ("b", hashlib.sha256(data).hexdigest(), max_px)
        else:
            p = Path(source)
            try:
                st = p.stat()
            except OSError as exc:
                raise ReportError(f"{what}: cannot read {p}: {exc.strerror}") from None
            data = None
            key = ("f", str(p.resolve()), st.st_mtime_ns, st.st_size, max_px)
        hit = self.memory.get(key)
        if hit is not None and hit.path.is_file():
            return hit
        digest = key[1] if key[0] == "b" else hashlib.sha256(repr(key).encode()).hexdigest()
        out = self.directory / f"{digest[:40]}-{max_px}.jpg"
        if out.is_file():
            from PIL import Image

            with Image.open(out) as im:
                prepared = PreparedImage(out, im.width, im.height)
        else:
            prepared = self._downscale(data if data is not None else Path(source), out, max_px, what)
        with self.lock:
            self.memory[key] = prepared
        return prepared

    def _downscale(self, source: Any, out: Path, max_px: int, what: str) -> PreparedImage:
        from PIL import Image, ImageOps, UnidentifiedImageError

        try:
            im = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            im.draft("RGB", (max_px, max_px))  # JPEG: decode at 1/2, 1/4 or 1/8 scale directly
            im = ImageOps.exif_transpose(im)
            im.thumbnail((max_px, max_px), Image.Resampling.LANCZOS, reducing_gap=2.0)
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                bg = Image.new("RGB", im.size, (255, 255, 255))
                bg.paste(im, mask=im.getchannel("A"))
                im = bg
            elif im.mode != "RGB":
                im = im.convert("RGB")
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            reason = "not an image" if isinstance(exc, UnidentifiedImageError) else f"corrupt image ({exc})"
            raise ReportError(f"{what}: {reason}") from None
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        im.save(tmp, "JPEG", quality=PHOTO_QUALITY, optimize=False, progressive=False)
        os.replace(tmp, out)
        return PreparedImage(out, im.width, im.height)


IMAGE_CACHE = ImageCache()


# --- the render's resources --------------------------------------------------------------
class Resources:
    """The only files a report may use, by the tokens its HTML names them with."""

    def __init__(self, attachments: Mapping[str, Any] | None, logo: Any):
        self.attachments = dict(attachments or {})
        self.files: dict[str, Path] = {}
        self.refused: list[str] = []
        self.logo = logo
        self.page_marks = PageMarks(CACHE_DIR)
        #: what the canvas made of the marks, the last time the report was laid out
        self.drawn: Drawn | None = None

    def image(self, attachment_id: str, what: str, max_px: int) -> PreparedImage | None:
        source = self.attachments.get(attachment_id)
        if source is None:
            return None
        prepared = IMAGE_CACHE.prepare(source, max_px, what)
        token = f"ff-res:{len(self.files)}-{attachment_id}"
        self.files[token] = prepared.path
        prepared_token = PreparedToken(token, prepared.width, prepared.height)
        return prepared_token  # type: ignore[return-value]

    def logo_token(self) -> tuple[str, int, int] | None:
        if not self.logo:
            return None
        prepared = IMAGE_CACHE.prepare(self.logo, 600, "company logo")
        token = "ff-res:logo"
        self.files[token] = prepared.path
        return token, prepared.width, prepared.height

    def page_mark(self, mark: PageMark | str) -> Markup:
        """A page total's placeholder, or one of the header's marks (see :mod:`.page_marks`)."""
        if isinstance(mark, PageMark):
            token = f"ff-res:page-{mark.key}"
            path, html = self.page_marks.page_total(mark, token)
        else:
            token = f"ff-res:page-{mark}"
            path, html = self.page_marks.header(mark, token)
        self.files[token] = path
        return html

    def link_callback(self, uri: str, rel: str | None = None) -> str:
        """xhtml2pdf's resource fetcher: known local files only; everything else raises."""
        path = self.files.get(uri)
        if path is not None:
            return str(path)
        self.refused.append(uri)
        raise ReportError(f"refused resource {uri!r}: a report may only use its photos, signatures, fonts and logo")


@dataclass(frozen=True)
class PreparedToken:
    token: str
    width: int
    height: int


_current: contextvars.ContextVar["_Render"] = contextvars.ContextVar("fieldforms_report")


@dataclass
class _Render:
    lang: str
    resources: Resources


# --- what templates see ------------------------------------------------------------------
class FormView:
    """One form of the report: its walked tree and answers, with lookups by field name."""

    def __init__(self, d: FormDefinition, data: Any, lang: str):
        self.id = d.id
        self.version = d.version
        self.title = d.title_in(lang)
        self.data = data if isinstance(data, dict) else {}
        self.tree = walk(d, self.data, lang=lang)
        self.sections = self.tree.sections
        self._by_name = {n.name: n for n in self.tree.walk()}

    def node(self, name: str) -> Node | None:
        """The field ``name`` (HTML spelling: ``appareil.marque``, ``pieces[0].ref``)."""
        return self._by_name.get(name)

    def label(self, name: str) -> str:
        n = self.node(name)
        return n.label if n is not None else ""

    def value(self, name: str) -> str:
        """The answer as a person reads it (choice label, Oui/Non…), empty when absent."""
        n = self.node(name)
        return display_value(n, _current.get().lang) if n is not None and n.visible else ""

    def __repr__(self) -> str:
        return f"FormView({self.id})"


class FormList(list):
    """The report's forms, in order; ``forms['entretien-poele']`` also finds one by id."""

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            for f in self:
                if f.id == key:
                    return f
            raise KeyError(key)
        return super().__getitem__(key)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def fmt_duration(minutes: Any) -> str:
    if minutes is None or minutes is MISSING or isinstance(minutes, bool):
        return ""
    try:
        m = int(minutes)
    except (TypeError, ValueError):
        return str(minutes)
    h, r = divmod(m, 60)
    if not h:
        return f"{r} min"
    return f"{h} h {r:02d}" if r else f"{h} h"


def _as_datetime(v: Any) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, str) and v:
        try:
            return dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _local(v: dt.datetime) -> dt.datetime:
    return v.astimezone(local_zone()) if v.tzinfo is not None else v


def fmt_range(start: Any, end: Any, lang: str) -> str:
    s, e = _as_datetime(start), _as_datetime(end)
    if s is None:
        return ""
    s = _local(s)
    day = s.strftime("%d/%m/%Y") if lang == "fr" else s.strftime("%Y-%m-%d")
    text = f"{day} {s:%H:%M}"
    if e is not None:
        e = _local(e)
        text += f" – {e:%H:%M}" if e.date() == s.date() else f" – {e.strftime('%d/%m/%Y %H:%M') if lang == 'fr' else e.strftime('%Y-%m-%d %H:%M')}"
    return text


def normalise_context(context: Any, lang: str) -> tuple[dict, dict]:
    company = _get(context, "company") or {}
    inter = _get(context, "intervention") or {}
    client = _get(inter, "client") or {}
    if isinstance(client, str):
        client = {"name": client}
    technicians = _get(inter, "technicians") or []
    if isinstance(technicians, str):
        technicians = [technicians]
    c = {
        "name": _get(company, "name", ""),
        "address": _get(company, "address", ""),
        "phone": _get(company, "phone", ""),
        "email": _get(company, "email", ""),
        "logo": _get(company, "logo"),
    }
    i = {
        "reference": _get(inter, "reference", ""),
        "title": _get(inter, "title", ""),
        "client_name": _get(client, "name", "") or _get(inter, "client_name", ""),
        "client_address": _get(client, "address", "") or _get(inter, "client_address", ""),
        "client_phone": _get(client, "phone", ""),
        "client_email": _get(client, "email", ""),
        "when": fmt_range(_get(inter, "start"), _get(inter, "end"), lang),
        "start": _get(inter, "start"),
        "end": _get(inter, "end"),
        "technicians": ", ".join(str(_get(t, "name", t) if not isinstance(t, str) else t) for t in technicians),
        "type": _get(inter, "type", "") or _get(inter, "type_label", ""),
        "status": _get(inter, "status", "") or _get(inter, "status_label", ""),
        "planned": fmt_duration(_get(inter, "planned_minutes")),
        "actual": fmt_duration(_get(inter, "actual_minutes")),
        "travel": fmt_duration(_get(inter, "travel_minutes")),
        # timer segments and signatures with their validity (issue 6), when the caller has them
        "segments": [
            {"when": fmt_range(_get(sg, "start"), _get(sg, "end"), lang), "duration": fmt_duration(_get(sg, "minutes"))}
            for sg in (_get(inter, "segments") or [])
        ],
        "signatures": [
            {"signer": _get(sg, "signer", ""), "name": _get(sg, "name") or "", "valid": bool(_get(sg, "valid", True))}
            for sg in (_get(inter, "signatures") or [])
        ],
    }
    return c, i


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
    a = next((c for c in node.children if c.key == "attachment"), None)
    if a is None or not isinstance(a.value, str):
        return Markup("")
    return _image(a.value, width_cm, height_cm, what=f"{_field_what(node)}: signature {a.value}", kind="signature")


def _show(node: Node) -> str:
    return display_value(node, _current.get().lang) if node is not None else ""


def _child(node: Node, key: str) -> Node | None:
    if node is None:
        return None
    return next((c for c in node.children if c.key == key), None)


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

    Laid out in one pass (see :mod:`renderers.page_marks`), where ``<pdf:pagecount>``
    makes xhtml2pdf lay the whole report out twice. ``size`` in pt; ``align`` is where the
    text sits in the room kept for it: ``right``, ``left`` or ``center``.
    """
    regular, heavy = font_names()
    try:
        size = min(max(float(size), 4.0), 30.0)
    except (TypeError, ValueError):
        size = 7.5
    from reportlab.lib.colors import toColor

    grey = toColor("#666666")
    rgb = toColor(color, grey) if isinstance(color, str) else grey  # what the author wrote is only read as a colour
    mark = PageMark(_t("page"), size, "#" + rgb.hexval()[2:], heavy if bold else regular, align if align in ("left", "center") else "right")
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


class ReportEnvironment(SandboxedEnvironment):
    """Sandboxed and autoescaped; templates compiled once per file content."""


@lru_cache(maxsize=8)
def environment(user_dir: str | None) -> ReportEnvironment:
    loaders: list = []
    if user_dir:
        loaders.append(FileSystemLoader(user_dir))
    loaders.append(PrefixLoader({"fieldforms": FileSystemLoader(str(TEMPLATES_DIR / "report"))}))
    env = ReportEnvironment(loader=ChoiceLoader(loaders), autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=True, cache_size=200)
    env.globals.update(
        image=_image, photo=_photo, signature_image=_signature_image, show=_show, child=_child,
        photo_ids=photo_ids, logo=_logo, t=_t, duration=fmt_duration, MISSING=MISSING, page_x_of_y=_page_x_of_y, header_mark=_header_mark,
    )
    env.filters["nl2br"] = _nl2br
    env.filters["duration"] = fmt_duration
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


def _load_template(template: str | os.PathLike | None):
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
    resources = Resources(attachments if attachments is not None else _get(context, "attachments"), company.get("logo"))
    tpl = _load_template(template)
    token = _current.set(_Render(lang, resources))
    try:
        views = FormList(FormView(d, data, lang) for d, data in forms)
        title = intervention.get("title") or intervention.get("type") or PDF_TEXTS.get(lang, PDF_TEXTS["fr"])["report"]
        html = tpl.render(
            forms=views, form=views[0] if views else None, answers={v.id: v.data for v in views},
            company=company, intervention=intervention, lang=lang, title=title, font_family=font_family,
            generated_at=dt.datetime.now(local_zone()).strftime("%d/%m/%Y %H:%M"),
        )
    except ReportError:
        raise
    except TemplateError as exc:
        raise ReportError(f"{getattr(tpl, 'filename', None) or template}: {exc}") from None
    finally:
        _current.reset(token)
    return html, resources


def _policy(resources: Resources):
    try:
        from xhtml2pdf.config.resources import ResourceAccessPolicy
    except ImportError:  # older xhtml2pdf: the link_callback alone guards
        return None
    roots = {p.parent for p in resources.files.values()} | {FONTS_DIR}
    return ResourceAccessPolicy(allow_remote=False, base_dir=CACHE_DIR, extra_roots=tuple(sorted(roots)))


def html_to_pdf(html: str, resources: Resources) -> bytes:
    """Lay the report out with xhtml2pdf: once, or again the plain way when the canvas
    missed a page mark (see :mod:`.page_marks`)."""
    marks = resources.page_marks
    every_page = marks.header_varies(html)
    if every_page:  # a header showing page numbers: each page lays its own out
        html = html.replace(LATER_PAGES_TAG, "")
    with drawing(marks, every_page) as drawn:
        pdf = _convert(html, resources)
    resources.drawn = drawn
    if drawn.missed():
        pdf = _convert(marks.with_fallbacks(html), resources)
    return pdf


def _convert(html: str, resources: Resources) -> bytes:
    from xhtml2pdf import pisa

    install()
    out = io.BytesIO()
    kwargs: dict[str, Any] = {"dest": out, "link_callback": resources.link_callback, "encoding": "utf-8"}
    policy = _policy(resources)
    if policy is not None:
        kwargs["resource_policy"] = policy
    status = pisa.CreatePDF(html, **kwargs)
    if resources.refused:
        raise ReportError(f"refused resource {resources.refused[0]!r}: a report may only use its photos, signatures, fonts and logo")
    if status.err:
        raise ReportError(f"the PDF layout failed ({status.err} error(s))")
    return out.getvalue()


def render_intervention_report(forms: Sequence[tuple[FormDefinition, Any]], context: Any, template: str | os.PathLike | None = None, lang: str = "fr", attachments: Mapping[str, Any] | None = None) -> bytes:
    """One PDF for an intervention and all its forms, in order."""
    html, resources = render_html(forms, context, template, lang, attachments)
    return html_to_pdf(html, resources)


def render_report(d: FormDefinition, data: Any, context: Any, template: str | os.PathLike | None = None, *, lang: str = "fr", attachments: Mapping[str, Any] | None = None) -> bytes:
    """The PDF report of one form's answers (see :func:`render_intervention_report`)."""
    return render_intervention_report([(d, data)], context, template, lang=lang, attachments=attachments)


# --- lint of templates -------------------------------------------------------------------
def _known_paths(d: FormDefinition) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()

    def visit(n: Node) -> None:
        out.add(tuple(p for p in n.path if isinstance(p, str)))
        for c in n.children:
            visit(c)
        if n.template is not None:
            visit(n.template)

    visit(walk(d, {}))
    return out


_DICT_METHODS = frozenset({"get", "items", "keys", "values"})


def _chain(node: nodes.Node) -> tuple[str, list] | None:
    """``answers.a.b['c']`` -> ("answers", ["a", "b", "c"]); None if not rooted in a name."""
    parts: list = []
    cur = node
    while True:
        if isinstance(cur, nodes.Getattr):
            parts.append(cur.attr)
            cur = cur.node
        elif isinstance(cur, nodes.Getitem):
            parts.append(cur.arg.value if isinstance(cur.arg, nodes.Const) else None)
            cur = cur.node
        elif isinstance(cur, nodes.Name):
            return cur.name, list(reversed(parts))
        else:
            return None


def check_template(path: str | os.PathLike, definitions: Mapping[str, FormDefinition] | Iterable[FormDefinition]) -> list[Problem]:
    """Problems of a report template: it must compile and use only answers that exist."""
    if not isinstance(definitions, Mapping):
        definitions = {d.id: d for d in definitions}
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return [Problem(source, "", "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(source, "", f"cannot read the template: {exc}")]
    env = environment(str(Path(path).resolve().parent))
    try:
        ast = env.parse(text, name=Path(path).name, filename=source)
        env.compile(ast)
    except TemplateSyntaxError as exc:
        return [Problem(source, "", f"line {exc.lineno}: {exc.message}")]
    problems: list[Problem] = []
    for ref in meta.find_referenced_templates(ast):
        if ref is None:
            continue
        try:
            env.get_template(ref)
        except TemplateNotFound:
            problems.append(Problem(source, "", f"uses the template “{ref}”, which does not exist"))
        except TemplateSyntaxError as exc:
            problems.append(Problem(source, "", f"uses the template “{ref}”, which does not compile: line {exc.lineno}: {exc.message}"))
    known_cache: dict[str, set] = {}

    def known(fid: str) -> set:
        if fid not in known_cache:
            known_cache[fid] = _known_paths(definitions[fid])
        return known_cache[fid]

    def check_field(fid: str, parts: list, lineno: int) -> None:
        if fid not in definitions:
            problems.append(Problem(source, "", f"line {lineno}: no form “{fid}” (known: {', '.join(sorted(definitions)) or 'none'})"))
            return
        fields: list[str] = []
        for p in parts:
            if p is None or p in _DICT_METHODS:
                break
            if isinstance(p, int):
                continue
            fields.append(p)
            if tuple(fields) not in known(fid):
                problems.append(Problem(source, "", f"line {lineno}: the form “{fid}” has no field “{'.'.join(fields)}”"))
                return

    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        chain = _chain(node)
        if chain is None:
            continue
        root, parts = chain
        if root == "answers" and parts and isinstance(parts[0], str):
            check_field(parts[0], parts[1:], node.lineno)
    for call in ast.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Getattr) or call.node.attr not in ("node", "value", "label"):
            continue
        chain = _chain(call.node.node)
        if chain is None or chain[0] != "forms" or len(chain[1]) != 1 or not isinstance(chain[1][0], str):
            continue
        if call.args and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
            from engine.paths import from_name

            path = from_name(call.args[0].value)
            if path is None:
                problems.append(Problem(source, "", f"line {call.lineno}: “{call.args[0].value}” is not a field name"))
                continue
            check_field(chain[1][0], list(path), call.lineno)
    # a subscript reached twice (answers.a.b is found as answers.a too): keep one each
    return sorted(set(problems), key=lambda p: p.message)


# --- previews ----------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _sample_image(kind: str, label: str) -> bytes:
    from PIL import Image, ImageDraw

    if kind == "signature":
        im = Image.new("RGB", (600, 220), "white")
        draw = ImageDraw.Draw(im)
        pts = [(40 + i * 9, 120 + int(40 * __import__("math").sin(i / 3.0))) for i in range(60)]
        draw.line(pts, fill=(20, 30, 90), width=5)
        draw.line([(60, 170), (540, 150)], fill=(20, 30, 90), width=3)
    else:
        im = Image.new("RGB", (1200, 900), (200, 210, 220))
        draw = ImageDraw.Draw(im)
        for y in range(0, 900, 6):
            draw.line([(0, y), (1200, y)], fill=(120 + y // 10, 140, 160 - y // 12))
        draw.rectangle([60, 60, 1140, 840], outline=(255, 255, 255), width=8)
        draw.text((90, 90), label, fill=(255, 255, 255))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def sample_attachments(d: FormDefinition, data: Any) -> dict[str, bytes]:
    """Stand-in images for the photos and signatures of ``data`` (previews, benchmarks)."""
    out: dict[str, bytes] = {}
    tree = walk(d, data if isinstance(data, dict) else {})
    for n in tree.walk():
        if n.widget == "camera":
            for i, pid in enumerate(photo_ids(n)):
                out[pid] = _sample_image("photo", f"{n.label} {i + 1}")
        elif n.widget == "signature":
            a = _child(n, "attachment")
            if a is not None and isinstance(a.value, str):
                out[a.value] = _sample_image("signature", n.label)
    return out
