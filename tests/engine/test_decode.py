"""Form posts back to typed answers, and the exact round trip for every shipped form."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine import decode_form, load_definition
from engine.encode import encode_form
from tests.strategies import answers_for, opened

ROOT = Path(__file__).resolve().parents[2]
RJSF_FORMS = sorted(p for p in (ROOT / "tests" / "engine" / "fixtures" / "rjsf").glob("*.json") if not p.name.endswith(".answers.json"))
FORMS = sorted((ROOT / "form_definitions" / "forms").glob("*.json")) + [ROOT / "tests" / "engine" / "fixtures" / "rjsf_form.json"]

FORM = load_definition({
    "id": "dec", "version": 1,
    "schema": {"type": "object", "properties": {
        "txt": {"type": "string"},
        "n": {"type": "number"},
        "i": {"type": "integer"},
        "ok": {"type": "boolean"},
        "yn": {"type": "boolean"},
        "levels": {"type": "integer", "enum": [1, 2, 3]},
        "multi": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "uniqueItems": True},
        "parts": {"type": "array", "items": {"type": "object", "properties": {"ref": {"type": "string"}, "qty": {"type": "integer"}}}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "photos": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "dur": {"type": "integer"},
        "when": {"type": "string", "format": "date-time"},
        "sig": {"type": "object", "properties": {"attachment": {"type": "string"}, "name": {"type": "string"}}},
    }},
    "ui": {"yn": {"ui:widget": "radio"}, "photos": {"ui:widget": "camera"}, "dur": {"ui:widget": "duration"}, "sig": {"ui:widget": "signature"}},
})


def test_types_are_restored_from_the_tree():
    pairs = [("txt", "bonjour"), ("n", "2.5"), ("i", "7"), ("ok", "true"), ("yn", "false"), ("levels", "2"),
             ("multi", "a"), ("multi", "c"), ("dur:h", "1"), ("dur:m", "05"), ("when", "2026-07-01T09:30"),
             ("sig.attachment", "u1"), ("sig.name", "Marie Cotillon"), ("csrf_token", "ignored")]
    assert decode_form(FORM, pairs) == {
        "txt": "bonjour", "n": 2.5, "i": 7, "ok": True, "yn": False, "levels": 2, "multi": ["a", "c"], "dur": 65,
        "when": "2026-07-01T09:30:00+02:00", "sig": {"attachment": "u1", "name": "Marie Cotillon"},
    }


def test_unchecked_box_is_false_and_empty_strings_are_absent():
    assert decode_form(FORM, [("txt", ""), ("n", ""), ("dur:h", ""), ("dur:m", "")]) == {"ok": False}


def test_arrays_keep_the_order_the_browser_sent():
    pairs = [("parts[3].ref", "C"), ("parts[3].qty", "1"), ("parts[0].ref", "A"), ("parts[7].qty", ""), ("tags[2]", "x"), ("tags[0]", "y"),
             ("photos[1]", "p2"), ("photos[0]", "p1")]
    assert decode_form(FORM, pairs) == {"ok": False, "parts": [{"ref": "C", "qty": 1}, {"ref": "A"}], "tags": ["x", "y"], "photos": ["p2", "p1"]}


def test_values_that_do_not_convert_are_kept_for_validation_to_report():
    out = decode_form(FORM, [("n", "abc"), ("i", "1.5"), ("levels", "9"), ("dur:h", "x")])
    assert out == {"ok": False, "n": "abc", "i": 1.5, "levels": "9", "dur": "x:"}
    assert {e.pointer for e in FORM.validate(out)} == {"/n", "/i", "/levels", "/dur"}


def test_french_decimal_comma_is_accepted():
    assert decode_form(FORM, [("n", "3,75")])["n"] == 3.75


def test_malformed_names_are_ignored():
    assert decode_form(FORM, [("parts[x].ref", "A"), ("]", "b"), ("txt.", "c"), ("", "d")]) == {"ok": False}


@pytest.mark.parametrize("path", FORMS[:-1], ids=lambda p: p.stem)
def test_examples_round_trip_exactly(path):
    d = load_definition(path)
    example = ROOT / "examples" / d.id / "valid.json"
    answers = json.loads(example.read_text())
    assert decode_form(d, encode_form(d, answers)) == answers


@pytest.mark.parametrize("path", FORMS + RJSF_FORMS, ids=lambda p: p.stem)
def test_generated_answers_round_trip_exactly(path):
    """Any answers, RJSF's shapes included (choices, maps, tuples, JSON, answers no field
    shows), come back from the form's post exactly, with the defaults of what they lack
    (the form opens with them, as RJSF's does)."""
    d = load_definition(path)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(answers_for(d))
    def round_trip(answers):
        assert decode_form(d, encode_form(d, answers)) == opened(d, answers)

    round_trip()
