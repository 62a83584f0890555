"""Issue 12, "What was seen", RJSF forms: one test per finding, each a small form written the
way RJSF's documentation writes it, saved through the form as a browser without JavaScript
posts it (``formpost``). Each failed before RJSF's form model was in the walk."""

from __future__ import annotations

from engine import decode_form, lint, load_definition
from renderers.html import render_form

from .formpost import parse, posted_pairs


def errors_only(problems: list) -> list:
    return [p for p in problems if not getattr(p, "warning", False)]


def form(schema: dict, ui: dict | None = None):
    return load_definition({"id": "seen", "version": 1, "title": "Seen", "schema": {"type": "object", **schema}, "ui": ui or {}})


def resaved(d, answers: dict) -> dict:
    """The answers after the form is opened on them and saved unchanged."""
    return decode_form(d, posted_pairs(render_form(d, answers)))


def test_a_oneof_between_objects_is_a_sub_form_not_a_json_text_box():
    d = form({"properties": {"contact": {"title": "Contact", "oneOf": [
        {"title": "Person", "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
        {"title": "Company", "type": "object", "properties": {"company": {"type": "string"}, "vat": {"type": "string"}}, "required": ["company"]},
    ]}}})
    answers = {"contact": {"company": "ACME", "vat": "FR1"}}
    root = parse(render_form(d, answers))
    assert not root.xpath('//*[(self::textarea or self::input) and @name="contact"]')
    assert root.xpath('//input[@name="contact.company"]')[0].get("value") == "ACME"
    assert resaved(d, answers) == answers
    assert d.validate(resaved(d, answers)) == []


def test_additional_and_pattern_properties_are_drawn_and_kept_on_resave():
    d = form({"properties": {
        "name": {"type": "string"},
        "extras": {"type": "object", "additionalProperties": {"type": "number"}},
        "byMonth": {"type": "object", "patternProperties": {"^[0-9]{4}-[0-9]{2}$": {"type": "integer"}}, "additionalProperties": False},
    }})
    answers = {"name": "x", "extras": {"volts": 230, "amps": 16.5}, "byMonth": {"2026-01": 3}}
    root = parse(render_form(d, answers))
    assert [i.get("value") for i in root.xpath('//input[@data-ff-key][@value != ""]')] == ["volts", "amps", "2026-01"]
    assert resaved(d, answers) == answers


def test_tuple_arrays_load_and_keep_their_positions():
    d = load_definition({"id": "seen", "version": 1, "title": "Seen", "schema": {"type": "object", "properties": {
        "fixedItemsList": {"type": "array", "items": [{"type": "string"}, {"type": "boolean"}], "additionalItems": {"type": "number"}},
        "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]},
    }}, "ui": {"fixedItemsList": {"items": [{"ui:widget": "textarea"}, {"ui:widget": "select"}], "additionalItems": {"ui:widget": "updown"}}}})
    assert errors_only(lint(d)) == []
    answers = {"fixedItemsList": ["lorem", True, 2.5], "point": [48.85, 2.35]}
    root = parse(render_form(d, answers))
    assert root.xpath('//textarea[@name="fixedItemsList[0]"]') and root.xpath('//select[@name="fixedItemsList[1]"]')
    assert resaved(d, answers) == answers


def test_an_enum_of_objects_is_drawn_and_keeps_its_values():
    d = form({"properties": {"size": {"title": "Size", "enum": [{"w": 10, "h": 20}, {"w": 30, "h": 40}]}}}, {"size": {"ui:enumNames": ["small", "large"]}})
    root = parse(render_form(d, {"size": {"w": 30, "h": 40}}))
    assert [o.text for o in root.xpath('//select[@name="size"]/option[@value != ""]')] == ["small", "large"]
    assert resaved(d, {"size": {"w": 30, "h": 40}}) == {"size": {"w": 30, "h": 40}}


def test_the_map_form_of_enum_names_labels_the_choices():
    d = form({"properties": {"n": {"type": "number", "enum": [1, 2, 3]}}}, {"n": {"ui:enumNames": {"1": "one", "2": "two", "3": "three"}}})
    root = parse(render_form(d, {"n": 2}))
    assert [o.text for o in root.xpath('//select[@name="n"]/option[@value != ""]')] == ["one", "two", "three"]
    assert errors_only(lint(d)) == []


def test_type_unions_and_untyped_fields_keep_their_json_type():
    d = form({"properties": {
        "union": {"oneOf": [{"type": "string"}, {"type": "number"}]},
        "types": {"type": ["string", "number", "boolean"]},
        "untyped": {"title": "Anything"},
    }})
    for answers in ({"union": 42, "types": 2.5, "untyped": 7}, {"union": "42", "types": True, "untyped": {"a": [1, None]}}):
        assert resaved(d, answers) == answers


def test_defaults_fill_the_fields_answers_lack():
    d = form({"properties": {"name": {"type": "string"}, "quantity": {"type": "integer", "default": 1}, "unit": {"type": "string", "default": "pcs"}}})
    root = parse(render_form(d, {"name": "x", "unit": "kg"}))
    assert root.xpath('//input[@name="quantity"]')[0].get("value") == "1"
    assert resaved(d, {"name": "x", "unit": "kg"}) == {"name": "x", "quantity": 1, "unit": "kg"}


def test_answers_the_schema_allows_but_no_field_shows_survive_a_resave():
    d = form({"properties": {"name": {"type": "string"}, "address": {"type": "object", "properties": {"city": {"type": "string"}}}}})
    answers = {"name": "x", "legacy": {"id": 4711}, "address": {"city": "Paris", "zip": "75001"}}
    assert resaved(d, answers) == answers


def test_rjsf_ui_schema_vocabulary_lints_clean():
    d = form({"properties": {
        "title": {"type": "string"},
        "fruit": {"type": "string", "enum": ["apple", "banana", "cherry"]},
        "agree": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "uniqueItems": True},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
    }}, {
        "ui:globalOptions": {"orderable": False},
        "title": {"ui:className": "big"},
        "fruit": {"ui:enumOrder": ["cherry", "*"]},
        "agree": {"ui:widget": "RadioWidget"},
        "tags": {"ui:widget": "CheckboxesWidget"},
        "day": {"ui:widget": "alt-date"},
        "at": {"ui:widget": "alt-datetime"},
    })
    assert lint(d) == []
    root = parse(render_form(d, {}))
    assert root.xpath('//input[@name="agree"][@type="radio"]') and root.xpath('//input[@name="tags"][@type="checkbox"]')
    assert root.xpath('//input[@name="day"][@type="date"]') and root.xpath('//input[@name="at"][@type="datetime-local"]')
