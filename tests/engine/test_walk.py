"""The one walk: every schema construct the forms use, as the renderers will read it."""

from engine import MISSING, FieldError, load_definition, walk
from engine.walk import html_pattern

FORM = {
    "id": "w", "version": 1, "title": "W",
    "schema": {
        "type": "object",
        "$defs": {"addr": {"type": "object", "title": "Adresse", "properties": {"ville": {"type": "string"}, "cp": {"type": "string", "pattern": "^[0-9]{5}$"}}, "required": ["ville"]}},
        "properties": {
            "adresse": {"$ref": "#/$defs/addr"},
            "type": {"type": "string", "oneOf": [{"const": "gaz", "title": "Gaz naturel"}, {"const": "fioul", "title": "Fioul"}]},
            "energie": {"type": "string", "enum": ["a", "b"]},
            "ok": {"type": "boolean", "default": True},
            "oui": {"type": "boolean"},
            "n": {"type": "number", "minimum": 0, "exclusiveMaximum": 10, "multipleOf": 0.5},
            "k": {"type": "integer", "exclusiveMinimum": 0},
            "d": {"type": "string", "format": "date"},
            "t": {"type": "string", "format": "time"},
            "dt": {"type": "string", "format": "date-time"},
            "mail": {"type": "string", "format": "email"},
            "site": {"type": "string", "format": "uri"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "opts": {"type": "array", "items": {"enum": ["p", "q"]}, "uniqueItems": True},
            "parts": {"type": "array", "items": {"type": "object", "properties": {"ref": {"type": "string"}, "qty": {"type": "integer"}}}, "maxItems": 5},
            "photos": {"type": "array", "items": {"type": "string", "format": "uuid"}},
            "ref": {"type": "string", "minLength": 2, "maxLength": 8, "readOnly": True},
            "gaz_detail": {"type": "string"},
        },
        "required": ["type", "oui"],
        "allOf": [{"if": {"properties": {"type": {"const": "gaz"}}, "required": ["type"]}, "then": {"properties": {"compteur": {"type": "string"}}, "required": ["compteur"]}}],
        "dependentRequired": {"mail": ["site"]},
        "dependentSchemas": {"k": {"properties": {"k_note": {"type": "string"}}}},
    },
    "ui": {
        "ui:order": ["type", "*", "ref"],
        "energie": {"ui:widget": "radio", "ui:enumNames": [{"fr": "Électrique", "en": "Electric"}, "Bois"], "ui:title": {"fr": "Énergie", "en": "Energy"}},
        "oui": {"ui:widget": "radio"},
        "photos": {"ui:widget": "camera", "ui:options": {"maxPixels": 1200}},
        "tags": {"ui:options": {"orderable": True}, "ui:addable": False},
        "ref": {"ui:help": {"fr": "Aide", "en": "Help"}, "ui:placeholder": "REF"},
        "gaz_detail": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/type", "schema": {"const": "gaz"}}}, "ui:group": "Gaz"},
        "parts": {"items": {"qty": {"ui:widget": "updown"}}},
    },
}


def tree(data=None, errors=(), lang="fr"):
    return walk(load_definition(FORM), data, errors, lang)


def test_order_with_star_and_ref_resolution():
    root = tree({})
    keys = [c.key for c in root.children]
    assert keys[0] == "type" and keys[-1] == "ref"
    addr = root.find(("adresse",))
    assert addr.widget == "object" and addr.label == "Adresse"
    assert [c.key for c in addr.children] == ["ville", "cp"]
    assert addr.find(("adresse", "ville")).required is True


def test_choices_with_labels_from_const_titles_and_enum_names():
    root = tree({}, lang="en")
    assert [(c.value, c.label) for c in root.find(("type",)).choices] == [("gaz", "Gaz naturel"), ("fioul", "Fioul")]
    energie = root.find(("energie",))
    assert energie.widget == "radio" and energie.label == "Energy"
    assert [c.label for c in energie.choices] == ["Electric", "Bois"]
    assert [(c.value, c.token, c.label) for c in root.find(("oui",)).choices] == [(True, "true", "Yes"), (False, "false", "No")]


def test_default_widgets_by_type_and_format():
    root = tree({})
    widgets = {c.key: c.widget for c in root.children}
    assert widgets | {} == widgets
    assert widgets["d"] == "date" and widgets["t"] == "time" and widgets["dt"] == "datetime"
    assert widgets["mail"] == "email" and widgets["site"] == "uri" and widgets["ok"] == "checkbox"
    assert widgets["opts"] == "checkboxes" and widgets["parts"] == "array" and widgets["photos"] == "camera"
    assert widgets["n"] == "number" and widgets["type"] == "select"


def test_html_constraint_attributes_are_computed_once_in_a_fixed_order():
    root = tree({})
    assert root.find(("type",)).attrs == {"required": "required"}
    assert root.find(("n",)).attrs == {"min": "0", "step": "0.5"}
    assert root.find(("k",)).attrs == {"min": "1", "step": "1"}
    ref = root.find(("ref",))
    assert list(ref.attrs) == ["minlength", "maxlength"]
    assert ref.readonly and ref.help == "Aide" and ref.placeholder == "REF"
    assert root.find(("adresse", "cp")).attrs["pattern"] == "(?:[0-9]{5})"
    assert root.find(("photos",)).attrs == {"accept": "image/*"}
    assert root.find(("photos",)).options["maxPixels"] == 1200


def test_ui_x_equals_ui_options_x():
    tags = tree({}).find(("tags",))
    assert tags.options["orderable"] is True and tags.options["addable"] is False


def test_blank_form_gets_defaults_but_answers_are_kept_as_given():
    assert tree().find(("ok",)).value is True
    assert tree({"ok": False}).find(("ok",)).value is False
    assert tree({}).find(("ok",)).value is MISSING


def test_arrays_of_scalars_and_objects_with_a_template():
    root = tree({"tags": ["a", "b"], "parts": [{"ref": "R1", "qty": 2}]})
    tags = root.find(("tags",))
    assert [c.value for c in tags.children] == ["a", "b"] and tags.min_items == 1
    parts = root.find(("parts",))
    assert parts.max_items == 5
    assert parts.children[0].find(("parts", 0, "qty")).widget == "number"
    assert parts.template.name == "parts[__INDEX__]"
    assert parts.template.children[1].dom_id == "ff-parts-__INDEX__-qty"
    assert parts.options["addable"] is True


def test_if_then_adds_a_field_shown_only_while_its_condition_holds():
    hidden = tree({"type": "fioul"}).find(("compteur",))
    assert hidden.visible is False and hidden.required is False
    assert hidden.conditions == [{"effect": "SHOW", "scope": "", "schema": {"properties": {"type": {"const": "gaz"}}, "required": ["type"]}}]
    shown = tree({"type": "gaz"}).find(("compteur",))
    assert shown.visible is True and shown.required is True


def test_dependent_schemas_add_a_field_when_the_trigger_is_answered():
    assert tree({}).find(("k_note",)).visible is False
    assert tree({"k": 3}).find(("k_note",)).visible is True


def test_ui_rule_visibility_and_group():
    assert tree({"type": "fioul"}).find(("gaz_detail",)).visible is False
    node = tree({"type": "gaz"}).find(("gaz_detail",))
    assert node.visible is True and node.group == "Gaz"
    assert node.conditions == [{"effect": "SHOW", "scope": "/type", "schema": {"const": "gaz"}}]
    sections = tree({}).sections
    assert [s.key for s in sections].count("Gaz") == 1


def test_errors_are_attached_by_path_and_none_is_dropped():
    errors = [
        FieldError("/adresse/ville", "obligatoire", "required"),
        FieldError("/parts/0/qty", "entier", "type"),
        FieldError("/unknown/deep", "inconnu", "additionalProperties"),
        FieldError("", "racine", "type"),
    ]
    root = tree({"parts": [{"qty": "x"}]}, errors)
    assert [e.message for e in root.find(("adresse", "ville")).errors] == ["obligatoire"]
    assert [e.message for e in root.find(("parts", 0, "qty")).errors] == ["entier"]
    assert [e.message for e in root.errors] == ["inconnu", "racine"]
    assert len(root.all_errors()) == 4


def test_steps_split_an_object_into_pages():
    form = {"id": "s", "version": 1, "schema": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}}},
            "ui": {"ui:steps": [{"title": "Un", "fields": ["a", "c"]}, {"title": {"fr": "Deux", "en": "Two"}, "fields": ["b"]}]}}
    root = walk(load_definition(form), {}, lang="en")
    assert root.steps == ["Un", "Two"]
    assert [c.key for c in root.children] == ["a", "c", "b"]
    assert [(s.step, [c.key for c in s.children]) for s in root.sections] == [(0, ["a", "c"]), (1, ["b"])]


def test_html_pattern_is_anchored_and_v_flag_safe():
    assert html_pattern("^[A-Z0-9-]{4,20}$") == "(?:[A-Z0-9\\-]{4,20})"
    assert html_pattern("abc") == "[\\s\\S]*(?:abc)[\\s\\S]*"
    assert html_pattern("^(?P<x>a)$") is None
    assert html_pattern("^[a-z]+$") == "(?:[a-z]+)"


def test_labels_fall_back_to_the_schema_title_then_the_key():
    root = tree({})
    assert root.find(("gaz_detail",)).label == "Gaz detail"
