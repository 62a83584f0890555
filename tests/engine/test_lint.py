"""Every lint rule with a definition that breaks it and the exact pointer expected."""

import json

import pytest


def pointers(problems):
    return [p.pointer for p in problems]


def only(problems):
    assert len(problems) == 1, problems
    return problems[0]


def test_clean_definition_has_no_problems(base, lint_files):
    assert lint_files({"demo.json": base}) == []


def test_malformed_json_names_line_and_column(lint_files):
    p = only(lint_files({"demo.json": '{\n  "id": "demo",\n  "version": 1,,\n}'}))
    assert p.file.endswith("demo.json")
    assert p.pointer == ""
    assert "line 3, column 16" in p.message


def test_duplicate_keys_are_refused(lint_files, base):
    text = json.dumps(base)[:-1] + ', "id": "other"}'
    p = only(lint_files({"demo.json": text}))
    assert "appears twice" in p.message and "“id”" in p.message


@pytest.mark.parametrize("member,pointer,words", [
    ("id", "/id", "missing “id”"),
    ("version", "/version", "missing “version”"),
    ("schema", "/schema", "missing “schema”"),
])
def test_missing_envelope_members(base, lint_files, member, pointer, words):
    del base[member]
    problems = lint_files({"demo.json": base})
    assert pointer in pointers(problems)
    assert any(words in p.message for p in problems)


def test_bad_version_and_id(base, lint_files):
    base["version"] = "3"
    base["id"] = "Demo Form"
    assert sorted(pointers(lint_files({"demo.json": base}))) == ["/id", "/version"]


def test_unknown_type(base, lint_files):
    base["schema"]["properties"]["b"]["type"] = "strin"
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/properties/b/type"
    assert "unknown type 'strin'" in p.message and "string" in p.message


def test_invalid_keyword_value(base, lint_files):
    base["schema"]["properties"]["b"]["minLength"] = -1
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/properties/b/minLength"


def test_unknown_keyword_suggests_the_right_one(base, lint_files):
    base["schema"]["properties"]["n"]["minimun"] = 1
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/properties/n/minimun"
    assert "did you mean “minimum”" in p.message


def test_invalid_regex(base, lint_files):
    base["schema"]["properties"]["b"]["pattern"] = "([A-Z"
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/properties/b/pattern"
    assert "invalid regular expression" in p.message


def test_unresolvable_ref(base, lint_files):
    base["schema"]["properties"]["b"] = {"$ref": "#/$defs/nothing"}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/properties/b/$ref"
    assert "unresolvable reference" in p.message


def test_remote_ref_is_refused(base, lint_files):
    base["schema"]["properties"]["b"] = {"$ref": "https://example.com/schema.json"}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/properties/b/$ref"
    assert "only references inside the form" in p.message


def test_root_not_an_object(base, lint_files):
    base["schema"] = {"type": "array", "items": {"type": "string"}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/type"
    assert "root of the schema" in p.message


def test_required_names_an_undefined_property(base, lint_files):
    base["schema"]["required"] = ["a", "nmber"]
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/required/1"
    assert "“nmber” is required but is not a field" in p.message


def test_required_inside_then_is_checked_against_the_object(base, lint_files):
    base["schema"]["if"] = {"properties": {"a": {"const": "x"}}, "required": ["a"]}
    base["schema"]["then"] = {"required": ["bb"]}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/then/required/0"


def test_ui_hints_for_a_field_that_does_not_exist(base, lint_files):
    base["ui"]["c"] = {"ui:widget": "textarea"}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/c"
    assert "not a field" in p.message and "fields: a, b, n" in p.message


def test_unknown_widget(base, lint_files):
    base["ui"]["b"] = {"ui:widget": "camra"}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/b/ui:widget"
    assert "unknown widget “camra”" in p.message and "did you mean “camera”" in p.message


def test_widget_that_cannot_draw_the_type(base, lint_files):
    base["ui"]["n"] = {"ui:options": {"widget": "camera"}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/n/ui:options/widget"
    assert "cannot draw a field of type integer" in p.message


def test_unknown_ui_option(base, lint_files):
    base["ui"]["b"] = {"ui:placehoder": "…"}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/b/ui:placehoder"
    assert "did you mean “placeholder”" in p.message


def test_ui_option_of_the_wrong_type(base, lint_files):
    base["ui"]["b"] = {"ui:options": {"rows": "five"}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/b/ui:options/rows"


def test_ui_order_names_an_unknown_field(base, lint_files):
    base["ui"]["ui:order"] = ["a", "c", "*"]
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/ui:order/1"


def test_ui_order_without_star_must_list_every_field(base, lint_files):
    base["ui"]["ui:order"] = ["a", "b"]
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/ui:order"
    assert "does not list n" in p.message


def test_enum_names_of_the_wrong_length(base, lint_files):
    base["ui"]["a"]["ui:enumNames"] = ["Ex", "Why"]
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/a/ui:enumNames"
    assert "2 labels for 3 choices" in p.message


def test_rule_scope_that_is_not_a_field(base, lint_files):
    base["ui"]["b"] = {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/zz", "schema": {"const": "x"}}}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/b/ui:rule/condition/scope"


def test_rule_condition_outside_the_client_subset(base, lint_files):
    base["ui"]["b"] = {"ui:rule": {"effect": "HIDE", "condition": {"scope": "#/properties/a", "schema": {"format": "email"}}}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/b/ui:rule/condition/schema/format"
    assert "cannot be evaluated on the technician's phone" in p.message


def test_rule_with_unknown_effect(base, lint_files):
    base["ui"]["b"] = {"ui:rule": {"effect": "BLINK", "condition": {"scope": "#/properties/a", "schema": {"const": "x"}}}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/b/ui:rule"
    assert "effect must be one of SHOW, HIDE" in p.message


def test_rule_reading_another_list_item_is_refused(base, lint_files):
    base["schema"]["properties"]["parts"] = {"type": "array", "items": {"type": "object", "properties": {"motif": {"type": "string"}}}}
    base["ui"]["b"] = {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/parts/items/properties/motif", "schema": {"const": "x"}}}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/b/ui:rule/condition/scope"
    assert "inside a list item" in p.message


def test_rule_reading_a_sibling_in_the_same_item_is_fine(base, lint_files):
    base["schema"]["properties"]["parts"] = {"type": "array", "items": {"type": "object", "properties": {"motif": {"type": "string"}, "autre": {"type": "string"}}}}
    base["ui"]["parts"] = {"items": {"autre": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/parts/items/properties/motif", "schema": {"const": "autre"}}}}}}
    assert lint_files({"demo.json": base}) == []


@pytest.mark.parametrize("lo,hi,values", [
    ("minimum", "maximum", (10, 2)),
    ("minLength", "maxLength", (5, 1)),
    ("minItems", "maxItems", (3, 1)),
    ("exclusiveMinimum", "exclusiveMaximum", (4, 4)),
])
def test_lower_bound_above_upper_bound(base, lint_files, lo, hi, values):
    prop = {"type": "array", "items": {"type": "string"}} if lo == "minItems" else {"type": "string" if "Length" in lo else "number"}
    prop[lo], prop[hi] = values
    base["schema"]["properties"]["b"] = prop
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == f"/schema/properties/b/{lo}"
    assert f"{lo} {values[0]} is above {hi} {values[1]}" in p.message


def test_duplicate_form_ids_across_a_folder(base, lint_files):
    problems = lint_files({"demo.json": base, "demo-copy.json": base})
    by_file = {(p.file.rsplit("/", 1)[-1], p.pointer): p.message for p in problems}
    assert set(by_file) == {("demo-copy.json", "/id"), ("demo.json", "/id")}
    assert "is named demo-copy.json but its id is “demo”" in by_file[("demo-copy.json", "/id")]
    assert "the form id “demo” is already used by" in by_file[("demo.json", "/id")]


def test_file_name_must_match_the_id(base, lint_files):
    p = only(lint_files({"other.json": base}))
    assert p.pointer == "/id"


def test_field_names_that_break_form_posts(base, lint_files):
    base["schema"]["properties"]["a.b"] = {"type": "string"}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/properties/a.b"


def test_condition_outside_subset_that_adds_fields(base, lint_files):
    base["schema"]["if"] = {"properties": {"b": {"format": "email"}}, "required": ["b"]}
    base["schema"]["then"] = {"properties": {"c": {"type": "string"}}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/schema/if"


def test_signature_signer_must_be_known(base, lint_files):
    base["schema"]["properties"]["sig"] = {"type": "object", "properties": {"attachment": {"type": "string", "format": "uuid"}}}
    base["ui"]["sig"] = {"ui:widget": "signature", "ui:options": {"signer": "boss"}}
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/sig/ui:options/signer"


def test_steps_must_name_fields(base, lint_files):
    base["ui"]["ui:steps"] = [{"title": "Un", "fields": ["a", "bee"]}]
    p = only(lint_files({"demo.json": base}))
    assert p.pointer == "/ui/ui:steps/0/fields/1"


def test_never_a_traceback_on_garbage(lint_files):
    problems = lint_files({"a.json": "[1, 2]", "b.json": '"text"', "c.json": "", "d.json": '{"id": 3, "version": [], "schema": 5, "ui": 7}'})
    assert {p.file.rsplit("/", 1)[-1] for p in problems} == {"a.json", "b.json", "c.json", "d.json"}


def test_not_utf8(tmp_path):
    from engine.project import lint_paths

    f = tmp_path / "x.json"
    f.write_bytes('{"id": "caf\xe9"}'.encode("latin-1"))
    p = only(lint_paths([f]))
    assert "UTF-8" in p.message


def test_problem_prints_as_file_pointer_message(base, lint_files):
    base["schema"]["required"] = ["zz"]
    p = only(lint_files({"demo.json": base}))
    assert str(p).endswith("demo.json:/schema/required/0: “zz” is required but is not a field here: add it under properties or remove it from required")
