"""Conditions: the evaluator the device mirrors agrees with JSON Schema on its subset."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from engine.node import MISSING
from engine.rules import bind_scope, holds, parse_rule, scope_to_path, unsupported_keywords

values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5, allow_nan=False) | st.sampled_from(["", "a", "ab", "abc", "B12"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "y"]), inner, max_size=2),
    max_leaves=5,
)
leaf_conditions = st.one_of(
    values.map(lambda v: {"const": v}),
    st.lists(values, min_size=1, max_size=3).map(lambda v: {"enum": v}),
    st.integers(-5, 5).map(lambda n: {"minimum": n}),
    st.integers(-5, 5).map(lambda n: {"maximum": n}),
    st.integers(-5, 5).map(lambda n: {"exclusiveMinimum": n}),
    st.integers(-5, 5).map(lambda n: {"exclusiveMaximum": n}),
    st.sampled_from(["^a", "b", "[0-9]+$"]).map(lambda p: {"pattern": p}),
    st.integers(0, 3).map(lambda n: {"minLength": n}),
    st.integers(0, 3).map(lambda n: {"maxLength": n}),
    st.integers(0, 3).map(lambda n: {"minItems": n}),
    st.lists(st.sampled_from(["x", "y"]), max_size=2).map(lambda r: {"required": r}),
    st.sampled_from(["string", "number", "integer", "boolean", "array", "object", "null"]).map(lambda t: {"type": t}),
)
conditions = st.recursive(
    leaf_conditions,
    lambda inner: st.one_of(
        inner.map(lambda c: {"not": c}),
        inner.map(lambda c: {"contains": c}),
        st.lists(inner, min_size=1, max_size=2).map(lambda cs: {"anyOf": cs}),
        st.lists(inner, min_size=1, max_size=2).map(lambda cs: {"allOf": cs}),
        st.dictionaries(st.sampled_from(["x", "y"]), inner, min_size=1, max_size=2).map(lambda p: {"properties": p}),
    ),
    max_leaves=4,
)


@settings(max_examples=400, deadline=None)
@given(conditions, values)
def test_holds_agrees_with_jsonschema_on_present_values(condition, value):
    assert unsupported_keywords(condition) == []
    assert holds(condition, value) == Draft202012Validator(condition).is_valid(value)


def test_a_condition_on_a_missing_answer_is_false():
    assert holds({"const": False}, MISSING) is False
    assert holds({"not": {"const": True}}, MISSING) is False


def test_true_is_not_one():
    assert holds({"const": 1}, True) is False and holds({"enum": [True]}, 1) is False and holds({"const": 1}, 1.0) is True


def test_scopes_and_binding_to_array_items():
    assert scope_to_path("#/properties/a/properties/b") == ("a", "b")
    assert scope_to_path("#/properties/parts/items/properties/motif") == ("parts", "*", "motif")
    assert bind_scope(("parts", "*", "motif"), ("parts", 4, "autre")) == ("parts", 4, "motif")
    with pytest.raises(ValueError):
        scope_to_path("#/definitions/x")


def test_parse_rule_explains_what_is_wrong():
    with pytest.raises(ValueError, match="condition must be an object"):
        parse_rule({"effect": "SHOW"})
    assert parse_rule({"effect": "HIDE", "condition": {"scope": "#/properties/a", "schema": {"const": 1}}}).scope == ("a",)
