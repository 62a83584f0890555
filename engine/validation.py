"""Validating answers against the exact definition they were filled with.

"Required" means "required when shown": answers of fields hidden by a rule or by an inactive
branch are pruned first, and errors on hidden fields are dropped. jsonschema reports a
missing property on its parent; we re-point it at the missing field, where a technician
can see it.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Iterator

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from .definition import FormDefinition
from .messages import message
from .paths import Path, is_prefix, to_pointer
from .problems import FieldError
from .schema import is_choice_list
from .uihints import localise


def validate(definition: FormDefinition, data: Any, lang: str = "fr") -> list[FieldError]:
    if not isinstance(data, dict):
        return [FieldError("", message("type", lang, expected="object"), "type")]
    from .walk import walk

    hidden: list[Path] = []
    tree = None
    if definition.has_conditions:
        tree = walk(definition, data, lang=lang)
        hidden = [n.path for n in tree.walk() if not n.visible and not n.is_template]
        if hidden:
            data = prune(data, hidden)
    fast = definition.fast_validator
    if fast is not None and fast.is_valid(data):
        return []
    out: dict[tuple[str, str], FieldError] = {}
    for err in definition.validator.iter_errors(data):
        for fe in field_errors(err, lang):
            if not any(is_prefix(h, fe.path) for h in hidden):
                out.setdefault((fe.pointer, fe.keyword), fe)
    errors = list(out.values())
    if any(e.keyword == "pattern" for e in errors):
        errors = _author_pattern_messages(errors, tree or walk(definition, data, lang=lang), lang)
    return errors


def _author_pattern_messages(errors: list[FieldError], tree, lang: str) -> list[FieldError]:
    """``ui:patternMessage`` says what a pattern expects better than any generic text."""
    out = []
    for e in errors:
        node = tree.find(e.path) if e.keyword == "pattern" else None
        custom = node.options.get("patternMessage") if node is not None else None
        if custom:
            e = FieldError(e.pointer, localise(custom, lang) or e.message, e.keyword, e.params)
        out.append(e)
    return out


def prune(data: dict, hidden: list[Path]) -> dict:
    """A copy of ``data`` without the answers at ``hidden`` paths (deepest, last first)."""
    data = copy.deepcopy(data)

    def key(path: Path):
        return tuple((0, p) if isinstance(p, int) else (1, p) for p in path)

    for path in sorted(hidden, key=key, reverse=True):
        if not path:
            continue
        parent: Any = data
        for p in path[:-1]:
            try:
                parent = parent[p]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        last = path[-1]
        if isinstance(parent, dict) and isinstance(last, str):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            del parent[last]
    return data


def _limit_error(err: ValidationError, lang: str, path: tuple) -> FieldError:
    return FieldError(to_pointer(path), message(err.validator, lang, limit=err.validator_value), err.validator, {"limit": err.validator_value})


def field_errors(err: ValidationError, lang: str) -> Iterator[FieldError]:
    """One jsonschema error as the FieldErrors a person can act on."""
    path = tuple(err.absolute_path)
    kw = err.validator
    inst = err.instance
    if kw == "required":
        for name in err.validator_value:
            if isinstance(inst, dict) and name not in inst:
                yield FieldError(to_pointer(path + (name,)), message("required", lang), "required")
    elif kw in ("dependentRequired", "dependencies") and isinstance(err.validator_value, dict):
        for trigger, names in err.validator_value.items():
            if isinstance(inst, dict) and trigger in inst and isinstance(names, list):
                for name in names:
                    if name not in inst:
                        yield FieldError(to_pointer(path + (name,)), message("required", lang), "required")
    elif kw in ("additionalProperties", "unevaluatedProperties"):
        known = set((err.schema.get("properties") or {}) if isinstance(err.schema, dict) else ())
        patterns = [re.compile(p) for p in ((err.schema.get("patternProperties") or {}) if isinstance(err.schema, dict) else ())]
        extras = [k for k in (inst if isinstance(inst, dict) else ()) if k not in known and not any(p.search(k) for p in patterns)]
        for name in extras or [None]:
            ptr = to_pointer(path + ((name,) if name is not None else ()))
            yield FieldError(ptr, message("additionalProperties", lang), "additionalProperties")
    elif kw in ("enum", "const"):
        yield FieldError(to_pointer(path), message("enum", lang), "enum")
    elif kw in ("oneOf", "anyOf"):
        if isinstance(err.schema, dict) and is_choice_list(err.schema):
            yield FieldError(to_pointer(path), message("enum", lang), "enum")
        elif err.context:
            yield from field_errors(best_match(err.context), lang)
        else:
            yield FieldError(to_pointer(path), message("invalid", lang), kw)
    elif kw == "type":
        yield FieldError(to_pointer(path), message("type", lang, expected=err.validator_value), "type", {"expected": err.validator_value})
    elif kw == "format":
        yield FieldError(to_pointer(path), message("format", lang, format=err.validator_value), "format", {"format": err.validator_value})
    elif kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems"):
        yield _limit_error(err, lang, path)
    elif kw in ("pattern", "uniqueItems", "contains"):
        yield FieldError(to_pointer(path), message(kw, lang), kw)
    else:
        yield FieldError(to_pointer(path), message("invalid", lang), str(kw))
