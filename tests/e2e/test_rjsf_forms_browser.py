"""RJSF's form model in a real Chromium, on the server page and on the phone: the forms of
``tests/engine/fixtures/rjsf/`` round-trip exactly, options switch, map rows and extra
tuple items are added and removed, and rules read the new shapes as typed JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import MISSING, decode_form, load_definition, walk
from engine.options import closest_option
from renderers.html import render_form

from .conftest import posted_pairs

pytestmark = pytest.mark.e2e

RJSF_DIR = Path(__file__).resolve().parents[1] / "engine" / "fixtures" / "rjsf"
FORMS = sorted(p for p in RJSF_DIR.glob("*.json") if not p.name.endswith(".answers.json"))
#: as JSON text: the answers as the phone stores them, own keys ("__proto__" too) and all
DECODE = "() => JSON.stringify(window.ff.decodeForm(document.querySelector('form')))"
#: a blank form put in the page, filled by the phone's own module, then initialised
SHOW = """async ([html, text]) => {
  const { fillForm } = await import('/static/m/fill.js');
  const host = document.getElementById('host');
  host.innerHTML = html;
  const form = host.querySelector('form');
  const data = JSON.parse(text);  // as the phone reads answers: own keys, "__proto__" included
  return window.ff.initForm(data ? fillForm(form, data) : form).then(() => true);
}"""


def answers_of(path: Path) -> list[dict]:
    return json.loads(path.with_suffix(".answers.json").read_text(encoding="utf-8"))


def both(page, d):
    """What the form posts, decoded on the server and on the device (they must agree)."""
    pairs = posted_pairs(page)
    server = decode_form(d, pairs)
    assert json.loads(page.evaluate(DECODE)) == server, pairs
    return server


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_the_server_page_round_trips_every_answer(form_page, path):
    d = load_definition(path)
    for answers in answers_of(path):
        page = form_page(render_form(d, answers))
        assert both(page, d) == answers


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_the_phone_fills_a_blank_form_and_gets_every_answer_back(form_page, path):
    """The phone has the blank form (with its defaults) and fills it with the answers: the
    options, map rows, list items and carried answers it sets up are the server's."""
    d = load_definition(path)
    page = form_page('<div id="host"></div>')
    blank = render_form(d, None)
    for answers in answers_of(path):
        page.evaluate(SHOW, [blank, json.dumps(answers)])
        assert both(page, d) == answers


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_generated_answers_round_trip_on_the_phone(form_page, path):
    """Any answers (tests/strategies.py), filled by the phone into its blank form: what it
    posts is what the server page posts for them."""
    from hypothesis import HealthCheck, given, settings

    from tests.strategies import answers_for

    from .test_form_browser import expected_after_post

    d = load_definition(path)
    page = form_page('<div id="host"></div>')
    blank = render_form(d, None)

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(answers_for(d))
    def run(data):
        expected = expected_after_post(d, data)
        page.evaluate(SHOW, [blank, json.dumps(expected)])
        assert both(page, d) == expected

    run()


def test_switching_an_option_draws_its_sub_form(form_page):
    d = load_definition(RJSF_DIR / "one-of-fields.json")
    card, transfer = answers_of(RJSF_DIR / "one-of-fields.json")[:2]
    page = form_page(render_form(d, card))
    assert page.is_visible("#ff-payment-number")
    page.select_option("#ff-payment-option", "1")
    assert page.is_visible("#ff-payment-iban") and not page.locator("#ff-payment-number").count()
    assert page.input_value("#ff-payment-days") == "30"  # the new option starts with its defaults
    page.fill("#ff-payment-iban", transfer["payment"]["iban"])
    page.fill("#ff-payment-days", "45")
    assert both(page, d) == {**transfer, "customer": card["customer"]}
    page.select_option("#ff-payment-option", "2")
    assert both(page, d) == {"customer": "Dupont", "payment": {"method": "cash"}}


def test_switching_an_option_without_javascript_opens_the_new_one():
    """Without script the selector changes what is posted; the option chosen then starts
    from its defaults, and the form comes back with its sub-form drawn."""
    from tests.renderers.formpost import posted_pairs as nojs_pairs

    d = load_definition(RJSF_DIR / "one-of-fields.json")
    card = answers_of(RJSF_DIR / "one-of-fields.json")[0]
    pairs = [(k, "1" if k == "payment:option" else v) for k, v in nojs_pairs(render_form(d, card))]
    got = decode_form(d, pairs)
    assert got == {"customer": "Dupont", "payment": {"method": "transfer", "days": 30}}
    assert 'name="payment.iban"' in render_form(d, got)


def test_a_type_union_keeps_the_type_chosen(form_page):
    d = load_definition(RJSF_DIR / "type-unions.json")
    page = form_page(render_form(d, {}))
    page.select_option("#ff-stringOrNumber-option", "1")
    page.fill("#ff-stringOrNumber", "42")
    page.select_option("#ff-untyped-option", "4")
    page.fill("#ff-untyped", '{"a": [1, true, null]}')
    page.select_option("#ff-multiType-option", "2")
    page.check("#ff-multiType")
    assert both(page, d) == {"stringOrNumber": 42, "untyped": {"a": [1, True, None]}, "multiType": True}
    page.select_option("#ff-untyped-option", "3")
    assert both(page, d)["untyped"] is None


def test_map_rows_are_added_and_removed(form_page):
    d = load_definition(RJSF_DIR / "additional-properties.json")
    page = form_page(render_form(d, {"firstName": "Ada", "lastName": "Lovelace", "scores": {"name": "maths", "algebra": 3}}, lang="en"))
    assert not page.locator(".ff-nojs-row").count()  # the blank row is for browsers without script
    page.click("[data-ff-map=''] > [data-ff-add]")
    page.fill("#ff-0-key", "city")
    page.fill("#ff-0", "Paris")
    page.click("[data-ff-map='scores'] > [data-ff-add]")
    page.fill("#ff-scores-1-key", "poetry")
    page.check("#ff-scores-1")  # the first radio button: 1
    assert both(page, d) == {"firstName": "Ada", "lastName": "Lovelace", "city": "Paris", "scores": {"name": "maths", "algebra": 3, "poetry": 1}}
    page.click("[data-ff-map='scores'] li[data-ff-index='0'] [data-ff-remove]")
    page.click("[data-ff-map='anything'] > [data-ff-add]")
    page.fill("#ff-anything-0-key", "n")
    page.select_option("#ff-anything-0-option", "1")
    page.fill("#ff-anything-0", "7")
    got = both(page, d)
    assert got["scores"] == {"name": "maths", "poetry": 1} and got["anything"] == {"n": 7}
    assert page.get_attribute("#ff-0-key", "pattern")  # propertyNames checks the key in the browser too


def test_extra_tuple_items_are_added_after_the_fixed_positions(form_page):
    d = load_definition(RJSF_DIR / "fixed-arrays.json")
    answers = {"fixedItemsList": ["a", True]}
    page = form_page(render_form(d, answers))
    assert not page.locator("#ff-fixedItemsList-field li[data-ff-index='0'] [data-ff-remove]").count()
    page.click("#ff-fixedItemsList-field > [data-ff-add]")
    page.fill("#ff-fixedItemsList-2", "1.5")
    page.uncheck("#ff-fixedItemsList-1") if page.locator("#ff-fixedItemsList-1[type=checkbox]").count() else page.select_option("#ff-fixedItemsList-1", "false")
    got = both(page, d)
    assert got["fixedItemsList"] == ["a", False, 1.5]
    assert got["fixedNoToolbar"] == [42, False]  # opened with the positions' defaults


RULES = {
    "id": "rules-new-shapes", "version": 1, "title": "Rules",
    "schema": {"type": "object", "properties": {
        "amount": {"title": "Amount", "oneOf": [{"type": "string"}, {"type": "number"}]},
        "big": {"type": "string", "title": "Why so big?"},
        "size": {"title": "Size", "enum": [{"w": 1}, {"w": 2}]},
        "small": {"type": "string", "title": "Small note"},
        "specs": {"type": "object", "title": "Specs", "additionalProperties": {"type": "number"}},
        "hot": {"type": "string", "title": "Hot"},
        "payment": {"title": "Payment", "oneOf": [
            {"title": "Card", "type": "object", "properties": {"method": {"const": "card"}, "number": {"type": "string"}}},
            {"title": "Cash", "type": "object", "properties": {"method": {"const": "cash"}}}]},
        "receipt": {"type": "boolean", "title": "Receipt"},
        "point": {"type": "array", "title": "Point", "prefixItems": [{"type": "number"}, {"type": "number"}]},
        "north": {"type": "string", "title": "North"},
    }},
    "ui": {
        "big": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/amount", "schema": {"type": "number", "minimum": 100}}}},
        "small": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/size", "schema": {"const": {"w": 1}}}}},
        "hot": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/specs", "schema": {"properties": {"temp": {"minimum": 80}}, "required": ["temp"]}}}},
        "receipt": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/payment", "schema": {"properties": {"method": {"const": "cash"}}, "required": ["method"]}}}},
        "north": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/point", "schema": {"contains": {"type": "number", "minimum": 40}}}}},
    },
}


def test_rules_read_the_new_shapes_as_typed_json(form_page):
    """The device evaluates rules on typed answers: a number chosen in a type union, an
    object picked in an enum, a map's key, a oneOf's option, a tuple."""
    d = load_definition(RULES)
    page = form_page(render_form(d, {}))
    hidden = lambda f: page.is_hidden(f"#ff-{f}-field")  # noqa: E731
    assert all(hidden(f) for f in ("big", "small", "hot", "receipt", "north"))
    page.fill("#ff-amount", "150")  # text: "150" is no number
    assert hidden("big")
    page.select_option("#ff-amount-option", "1")
    page.fill("#ff-amount", "150")
    assert not hidden("big")
    page.select_option("#ff-size", json.dumps({"w": 1}))
    assert not hidden("small")
    page.click("[data-ff-map='specs'] > [data-ff-add]")
    page.fill("#ff-specs-0-key", "temp")
    page.fill("#ff-specs-0", "85")
    assert not hidden("hot")
    page.fill("#ff-specs-0-key", "pressure")
    page.dispatch_event("#ff-specs-0-key", "input")
    assert hidden("hot")
    page.select_option("#ff-payment-option", "1")
    assert not hidden("receipt")
    page.fill("#ff-point-1", "2.5")
    assert hidden("north")  # [null, 2.5]: nothing of 40 or more
    page.fill("#ff-point-0", "45")
    assert not hidden("north")
    # the server decides the same from the same answers
    answers = both(page, d)
    tree = walk(d, answers)
    for f in ("big", "small", "hot", "receipt", "north"):
        assert tree.find((f,)).visible is not hidden(f), f


def test_closest_option_is_decided_alike_on_the_device_and_the_server(form_page):
    """choice.js's closestOption and engine.options.closest_option, over every choice of the
    fixtures and answers of every shape."""
    page = form_page('<div></div>')
    page.evaluate("async () => { window.ffChoice = await import('/static/ff/choice.js'); }")
    matchers = []
    for path in FORMS:
        tree = walk(load_definition(path), {})
        for n in tree.walk():
            for alt in n.alternatives:
                for sub in alt.node.walk():
                    if sub.alternatives:
                        matchers.append([a.matcher for a in sub.alternatives])
            if n.alternatives:
                matchers.append([a.matcher for a in n.alternatives])
    values = ["MISSING", None, True, False, 0, 3, 2.5, "", "x", [], [1, "a"], {}, {"method": "card"}, {"method": "transfer", "iban": "FR"},
              {"method": "transfer", "iban": 3}, {"lorem": "a"}, {"ipsum": "b"}, {"foo": "a"}, {"bar": 1}, {"idCode": "x"}, {"firstName": "Chuck"},
              {"firstName": "Bob", "idCode": "y"}, {"a": {"b": 1}}]
    cases = [(m, v) for m in matchers for v in values]
    py = [closest_option(m, MISSING if v == "MISSING" else v) for m, v in cases]
    js = page.evaluate("(cases) => cases.map(([m, v]) => window.ffChoice.closestOption(m, v === 'MISSING' ? undefined : v))", [[m, v] for m, v in cases])
    assert len(matchers) >= 6
    assert py == js
