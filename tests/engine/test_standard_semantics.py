"""What issue 12 saw, one test each: answers that break the schema, formats, references."""

from __future__ import annotations

import pytest

from engine import DefinitionError, load_definition, lint


def form(schema: dict, ui: dict | None = None):
    return load_definition({"id": "t", "version": 1, "schema": {"type": "object", **schema}, "ui": ui or {}})


def pointers(errors) -> dict[str, str]:
    return {e.pointer: e.keyword for e in errors}


# --- stored = validated --------------------------------------------------------------------
def test_an_answer_only_an_inactive_else_branch_declares_is_refused_with_its_pointer():
    d = form({
        "if": {"properties": {"foo": {"const": "then"}}, "required": ["foo"]},
        "then": {"properties": {"foo": True, "bar": {"type": "string"}}},
        "else": {"properties": {"baz": {"type": "string"}}},
        "unevaluatedProperties": False,
    })
    checked = d.check({"foo": "then", "bar": "bar", "baz": "baz"})
    assert pointers(checked.errors) == {"/baz": "additionalProperties"}
    assert d.check({"foo": "then", "bar": "bar"}).errors == []


def test_an_answer_only_an_inactive_dependent_schema_declares_is_refused():
    d = form({"properties": {"foo": {}}, "dependentSchemas": {"foo": {"properties": {"bar": {}}}}, "additionalProperties": False})
    assert pointers(d.validate({"bar": 1})) == {"/bar": "additionalProperties"}
    assert pointers(d.validate({"foo": 1, "bar": 1})) == {"/bar": "additionalProperties"}  # still not declared at the root


def test_an_answer_a_rule_hides_is_pruned_and_the_stored_answers_are_the_checked_ones():
    d = form({"properties": {"ok": {"type": "boolean"}, "why": {"type": "string", "minLength": 3}, "parts": {"type": "array", "items": {
        "type": "object", "properties": {"kind": {"type": "string"}, "other": {"type": "string", "minLength": 3}}}}}, "required": ["ok", "why"]},
        {"why": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/ok", "schema": {"const": False}}}},
         "parts": {"items": {"other": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/parts/items/properties/kind", "schema": {"const": "other"}}}}}}})
    data = {"ok": True, "why": "x", "parts": [{"kind": "seal", "other": "y"}, {"kind": "other", "other": "gasket"}]}
    checked = d.check(data)
    assert checked.errors == []
    assert checked.answers == {"ok": True, "parts": [{"kind": "seal"}, {"kind": "other", "other": "gasket"}]}
    assert data["why"] == "x" and data["parts"][0]["other"] == "y"  # the input is left alone
    assert checked.answers["parts"][1] is data["parts"][1]  # only the containers along pruned paths are copied
    assert pointers(d.validate({"ok": False, "why": "x"})) == {"/why": "minLength"}
    assert d.check({"ok": True, "parts": [{"kind": "seal"}]}).answers == {"ok": True, "parts": [{"kind": "seal"}]}


# --- formats ---------------------------------------------------------------------------------
FORMAT_CASES = [
    ("uri", "https://example.org/a%20b?q=1#top", True),
    *[("uri", f"https://example.org/a{c}b", False) for c in '\\"<>{}^|'],
    ("uri", "https://example.org/%zz", False),
    ("uri", "https://example.org/%2", False),
    ("uri", "https://[@example.org/x", False),
    ("email", "jean.dupont@example.fr", True),
    ("email", ".jean@example.fr", False),
    ("email", "jean.@example.fr", False),
    ("email", "jean..dupont@example.fr", False),
    ("date-time", "1998-12-31T23:59:60Z", True),
    ("date-time", "1998-12-31T15:59:60.123-08:00", True),
    ("date-time", "1998-12-31T23:58:60Z", False),
    ("date-time", "2026-03-02T10:00:00+01:60", False),
    ("date-time", "2026-03-02T10:00:00Z\n", False),
    ("uuid", "3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b", True),
    ("uuid", "3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b\n", False),
    ("time", "14:30", True),
    ("time", "14:30:15", True),
    ("time", "14:30\n", False),
    ("time", "14:30:00Z", False),  # the documented deviation: a local time of day
]


@pytest.mark.parametrize("fmt, value, ok", FORMAT_CASES, ids=lambda v: repr(v) if isinstance(v, str) else None)
def test_formats_follow_the_standards(fmt, value, ok):
    d = form({"properties": {"x": {"type": "string", "format": fmt}}})
    errors = d.validate({"x": value})
    assert (errors == []) is ok, errors
    if not ok:
        assert pointers(errors) == {"/x": "format"}


# --- references ------------------------------------------------------------------------------
def test_id_and_anchor_inside_a_form_load_and_resolve():
    d = form({
        "$id": "https://forms.example/stove.json",
        "$defs": {
            "part": {"$id": "part.json", "type": "object", "properties": {"qty": {"$ref": "#qty"}},
                     "$defs": {"qty": {"$anchor": "qty", "type": "integer", "minimum": 1}}},
        },
        "properties": {"parts": {"type": "array", "items": {"$ref": "part.json"}}},
    })
    assert lint(d) == []
    assert pointers(d.validate({"parts": [{"qty": 0}]})) == {"/parts/0/qty": "minimum"}
    assert d.validate({"parts": [{"qty": 2}]}) == []


def test_percent_encoded_pointers_resolve():
    d = form({"$defs": {"percent%field": {"type": "integer"}, "slash/field": {"type": "string"}},
              "properties": {"a": {"$ref": "#/$defs/percent%25field"}, "b": {"$ref": "#/$defs/slash~1field"}}})
    assert pointers(d.validate({"a": "x", "b": 1})) == {"/a": "type", "/b": "type"}


def test_dynamic_ref_resolves():
    d = form({"$dynamicAnchor": "node", "properties": {"value": {"type": "integer"}, "next": {"$dynamicRef": "#node"}}})
    assert pointers(d.validate({"value": 1, "next": {"value": "two"}})) == {"/next/value": "type"}


def test_remote_references_are_refused_at_load_with_a_message_that_says_so():
    with pytest.raises(DefinitionError) as exc:
        form({"properties": {"a": {"$ref": "https://example.com/schemas/address.json"}}})
    (problem,) = exc.value.problems
    assert problem.pointer == "/schema/properties/a/$ref"
    assert "remote reference" in problem.message and "self-contained" in problem.message


def test_unicode_property_escapes_in_patterns_are_accepted():
    d = form({"properties": {"name": {"type": "string", "pattern": "^\\p{Letter}+(?: \\p{Letter}+)*$"}}})
    assert lint(d) == []
    assert d.validate({"name": "Éloïse Müller"}) == []
    assert pointers(d.validate({"name": "R2D2"})) == {"/name": "pattern"}


def test_patterns_are_ecma_262():
    """``\\d`` is ASCII and ``$`` is the end of the text, as in the browser and on the phone."""
    d = form({"properties": {"code": {"type": "string", "pattern": "^\\d{4}$"}}})
    assert d.validate({"code": "1234"}) == []
    assert pointers(d.validate({"code": "١٢٣٤"})) == {"/code": "pattern"}  # Arabic-Indic digits
    assert pointers(d.validate({"code": "1234\n"})) == {"/code": "pattern"}
