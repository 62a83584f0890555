"""Forms written the way react-jsonschema-form's documentation writes them
(``tests/engine/fixtures/rjsf/``, one per feature of RJSF's form model): they lint clean,
render, come back exactly from a post of the rendered HTML (the browser without
JavaScript: ``formpost``), read right as answers and in the PDF. Chromium does the same in
``tests/e2e/test_rjsf_forms_browser.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine import decode_form, lint, load_definition, walk
from engine.defaults import fill_defaults
from engine.problems import errors_only
from renderers.html import render_answers, render_form
from tests.strategies import answers_for, opened

from .formpost import parse, posted_pairs

RJSF_DIR = Path(__file__).resolve().parents[1] / "engine" / "fixtures" / "rjsf"
FORMS = sorted(p for p in RJSF_DIR.glob("*.json") if not p.name.endswith(".answers.json"))
CASES = [pytest.param(f, i, a, id=f"{f.stem}-{i}") for f in FORMS for i, a in enumerate(json.loads(f.with_suffix(".answers.json").read_text(encoding="utf-8")))]


def x(root, xpath: str) -> list:
    return root.xpath(xpath)


def answers_of(name: str) -> list[dict]:
    return json.loads((RJSF_DIR / f"{name}.answers.json").read_text(encoding="utf-8"))


def test_there_is_a_form_per_feature():
    assert {f.stem for f in FORMS} == {
        "oneof", "anyof", "one-of-fields", "additional-properties", "pattern-properties", "fixed-arrays",
        "enums", "type-unions", "defaults", "unshown-answers", "ui-vocabulary",
    }


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_they_lint_clean(path):
    """No errors; what RJSF documents but has no effect here is a warning that says so."""
    d = load_definition(path)
    problems = lint(d)
    assert errors_only(problems) == []
    warnings = {p.pointer for p in problems if p.warning}
    if path.stem == "ui-vocabulary":
        assert warnings == {"/ui/ui:submitButtonOptions", "/ui/selectWidgetOptions/ui:fieldReplacesAnyOrOneOf", "/ui/attachment/ui:widget"}
        assert all("has no effect here" in str(p) for p in problems)
    else:
        assert warnings == set()


@pytest.mark.parametrize("path, index, answers", CASES)
def test_answers_are_valid_hold_their_defaults_and_round_trip(path, index, answers):
    d = load_definition(path)
    assert d.validate(answers) == []
    assert fill_defaults(d, answers) == answers  # the form opens on exactly these answers
    html = render_form(d, answers)
    assert decode_form(d, posted_pairs(html)) == answers
    assert render_answers(d, answers)


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_generated_answers_round_trip_through_the_html(path):
    """Any answers, through the HTML the renderer writes (not the engine's own encoder)."""
    d = load_definition(path)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], database=None)
    @given(answers_for(d))
    def round_trip(answers):
        assert decode_form(d, posted_pairs(render_form(d, answers))) == opened(d, answers)

    round_trip()


# --- what each feature draws -------------------------------------------------------------------
def test_a_oneof_is_a_selector_then_the_options_fields():
    d = load_definition(RJSF_DIR / "one-of-fields.json")
    transfer = answers_of("one-of-fields")[1]
    root = parse(render_form(d, transfer, lang="en"))
    select = x(root, '//select[@name="payment:option"]')[0]
    assert [o.text for o in select.iter("option")] == ["Credit card", "Bank transfer", "Cash"]  # ui:title, then the option's title
    assert x(select, './option[@selected]')[0].get("value") == "1"  # the closest option to the answers
    body = x(root, '//*[@id="ff-payment-field"]/*[@data-ff-option-body]')[0]
    assert [i.get("name") for i in x(body, './/*[(self::input or self::select) and @name]')] == ["payment:drawn", "payment.method", "payment.method", "payment.iban", "payment.days"]
    assert x(body, './/input[@name="payment.iban"]')[0].get("value") == transfer["payment"]["iban"]
    assert "FR76" in body.text_content()  # the option's own ui hints (help)
    templates = x(root, '//*[@id="ff-payment-field"]/template[@data-ff-option]')
    assert [t.get("data-ff-option") for t in templates] == ["0", "1", "2"]
    # nothing is one text box holding JSON
    assert not x(root, '//*[(self::textarea or self::input) and @name="payment"]')


def test_an_object_with_its_own_anyof_draws_the_option_below_its_fields():
    d = load_definition(RJSF_DIR / "anyof.json")
    second = answers_of("anyof")[1]
    root = parse(render_form(d, second, lang="en"))
    assert x(root, '//select[@name=":option"]/option[@selected]')[0].text == "Second method of identification"
    assert x(root, '//input[@name="idCode"]')[0].get("value") == "X-2048"
    assert x(root, '//select[@name="items[0]:option"]/option[@selected]')[0].text == "Option 2"  # RJSF's untitled options


def test_a_map_is_key_and_value_rows():
    d = load_definition(RJSF_DIR / "additional-properties.json")
    answers = answers_of("additional-properties")[1]
    root = parse(render_form(d, answers, lang="en"))
    keys = [i.get("value") for i in x(root, '//*[@data-ff-map="scores"]/ol/li[not(contains(@class, "ff-nojs-row"))]//*[@data-ff-key]')]
    assert keys == ["algebra", "poetry"]
    assert x(root, '//input[@name="scores[0]"][@type="radio"][@checked]')[0].get("value") == "3"  # the value keeps its type: 3
    key = x(root, '//input[@name="[0]:key"]')  # the root's own map has no row: no undeclared key answered
    assert key == [] or key[0].get("value") == ""
    blank = x(root, '//*[@data-ff-map=""]/ol/li[contains(@class, "ff-nojs-row")]//*[@data-ff-key]')[0]
    assert not blank.get("value") and blank.get("pattern")  # a row to add a key without JavaScript, the key checked by propertyNames
    # without JavaScript: fill the blank row to add a key, empty a key to remove its row
    pairs = posted_pairs(render_form(d, answers))
    pairs = [(k, "city" if k == blank.get("name") else v) for k, v in pairs]
    pairs = [(k, "" if (k, v) == ("scores[1]:key", "poetry") else v) for k, v in pairs]
    pairs.append((blank.get("name").replace(":key", ""), "Paris"))
    got = decode_form(d, pairs)
    assert got["city"] == "Paris" and got["scores"] == {"name": "maths", "algebra": 3}


def test_a_key_typed_twice_or_named_like_a_field_gets_a_suffix():
    d = load_definition(RJSF_DIR / "additional-properties.json")
    pairs = [("firstName", "A"), ("lastName", "B"), ("[0]:key", "firstName"), ("[0]", "x"), ("[1]:key", "city"), ("[1]", "y"), ("[2]:key", "city"), ("[2]", "z")]
    assert decode_form(d, pairs) == {"firstName": "A", "lastName": "B", "firstName-1": "x", "city": "y", "city-1": "z"}


def test_pattern_properties_rows_take_the_type_of_their_pattern():
    d = load_definition(RJSF_DIR / "pattern-properties.json")
    pairs = [("readings.meter", "G"), ("readings[0]:key", "2026-04"), ("readings[0]", "12"), ("labels[0]:key", "n_a"), ("labels[0]:option", "1"), ("labels[0]:drawn", "1"), ("labels[0]", "2.5")]
    tree = walk(d, {})
    labels = tree.find(("labels",)).children[0]
    assert [p for p, _ in labels.pattern_rows] == ["^fr_", "^n_"]
    got = decode_form(d, pairs)
    assert got["readings"] == {"meter": "G", "2026-04": 12}


def test_tuples_keep_their_positions_and_per_position_hints():
    d = load_definition(RJSF_DIR / "fixed-arrays.json")
    answers = answers_of("fixed-arrays")[0]
    root = parse(render_form(d, answers, lang="en"))
    assert x(root, '//textarea[@name="fixedItemsList[0]"]')  # "items": [{"ui:widget": "textarea"}, …]
    assert x(root, '//select[@name="fixedItemsList[1]"]')  # … {"ui:widget": "select"}]
    assert x(root, '//input[@name="fixedItemsList[2]"][@type="number"]')  # additionalItems: updown
    fixed = x(root, '//*[@id="ff-fixedItemsList-field"]')[0]
    assert fixed.get("data-ff-fixed") == "2"
    # fixed positions have no remove button, extra items do
    tools = {li.get("data-ff-index"): bool(x(li, './/*[@data-ff-remove]')) for li in x(fixed, './ol/li')}
    assert tools == {"0": False, "1": False, "2": True, "3": True}
    assert not x(root, '//*[@id="ff-point-field"]/*[@data-ff-add]')  # items: false: nothing to add
    # a position left empty before an answered one is null; empty positions at the end are left out
    assert decode_form(d, [("point[0]", ""), ("point[1]", "2.5")])["point"] == [None, 2.5]
    assert decode_form(d, [("point[0]", "1.5"), ("point[1]", "")])["point"] == [1.5]


def test_draft7_tuples_are_read_as_prefix_items():
    d = load_definition(RJSF_DIR / "fixed-arrays.json")
    s = d.schema["properties"]["fixedItemsList"]
    assert "prefixItems" in s and s["items"] == {"title": "Additional item", "type": "number"} and "additionalItems" not in s
    assert d.raw["schema"]["properties"]["fixedItemsList"]["items"][0]["type"] == "string"  # the file as written
    assert [e.pointer for e in d.validate({"fixedItemsList": [1, "x", "y"]})] == ["/fixedItemsList/2", "/fixedItemsList/0", "/fixedItemsList/1"]


def test_enums_keep_their_type_labels_and_order():
    d = load_definition(RJSF_DIR / "enums.json")
    root = parse(render_form(d, answers_of("enums")[0], lang="en"))

    def options(name):
        return [(o.get("value"), o.text) for o in x(root, f'//select[@name="{name}"]/option') if o.get("value")]

    assert options("number") == [("1", "one"), ("2", "two"), ("3", "three")]
    assert options("numberMap") == [("1", "one"), ("2", "two"), ("3", "three")]  # RJSF v6's map of labels
    assert [t for _, t in options("fruit")] == ["cherry", "banana", "date", "apple"]  # ui:enumOrder with "*"
    assert [v for v, _ in options("mixed")] == ['1', '"1"', "2.5", "null", "true"]  # "1" and 1 told apart
    assert [t for _, t in options("size")] == ["small", "large", "a pair"]
    assert [(i.get("value"), i.getnext().text) for i in x(root, '//input[@name="nullable"]')] == [("yes", "Yes"), ("null", "Not known")]


def test_type_unions_and_untyped_fields_have_a_type_selector():
    d = load_definition(RJSF_DIR / "type-unions.json")
    answers = answers_of("type-unions")[2]
    root = parse(render_form(d, answers, lang="en"))
    assert [o.text for o in x(root, '//select[@name="multiType:option"]/option')] == ["Text", "Number", "Yes / no"]
    assert [o.text for o in x(root, '//select[@name="untyped:option"]/option')] == ["Text", "Number", "Yes / no", "No value", "Object (JSON)", "List (JSON)"]
    assert x(root, '//select[@name="untyped:option"]/option[@selected]')[0].text == "Object (JSON)"
    assert json.loads(x(root, '//textarea[@name="untyped"]')[0].text_content()) == answers["untyped"]
    assert not x(root, '//select[@name="nullableInteger:option"]')  # a single type made nullable is that type


def test_defaults_fill_what_the_answers_lack_when_the_form_opens():
    d = load_definition(RJSF_DIR / "defaults.json")
    opened_on = fill_defaults(d, {"valuesInFormData": {"scalar": "value"}, "nested": {"since": 1999}, "parts": [{"ref": "A"}]})
    assert opened_on["valuesInFormData"] == {"scalar": "value", "array": {"nested": "nested array default"}, "object": {"nested": "nested object default"}}
    assert opened_on["nested"] == {"level": "gold", "since": 1999, "note": "from the property"}
    assert opened_on["parts"] == [{"ref": "A", "qty": 1}] and opened_on["kind"] == "service-request"
    root = parse(render_form(d, {"parts": [{"ref": "A"}]}))
    assert x(root, '//input[@name="parts[0].qty"]')[0].get("value") == "1"
    # a new item starts with its defaults
    assert x(parse(render_form(d, {})), '//template[@data-ff-template]//input[@name="parts[__INDEX__].qty"]')[0].get("value") == "1"
    # the read-only answers show what was answered, not the defaults
    assert "nested array default" not in render_answers(d, {"parts": [{"ref": "A"}]})


def test_answers_no_field_shows_are_carried_untouched():
    d = load_definition(RJSF_DIR / "unshown-answers.json")
    answers = answers_of("unshown-answers")[0]
    root = parse(render_form(d, answers))
    kept = {i.get("name"): json.loads(i.get("value")) for i in x(root, '//input[@data-ff-kept]')}
    assert kept == {
        ":kept": {"legacyId": 4711, "importedFrom": answers["importedFrom"]},
        "address:kept": {"geo": {"lat": 48.87, "lon": 2.33}},
        "visits[0]:kept": {"by": "tech1"},
        "visits[2]:kept": {"by": "tech2", "empty": {}},
    }
    # the technician edits a field; what no field shows comes back as it was
    pairs = [(k, "Durand" if k == "name" else v) for k, v in posted_pairs(render_form(d, answers))]
    assert decode_form(d, pairs) == {**answers, "name": "Durand"}


def test_an_object_whose_schema_refuses_undeclared_keys_carries_none():
    d = load_definition({"id": "closed", "version": 1, "title": "t", "schema": {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}}})
    assert not x(parse(render_form(d, {"a": "x", "b": 1})), '//input[@data-ff-kept]')


def test_rjsf_widget_names_and_class_names_are_drawn():
    d = load_definition(RJSF_DIR / "ui-vocabulary.json")
    root = parse(render_form(d, answers_of("ui-vocabulary")[0]))
    assert x(root, '//input[@name="boolean.radio"][@type="radio"]')
    assert x(root, '//select[@name="boolean.select"]')
    assert x(root, '//textarea[@name="string.textarea"][@rows="5"]')
    assert x(root, '//input[@name="string.color"][@type="color"]')
    assert x(root, '//input[@name="password"][@type="password"]')
    assert x(root, '//input[@data-ff-late-name="integerRange" or @name="integerRange"][@type="range"]')
    assert x(root, '//input[@name="date"][@type="date"]') and x(root, '//input[@name="dateTime"][@type="datetime-local"]')
    assert x(root, '//input[@name="multipleChoices"][@type="checkbox"]')
    assert x(root, '//*[@id="ff-widgetOptions-field"][contains(@class, "yellow-field")]') and x(root, '//*[@id="ff-selectWidgetOptions-field"][contains(@class, "blue-select")]')
    assert [o.get("value") for o in x(root, '//select[@name="selectWidgetOptions"]/option') if o.get("value")] == ["bar", "foo"]
    assert x(root, '//input[@name="attachment"][@type="text"]')  # FileWidget: the default widget


def test_the_pdf_reads_the_new_shapes(tmp_path):
    import shutil
    import subprocess

    from pypdf import PdfReader

    from renderers.pdf import render_report

    d = load_definition(RJSF_DIR / "one-of-fields.json")
    maps = load_definition(RJSF_DIR / "additional-properties.json")
    unions = load_definition(RJSF_DIR / "type-unions.json")
    tuples = load_definition(RJSF_DIR / "fixed-arrays.json")
    context = {"intervention": {"client": {"name": "Client"}}}
    texts = []
    for form, answers in ((d, answers_of("one-of-fields")[1]), (maps, answers_of("additional-properties")[1]), (unions, answers_of("type-unions")[2]), (tuples, answers_of("fixed-arrays")[0])):
        pdf = render_report(form, answers, context)
        (tmp_path / f"{form.id}.pdf").write_bytes(pdf)
        texts.append(" ".join(page.extract_text() for page in PdfReader(tmp_path / f"{form.id}.pdf").pages))
    one_of, mapped, union, tup = texts
    assert "Payment — Bank transfer" in one_of and "FR7630006000011234567890189" in one_of and "45" in one_of
    assert "algebra" in mapped and "poetry" in mapped and "maths" in mapped
    assert '{"a": [1, 2], "b": {"c": null}}' in union.replace("\n", " ")
    assert "lorem ipsum" in tup and "3,5" in tup and "48,8566" in tup
    if shutil.which("pdftoppm"):  # the first page draws (looked at by eye when this test was written)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / f"{d.id}.pdf"), str(tmp_path / "page")], check=True)
        assert list(tmp_path.glob("page*.png"))
