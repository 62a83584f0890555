"""UI hints: the vocabulary we accept and how it is normalised.

The vocabulary is react-jsonschema-form's uiSchema plus our extensions (``camera``,
``signature``, ``duration``, ``ui:rule``, ``ui:group``, ``ui:steps``). As in RJSF's
``getUiOptions``, ``ui:X`` and ``ui:options.X`` are the same option, the later key winning.
"""

from __future__ import annotations

from typing import Any

#: Widgets an author may name, by the JSON types they can draw. ``multiple`` means an
#: array of choices; ``photos`` an array of attachment ids.
WIDGETS: dict[str, frozenset[str]] = {
    "text": frozenset({"string", "number", "integer"}),
    "textarea": frozenset({"string"}),
    "password": frozenset({"string"}),
    "email": frozenset({"string"}),
    "uri": frozenset({"string"}),
    "url": frozenset({"string"}),
    "tel": frozenset({"string"}),
    "color": frozenset({"string"}),
    "number": frozenset({"number", "integer"}),
    "updown": frozenset({"number", "integer"}),
    "range": frozenset({"number", "integer"}),
    "select": frozenset({"string", "number", "integer", "boolean", "multiple"}),
    "radio": frozenset({"string", "number", "integer", "boolean"}),
    "checkboxes": frozenset({"multiple"}),
    "checkbox": frozenset({"boolean"}),
    "date": frozenset({"string"}),
    "time": frozenset({"string"}),
    "datetime": frozenset({"string"}),
    "date-time": frozenset({"string"}),
    "hidden": frozenset({"string", "number", "integer", "boolean"}),
    "camera": frozenset({"string", "photos"}),
    "signature": frozenset({"object"}),
    "duration": frozenset({"integer", "number"}),
}
#: Spellings RJSF accepts that we draw with another widget: its other names for our
#: widgets, and the names of its widget components (``"ui:widget": "RadioWidget"``).
WIDGET_ALIASES = {
    "url": "uri", "date-time": "datetime", "updown": "number", "alt-date": "date", "alt-datetime": "datetime",
    "TextWidget": "text", "PasswordWidget": "password", "EmailWidget": "email", "URLWidget": "uri",
    "TextareaWidget": "textarea", "SelectWidget": "select", "RadioWidget": "radio",
    "CheckboxWidget": "checkbox", "CheckboxesWidget": "checkboxes", "HiddenWidget": "hidden",
    "DateWidget": "date", "DateTimeWidget": "datetime", "TimeWidget": "time",
    "AltDateWidget": "date", "AltDateTimeWidget": "datetime", "ColorWidget": "color",
    "UpDownWidget": "number", "RangeWidget": "range",
}
#: RJSF widgets that mean nothing here (the field is drawn with its default widget), and why.
IGNORED_WIDGETS = {
    name: "RJSF's file widget keeps files as base64 data URLs, which answers never hold here: the field is drawn with its default widget (photos use the “camera” widget)"
    for name in ("FileWidget", "file", "files", "data-url")
}

#: Every option an author may set, as ``ui:X`` or inside ``ui:options``, that has an
#: effect here.
OPTIONS: frozenset[str] = frozenset({
    # react-jsonschema-form
    "widget", "order", "title", "description", "help", "placeholder", "enumNames",
    "enumOrder", "enumDisabled", "readonly", "disabled", "autofocus", "emptyValue",
    "classNames", "className", "label", "rows", "inline", "inputType", "autocomplete",
    "addable", "removable", "orderable", "expandable", "duplicateKeySuffixSeparator",
    "accept", "globalOptions",
    # fieldforms
    "rule", "group", "steps", "signer", "maxPixels", "quality", "step", "unit",
    "patternMessage", "addLabel", "prefill",
})
#: RJSF's documented options that have no effect here: accepted, with a lint warning that
#: says why (a form written for RJSF loads unchanged).
IGNORED_OPTIONS: dict[str, str] = {
    "style": "inline styles are not applied here (use ui:classNames)",
    "submitButtonOptions": "the page draws its own save button",
    "field": "custom fields do not exist here: the field is drawn from its schema",
    "fieldReplacesAnyOrOneOf": "custom fields do not exist here: a oneOf/anyOf is drawn as a selector and the chosen sub-form",
    "definitions": "ui:definitions is not applied: write the hints at each field",
    "copyable": "list items cannot be copied here",
    "filePreview": "files are photos taken with the camera widget here",
    "hideError": "errors are always shown next to their field here",
    "rootFieldId": "ids are made from the fields' paths here",
    "enableMarkdownInDescription": "descriptions are shown as written, without Markdown",
    "enableMarkdownInHelp": "help texts are shown as written, without Markdown",
    "allowClearTextInputs": "text inputs have no clear button here",
    "autocapitalize": "the device's keyboard decides capitalisation here",
    "deprecatedHandling": "deprecated fields are drawn like the others here",
    "enableOptionalDataFieldForType": "optional objects and lists are always drawn here",
    "initialValue": "use the schema's “default”, which fills fields the answers lack",
    "optgroups": "options are not grouped here",
    "optionValueFormat": "option values are chosen by the engine and keep their JSON type",
    "required": "use the schema's “required” (required when shown)",
    "itemLabel": "list items are numbered here",
}

SIGNERS = ("technician", "client")

#: Options ``ui:globalOptions`` may give every field (RJSF's registry-wide options that
#: have a meaning here); a field's own option wins.
GLOBAL_OPTIONS = frozenset({"addable", "removable", "orderable", "expandable", "duplicateKeySuffixSeparator"})


def normalise(ui: Any) -> dict[str, Any]:
    """The options of one field: ``{"widget": ..., "title": ..., "rows": ...}``.

    Nested field hints (keys without ``ui:``) are not options and are left out.
    """
    if not isinstance(ui, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in ui.items():
        if key == "ui:options" and isinstance(value, dict):
            out.update(value)
        elif key.startswith("ui:"):
            out[key[3:]] = value
    widget = out.get("widget")
    if isinstance(widget, str):
        out["widget"] = WIDGET_ALIASES.get(widget, widget)
    return out


def child_ui(ui: Any, key: str) -> dict:
    """The hints of a property (or ``items`` for array items) inside a field's hints."""
    if isinstance(ui, dict) and isinstance(ui.get(key), dict):
        return ui[key]
    return {}


def localise(label: Any, lang: str) -> str | None:
    """A label that may be a string or ``{"fr": ..., "en": ...}``, in ``lang`` (French first)."""
    if label is None:
        return None
    if isinstance(label, dict):
        for candidate in (lang, "fr", "en"):
            if isinstance(label.get(candidate), str):
                return label[candidate]
        return next((v for v in label.values() if isinstance(v, str)), None)
    return str(label)


def humanise(key: str) -> str:
    """``numero_serie`` -> ``Numero serie``: the last resort label."""
    text = str(key).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


_LABEL = {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1}]}

#: The structure of a definition's ``ui`` member, checked before any semantic lint.
UI_META_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "label": _LABEL,
        "options": {
            "type": "object",
            "properties": {
                "widget": {"type": "string"},
                "order": {"type": "array", "items": {"type": "string"}},
                "title": {"$ref": "#/$defs/label"},
                "description": {"$ref": "#/$defs/label"},
                "help": {"$ref": "#/$defs/label"},
                "placeholder": {"$ref": "#/$defs/label"},
                "addLabel": {"$ref": "#/$defs/label"},
                "patternMessage": {"$ref": "#/$defs/label"},
                "group": {"$ref": "#/$defs/label"},
                "enumNames": {"anyOf": [
                    {"type": "array", "items": {"$ref": "#/$defs/label"}},
                    {"type": "object", "additionalProperties": {"$ref": "#/$defs/label"}},
                ]},
                "enumOrder": {"type": "array"},
                "enumDisabled": {"type": "array"},
                "expandable": {"type": "boolean"},
                "duplicateKeySuffixSeparator": {"type": "string"},
                "className": {"type": "string"},
                "globalOptions": {"type": "object"},
                "readonly": {"type": "boolean"},
                "disabled": {"type": "boolean"},
                "autofocus": {"type": "boolean"},
                "inline": {"type": "boolean"},
                "label": {"type": "boolean"},
                "addable": {"type": "boolean"},
                "removable": {"type": "boolean"},
                "orderable": {"type": "boolean"},
                "copyable": {"type": "boolean"},
                "hideError": {"type": "boolean"},
                "filePreview": {"type": "boolean"},
                "classNames": {"type": "string"},
                "rows": {"type": "integer", "minimum": 1, "maximum": 50},
                "maxPixels": {"type": "integer", "minimum": 200, "maximum": 8000},
                "quality": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "step": {"type": "number", "exclusiveMinimum": 0},
                "unit": {"type": "string"},
                "accept": {"type": "string"},
                "signer": {"enum": list(SIGNERS)},
                "inputType": {"type": "string"},
                "autocomplete": {"type": "string"},
                "rule": {"type": "object"},
                "prefill": {"anyOf": [{"type": "string", "minLength": 1},
                                      {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "uniqueItems": True}]},
                "steps": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "title": {"$ref": "#/$defs/label"},
                            "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                        },
                        "required": ["title", "fields"],
                        "additionalProperties": False,
                    },
                },
            },
        },
        "node": {
            "type": "object",
            "properties": {
                "ui:options": {"$ref": "#/$defs/options"},
                # RJSF's per-position hints of a tuple and per-option hints of a oneOf/anyOf
                "items": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "array", "items": {"$ref": "#/$defs/node"}}]},
                "oneOf": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                "anyOf": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
            # ui:X is checked like ui:options.X
            "patternProperties": {"^ui:(?!options$)": True},
            "additionalProperties": {"$ref": "#/$defs/node"},
        },
    },
    "$ref": "#/$defs/node",
}


#: How a type reads in a type selector (RJSF v6 lists the type names).
TYPE_LABELS: dict[str, dict[str, str]] = {
    "string": {"fr": "Texte", "en": "Text"},
    "number": {"fr": "Nombre", "en": "Number"},
    "integer": {"fr": "Nombre entier", "en": "Whole number"},
    "boolean": {"fr": "Oui / non", "en": "Yes / no"},
    "null": {"fr": "Aucune valeur", "en": "No value"},
    "object": {"fr": "Objet (JSON)", "en": "Object (JSON)"},
    "array": {"fr": "Liste (JSON)", "en": "List (JSON)"},
}
_OPTION = {"fr": "Option {n}", "en": "Option {n}"}


def option_label(index: int, lang: str) -> str:
    """RJSF's label of an untitled oneOf/anyOf option: ``Option 1``, ``Option 2``…"""
    return _OPTION.get(lang, _OPTION["fr"]).format(n=index + 1)
