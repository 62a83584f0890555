"""The small HTML pieces every field needs: its wrapper, label, help, errors, control attributes.

They ran as Jinja macros at first; at about twenty calls per field, macro-call overhead was
most of a form's render time, so they are plain functions returning ``Markup`` here, called
from the templates under the same names and with the same arguments.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from jinja2 import pass_context
from markupsafe import Markup, escape

from engine import Node


def attrs(pairs: Iterable[tuple[str, Any]]) -> Markup:
    """`` name="value"`` for each pair, in order; True -> bare attribute, None/False skipped."""
    out = []
    for k, v in pairs:
        if v is None or v is False:
            continue
        if v is True:
            out.append(f" {k}")
        else:
            out.append(f' {k}="{escape(v)}"')
    return Markup("".join(out))


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


def empty_json(n: Node) -> str | None:
    if "emptyValue" not in n.options:
        return None
    return json.dumps(n.options["emptyValue"], ensure_ascii=False)


def wrap(n: Node, extra: Iterable[tuple[str, Any]] = ()) -> Markup:
    """The attributes of a field's wrapper: what the ES modules read (``data-ff-*``)."""
    leaf = n.is_leaf
    return attrs([
        ("class", classes("ff-field", "ff-w-" + n.widget, n.options.get("classNames"), n.errors and "ff-invalid", n.required and "ff-required")),
        ("id", n.dom_id + "-field"),
        ("data-ff-field", n.name if leaf else None),
        ("data-ff-widget", n.widget),
        ("data-ff-kind", n.kind),
        ("data-ff-multiple", n.multiple),
        ("data-ff-rules", rules_json(n)),
        ("data-ff-choices", choices_json(n) if leaf else None),
        ("data-ff-empty", empty_json(n)),
        ("hidden", not n.visible),
        *extra,
    ])


_REQ = Markup('<span class="ff-req" aria-hidden="true"> *</span>')


def req(n: Node) -> Markup:
    return _REQ if n.required else Markup("")


# f-strings with escape() rather than Markup.format: string.Formatter is slow on this path
def label(n: Node, fl: str = "") -> Markup:
    return Markup(f'<label class="ff-label" for="{escape(n.dom_id)}">{escape(n.label or fl)}{req(n)}</label>')


def desc(n: Node) -> Markup:
    if not n.description:
        return Markup("")
    return Markup(f'<p class="ff-desc" id="{escape(n.dom_id)}-desc">{escape(n.description)}</p>')


def after(n: Node) -> Markup:
    """Help, then the field's errors (their ids are what ``aria-describedby`` names)."""
    out = ""
    if n.help:
        out += f'<p class="ff-help" id="{escape(n.dom_id)}-help">{escape(n.help)}</p>'
    if n.errors:
        items = "".join(f'<p class="ff-error">{escape(e.message)}</p>' for e in n.errors)
        out += f'<div class="ff-errors" id="{escape(n.dom_id)}-error">{items}</div>'
    return Markup(out)


@pass_context
def common(ctx, n: Node, off: bool, lock: bool = False, with_constraints: bool = True) -> Markup:
    """Attributes shared by every control: constraints, placeholder, state, ARIA."""
    form_readonly = bool(ctx.get("form_readonly"))
    return attrs(n.attrs.items() if with_constraints else ()) + attrs([
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
    return Markup(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}" data-ff-carrier{" disabled" if off else ""}>')
