"""``ui:prefill``: lint of its sources, the filling (through the one walk) and the marks
the walk gives the renderers."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import MISSING, lint, load_definition, walk
from engine.prefill import PREVIOUS, Source, builtin_sources, equipment_sources, prefill, sources_used
from renderers.html import render_answers, render_form


def form(properties: dict, ui: dict, **schema) -> object:
    return load_definition({"id": "visite", "version": 1, "title": {"fr": "Visite", "en": "Visit"},
                            "schema": {"type": "object", "properties": properties, **schema}, "ui": ui})


def errors_of(d, **kw):
    return [p for p in lint(d, **kw) if not p.warning]


# --- lint --------------------------------------------------------------------------------

def test_known_sources_lint_clean():
    d = form(
        {"email": {"type": "string", "format": "email"}, "nom": {"type": "string"}, "jour": {"type": "string", "format": "date"},
         "debut": {"type": "string", "format": "date-time"}, "serie": {"type": "string"}, "annee": {"type": "integer"},
         "marque": {"type": "string", "enum": ["mcz", "autre"]}, "appareil": {"type": "object", "properties": {"modele": {"type": "string"}}},
         "travaux": {"type": "array", "items": {"type": "string"}}},
        {"email": {"ui:prefill": "client.email"}, "nom": {"ui:options": {"prefill": "client.name"}}, "jour": {"ui:prefill": "intervention.date"},
         "debut": {"ui:prefill": "intervention.start"}, "serie": {"ui:prefill": "equipment.serial_number"},
         "annee": {"ui:prefill": "equipment.installed_year"}, "marque": {"ui:prefill": "equipment.brand"},
         "appareil": {"ui:prefill": "previous", "modele": {"ui:prefill": "equipment.model"}}, "travaux": {"ui:prefill": "previous"}},
    )
    assert lint(d) == []


def test_unknown_source_names_file_pointer_and_the_valid_ones():
    d = form({"nom": {"type": "string"}}, {"nom": {"ui:prefill": "client.nom"}})
    [p] = lint(d)
    assert (p.file, p.pointer, p.warning) == ("<dict>", "/ui/nom/ui:prefill", False)
    assert str(p).startswith("<dict>:/ui/nom/ui:prefill: unknown prefill source")
    assert "unknown prefill source “client.nom”" in p.message and "did you mean “client.name”" in p.message
    for name in ("client.email", "intervention.start", "equipment.serial_number", "previous"):
        assert name in p.message


def test_a_date_cannot_fill_an_integer_nor_a_text_a_date():
    d = form({"n": {"type": "integer"}, "jour": {"type": "string", "format": "date"}, "quand": {"type": "string"}},
             {"n": {"ui:prefill": "intervention.date"}, "jour": {"ui:prefill": "client.name"}, "quand": {"ui:prefill": "intervention.start"}})
    problems = {p.pointer: p.message for p in lint(d)}
    assert set(problems) == {"/ui/n/ui:prefill", "/ui/jour/ui:prefill", "/ui/quand/ui:prefill"}
    assert "it gives a date, which cannot fill a field of type integer" in problems["/ui/n/ui:prefill"]
    assert "this field expects a date" in problems["/ui/jour/ui:prefill"]
    assert "give the field “format”: “date-time”" in problems["/ui/quand/ui:prefill"]


def test_choices_take_text_but_not_numbers_of_another_type():
    d = form({"marque": {"type": "string", "enum": ["mcz"]}, "niveau": {"type": "integer", "enum": [1, 2]}},
             {"marque": {"ui:prefill": "client.city"}, "niveau": {"ui:prefill": "client.city"}})
    [p] = lint(d)
    assert p.pointer == "/ui/niveau/ui:prefill" and "cannot be one of this field's choices (integer)" in p.message


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"type": "string"}}},
    {"type": "array", "items": {"type": "string"}},
    {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "uniqueItems": True},
])
def test_objects_and_lists_take_only_previous(schema):
    assert errors_of(form({"x": schema}, {"x": {"ui:prefill": "previous"}})) == []
    [p] = errors_of(form({"x": schema}, {"x": {"ui:prefill": "client.name"}}))
    assert p.pointer == "/ui/x/ui:prefill" and "previous" in p.message


def test_previous_fits_anywhere_but_photos_and_signatures():
    d = form({"x": {"type": "integer"}, "photo": {"type": "string", "format": "uuid"}},
             {"ui:prefill": "previous", "x": {"ui:prefill": "previous"}, "photo": {"ui:widget": "camera", "ui:prefill": "previous"}})
    [p] = lint(d)
    assert p.pointer == "/ui/photo/ui:prefill" and "photos and signatures are taken at each visit" in p.message


def test_inside_list_items_context_sources_are_errors_and_previous_a_warning():
    items = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    d = form({"l": {"type": "array", "items": items}}, {"l": {"items": {"a": {"ui:prefill": "client.name"}, "b": {"ui:prefill": "previous"}}}})
    problems = {p.pointer: p for p in lint(d)}
    assert not problems["/ui/l/items/a/ui:prefill"].warning and "inside a list item" in problems["/ui/l/items/a/ui:prefill"].message
    assert problems["/ui/l/items/b/ui:prefill"].warning


def test_the_equipment_free_fields_are_sources_when_given():
    d = form({"kw": {"type": "number"}}, {"kw": {"ui:prefill": "equipment.puissance_kw"}})
    assert "unknown prefill source" in lint(d)[0].message
    assert lint(d, {**builtin_sources(), **equipment_sources({"puissance_kw": "number"})}) == []
    assert "cannot fill a field of type number" in lint(d, {**builtin_sources(), **equipment_sources({"puissance_kw": "string"})})[0].message


def test_a_folder_lints_its_forms_with_its_equipment_fields(tmp_path):
    import json
    import shutil

    from engine.project import lint_paths, load_catalog

    root = Path(__file__).resolve().parents[2] / "form_definitions"
    (tmp_path / "forms").mkdir()
    (tmp_path / "event_types").mkdir()
    shutil.copy(root / "workflow.json", tmp_path / "workflow.json")
    equipment = json.loads((root / "equipment.json").read_text(encoding="utf-8"))
    equipment["kinds"] = [{k: v for k, v in kind.items() if k != "event_type"} for kind in equipment["kinds"]]
    (tmp_path / "equipment.json").write_text(json.dumps(equipment), encoding="utf-8")
    visit = {"id": "visite", "version": 1, "title": "Visite", "schema": {"type": "object", "properties": {
        "kw": {"type": "number"}, "lieu": {"type": "string"}, "serie": {"type": "string"}, "pose": {"type": "string", "format": "date"}}},
        "ui": {"kw": {"ui:prefill": "equipment.puissance_kw"}, "lieu": {"ui:prefill": "equipment.emplacement"},
               "serie": {"ui:prefill": "equipment.serial_number"}, "pose": {"ui:prefill": "equipment.installed_on"}}}
    (tmp_path / "forms" / "visite.json").write_text(json.dumps(visit), encoding="utf-8")
    assert lint_paths([tmp_path]) == [] and lint_paths([tmp_path / "forms" / "visite.json"]) == []
    assert "visite" in load_catalog(tmp_path).forms
    visit["ui"]["lieu"] = {"ui:prefill": "equipment.cave"}
    (tmp_path / "forms" / "visite.json").write_text(json.dumps(visit), encoding="utf-8")
    [p] = lint_paths([tmp_path])
    assert p.pointer == "/ui/lieu/ui:prefill" and "equipment.emplacement" in p.message and p.file.endswith("visite.json")
    assert "visite" not in load_catalog(tmp_path).forms


def test_a_malformed_prefill_is_a_hint_error():
    [p] = lint(form({"a": {"type": "string"}}, {"a": {"ui:prefill": 3}}))
    assert p.pointer == "/ui/a/ui:prefill" and "invalid value for ui:prefill" in p.message


# --- filling -----------------------------------------------------------------------------

STOVE = form(
    {"email": {"type": "string", "format": "email"},
     "jour": {"type": "string", "format": "date"},
     "marque": {"type": "string", "enum": ["mcz", "red_piazzetta"]},
     "appareil": {"type": "object", "properties": {"serie": {"type": "string"}, "modele": {"type": "string"},
                                                     "annee": {"type": "integer"}, "photo": {"type": "string", "format": "uuid"}}},
     "travaux": {"type": "array", "items": {"type": "string"}},
     "niveau": {"type": "integer", "default": 50},
     "remarque": {"type": "string"}},
    {"email": {"ui:prefill": "client.email"}, "jour": {"ui:prefill": "intervention.date"}, "marque": {"ui:prefill": "equipment.brand", "ui:enumNames": ["MCZ", "Red (Piazzetta)"]},
     "appareil": {"ui:prefill": "previous", "serie": {"ui:prefill": "equipment.serial_number"}, "photo": {"ui:widget": "camera"}},
     "travaux": {"ui:prefill": "previous"}, "niveau": {"ui:prefill": "previous"}},
)
CONTEXT = {
    "client": {"email": "claire@example.fr", "name": "Claire Martin"},
    "intervention": {"date": "2026-11-30"},
    "equipment": {"brand": "Red (Piazzetta)", "serial_number": "RP-2024-77"},
    PREVIOUS: {"appareil": {"serie": "OLD-1", "modele": "Ego 8", "annee": 2019, "photo": "3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b"},
               "travaux": ["Joint de vitre"], "niveau": 30, "remarque": "not prefilled: no hint"},
}


def test_blank_answers_take_every_source():
    r = prefill(STOVE, None, CONTEXT)
    assert r.answers == {
        "email": "claire@example.fr", "jour": "2026-11-30", "marque": "red_piazzetta",
        "appareil": {"serie": "RP-2024-77", "modele": "Ego 8", "annee": 2019},
        "travaux": ["Joint de vitre"], "niveau": 30,
    }
    assert r.pointers == ("/appareil/annee", "/appareil/modele", "/appareil/serie", "/email", "/jour", "/marque", "/niveau", "/travaux/0")


def test_an_answer_given_is_never_overwritten():
    answers = {"email": "autre@example.fr", "appareil": {"modele": "Ginger"}, "niveau": 0}
    r = prefill(STOVE, answers, CONTEXT)
    assert r.answers["email"] == "autre@example.fr" and r.answers["niveau"] == 0
    assert r.answers["appareil"] == {"modele": "Ginger", "serie": "RP-2024-77", "annee": 2019}
    assert "/email" not in r.pointers and "/appareil/modele" not in r.pointers and "/niveau" not in r.pointers
    assert answers == {"email": "autre@example.fr", "appareil": {"modele": "Ginger"}, "niveau": 0}  # not changed in place


def test_missing_records_and_empty_values_prefill_nothing():
    r = prefill(STOVE, {}, {"client": {"email": ""}, "equipment": None})
    assert r == prefill(STOVE, {}, {}) and r.answers == {} and r.pointers == ()


def test_values_the_field_cannot_show_are_left_out():
    r = prefill(STOVE, {}, {"equipment": {"brand": "Jøtul"}, PREVIOUS: {"niveau": "beaucoup", "travaux": "pas une liste", "appareil": {"annee": 2019.0}}})
    assert r.answers == {"appareil": {"annee": 2019}}
    assert r.pointers == ("/appareil/annee",)


def test_the_deeper_source_wins_and_the_schema_default_comes_last():
    r = prefill(STOVE, {}, {PREVIOUS: {"appareil": {"serie": "OLD-1"}}})
    assert r.answers["appareil"]["serie"] == "OLD-1"
    r = prefill(STOVE, {}, {**CONTEXT, PREVIOUS: {"appareil": {"serie": "OLD-1"}}})
    assert r.answers["appareil"]["serie"] == "RP-2024-77"
    assert "niveau" not in prefill(STOVE, {}, {}).answers  # the form opens with its default (50): not a prefill


def test_the_whole_form_from_the_previous_visit():
    d = form({"a": {"type": "string"}, "b": {"type": "object", "properties": {"c": {"type": "integer"}}}}, {"ui:prefill": "previous"})
    r = prefill(d, {"a": "mine"}, {PREVIOUS: {"a": "theirs", "b": {"c": 4}}})
    assert r.answers == {"a": "mine", "b": {"c": 4}} and r.pointers == ("/b/c",)


def test_sources_used_lists_what_the_server_must_gather():
    assert sources_used(STOVE) == {"client.email", "intervention.date", "equipment.brand", "equipment.serial_number", PREVIOUS}


# --- the walk's marks and the HTML ------------------------------------------------------

def test_the_walk_marks_prefilled_fields_and_their_source():
    r = prefill(STOVE, None, CONTEXT)
    tree = walk(STOVE, r.answers, lang="en", prefilled=r.pointers)
    node = {n.pointer: n for n in tree.walk()}
    assert node["/email"].prefill == "client.email" and node["/email"].prefilled
    assert node["/email"].prefill_note == ("Prefilled from the client record", "Confirm")
    assert node["/appareil/modele"].prefill == PREVIOUS and node["/appareil/modele"].prefill_note[0] == "Prefilled from the previous visit"
    assert node["/appareil/serie"].prefill_note[0] == "Prefilled from the equipment record"
    assert node["/appareil/photo"].prefill is None  # photos are never carried over
    assert node["/remarque"].prefill is None and not node["/remarque"].prefilled
    assert node["/travaux/0"].prefilled and node["/travaux"].template.prefill == PREVIOUS  # a new item may be filled by the phone
    confirmed = walk(STOVE, r.answers, lang="fr", prefilled=[p for p in r.pointers if p != "/email"])
    assert not confirmed.find(("email",)).prefilled and confirmed.find(("email",)).prefill_note[0] == "Prérempli depuis la fiche client"


def test_forms_without_prefill_walk_as_before():
    d = form({"a": {"type": "string"}}, {})
    assert walk(d, {"a": "x"}).find(("a",)).prefill is None
    assert ":prefilled" not in render_form(d, {"a": "x"})


def test_the_form_shows_the_badge_until_confirmed_and_carries_the_unconfirmed():
    from lxml import html as lhtml

    r = prefill(STOVE, None, CONTEXT)
    root = lhtml.fromstring(render_form(STOVE, r.answers, lang="fr", prefilled=r.pointers))
    carried = root.xpath('//input[@name=":prefilled"]')[0].get("value")
    assert carried.startswith('["/appareil/annee"') and '"/email"' in carried
    email = root.get_element_by_id("ff-email-field")
    assert "ff-prefilled" in email.get("class") and email.get("data-ff-prefill") == "client.email"
    note = root.get_element_by_id("ff-email-prefill")
    assert note.get("hidden") is None and "Prérempli depuis la fiche client" in note.text_content()
    assert "ff-email-prefill" in root.get_element_by_id("ff-email").get("aria-describedby")
    assert note.xpath(".//button[@data-ff-confirm]")[0].get("aria-label") == "Confirmer : Email"
    # the blank form (the phone's) has the badges, hidden, for the fields that may be prefilled
    blank = lhtml.fromstring(render_form(STOVE, None, lang="fr"))
    assert blank.get_element_by_id("ff-email-prefill").get("hidden") is not None
    assert blank.xpath('//input[@name=":prefilled"]')[0].get("value") == "[]"
    assert not blank.xpath('//*[@id="ff-appareil-photo-prefill"]')
    # the read-only answers say nothing of it
    assert "Prérempli" not in render_answers(STOVE, r.answers, lang="fr")


def test_the_prefilled_marker_is_ignored_by_decoding():
    from engine import decode_form

    assert decode_form(STOVE, [(":prefilled", '["/email"]'), ("email", "a@b.fr")]) == {"email": "a@b.fr"}


def test_a_field_missing_from_the_answers_is_missing():
    assert walk(STOVE, {}).find(("email",)).value is MISSING


# --- several sources, tried in order -----------------------------------------------------

FALLBACK = form({"serie": {"type": "string"}, "kw": {"type": "number"}},
                {"serie": {"ui:prefill": ["equipment.serial_number", "previous"]}, "kw": {"ui:prefill": ["equipment.puissance_kw", "previous"]}})


def test_a_list_of_sources_takes_the_first_that_has_a_value():
    r = prefill(FALLBACK, {}, {"equipment": {"serial_number": "NEW-1", "puissance_kw": ""}, PREVIOUS: {"serie": "OLD-1", "kw": 8.5}})
    assert r.answers == {"serie": "NEW-1", "kw": 8.5}
    assert r.sources == {"/serie": "equipment.serial_number", "/kw": PREVIOUS}
    tree = walk(FALLBACK, r.answers, lang="en", prefilled=r.sources)
    assert tree.find(("serie",)).prefill_note[0] == "Prefilled from the equipment record"
    assert tree.find(("kw",)).prefill_note[0] == "Prefilled from the previous visit"
    # the blank form (the phone's) carries each source's badge, to say which one it was
    blank = walk(FALLBACK, None, lang="fr").find(("kw",))
    assert blank.prefill == "equipment.puissance_kw" and blank.prefill_notes == {
        "equipment.puissance_kw": "Prérempli depuis la fiche de l'équipement", PREVIOUS: "Prérempli depuis la visite précédente"}
    assert 'data-ff-notes="{&#34;equipment.puissance_kw&#34;' in render_form(FALLBACK, None)


def test_each_source_of_a_list_is_linted_at_its_position():
    assert lint(FALLBACK, {**builtin_sources(), **equipment_sources({"puissance_kw": "number"})}) == []
    d = form({"serie": {"type": "integer"}}, {"serie": {"ui:prefill": ["equipment.serial_number", "previous", "client.nam"]}})
    problems = {p.pointer: p.message for p in lint(d)}
    assert set(problems) == {"/ui/serie/ui:prefill/0", "/ui/serie/ui:prefill/2"}
    assert "cannot fill a field of type integer" in problems["/ui/serie/ui:prefill/0"] and "did you mean “client.name”" in problems["/ui/serie/ui:prefill/2"]
    [p] = lint(form({"a": {"type": "string"}}, {"a": {"ui:prefill": []}}))
    assert p.pointer == "/ui/a/ui:prefill" and "invalid value for ui:prefill" in p.message
