"""The small HTML pieces every field needs: its wrapper, label, help, errors, control attributes.

They ran as Jinja macros at first; at about twenty calls per field, macro-call overhead was
most of a form's render time, so they are plain functions returning ``Markup`` here, called
from the templates under the same names and with the same arguments.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from jinja2 import pass_context
from markupsafe import Markup

from engine import Node
from engine.walk import asks_prefill


def esc(value: Any) -> str:
    """``markupsafe.escape`` as a plain ``str``, the same characters and entities.

    Fragments are f-strings put together from hundreds of small pieces per form; wrapping
    each piece in a ``Markup`` object was a quarter of a form's render time. Most pieces
    (ids, names, tokens) have nothing to escape and come back as they are.
    """
    if type(value) is not str:
        html = getattr(value, "__html__", None)
        if html is not None:
            return html()
        value = str(value)
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
    return value


def attr_text(pairs: Iterable[tuple[str, Any]]) -> str:
    """`` name="value"`` for each pair, in order; True -> bare attribute, None/False skipped."""
    out = []
    for k, v in pairs:
        if v is None or v is False:
            continue
        if v is True:
            out.append(f" {k}")
        else:
            out.append(f' {k}="{esc(v)}"')
    return "".join(out)


def attrs(pairs: Iterable[tuple[str, Any]]) -> Markup:
    """:func:`attr_text` for templates."""
    return Markup(attr_text(pairs))


def classes(*names: Any) -> str:
    return " ".join(str(x) for x in names if x)


def describedby(n: Node, extra: str | None = None) -> str | None:
    ids = []
    if n.description:
        ids.append(n.dom_id + "-desc")
    if n.help:
        ids.append(n.dom_id + "-help")
    if n.errors:
        ids.append(n.dom_id + "-error")
    if n.prefilled:
        ids.append(n.dom_id + "-prefill")
    if extra:
        ids.append(extra)
    return " ".join(ids) or None


def rules_json(n: Node) -> str | None:
    """The node's conditions for ``condition.js``; template items keep ``__INDEX__``."""
    if not n.conditions:
        return None
    text = json.dumps(n.conditions, ensure_ascii=False, separators=(",", ":"))
    if n.is_template:
        text = text.replace("/-1/", "/__INDEX__/").replace('/-1"', '/__INDEX__"')
    return text


def choices_json(n: Node) -> str | None:
    """Token -> typed value, for the client's decoding, when some value is not a string."""
    if not n.choices or all(isinstance(c.value, str) for c in n.choices):
        return None
    return json.dumps([[c.token, c.value] for c in n.choices], ensure_ascii=False, separators=(",", ":"))


def keeps_json(n: Node) -> str | None:
    """The keys an object's fields draw, when it keeps the others (fill.js carries them)."""
    if n.keeps is None or n.widget != "object":
        return None
    return json.dumps(list(n.keeps), ensure_ascii=False, separators=(",", ":"))


def empty_json(n: Node) -> str | None:
    if "emptyValue" not in n.options:
        return None
    return json.dumps(n.options["emptyValue"], ensure_ascii=False)


def wrap(n: Node, extra: Iterable[tuple[str, Any]] = ()) -> Markup:
    """The attributes of a field's wrapper: what the ES modules read (``data-ff-*``)."""
    return Markup(wrap_text(n, extra))


def wrap_text(n: Node, extra: Iterable[tuple[str, Any]] = ()) -> str:
    leaf = n.is_leaf
    return attr_text([
        ("class", classes("ff-field", "ff-w-" + n.widget, n.options.get("classNames"), n.errors and "ff-invalid", n.required and "ff-required", n.prefilled and "ff-prefilled")),
        ("id", n.dom_id + ("-" + n.widget if n.inline else "") + "-field"),
        ("data-ff-field", n.name if leaf else None),
        ("data-ff-widget", n.widget),
        ("data-ff-kind", n.kind),
        ("data-ff-multiple", n.multiple),
        ("data-ff-rules", rules_json(n)),
        ("data-ff-choices", choices_json(n) if leaf else None),
        ("data-ff-empty", empty_json(n)),
        ("data-ff-keeps", keeps_json(n)),
        ("data-ff-prefill", n.prefill),
        ("hidden", not n.visible),
        *extra,
    ])


_REQ = Markup('<span class="ff-req" aria-hidden="true"> *</span>')


def req(n: Node) -> Markup:
    return _REQ if n.required else Markup("")


# f-strings with esc() rather than Markup.format: string.Formatter is slow on this path
def label(n: Node, fl: str = "") -> Markup:
    """The field's label (kept for screen readers when ``ui:label`` is false)."""
    hidden = " ff-sr-only" if n.options.get("label") is False else ""
    return Markup(f'<label class="ff-label{hidden}" for="{esc(n.dom_id)}">{esc(n.label or fl)}{req(n)}</label>')


def desc(n: Node) -> Markup:
    if not n.description:
        return Markup("")
    return Markup(f'<p class="ff-desc" id="{esc(n.dom_id)}-desc">{esc(n.description)}</p>')


def after(n: Node) -> Markup:
    """The prefill badge, help, then the field's errors (their ids are what
    ``aria-describedby`` names)."""
    out = prefill_note(n)
    if n.help:
        out += f'<p class="ff-help" id="{esc(n.dom_id)}-help">{esc(n.help)}</p>'
    if n.errors:
        items = "".join(f'<p class="ff-error">{esc(e.message)}</p>' for e in n.errors)
        out += f'<div class="ff-errors" id="{esc(n.dom_id)}-error">{items}</div>'
    return Markup(out)


def prefill_note(n: Node) -> str:
    """A field that may be prefilled says where its value came from until the person
    confirms it (the button) or changes it (``prefill.js``): shown while ``n.prefilled``,
    drawn hidden otherwise so that the phone can show it after filling a blank form."""
    if n.prefill_note is None:
        return ""
    text, confirm = n.prefill_note
    # a field with several sources: the badge of each, for the phone to say which one it was
    notes = json.dumps(n.prefill_notes, ensure_ascii=False, separators=(",", ":")) if n.prefill_notes else None
    return (f'<p class="ff-prefill-note" id="{esc(n.dom_id)}-prefill" data-ff-prefill-note{"" if n.prefilled else " hidden"}>'
            f'<span class="ff-prefill-badge"{attr_text([("data-ff-notes", notes)])}>{esc(text)}</span> '
            f'<button type="button" class="ff-btn ff-btn-small ff-js-only" data-ff-confirm aria-label="{esc(confirm)} : {esc(n.label)}">{esc(confirm)}</button></p>')


def prefilled_json(d, tree: Node) -> str | None:
    """What the form's ``:prefilled`` input carries: the pointers of the fields prefilled
    and not confirmed yet (None: the form prefills nothing)."""
    if not asks_prefill(d):
        return None
    return json.dumps(sorted({n.pointer for n in tree.walk() if n.prefilled}), ensure_ascii=False, separators=(",", ":"))


@pass_context
def common(ctx, n: Node, off: bool, lock: bool = False, with_constraints: bool = True) -> Markup:
    """Attributes shared by every control: constraints, placeholder, state, ARIA."""
    return Markup(common_text(ctx, n, off, lock, with_constraints))


def common_text(ctx, n: Node, off: bool, lock: bool = False, with_constraints: bool = True) -> str:
    form_readonly = bool(ctx.get("form_readonly"))
    return attr_text(n.attrs.items() if with_constraints else ()) + attr_text([
        ("placeholder", n.placeholder),
        ("readonly", (n.readonly or form_readonly) and not lock),
        ("disabled", off or n.disabled or lock),
        ("data-ff-keep-disabled", n.disabled or lock),
        ("autofocus", n.autofocus and not form_readonly),
        ("aria-describedby", describedby(n)),
        ("aria-invalid", "true" if n.errors else None),
    ])


def carrier(name: str, value: Any, off: bool) -> Markup:
    """A hidden input posting the answer of a control a person cannot change."""
    return Markup(f'<input type="hidden" name="{esc(name)}" value="{esc(value)}" data-ff-carrier{" disabled" if off else ""}>')
