"""Which answers a rule hides, compiled once per form version and read straight off the data.

"Required" means "required when shown": the answer of a field that a ``ui:rule`` hides (or
that sits inside a field a rule hides) is not part of what is stored, and its absence is no
error. This is the only pruning there is. A field that only an inactive conditional branch
(``if/then/else``, ``dependentSchemas``) declares is not hidden in this sense: for those
answers that branch is simply not part of the schema, and the schema decides (refused by
``additionalProperties``/``unevaluatedProperties: false``, kept otherwise) — so stored
answers are always answers the schema was asked about.

The plan lists, shallow first, each field with a rule as a path pattern (``"*"`` for "every
item of this array") and the rule. Evaluating it is a few dictionary look-ups and
:func:`engine.rules.holds` calls: the walk stays out of validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from .node import MISSING, Rule
from .paths import Path, get_at
from .rules import bind_scope, condition, parse_rule
from .schema import branches, flatten, schema_type
from .uihints import child_ui, normalise

ANY_ITEM = "*"


@dataclass(frozen=True)
class Plan:
    """What can hide which answers, for one definition."""

    rules: tuple[tuple[tuple, Rule], ...] = ()
    #: author messages for a failed ``pattern``, by path pattern (``ui:patternMessage``)
    pattern_messages: dict[tuple, Any] = field(default_factory=dict)
    #: per rule: its pattern, whether it spans array items, the scope read when it does
    #: not, its compiled condition and whether a match shows the field
    _entries: tuple = field(default=(), repr=False, compare=False)

    def hidden(self, data: Any) -> list[Path]:
        """The paths (answered or not) of every field a rule hides in ``data``."""
        out: list[Path] = []
        for pattern, per_item, scope, matches, show, rule in self._entries:
            if per_item:
                for path in _instances(data, pattern):
                    if out and any(path[: len(h)] == h for h in out):
                        continue
                    if _shows(matches, show, get_at(data, bind_scope(rule.scope, path), MISSING)) is False:
                        out.append(path)
                continue
            if len(pattern) > 1 and not isinstance(get_at(data, pattern[:-1]), dict):
                continue
            if out and any(pattern[: len(h)] == h for h in out):
                continue
            value = get_at(data, scope, MISSING)
            if value is MISSING:
                if show:
                    out.append(pattern)  # a condition on an unanswered field is false
            elif _shows(matches, show, value) is False:
                out.append(pattern)
        return out

    def answered(self, data: Any, hidden: list[Path]) -> list[Path]:
        """Those of ``hidden`` that hold an answer: the ones pruning removes."""
        return [h for h in hidden if get_at(data, h, MISSING) is not MISSING]


def _shows(matches: Any, show: bool, value: Any) -> bool:
    """:func:`engine.rules.rule_shows`, with the condition already compiled."""
    if value is MISSING:
        return not show  # a condition on an unanswered field is false
    try:
        return matches(value) if show else not matches(value)
    except RecursionError:  # a value nested beyond any form: the condition does not hold
        return not show


def _instances(data: Any, pattern: tuple, prefix: Path = ()) -> Iterator[Path]:
    """Concrete paths matching ``pattern`` whose parent exists in ``data``."""
    if not pattern:
        yield prefix
        return
    head, rest = pattern[0], pattern[1:]
    if head == ANY_ITEM:
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from _instances(item, rest, prefix + (i,))
    elif isinstance(data, dict):
        if not rest:
            yield prefix + (head,)
        elif head in data:
            yield from _instances(data[head], rest, prefix + (head,))


def compile_plan(schema: Any, ui: Any) -> Plan:
    """The plan of a form: its fields with a rule or a pattern message, found by following
    the UI hints through the schema (as far as hints go, so recursive schemas end)."""
    rules: list[tuple[tuple, Rule]] = []
    messages: dict[tuple, Any] = {}

    def visit(sub: Any, hints: Any, pattern: tuple, depth: int) -> None:
        if not isinstance(hints, dict) or not hints or depth > 64:
            return
        options = normalise(hints)
        if pattern and "rule" in options:
            try:
                rules.append((pattern, parse_rule(options["rule"])))
            except ValueError:
                pass  # lint reports it; the field stays shown, as in the walk
        if "patternMessage" in options:
            messages[pattern] = options["patternMessage"]
        s = flatten(sub, schema)
        kind = schema_type(s)
        if kind == "object":
            props = dict(s.get("properties") or {})
            for br in branches(s, schema):
                for name, prop in (br.schema.get("properties") or {}).items():
                    props.setdefault(name, prop)
            for name, prop in props.items():
                visit(prop, child_ui(hints, name), pattern + (name,), depth + 1)
        elif kind == "array" and isinstance(s.get("items"), (dict, bool)):
            visit(s["items"], child_ui(hints, "items"), pattern + (ANY_ITEM,), depth + 1)

    visit(schema, ui, (), 0)
    rules.sort(key=lambda pr: len(pr[0]))
    entries = tuple((pattern, ANY_ITEM in pattern, bind_scope(rule.scope, pattern), condition(rule.schema), rule.effect == "SHOW", rule) for pattern, rule in rules)
    return Plan(tuple(rules), messages, entries)


def without(data: Any, paths: list[Path]) -> Any:
    """``data`` without the answers at ``paths``: copies only the containers along those
    paths, never the rest (list items are removed last first, so indexes hold)."""

    def key(path: Path):
        return tuple((0, p) if isinstance(p, int) else (1, p) for p in path)

    for path in sorted(paths, key=key, reverse=True):
        data = _remove(data, path)
    return data


def _remove(node: Any, path: Path) -> Any:
    if not path:
        return node
    head, rest = path[0], path[1:]
    in_object = isinstance(node, dict) and isinstance(head, str) and head in node
    in_array = isinstance(node, list) and isinstance(head, int) and 0 <= head < len(node)
    if not (in_object or in_array):
        return node
    child = _remove(node[head], rest) if rest else None
    if rest and child is node[head]:
        return node  # nothing removed below: no copy
    copy = dict(node) if in_object else list(node)
    if rest:
        copy[head] = child
    else:
        del copy[head]
    return copy
