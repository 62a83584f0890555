"""Hypothesis strategies: answers a technician could give to any form, from its tree.

Generated answers are in the canonical form the HTML round trip promises to keep exactly:
no empty strings (empty means absent), checkbox booleans always present (an unchecked box
posts as false), multi-choice lists in the order of their choices, date-times in the
company's time zone, no empty lists or objects, and text without characters a browser's
input sanitisation would change (control characters; line breaks outside textareas).
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from hypothesis import strategies as st

from engine import FormDefinition, Node, walk
from engine.clock import company_tz

_TEXT_ALPHABET = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"),
    blacklist_characters="\u0085\ufeff",
)
_EMAIL = st.builds(
    lambda user, host: f"{user}@{host}.fr",
    st.text(alphabet=string.ascii_lowercase + string.digits + "._", min_size=1, max_size=12).filter(lambda s: s[0] not in "._" and s[-1] not in "._"),
    st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=10),
)


def _bounds(schema_attrs: dict, kind: str) -> tuple[Any, Any]:
    lo = schema_attrs.get("min")
    hi = schema_attrs.get("max")
    conv = int if kind == "integer" else float
    return (conv(float(lo)) if lo is not None else None, conv(float(hi)) if hi is not None else None)


def _datetime() -> st.SearchStrategy[str]:
    return st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=company_tz()).isoformat()
    ).filter(lambda s: dt.datetime.fromisoformat(s).astimezone(dt.timezone.utc).astimezone(company_tz()).isoformat() == s)


def _string(node: Node) -> st.SearchStrategy[str]:
    fmt = node.format
    if fmt == "date":
        return st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)).map(lambda d: d.isoformat())
    if fmt == "time":
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if fmt == "date-time":
        return _datetime()
    if fmt == "email" or node.widget == "email":
        return _EMAIL
    if fmt == "uri" or node.widget == "uri":
        return st.from_regex(r"\Ahttps://[a-z]{3,10}\.fr/[a-z0-9]{0,8}\Z")
    if fmt == "uuid":
        return st.uuids().map(str)
    pattern = node.options.get("_pattern")
    if pattern:
        return st.from_regex(pattern, fullmatch=False, alphabet=_TEXT_ALPHABET).filter(lambda s: s != "" and "\n" not in s and "\r" not in s)
    lo = int(node.attrs.get("minlength", 1)) or 1
    hi = int(node.attrs.get("maxlength", 40))
    alphabet = st.one_of(_TEXT_ALPHABET, st.just("\n")) if node.widget == "textarea" else _TEXT_ALPHABET
    text = st.text(alphabet=alphabet, min_size=lo, max_size=max(lo, min(hi, 40)))
    if node.widget in ("textarea",):
        return text
    return text


def _scalar(node: Node) -> st.SearchStrategy[Any]:
    if node.choices:
        return st.sampled_from([c.value for c in node.choices])
    kind = node.kind
    if kind == "boolean":
        return st.booleans()
    if node.widget == "duration":
        lo, hi = _bounds(node.attrs, "integer")
        return st.integers(min_value=0 if lo is None else max(0, lo), max_value=1440 if hi is None else hi)
    if kind == "integer":
        lo, hi = _bounds(node.attrs, kind)
        return st.integers(min_value=-10_000 if lo is None else lo, max_value=10_000 if hi is None else hi)
    if kind == "number":
        lo, hi = _bounds(node.attrs, kind)
        return st.floats(min_value=-1e6 if lo is None else lo, max_value=1e6 if hi is None else hi, allow_nan=False, allow_infinity=False).map(lambda f: 0.0 if f == 0 else f)
    return _string(node)


def always_posted(node: Node) -> bool:
    """A checkbox boolean, a field with ``ui:emptyValue``, or an object holding one, always
    comes back from a post."""
    if node.widget == "checkbox" and node.kind == "boolean":
        return True
    if "emptyValue" in node.options:  # an empty input posts as ui:emptyValue
        return True
    if node.widget == "object":
        return any(always_posted(c) for c in node.children)
    return False


def node_strategy(node: Node) -> st.SearchStrategy[Any]:
    """Answers for one field, in the canonical form (see the module docstring)."""
    if node.widget == "object" or (node.widget == "signature" and node.kind == "object"):
        required: dict[str, Any] = {}
        optional: dict[str, Any] = {}
        for child in node.children:
            strat = node_strategy(child)
            if always_posted(child):
                required[child.key] = strat
            else:
                optional[child.key] = strat
        return st.fixed_dictionaries(required, optional=optional).filter(bool)
    if node.widget == "array":
        item = node_strategy(node.template)
        lo = max(1, node.min_items or 0)
        hi = max(lo, min(node.max_items or 3, 3))
        return st.lists(item, min_size=lo, max_size=hi)
    if node.multiple:
        if node.choices:
            values = [c.value for c in node.choices]
            return st.sets(st.sampled_from(range(len(values))), min_size=1).map(lambda idx: [values[i] for i in sorted(idx)])
        lo = max(1, node.min_items or 0)
        hi = max(lo, min(node.max_items or 4, 4))
        return st.lists(st.uuids().map(str), min_size=lo, max_size=hi, unique=True)
    if "emptyValue" in node.options:
        return st.one_of(st.just(node.options["emptyValue"]), _scalar(node))
    return _scalar(node)


def _with_patterns(node: Node, definition: FormDefinition) -> None:
    """Keep each string field's raw pattern on the node for the string strategy."""
    from engine.paths import TEMPLATE_INDEX
    from engine.schema import flatten

    def schema_at(path):
        s = flatten(definition.schema, definition.schema)
        for seg in path:
            if isinstance(seg, int) or seg == TEMPLATE_INDEX:
                s = flatten(s.get("items", {}), definition.schema)
            else:
                props = dict(s.get("properties") or {})
                for cond in ("then", "else"):
                    props.update((s.get(cond) or {}).get("properties") or {})
                for part in s.get("allOf") or []:
                    part = flatten(part, definition.schema)
                    props.update(part.get("properties") or {})
                    for cond in ("then", "else"):
                        props.update((part.get(cond) or {}).get("properties") or {})
                s = flatten(props.get(seg, {}), definition.schema)
        return s

    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind == "string" and n.is_leaf:
            p = schema_at(n.path).get("pattern")
            if p:
                n.options["_pattern"] = p
        stack.extend(n.children)
        if n.template is not None:
            stack.append(n.template)


def answers_for(definition: FormDefinition) -> st.SearchStrategy[dict]:
    """Any answers to ``definition`` (valid or not against its constraints beyond types)."""
    tree = walk(definition, {})
    _with_patterns(tree, definition)
    return node_strategy(tree).map(dict)
