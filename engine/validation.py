"""Validating answers against the exact definition they were filled with.

:func:`check` is the one entry point that decides what is stored: it returns the answers
cleaned of what a rule hides (:mod:`engine.visibility` — the only pruning) and the errors of
exactly those cleaned answers. The web app and the sync store ``Checked.answers`` when
``Checked.errors`` is empty, so what is stored is what was validated.

The schema is checked by jsonschema-rs, compiled once per definition in the forms' dialect
(:mod:`engine.dialect`); most answers are valid and cost one compiled call. Its errors are
turned into :class:`FieldError` s a technician can act on: a missing property is pointed at
the missing field (the schema reports it on the parent), a failed ``oneOf``/``anyOf`` speaks
of its most relevant alternative (jsonschema's ``best_match`` heuristic). Any JSON value
gives errors, never an exception; a text that is not Unicode (a lone surrogate, which I-JSON,
RFC 7493, forbids and no database stores) is an error at its pointer, and answers nested
deeper than jsonschema-rs follows (hundreds of levels: no form has them) one error at the
root.
"""

from __future__ import annotations

import heapq
from typing import Any, Iterable, Iterator, NamedTuple

from .dialect import compiled_validator
from .messages import message
from .paths import Path, is_prefix, to_pointer
from .problems import FieldError
from .uihints import localise
from .visibility import ANY_ITEM, without

_LIMITS = frozenset({
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains",
})
_WEAK = frozenset({"anyOf", "oneOf"})


class Checked(NamedTuple):
    """Answers as they are to be stored, and their errors (store only if there are none)."""

    answers: Any
    errors: list[FieldError]


class CompiledSchema:
    """Any JSON Schema of the forms' dialect, compiled once, giving errors for any JSON value.

    :meth:`FormDefinition.validate <engine.FormDefinition.validate>` uses it for a form's
    schema; it takes schemas whose root is not an object too (the JSON-Schema-Test-Suite
    runs through it).
    """

    def __init__(self, schema: Any):
        self.schema = schema
        self.compiled = compiled_validator(schema)  # ValueError if it cannot
        self._matchers: dict[int, tuple[Any, list]] = {}

    def _options(self, err: Any) -> int | None:
        """Which alternative of a failed oneOf/anyOf the answer is closest to (the option
        the form draws for it, :mod:`engine.options`), None when it cannot be told."""
        from .options import closest_option, matcher

        options = _keyword_at(self.schema, list(getattr(err, "evaluation_path", None) or ()))
        if not isinstance(options, list) or not options:
            return None
        hit = self._matchers.get(id(options))
        if hit is None or hit[0] is not options:
            hit = self._matchers[id(options)] = (options, [matcher(o, self.schema) for o in options])
        try:
            return closest_option(hit[1], err.instance)
        except (ValueError, RecursionError):
            return None

    def is_valid(self, value: Any) -> bool:
        try:
            return self.compiled.is_valid(value)
        except (UnicodeEncodeError, ValueError):  # not Unicode, or nested too deep: see errors()
            return False

    def errors(self, value: Any, lang: str = "fr") -> list[FieldError]:
        """Every error of ``value``, one per (pointer, keyword), in schema order."""
        try:
            found, failures = self._failures(value, lang)
        except (ValueError, RecursionError):  # jsonschema-rs's "Recursion limit reached"
            return [FieldError("", message("depth", lang), "depth")]
        out: dict[tuple[str, str], FieldError] = {(e.pointer, e.keyword): e for e in found}
        for failure in failures:
            for fe in field_errors(failure, lang, self._options):
                out.setdefault((fe.pointer, fe.keyword), fe)
        return list(out.values())

    def _failures(self, value: Any, lang: str) -> tuple[list[FieldError], list[Any]]:
        try:
            return [], list(self.compiled.iter_errors(value))
        except UnicodeEncodeError:
            return list(_not_unicode(value, (), lang)), list(self.compiled.iter_errors(_scrubbed(value)))


def check(definition, data: Any, lang: str = "fr") -> Checked:
    """``data`` cleaned of the answers a rule hides, and the errors of what is left."""
    if not isinstance(data, dict):
        return Checked(data, [FieldError("", message("type", lang, expected="object"), "type", {"expected": "object"})])
    plan = definition.visibility
    hidden = plan.hidden(data) if plan.rules else []
    pruned = plan.answered(data, hidden) if hidden else []
    answers = without(data, pruned) if pruned else data
    schema = definition.compiled_schema
    if schema.is_valid(answers):
        return Checked(answers, [])
    errors = [e for e in schema.errors(answers, lang) if not any(is_prefix(h, e.path) for h in hidden)]
    if plan.pattern_messages:
        errors = _author_pattern_messages(errors, plan.pattern_messages, lang)
    return Checked(answers, errors)


def validate(definition, data: Any, lang: str = "fr") -> list[FieldError]:
    """The errors of ``data`` against ``definition`` (see :func:`check`)."""
    return check(definition, data, lang).errors


def _author_pattern_messages(errors: list[FieldError], messages: dict, lang: str) -> list[FieldError]:
    """``ui:patternMessage`` says what a pattern expects better than any generic text."""
    out = []
    for e in errors:
        custom = messages.get(tuple(ANY_ITEM if isinstance(p, int) else p for p in e.path)) if e.keyword == "pattern" else None
        if custom:
            e = FieldError(e.pointer, localise(custom, lang) or e.message, e.keyword, e.params)
        out.append(e)
    return out


# --- jsonschema-rs errors as FieldErrors ---------------------------------------------------
def _keyword_at(root: Any, path: list) -> Any:
    """The value at a jsonschema-rs evaluation path (``$ref`` segments followed)."""
    from .schema import RefError, deref

    cur = root
    for seg in path:
        try:
            if seg in ("$ref", "$dynamicRef") and isinstance(cur, dict):
                cur = deref({seg: cur[seg]}, root)
            elif isinstance(cur, dict) and seg in cur:
                cur = cur[seg]
            elif isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
                cur = cur[seg]
            else:
                return None
        except (RefError, KeyError, TypeError):
            return None
    return cur


def field_errors(err: Any, lang: str, closest: Any = None) -> Iterator[FieldError]:
    """One jsonschema-rs error as the FieldErrors a person can act on. A failed
    oneOf/anyOf speaks of the option the answer is closest to (``closest(err)``: the one
    the form draws) when there is one, else of its most relevant alternative."""
    path = tuple(err.instance_path)
    kw = err.kind.name
    if kw == "required":
        yield FieldError(to_pointer(path + (err.kind.property,)), message("required", lang), "required")
    elif kw in ("additionalProperties", "unevaluatedProperties"):
        for name in err.kind.unexpected or [None]:
            yield FieldError(to_pointer(path + ((name,) if name is not None else ())), message("additionalProperties", lang), "additionalProperties")
    elif kw in ("enum", "const"):
        yield FieldError(to_pointer(path), message("enum", lang), "enum")
    elif kw in _WEAK:
        alternatives = [list(alt) for alt in (getattr(err.kind, "context", None) or [])]
        if alternatives and all(len(alt) == 1 and alt[0].kind.name in ("const", "enum") and tuple(alt[0].instance_path) == path for alt in alternatives):
            yield FieldError(to_pointer(path), message("enum", lang), "enum")  # a list of titled choices
        elif any(alternatives):
            k = closest(err) if closest is not None else None
            pool = alternatives[k] if k is not None and k < len(alternatives) and alternatives[k] else [e for alt in alternatives for e in alt]
            yield from field_errors(best_match(pool), lang, closest)
        else:
            yield FieldError(to_pointer(path), message("invalid", lang), kw)
    elif kw == "type":
        types = list(err.kind.types)
        expected = types[0] if len(types) == 1 else types
        yield FieldError(to_pointer(path), message("type", lang, expected=expected), "type", {"expected": expected})
    elif kw == "format":
        yield FieldError(to_pointer(path), message("format", lang, format=err.kind.format), "format", {"format": err.kind.format})
    elif kw in _LIMITS or kw == "multipleOf":
        limit = err.kind.multiple_of if kw == "multipleOf" else err.kind.limit
        yield FieldError(to_pointer(path), message(kw, lang, limit=limit), kw, {"limit": limit})
    elif kw in ("pattern", "uniqueItems", "contains"):
        yield FieldError(to_pointer(path), message(kw, lang), kw)
    else:
        yield FieldError(to_pointer(path), message("invalid", lang), kw)


def _relevance(err: Any) -> tuple:
    path = tuple(err.instance_path)
    return (-len(path), tuple(map(str, path)), err.kind.name not in _WEAK)


def best_match(errors: Iterable[Any]) -> Any:
    """jsonschema's ``best_match`` for jsonschema-rs errors: the most relevant error,
    descending into the alternatives of a failed ``anyOf``/``oneOf`` while one stands out."""
    best = max(errors, key=_relevance)
    while best.kind.name in _WEAK and getattr(best.kind, "context", None):
        nested = [e for alt in best.kind.context for e in alt]
        smallest = heapq.nsmallest(2, nested, key=_relevance)
        if not smallest or (len(smallest) == 2 and _relevance(smallest[0]) == _relevance(smallest[1])):
            return best
        best = smallest[0]
    return best


# --- text that is not Unicode --------------------------------------------------------------
def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_unicode(value: Any, path: Path, lang: str) -> Iterator[FieldError]:
    if isinstance(value, str):
        if not _is_unicode(value):
            yield FieldError(to_pointer(_scrubbed(path)), message("text", lang), "text")
    elif isinstance(value, dict):
        for k, v in value.items():
            if not _is_unicode(k):
                yield FieldError(to_pointer(_scrubbed(path + (k,))), message("text", lang), "text")
            yield from _not_unicode(v, path + (k,), lang)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _not_unicode(v, path + (i,), lang)


def _scrubbed(value: Any) -> Any:
    """``value`` with each lone surrogate replaced by U+FFFD (texts, keys, nested)."""
    from .ecma import scrub

    if isinstance(value, str):
        return value if _is_unicode(value) else scrub(value)
    if isinstance(value, tuple):
        return tuple(_scrubbed(v) for v in value)
    if isinstance(value, dict):
        return {_scrubbed(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value
