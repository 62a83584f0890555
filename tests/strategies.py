"""Hypothesis strategies: answers a technician could give to any form, from its tree.

Generated answers are in the canonical form the HTML round trip promises to keep exactly:
no empty strings (empty means absent), checkbox booleans always present (an unchecked box
posts as false), multi-choice lists in the order of their choices, date-times in the
company's time zone, no empty lists or objects, and text without characters a browser's
input sanitisation would change (control characters; line breaks outside textareas).

RJSF's shapes too: a oneOf/anyOf or type union takes one of its options (answers the form
would draw with that very option: RJSF's closest match), a map gets keys its rows accept
(not its object's own fields), a tuple its positions in order (with extra items once every
position is answered), a JSON field any JSON, an object that keeps undeclared answers some
of them. Answers may lack fields that have defaults: what the form gives back is then
:func:`engine.defaults.fill_defaults` of them (:func:`opened`).
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from hypothesis import strategies as st

from engine import FormDefinition, Node, walk
from engine.clock import company_tz
from engine.decode import row_of
from engine.defaults import fill_defaults
from engine.options import closest_option

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
    """A checkbox boolean, a field with ``ui:emptyValue``, a null option, or a container
    holding one, always comes back from a post."""
    if node.widget == "checkbox" and node.kind == "boolean":
        return True
    if node.widget == "null":
        return True
    if "emptyValue" in node.options:  # an empty input posts as ui:emptyValue
        return True
    if node.widget == "object":
        return any(always_posted(c) for c in node.children if not c.inline) or any(
            always_posted(c) for c in node.children if c.inline and c.widget == "choice")
    if node.widget == "choice":
        return always_posted(node.alternatives[node.selected].node)
    if node.widget == "array" and node.fixed:
        return any(always_posted(c) for c in node.children[: node.fixed])
    return False


#: JSON of any shape, for fields whose schema says nothing of their type (small and canonical:
#: no empty text, finite numbers, floats that are not whole so they stay floats in a browser)
_JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).filter(lambda f: not float(f).is_integer()),
    st.text(alphabet=string.ascii_letters + "é ", min_size=1, max_size=8),
)
ANY_JSON = st.recursive(_JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=5), inner, max_size=3)), max_leaves=6)
_KEY = st.text(alphabet=string.ascii_letters + string.digits + "_-éà ", min_size=1, max_size=10)


def _map_strategy(node: Node, reserved: set) -> st.SearchStrategy[dict]:
    """Keys the rows of a map accept, with values of the row each key falls in."""
    pattern = None
    names = (node.key_attrs or {}).get("pattern")
    if names:
        pattern = names
    keys = st.from_regex(f"^(?:{pattern})$", fullmatch=True) if pattern else _KEY
    keys = keys.filter(lambda k: k != "" and k == k.strip() and not any(c in k for c in "\r\n\t") and k not in reserved)

    def row(key: str) -> st.SearchStrategy[Any]:
        return node_strategy(row_of(node, key))

    if node.template is None and not node.pattern_rows:
        return st.just({})
    pairs = keys.flatmap(lambda k: row(k).map(lambda v: (k, v)))
    return st.lists(pairs, max_size=3, unique_by=lambda kv: kv[0]).map(dict)


def _choice_strategy(node: Node) -> st.SearchStrategy[Any]:
    """One option's answers, that the form would draw with that option again."""
    matchers = [a.matcher for a in node.alternatives]

    def of(k: int) -> st.SearchStrategy[Any]:
        return node_strategy(node.alternatives[k].node).filter(lambda v, k=k: closest_option(matchers, v) == k)

    return st.sampled_from(range(len(node.alternatives))).flatmap(of)


def node_strategy(node: Node) -> st.SearchStrategy[Any]:
    """Answers for one field, in the canonical form (see the module docstring)."""
    if node.widget == "choice" and not node.inline:
        return _choice_strategy(node)
    if node.widget == "null":
        return st.none()
    if node.widget == "json":
        return ANY_JSON
    if node.widget == "object" or (node.widget == "signature" and node.kind == "object"):
        required: dict[str, Any] = {}
        optional: dict[str, Any] = {}
        parts = [c for c in node.children if c.inline]
        for child in node.children:
            if child.inline:
                continue
            strat = node_strategy(child)
            if always_posted(child):
                required[child.key] = strat
            else:
                optional[child.key] = strat
        own = st.fixed_dictionaries(required, optional=optional)
        declared = {c.key for c in node.children if not c.inline}
        for part in parts:
            if part.widget == "map":
                own = st.tuples(own, _map_strategy(part, declared | set(part.reserved_keys))).map(lambda t: {**t[1], **t[0]})
            elif part.widget == "choice":
                matchers = [a.matcher for a in part.alternatives]

                def with_option(base: dict, part: Node = part, matchers: list = matchers) -> st.SearchStrategy[dict]:
                    def of(k: int) -> st.SearchStrategy[dict]:
                        return node_strategy(part.alternatives[k].node).map(lambda v: {**base, **(v if isinstance(v, dict) else {})}).filter(
                            lambda whole, k=k: closest_option(matchers, whole) == k)
                    return st.sampled_from(range(len(part.alternatives))).flatmap(of)

                own = own.flatmap(with_option)
        if node.keeps is not None and node.widget == "object":
            taken = declared | {c2.key for p in parts if p.widget == "choice" for a in p.alternatives for c2 in a.node.children}
            extra = st.dictionaries(_KEY.filter(lambda k: k not in taken), ANY_JSON.filter(lambda v: v not in ({}, [])), max_size=2)
            own = st.tuples(own, extra).map(lambda t: {**t[1], **t[0]})
        return own.filter(bool)
    if node.widget == "array" and node.fixed:
        positions = node.children[: node.fixed]
        must = max([i + 1 for i, c in enumerate(positions) if always_posted(c)] or [0])

        def prefix(n: int) -> st.SearchStrategy[list]:
            items = st.tuples(*[node_strategy(c) for c in positions[:n]]).map(list)
            if n == node.fixed and node.template is not None:
                return st.tuples(items, st.lists(node_strategy(node.template), max_size=2)).map(lambda t: t[0] + t[1])
            return items

        return st.integers(max(must, 1), node.fixed).flatmap(prefix)
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
        if n.kind == "string" and n.is_leaf and not n.inline:
            p = schema_at(n.path).get("pattern")
            if p:
                n.options["_pattern"] = p
        stack.extend(n.children)
        stack.extend(a.node for a in n.alternatives)
        if n.template is not None:
            stack.append(n.template)


def answers_for(definition: FormDefinition) -> st.SearchStrategy[dict]:
    """Any answers to ``definition`` (valid or not against its constraints beyond types)."""
    tree = walk(definition, {})
    _with_patterns(tree, definition)
    return node_strategy(tree).map(lambda v: v if isinstance(v, dict) else {})


def opened(definition: FormDefinition, answers: dict) -> dict:
    """What a form opened on ``answers`` gives back when posted as it is: the answers with
    the defaults of the fields they lack (RJSF's getDefaultFormState)."""
    return fill_defaults(definition, answers)
