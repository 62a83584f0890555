"""Validation never raises (issue 11): any JSON value, for any field of any form, gives
FieldErrors — deep nesting, huge numbers, NUL bytes and lone surrogates included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import FieldError, load_definition, walk
from engine.validation import CompiledSchema

from .test_json_schema_suite import FILES, SUITE

ROOT = Path(__file__).resolve().parents[2]
FORMS = sorted((ROOT / "form_definitions" / "forms").glob("*.json"))

#: any character, lone surrogates (a JSON "\ud800" escape) and NUL included
ODD_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=30) | st.sampled_from(
    ["\x00", "a\ud800b", "\udfff", "3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b\n", "https://[@example.org/x", "12:00\n", "\u0660\u0661"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**300), max_value=2**300)
           | st.floats(allow_nan=False, allow_infinity=False) | ODD_TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ODD_TEXT, inner, max_size=4), max_leaves=25)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def nested(depth: int, leaf) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


DEEP = nested(5000, "a\ud800")


def assert_field_errors(errors) -> None:
    assert isinstance(errors, list) and all(isinstance(e, FieldError) for e in errors)
    json.dumps([e.pointer for e in errors], ensure_ascii=True)  # pointers can be sent back


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_any_json_for_any_field_of_every_shipped_form(path):
    d = load_definition(path)
    valid = json.loads((ROOT / "examples" / d.id / "valid.json").read_text(encoding="utf-8"))
    fields = sorted({n.path for n in walk(d, valid).walk() if n.path and not n.is_template}, key=str)

    @SETTINGS
    @given(st.sampled_from(fields), JSON)
    @example(fields[0], 2**70)
    def check(field, value):
        data = json.loads(json.dumps(valid))
        parent = data
        for seg in field[:-1]:
            parent = parent[seg] if isinstance(parent, dict) or (isinstance(parent, list) and seg < len(parent)) else {}
        if isinstance(parent, dict):
            parent[field[-1]] = value
        elif isinstance(parent, list) and field[-1] < len(parent):
            parent[field[-1]] = value
        assert_field_errors(d.validate(data))

    check()


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_any_json_as_the_whole_answers(path):
    d = load_definition(path)

    @SETTINGS
    @given(JSON | st.dictionaries(ODD_TEXT, JSON, max_size=6))
    def check(value):
        assert_field_errors(d.validate(value))

    check()


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_answers_nested_thousands_deep(path):
    """(Outside hypothesis, which cannot print such a value.)"""
    d = load_definition(path)
    valid = json.loads((ROOT / "examples" / d.id / "valid.json").read_text(encoding="utf-8"))
    for name in valid:
        assert_field_errors(d.validate({**valid, name: DEEP}))
    assert_field_errors(d.validate({"k": DEEP}))
    assert_field_errors(CompiledSchema({"enum": [[1], {"k": {}}]}).errors(DEEP))


def _compiles(schema) -> bool:
    try:
        CompiledSchema(schema)
    except ValueError:
        return False  # a remote reference: refused
    return True


def _suite_schemas() -> list:
    """Every schema of the JSON-Schema-Test-Suite the engine takes."""
    schemas = [group["schema"] for file in FILES for group in json.loads((SUITE / file).read_text(encoding="utf-8"))]
    return [s for s in schemas if _compiles(s)]


GENERIC = [
    *_suite_schemas(),
    {"type": "object", "properties": {f: {"type": "string", "format": f} for f in (
        "date", "time", "date-time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6", "iri",
        "iri-reference", "json-pointer", "relative-json-pointer", "regex", "uri", "uri-reference", "uri-template", "uuid")},
     "additionalProperties": {"enum": [[1, {"a": [None]}], {"b": 2.5}]}},
]


@SETTINGS
@given(st.sampled_from(range(len(GENERIC))), JSON)
@example(len(GENERIC) - 1, {"uuid": "3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b\n", "uri": "https://[@example.org/x"})
def test_any_json_against_generic_schemas(i, value):
    assert_field_errors(CompiledSchema(GENERIC[i]).errors(value))
    if isinstance(GENERIC[i], dict) and GENERIC[i].get("type") == "object":
        assert_field_errors(load_definition({"id": "g", "version": 1, "schema": GENERIC[i]}).validate(value))
