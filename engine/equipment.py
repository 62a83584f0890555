"""``form_definitions/equipment.json``: the kinds of installed equipment and its free fields.

A client's equipment has fixed fields every heating or plumbing company needs (the
columns of :data:`FIXED_FIELDS`) and free fields the account manager declares, as a form
is declared: a JSON Schema and UI hints, validated, linted and drawn by the engine like any
form. The file also lists the kinds of equipment (each may declare its maintenance
interval in months and the event type of its maintenance visit) and the fuels::

    {
      "kinds": [{"key": "poele_granules", "label": {"fr": "Poêle à granulés", "en": "Pellet stove"},
                 "maintenance_months": 12, "event_type": "entretien-poele"}],
      "fuels": [{"key": "granules", "label": {"fr": "Granulés", "en": "Pellets"}}],
      "schema": {"type": "object", "properties": {"puissance_kw": {"type": "number"}}},
      "ui": {}
    }

Problems carry the file and the JSON pointer in it, like every other definition file's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from jsonschema import Draft202012Validator

from .definition import FormDefinition, load_definition, read_json_file
from .lint import lint
from .paths import from_pointer
from .problems import DefinitionError, Problem, file_problems
from .schema import deref, escape, flatten, schema_type
from .uihints import localise

#: The id of the form the free fields make (what the renderers and validation see).
FORM_ID = "equipment"

#: The equipment's own fields and their types: ``date`` is an ISO date ("2026-11-30").
#: ``kind`` is the kind's key. Free fields may not reuse these names.
FIXED_FIELDS: dict[str, str] = {
    "kind": "string",
    "brand": "string",
    "model": "string",
    "serial_number": "string",
    "installed_on": "date",
    "warranty_until": "date",
    "fuel": "string",
    "notes": "string",
    "next_maintenance_on": "date",
}

_LABEL = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "object", "properties": {"fr": {"type": "string"}, "en": {"type": "string"}}, "required": ["fr"]}]}
_KEY = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"}

EQUIPMENT_SCHEMA = {
    "type": "object",
    "required": ["kinds"],
    "additionalProperties": False,
    "properties": {
        "kinds": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["key", "label"],
                "additionalProperties": False,
                "properties": {
                    "key": _KEY,
                    "label": _LABEL,
                    "maintenance_months": {"type": "integer", "minimum": 1, "maximum": 120},
                    "event_type": {"type": "string"},
                },
            },
        },
        "fuels": {
            "type": "array",
            "items": {"type": "object", "required": ["key", "label"], "additionalProperties": False, "properties": {"key": _KEY, "label": _LABEL}},
        },
        "title": _LABEL,
        "schema": {"type": "object"},
        "ui": {"type": "object"},
        "$comment": {"type": "string"},
    },
}
_VALIDATOR = Draft202012Validator(EQUIPMENT_SCHEMA)


@dataclass(frozen=True)
class EquipmentKind:
    key: str
    label: Any
    #: months between two maintenance visits; None: no periodic maintenance
    maintenance_months: int | None = None
    #: the event type a maintenance visit of this kind is planned with
    event_type: str | None = None

    def label_in(self, lang: str = "fr") -> str:
        return localise(self.label, lang) or self.key


@dataclass(frozen=True)
class Fuel:
    key: str
    label: Any

    def label_in(self, lang: str = "fr") -> str:
        return localise(self.label, lang) or self.key


@dataclass
class EquipmentCatalog:
    """What ``equipment.json`` declares. Empty (no kinds) when the folder has no such file."""

    kinds: dict[str, EquipmentKind] = field(default_factory=dict)
    fuels: dict[str, Fuel] = field(default_factory=dict)
    #: the free fields, as a form the engine validates and draws
    form: FormDefinition = field(default_factory=lambda: empty_form())

    def kind(self, key: str | None) -> EquipmentKind | None:
        return self.kinds.get(key) if key else None

    def kind_label(self, key: str | None, lang: str = "fr") -> str:
        k = self.kind(key)
        return k.label_in(lang) if k else (key or "")

    def fuel_label(self, key: str | None, lang: str = "fr") -> str:
        f = self.fuels.get(key) if key else None
        return f.label_in(lang) if f else (key or "")

    def field_types(self) -> dict[str, str]:
        """Every field an answer may update or a form may read (``equipment.<name>``), with
        its type: the fixed ones, then the free ones (top-level properties of the schema,
        ``date`` for a string of format date)."""
        out = dict(FIXED_FIELDS)
        for name, sub in _free_properties(self.form).items():
            out.setdefault(name, _type_of(self.form.schema, sub))
        return out


def empty_form() -> FormDefinition:
    return load_definition({"id": FORM_ID, "version": 1, "title": {"fr": "Équipement", "en": "Equipment"}, "schema": {"type": "object", "properties": {}}, "ui": {}})


def _free_properties(form: FormDefinition) -> dict[str, Any]:
    root = deref(form.schema, form.schema)
    props = root.get("properties") if isinstance(root, dict) else None
    return props if isinstance(props, dict) else {}


def _type_of(root: dict, sub: Any) -> str:
    sub = deref(sub, root) if isinstance(sub, dict) else sub
    if not isinstance(sub, dict):
        return "any"
    t = schema_type(sub)
    if t == "string" and sub.get("format") == "date":
        return "date"
    return t if isinstance(t, str) else "any"


def _duplicates(items: list[dict], member: str, source: str) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        if item["key"] in seen:
            out.append(Problem(source, f"/{member}/{i}/key", f"the key “{item['key']}” is declared twice"))
        seen.add(item["key"])
    return out


def _free_form(raw: dict, source: str) -> tuple[FormDefinition | None, list[Problem]]:
    """The free fields as a form definition; problems point into ``equipment.json``
    itself (``/schema/...``, ``/ui/...``), since the file's members are the form's."""
    as_form = {"id": FORM_ID, "version": 1, "title": raw.get("title", {"fr": "Équipement", "en": "Equipment"}),
               "schema": raw.get("schema", {"type": "object", "properties": {}}), "ui": raw.get("ui", {})}
    try:
        d = load_definition(as_form)
    except DefinitionError as exc:
        return None, [Problem(source, p.pointer, p.message, p.warning) for p in exc.problems]
    d.source = source
    problems = lint(d)
    for name in _free_properties(d):
        if name in FIXED_FIELDS:
            problems.append(Problem(source, f"/schema/properties/{name}", f"“{name}” is a field every equipment already has: give the free field another name"))
    return d, problems


def load_equipment(path: str | os.PathLike, event_type_ids: Iterable[str] | None = None) -> tuple[EquipmentCatalog | None, list[Problem]]:
    """The catalog and every problem of ``equipment.json`` (None when it cannot be used;
    warnings alone do not refuse it). ``event_type_ids``, when known, checks each kind's
    maintenance event type."""
    source = str(path)
    try:
        raw = read_json_file(path)
    except DefinitionError as exc:
        return None, exc.problems
    problems = file_problems(_VALIDATOR, raw, source)
    if problems:
        return None, problems
    fuels = raw.get("fuels", [])
    problems += _duplicates(raw["kinds"], "kinds", source) + _duplicates(fuels, "fuels", source)
    known = set(event_type_ids) if event_type_ids is not None else None
    for i, k in enumerate(raw["kinds"]):
        et = k.get("event_type")
        if et is not None and known is not None and et not in known:
            problems.append(Problem(source, f"/kinds/{i}/event_type", f"no event type “{et}” in event_types/ (known: {', '.join(sorted(known)) or 'none'})"))
    form, found = _free_form(raw, source)
    problems += found
    if form is None or any(not p.warning for p in problems):
        return None, problems
    cat = EquipmentCatalog(
        kinds={k["key"]: EquipmentKind(k["key"], k["label"], k.get("maintenance_months"), k.get("event_type")) for k in raw["kinds"]},
        fuels={f["key"]: Fuel(f["key"], f["label"]) for f in fuels},
        form=form,
    )
    return cat, problems


# --- answers that update the equipment (an event type's ``equipment_updates``) -----------------

#: ``<form id>#<JSON pointer into its answers>``: where an equipment field's new value is read.
UPDATE_SOURCE = re.compile(r"^(?P<form>[a-z0-9][a-z0-9_-]{0,63})#(?P<pointer>(/[^/]+)+)$")

#: The answer types each equipment field type accepts.
COMPATIBLE = {"string": {"string"}, "date": {"date"}, "number": {"number", "integer"}, "integer": {"integer"}, "boolean": {"boolean"}}

#: What answers may not change: the kind decides the maintenance interval, the back office sets it.
NOT_FROM_ANSWERS = ("kind",)


def parse_update_source(text: str) -> tuple[str, str] | None:
    """``"entretien-poele#/appareil/numero_serie"`` -> ``("entretien-poele", "/appareil/numero_serie")``."""
    m = UPDATE_SOURCE.match(text) if isinstance(text, str) else None
    return (m["form"], m["pointer"]) if m else None


def _conditional_properties(flat: dict, root: dict) -> Iterable[dict]:
    """The ``properties`` a field's conditions may add (``then``, ``else``, dependent schemas)."""
    for cond in flat.get("x-conditionals", [flat]):
        parts = [cond.get("then"), cond.get("else"), *(cond.get("dependentSchemas") or {}).values()]
        for part in parts:
            if isinstance(part, dict):
                props = flatten(part, root).get("properties")
                if isinstance(props, dict):
                    yield props


def answer_field(form: FormDefinition, pointer: str) -> dict | None:
    """The schema of the one field at ``pointer`` in the answers of ``form`` (through
    objects only, conditional fields included); None when there is no such field."""
    root = form.schema
    cur: Any = root
    for seg in from_pointer(pointer):
        flat = flatten(cur, root)
        candidates = [flat.get("properties") if isinstance(flat.get("properties"), dict) else {}, *_conditional_properties(flat, root)]
        cur = next((props[seg] for props in candidates if isinstance(seg, str) and seg in props), None)
        if cur is None:
            return None
    return flatten(cur, root)


def check_updates(updates: dict, source: str, *, event_forms: list[str], forms: dict[str, FormDefinition], catalog: EquipmentCatalog | None) -> list[Problem]:
    """The problems of an event type's ``equipment_updates`` (``{equipment field: "<form
    id>#<pointer>"}``): the field exists and may be set from answers, the form is one of the
    event type's, the pointer names a field of it, and its answers fit the field's type.
    Without a usable equipment catalog the targets are not checked (its own problems say why)."""
    problems = []
    types = catalog.field_types() if catalog is not None else None
    for target, where in updates.items():
        at = f"/equipment_updates/{escape(target)}"
        if target in NOT_FROM_ANSWERS:
            problems.append(Problem(source, at, f"the equipment's “{target}” is set in the back office, not from answers"))
            continue
        if types is not None and target not in types:
            problems.append(Problem(source, at, f"no equipment field “{target}” (fields: {', '.join(sorted(set(types) - set(NOT_FROM_ANSWERS)))})"))
            continue
        parsed = parse_update_source(where)
        if parsed is None:
            problems.append(Problem(source, at, f"{where!r}: write “<form id>#<JSON pointer>”, e.g. “entretien-poele#/appareil/numero_serie”"))
            continue
        form_id, pointer = parsed
        if form_id not in event_forms:
            problems.append(Problem(source, at, f"“{form_id}” is not one of this event type's forms ({', '.join(event_forms)})"))
            continue
        form = forms.get(form_id)
        if form is None:
            continue  # the form's own problems are listed with it
        sub = answer_field(form, pointer)
        if sub is None:
            problems.append(Problem(source, at, f"the form “{form_id}” has no field at {pointer} (an answer that is a single value, not in a list)"))
            continue
        got = _type_of(form.schema, sub)
        want = types[target] if types is not None else None
        if want in COMPATIBLE and got not in COMPATIBLE[want]:
            problems.append(Problem(source, at, f"the answer at {form_id}#{pointer} is a {got}: the equipment field “{target}” holds a {want}"))
    return problems
