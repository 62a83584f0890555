"""The JSON Schema dialect of forms, compiled twice the same way: jsonschema-rs and jsonschema.

Forms are JSON Schema 2020-12 with ECMA-262 patterns (:mod:`engine.ecma`), the formats of
:mod:`engine.formats`, and draft-7 ``dependencies`` understood as RJSF forms use it
(JSON-Schema-Test-Suite's optional ``dependencies-compatibility``). jsonschema-rs does the
checking and explaining (it is 50–100x faster); jsonschema, configured identically,
evaluates the walk's conditions outside the phone's subset, and the tests hold the two in
agreement. Neither ever fetches anything: a form is self-contained
(:mod:`engine.refs` refuses remote references at load; the retriever below refuses too).
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema._legacy_keywords import dependencies_draft4_draft6_draft7
from referencing import Registry
from referencing.exceptions import NoSuchResource

from .ecma import search
from .formats import FORMAT_CHECKER, FORMAT_FUNCTIONS


def _refuse(uri: str) -> Any:
    raise NoSuchResource(ref=uri)


def _pattern(validator, patrn, instance, schema):
    if validator.is_type(instance, "string") and not search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for k, v in instance.items():
            if search(pattern, k):
                yield from validator.descend(v, subschema, path=k, schema_path=pattern)


def _additional_properties(validator, ap, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [k for k in instance if k not in properties and not any(search(p, k) for p in patterns)]
    if validator.is_type(ap, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], ap, path=extra)
    elif not ap and extras:
        yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, sorted(extras)))} unexpected)")


#: jsonschema's 2020-12 validator with ECMA-262 patterns and draft-7 ``dependencies``.
#: (Inside jsonschema, ``unevaluatedProperties`` still matches ``patternProperties`` with
#: Python's ``re``: answers are checked by jsonschema-rs, not by this one.)
FormValidator = validators.extend(
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "dependencies": dependencies_draft4_draft6_draft7,
    },
)


def upgrade_tuples(schema: Any) -> Any:
    """Draft-7 fixed-position arrays, as RJSF forms write them, in 2020-12 spelling.

    ``"items": [a, b]`` becomes ``"prefixItems": [a, b]`` and ``additionalItems`` becomes
    ``items`` (absent: any extra item, as in draft 7). A 2020-12 schema cannot have a list
    under ``items``, so nothing written for 2020-12 changes; a copy is returned only when
    something did. References into the old spelling (``#/…/items/0``) are not rewritten.
    """
    from .schema import SUBSCHEMA_KEYWORDS, SUBSCHEMA_LIST_KEYWORDS, SUBSCHEMA_MAP_KEYWORDS

    if not isinstance(schema, dict):
        return schema
    out = schema
    changed = {}
    for kw in SUBSCHEMA_KEYWORDS:
        if kw in schema and not (kw == "items" and isinstance(schema[kw], list)):
            new = upgrade_tuples(schema[kw])
            if new is not schema[kw]:
                changed[kw] = new
    for kw in SUBSCHEMA_LIST_KEYWORDS:
        if isinstance(schema.get(kw), list):
            new_list = [upgrade_tuples(x) for x in schema[kw]]
            if any(a is not b for a, b in zip(new_list, schema[kw])):
                changed[kw] = new_list
    for kw in (*SUBSCHEMA_MAP_KEYWORDS, "dependencies"):
        if isinstance(schema.get(kw), dict):
            new_map = {k: upgrade_tuples(v) for k, v in schema[kw].items()}
            if any(new_map[k] is not v for k, v in schema[kw].items()):
                changed[kw] = new_map
    if changed:
        out = {**schema, **changed}
    if isinstance(out.get("items"), list):
        out = {k: v for k, v in out.items() if k not in ("items", "additionalItems")}
        out["prefixItems"] = [upgrade_tuples(x) for x in schema["items"]]
        if "additionalItems" in schema:
            out["items"] = upgrade_tuples(schema["additionalItems"])
    return out


def python_validator(schema: Any) -> Draft202012Validator:
    """jsonschema, in the forms' dialect."""
    return FormValidator(schema, format_checker=FORMAT_CHECKER, registry=Registry(retrieve=_refuse))


def compiled_validator(schema: Any) -> Any:
    """jsonschema-rs, in the forms' dialect; ValueError with its reason if it cannot take
    this schema (load refuses such a form)."""
    try:
        return jsonschema_rs.Draft202012Validator(
            schema, formats=dict(FORMAT_FUNCTIONS), validate_formats=True, ignore_unknown_formats=True,
            retriever=_refuse_rs,
        )
    except Exception as exc:  # noqa: BLE001 - jsonschema-rs raises its own ValidationError
        raise ValueError(str(exc).split("\n", 1)[0]) from None


def _refuse_rs(uri: str) -> Any:
    raise ValueError(f"remote reference {uri}: a form must be self-contained")
