"""Validation against the exact definition: messages, re-pointing, hidden fields, caching."""

import json
from pathlib import Path

import pytest

from engine import load_definition
from engine.visibility import without as prune

ROOT = Path(__file__).resolve().parents[2]
FORMS = sorted((ROOT / "form_definitions" / "forms").glob("*.json"))

FORM = {
    "id": "v", "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "ok": {"type": "boolean"},
            "pourquoi": {"type": "string", "minLength": 3},
            "n": {"type": "number", "minimum": 0.5, "maximum": 10},
            "d": {"type": "string", "format": "date"},
            "t": {"type": "string", "format": "time"},
            "c": {"type": "string", "enum": ["a", "b"]},
            "lst": {"type": "array", "items": {"type": "object", "properties": {"q": {"type": "integer"}}, "required": ["q"]}},
        },
        "required": ["ok", "pourquoi"],
        "additionalProperties": False,
    },
    "ui": {"pourquoi": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/ok", "schema": {"const": False}}}}},
}


@pytest.fixture
def d():
    return load_definition(FORM)


def by_pointer(errors):
    return {e.pointer: (e.keyword, e.message) for e in errors}


def test_required_is_pointed_at_the_missing_field(d):
    assert by_pointer(d.validate({})) == {"/ok": ("required", "Ce champ est obligatoire.")}


def test_required_means_required_when_shown(d):
    assert d.validate({"ok": True}) == []
    assert by_pointer(d.validate({"ok": False})) == {"/pourquoi": ("required", "Ce champ est obligatoire.")}


def test_answers_of_hidden_fields_are_pruned_before_validation(d):
    assert d.validate({"ok": True, "pourquoi": "x"}) == []  # too short, but hidden
    assert "/pourquoi" in by_pointer(d.validate({"ok": False, "pourquoi": "x"}))


def test_messages_in_french_and_english(d):
    data = {"ok": True, "n": 0.25, "d": "2026-13-01", "t": "25:00", "c": "z", "lst": [{"q": 1.5}, {}], "zz": 1}
    fr = by_pointer(d.validate(data, lang="fr"))
    en = by_pointer(d.validate(data, lang="en"))
    assert fr == {
        "/n": ("minimum", "Doit être supérieur ou égal à 0,5."),
        "/d": ("format", "Date invalide (attendu : AAAA-MM-JJ)."),
        "/t": ("format", "Heure invalide (attendu : HH:MM)."),
        "/c": ("enum", "Choisissez une des valeurs proposées."),
        "/lst/0/q": ("type", "Doit être un nombre entier."),
        "/lst/1/q": ("required", "Ce champ est obligatoire."),
        "/zz": ("additionalProperties", "Ce champ n'existe pas dans ce formulaire."),
    }
    assert en["/n"] == ("minimum", "Must be at least 0.5.")
    assert en["/lst/1/q"] == ("required", "This field is required.")


def test_not_an_object(d):
    assert by_pointer(d.validate([1])) == {"": ("type", "Doit être un groupe de champs.")}


def test_the_validator_is_built_once_per_definition(d):
    assert d.validator is d.validator


def test_prune_removes_list_items_from_the_end():
    data = {"a": [1, 2, 3], "b": {"c": 1}}
    assert prune(data, [("a", 0), ("a", 2), ("b", "c")]) == {"a": [2], "b": {}}
    assert data == {"a": [1, 2, 3], "b": {"c": 1}}  # the input is left alone


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_every_example_validates_as_declared(path):
    d = load_definition(path)
    valid = json.loads((ROOT / "examples" / d.id / "valid.json").read_text())
    assert d.validate(valid) == []
    invalid = json.loads((ROOT / "examples" / d.id / "invalid.json").read_text())
    got = {e.pointer for e in d.validate(invalid["data"])}
    assert got == set(invalid["errors"])


def test_dependent_required_is_pointed_at_the_missing_field():
    d = load_definition({"id": "x", "version": 1, "schema": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "dependentRequired": {"a": ["b"]}}})
    assert by_pointer(d.validate({"a": "1"})) == {"/b": ("required", "Ce champ est obligatoire.")}


def test_choice_lists_of_titled_consts_say_choose_a_value():
    d = load_definition({"id": "x", "version": 1, "schema": {"type": "object", "properties": {"a": {"oneOf": [{"const": "x", "title": "X"}, {"const": "y", "title": "Y"}]}}}})
    assert by_pointer(d.validate({"a": "z"})) == {"/a": ("enum", "Choisissez une des valeurs proposées.")}


ALL_FORMS = FORMS + [ROOT / "tests" / "engine" / "fixtures" / "rjsf_form.json"]


@pytest.mark.parametrize("path", ALL_FORMS, ids=lambda p: p.stem)
def test_the_fast_validator_agrees_with_jsonschema(path):
    """Only the compiled validator's yes/no is used; it must never accept what jsonschema refuses."""
    from hypothesis import HealthCheck, given, settings

    from tests.strategies import answers_for

    d = load_definition(path)
    assert d.fast_validator is not None
    seen = {True: 0, False: 0}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(answers_for(d))
    def agree(answers):
        expected = d.validator.is_valid(answers)
        seen[expected] += 1
        assert d.fast_validator.is_valid(answers) == expected

    agree()
    assert seen[False] > 0  # generated answers exercise refusals, not only acceptance
    if (ROOT / "examples" / d.id / "valid.json").exists():
        assert d.fast_validator.is_valid(json.loads((ROOT / "examples" / d.id / "valid.json").read_text()))


def test_draft7_dependencies_are_enforced():
    d = load_definition({"id": "x", "version": 1, "schema": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "integer"}},
                                                            "dependencies": {"a": ["b"], "b": {"properties": {"c": {"minimum": 5}}}}}})
    assert by_pointer(d.validate({"a": "x"})) == {"/b": ("required", "Ce champ est obligatoire.")}
    assert by_pointer(d.validate({"b": "y", "c": 1})) == {"/c": ("minimum", "Doit être supérieur ou égal à 5.")}
    assert d.validate({"a": "x", "b": "y", "c": 9}) == []


def test_author_pattern_message_in_the_users_language():
    d = load_definition({"id": "x", "version": 1, "schema": {"type": "object", "properties": {"serie": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{4}$"}}},
                         "ui": {"serie": {"ui:patternMessage": {"fr": "Format attendu : AB-1234", "en": "Expected format: AB-1234"}}}})
    assert by_pointer(d.validate({"serie": "ab"}, lang="en")) == {"/serie": ("pattern", "Expected format: AB-1234")}
    assert by_pointer(d.validate({"serie": "ab"})) == {"/serie": ("pattern", "Format attendu : AB-1234")}
