"""Forms to HTML: the technician's form (``render_form``) and read-only answers
(``render_answers``).

Both read only the walked tree (:func:`engine.walk`). Every widget is a Jinja macro in
``templates/form/`` rendered in an autoescaped environment; attributes come out in a fixed
order (id, name, type, value, the node's constraint attributes, then ARIA). A form works
without JavaScript for plain fields; the ES modules in ``static/`` add rules (show/hide),
arrays, photos and signatures. What the browser posts decodes with
:func:`engine.decode_form` to exactly the answers rendered.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup

from engine import MISSING, FieldError, FormDefinition, Node, walk
from engine import clock, display
from engine.codec import duration_parts, scalar_to_text
from engine.defaults import fill_defaults
from engine.encode import kept_text

from . import TEMPLATES_DIR
from .fragments import prefilled_json, after, attr_text, attrs, carrier, choices_json, classes, common, common_text, desc, describedby, empty_json, esc, keeps_json, label, req, rules_json, wrap, wrap_text

#: Interface texts of the renderers, by language (labels of the author come from the tree).
TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "required": "obligatoire",
        "add": "Ajouter",
        "remove": "Supprimer",
        "up": "Monter",
        "down": "Descendre",
        "clear": "Effacer",
        "signer_name": "Nom du signataire",
        "signer_technician": "Signature du technicien",
        "signer_client": "Signature du client",
        "signed_at": "Signé le",
        "signed_by": "Signé par",
        "sign_here": "Signez dans le cadre",
        "not_signed": "Non signé",
        "photos_need_js": "JavaScript est nécessaire pour prendre des photos.",
        "signature_needs_js": "JavaScript est nécessaire pour signer.",
        "take_photo": "Prendre une photo",
        "add_photos": "Ajouter des photos",
        "remove_photo": "Retirer",
        "photo": "Photo",
        "no_photo": "Aucune photo",
        "hours": "h",
        "minutes": "min",
        "hours_long": "heures",
        "minutes_long": "minutes",
        "prev": "Précédent",
        "next": "Suivant",
        "step": "Étape",
        "of": "sur",
        "choose": "— Choisir —",
        "yes": display.YES_NO["fr"][0],
        "no": display.YES_NO["fr"][1],
        "none": "—",
        "item": "n°",
        "errors": "Le formulaire contient des erreurs.",
        "required_mark": "champ obligatoire",
        "option": "choix",
        "option_heading": "Choix",
        "key": "Clé",
        "value": "Valeur",
        "add_key": "Ajouter une clé",
        "map_nojs": "Pour ajouter une clé, remplissez la ligne vide ; pour en retirer une, videz sa clé.",
    },
    "en": {
        "required": "required",
        "add": "Add",
        "remove": "Remove",
        "up": "Move up",
        "down": "Move down",
        "clear": "Clear",
        "signer_name": "Signer's name",
        "signer_technician": "Technician signature",
        "signer_client": "Client signature",
        "signed_at": "Signed on",
        "signed_by": "Signed by",
        "sign_here": "Sign inside the box",
        "not_signed": "Not signed",
        "photos_need_js": "JavaScript is required to take photos.",
        "signature_needs_js": "JavaScript is required to sign.",
        "take_photo": "Take a photo",
        "add_photos": "Add photos",
        "remove_photo": "Remove",
        "photo": "Photo",
        "no_photo": "No photo",
        "hours": "h",
        "minutes": "min",
        "hours_long": "hours",
        "minutes_long": "minutes",
        "prev": "Previous",
        "next": "Next",
        "step": "Step",
        "of": "of",
        "choose": "— Choose —",
        "yes": display.YES_NO["en"][0],
        "no": display.YES_NO["en"][1],
        "none": "—",
        "item": "#",
        "errors": "The form has errors.",
        "required_mark": "required field",
        "option": "choice",
        "option_heading": "Choice",
        "key": "Key",
        "value": "Value",
        "add_key": "Add a key",
        "map_nojs": "To add a key, fill in the blank row; to remove one, empty its key.",
    },
}

#: Widgets drawn with one ``<input>`` and their ``type``.
INPUT_TYPES = {
    "text": "text", "password": "password", "email": "email", "uri": "url", "tel": "tel",
    "color": "color", "number": "number", "integer": "number", "date": "date", "time": "time",
    "datetime": "datetime-local",
}
_INPUTMODE = {"integer": "numeric", "number": "decimal"}
_AUTOCOMPLETE = {"email": "email", "tel": "tel"}


class Texts:
    """Interface texts with attribute access in templates (``T.clear`` is not dict.clear)."""

    def __init__(self, mapping: dict[str, str]):
        self.__dict__.update(mapping)

    def __getitem__(self, key: str) -> str:
        return self.__dict__[key]


_TEXTS_OBJ = {lang: Texts(m) for lang, m in TEXTS.items()}


def texts(lang: str) -> Texts:
    return _TEXTS_OBJ.get(lang, _TEXTS_OBJ["fr"])


# --- attribute helpers (exposed to the templates) ----------------------------------------










def value_text(n: Node, value: Any = MISSING) -> str:
    return scalar_to_text(n, n.value if value is MISSING else value)


def selected_tokens(n: Node) -> list[str]:
    """The tokens of the chosen options, in the answer's order."""
    v = n.value
    if v is MISSING:
        return []
    values = v if isinstance(v, list) and n.multiple else [v]
    return list(dict.fromkeys(scalar_to_text(n, x) for x in values))


def photo_ids(n: Node) -> list[str]:
    v = n.value
    if isinstance(v, list):
        return [x for x in v if isinstance(x, str)]
    if isinstance(v, str) and v:
        return [v]
    return []


def range_fits(n: Node) -> bool:
    """Whether a range input can show the answer exactly (browsers snap to min/max/step)."""
    v = n.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        lo = float(n.attrs.get("min", 0))
        hi = float(n.attrs.get("max", 100))
        step = n.attrs.get("step", "1")
    except ValueError:
        return False
    if not lo <= v <= hi:
        return False
    if step == "any":
        return True
    try:
        q = (v - lo) / float(step)
    except (ValueError, ZeroDivisionError):
        return False
    return abs(q - round(q)) < 1e-9


_COLOR = re.compile(r"^#[0-9a-f]{6}$")


def exact_input(n: Node, text: str) -> bool:
    """Whether an input that always has a value (range, color) shows the answer exactly;
    if not, the answer travels in a hidden input until the technician moves the control."""
    if n.widget == "range":
        return range_fits(n)
    if n.widget == "color":
        return bool(_COLOR.match(text))
    return True


_LOCKED_WHEN_READONLY = ("select", "checkbox", "range", "color")

#: widget -> the template macro that draws it (and whether it takes the fallback label)
_WIDGET_MACROS = {
    "object": ("object_field", False), "array": ("array_field", False), "hidden": ("hidden_field", False),
    "choice": ("choice_field", True), "map": ("map_field", False), "null": ("null_field", False),
    "radio": ("options_field", True), "checkboxes": ("options_field", True), "duration": ("duration_field", True),
    "signature": ("signature_field", True), "camera": ("camera_field", True),
}


@pass_context
def field(ctx, n: Node, off: bool = False, fl: str = "") -> Markup:
    """Draw one field with its widget; a field hidden by a rule has its inputs disabled."""
    off = off or not n.visible
    macro = _WIDGET_MACROS.get(n.widget)
    if macro is None:
        return simple_field(ctx, n, off, fl)
    name, takes_label = macro
    draw = ctx.resolve(name)
    return draw(n, off, fl) if takes_label else draw(n, off)


@pass_context
def simple_field(ctx, n: Node, off: bool, fl: str) -> Markup:
    """A one-control field: text-like inputs, textarea, select, checkbox, range.

    Python rather than a macro because most fields of a form are drawn here. Controls a
    person cannot change post their answer through a carrier; a range or colour that cannot
    show the answer exactly posts it from a hidden input until the control is moved.
    """
    T = ctx.get("T")
    ro = n.readonly or bool(ctx.get("form_readonly"))
    w = n.widget
    lock = n.disabled or (ro and w in _LOCKED_WHEN_READONLY)
    v = value_text(n)
    ctl = common_text(ctx, n, off, lock)
    out = [f"<div{wrap_text(n)}>"]
    if w == "checkbox":
        checked = n.value is True
        out.append(f'<div class="ff-check"><input{attr_text([("id", n.dom_id), ("name", n.name), ("type", "checkbox"), ("value", "true"), ("checked", checked)])}{ctl}>{label(n, fl)}</div>')
        out.append(desc(n))
        if lock and checked:
            out.append(carrier(n.name, "true", off))
    else:
        out += [label(n, fl), desc(n)]
        if w in ("textarea", "json"):
            out.append(f'<textarea{attr_text([("id", n.dom_id), ("name", n.name), ("rows", n.options.get("rows") or 3), ("spellcheck", "false" if w == "json" else None)])}{ctl}>\n{esc(v)}</textarea>')
        elif w == "select":
            sel = selected_tokens(n)
            opts = "" if n.multiple else f'<option value="">{esc(T.choose)}</option>'
            opts += "".join(f'<option value="{esc(c.token)}"{" selected" if c.token in sel else ""}{" disabled" if c.disabled else ""}>{esc(c.label)}</option>' for c in n.choices)
            out.append(f'<select{attr_text([("id", n.dom_id), ("name", n.name), ("multiple", n.multiple)])}{ctl}>{opts}</select>')
            if lock:
                out += [carrier(n.name, t, off) for t in sel]
        elif w == "range":
            exact = exact_input(n, v)
            out.append(f'<div class="ff-range"><input{attr_text([("id", n.dom_id), ("name", n.name if exact else None), ("type", "range"), ("value", v or None), ("data-ff-late-name", n.name)])}{ctl}>'
                       f'<output id="{esc(n.dom_id)}-out" for="{esc(n.dom_id)}">{esc(v or T.none)}</output></div>')
            if not exact:
                out.append(f'<input type="hidden" name="{esc(n.name)}" value="{esc(v)}" data-ff-late-value{" disabled" if off else ""}>')
            if lock and v and exact:
                out.append(carrier(n.name, v, off))
        else:
            unit = n.options.get("unit")
            exact = exact_input(n, v)
            control = f'<input{attr_text([("id", n.dom_id), ("name", n.name if exact else None), ("type", input_type(n)), ("value", v or None), ("inputmode", _INPUTMODE.get(n.kind) if w in ("number", "integer") else None), ("autocomplete", n.options.get("autocomplete") or _AUTOCOMPLETE.get(w)), ("data-ff-late-name", n.name if not exact else None)])}{ctl}>'
            out.append(f'<div class="ff-unit-wrap">{control}<span class="ff-unit">{esc(unit)}</span></div>' if unit else control)
            if not exact:
                out.append(f'<input type="hidden" name="{esc(n.name)}" value="{esc(v)}" data-ff-late-value{" disabled" if off else ""}>')
            if lock and v and exact:
                out.append(carrier(n.name, v, off))
    out += [after(n), "</div>"]
    return Markup("\n".join(out))


#: ``ui:inputType`` may ask for these (RJSF's inputType): they keep the answer as the text typed.
_TEXT_INPUT_TYPES = frozenset({"text", "tel", "email", "url", "search"})


def input_type(n: Node) -> str:
    """The ``type`` of a one-input field: the widget's, or ``ui:inputType`` on a text."""
    asked = n.options.get("inputType")
    if n.widget == "text" and n.kind == "string" and asked in _TEXT_INPUT_TYPES:
        return asked
    return INPUT_TYPES.get(n.widget, "text")


def matchers_json(n: Node) -> str:
    """What choice.js decides a choice's option with, for the phone (engine.options)."""
    return json.dumps([a.matcher for a in n.alternatives], ensure_ascii=False, separators=(",", ":"))


def reserved_json(n: Node) -> str | None:
    """A map's reserved keys (its object's own fields) for values.js."""
    return json.dumps(list(n.reserved_keys), ensure_ascii=False, separators=(",", ":")) if n.reserved_keys else None


def drop(mapping: dict, *keys: str) -> list:
    return [(k, v) for k, v in mapping.items() if k not in keys]




def child(n: Node, key: str) -> Node | None:
    for c in n.children:
        if c.key == key:
            return c
    return None


def steps_of(n: Node) -> list[tuple[int, str | None, list]]:
    """An object's sections grouped by step: ``[(index, label, [sections])]``."""
    if not n.steps:
        return [(0, None, list(n.sections))]
    out: list[tuple[int, str | None, list]] = []
    for sec in n.sections:
        if not out or out[-1][0] != sec.step:
            out.append((sec.step, n.steps[sec.step] if sec.step < len(n.steps) else None, []))
        out[-1][2].append(sec)
    return out


# --- environment -------------------------------------------------------------------------
@lru_cache(maxsize=1)
def environment() -> Environment:
    """One autoescaped environment, templates compiled once and cached (auto_reload off)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=100,
    )
    env.globals.update(
        field=field, simple_field=simple_field, wrap=wrap, req=req, label=label, desc=desc, after=after, common=common, carrier=carrier,
        attrs=attrs, describedby=describedby, rules_json=rules_json, choices_json=choices_json,
        empty_json=empty_json, value_text=value_text, selected_tokens=selected_tokens,
        photo_ids=photo_ids, classes=classes, child=child, duration_parts=duration_parts,
        INPUT_TYPES=INPUT_TYPES, INPUTMODE=_INPUTMODE, AUTOCOMPLETE=_AUTOCOMPLETE,
        display_value=display.answer, steps_of=steps_of, MISSING=MISSING, drop=drop, range_fits=range_fits, exact_input=exact_input,
        kept_text=kept_text, matchers_json=matchers_json, reserved_json=reserved_json, keeps_json=keeps_json,
        prefilled_json=prefilled_json,
    )
    return env


def render_form(
    d: FormDefinition,
    data: Any = None,
    errors: Iterable[FieldError] = (),
    lang: str = "fr",
    *,
    action: str | None = None,
    method: str = "post",
    csrf_token: str | None = None,
    readonly: bool = False,
    form_id: str | None = None,
    attachment_url: str | None = None,
    prefilled: Iterable[str] | Mapping[str, str] = (),
) -> str:
    """The ``<form>`` of ``d`` filled with ``data`` and its ``errors``, as an HTML fragment.

    The form opens as RJSF's does: the fields ``data`` lacks show their defaults
    (:func:`engine.defaults.fill_defaults`). ``attachment_url`` is an optional URL pattern
    with ``{id}`` that lets the page show existing photos and signatures (e.g.
    ``/attachments/{id}``); without it they are listed. ``prefilled``: the pointers of the
    fields whose value was prefilled (:func:`engine.prefill.prefill`), with its source when
    known, shown so until confirmed or changed.
    """
    tree = walk(d, fill_defaults(d, data), errors, lang=lang, prefilled=prefilled)
    tpl = environment().get_template("form/form.html")
    return tpl.render(
        d=d, tree=tree, lang=lang, T=texts(lang), action=action, method=method,
        csrf_token=csrf_token, form_readonly=readonly,
        form_id=form_id or f"ff-form-{d.id}", attachment_url=attachment_url,
        tz=clock.company_tz().key,
    ).strip()


def render_answers(
    d: FormDefinition,
    data: Any,
    lang: str = "fr",
    *,
    attachment_url: Callable[[str], str] | None = None,
    errors: Iterable[FieldError] = (),
) -> str:
    """Read-only HTML of the answers for the back office: labels and what was answered."""
    tree = walk(d, data, errors, lang=lang)
    tpl = environment().get_template("form/answers.html")
    return tpl.render(d=d, tree=tree, lang=lang, T=texts(lang), attachment_url=attachment_url).strip()
