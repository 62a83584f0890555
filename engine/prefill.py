"""Prefilled answers: ``"ui:prefill": "client.email"`` gives a field its first value from
the context of the intervention (the client, the intervention, the equipment) or from the
previous visit (``"previous"``: the same field in the last answers to the same form). A
list is tried in order, the first source with a value winning
(``["equipment.serial_number", "previous"]``: the equipment's record, else last visit's).

The sources are a closed registry (:func:`builtin_sources`, plus the free fields of the
equipment, :func:`equipment_sources`), so lint can tell an author which names exist and
whether a source can fill a field (:func:`mismatch`). Filling reads the one walk
(:func:`engine.walk.walk`): the fields, their hints and their paths are the walk's nodes,
never a second reading of the schema. A prefilled value never overwrites an answer given.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Mapping

from .definition import FormDefinition
from .node import MISSING, Node
from .paths import Path, get_at, is_prefix
from .schema import json_type

PREVIOUS = "previous"


@dataclass(frozen=True)
class Source:
    """What a source gives: a JSON type (``any`` for ``previous``) and, for text, its format."""

    kind: str
    format: str | None = None
    description: str = ""


#: The records a source reads, as the badge of a prefilled field names them.
RECORDS = ("client", "intervention", "equipment", PREVIOUS)

_TEXT = Source("string")
_BUILTIN: dict[str, Source] = {
    "client.name": _TEXT,
    "client.email": Source("string", "email"),
    "client.phone": _TEXT,
    "client.address": _TEXT,
    "client.postcode": _TEXT,
    "client.city": _TEXT,
    "client.full_address": Source("string", None, "street, postcode and city on one line"),
    "intervention.title": _TEXT,
    "intervention.type": Source("string", None, "the event type's title"),
    "intervention.start": Source("string", "date-time"),
    "intervention.end": Source("string", "date-time"),
    "intervention.date": Source("string", "date", "the day it starts, on the company's clock"),
    "intervention.technician": Source("string", None, "the technicians' names"),
    "intervention.store": _TEXT,
    PREVIOUS: Source("any", None, "the same field in the last answers to this form for the same equipment, else the same client"),
}


def builtin_sources() -> dict[str, Source]:
    """The sources every definitions folder has (the equipment's free fields aside)."""
    return dict(_BUILTIN)


def equipment_sources(field_types: Mapping[str, str] | None = None) -> dict[str, Source]:
    """The equipment's fields as sources, ``equipment.<name>``: its own fields, the free ones
    of ``form_definitions/equipment.json`` given by type
    (:meth:`engine.equipment.EquipmentCatalog.field_types`), and ``equipment.installed_year``,
    the year it was installed (for a form that asks for a year)."""
    from .equipment import FIXED_FIELDS  # engine.equipment lints with this module

    out = {f"equipment.{name}": source_of_type(kind) for name, kind in {**FIXED_FIELDS, **(field_types or {})}.items()}
    out["equipment.installed_year"] = Source("integer", None, "the year of its installation date")
    return out


def source_of_type(kind: str) -> Source:
    """A field type of the equipment (``string``, ``date``, ``number``…, ``any``) as a source."""
    if kind == "date":
        return Source("string", "date")
    return Source(kind)


def record_of(source: str) -> str:
    """``client.email`` -> ``client``; ``previous`` -> ``previous``."""
    return source.split(".", 1)[0]


_DESCRIBED = {("string", "date-time"): "a date and time", ("string", "date"): "a date", ("string", "time"): "a time of day",
              ("string", "email"): "an e-mail address", ("integer", None): "a whole number", ("number", None): "a number",
              ("boolean", None): "yes or no", ("string", None): "text"}
_STRICT_FORMATS = frozenset({"date", "date-time", "time"})


def describe(source: Source) -> str:
    return _DESCRIBED.get((source.kind, source.format), f"{source.kind} ({source.format})" if source.format else source.kind)


def mismatch(source: Source, kind: str | None, fmt: str | None, choice_values: list | None, widget: str | None = None) -> str | None:
    """Why ``source`` cannot fill a field of this type (None: it can). ``previous`` fills
    anything; a text fills a list of choices, matched by value or label when the form opens."""
    if widget in ("camera", "signature"):
        return "photos and signatures are taken at each visit: they cannot be prefilled; remove ui:prefill"
    if source.kind == "any":
        return None
    if kind in ("object", "array") and choice_values is None:
        return f"only “{PREVIOUS}” can fill a group of fields or a list: prefill the fields inside it, or use “{PREVIOUS}”"
    what = describe(source)
    if choice_values is not None:
        types = {json_type(v) for v in choice_values}
        if source.kind in types or (source.kind == "integer" and "number" in types):
            return None
        return f"it gives {what}, which cannot be one of this field's choices ({', '.join(sorted(types))})"
    if kind is None or kind == source.kind or (kind == "number" and source.kind == "integer"):
        if kind != "string":
            return None
    else:
        return f"it gives {what}, which cannot fill a field of type {kind}"
    if source.format in _STRICT_FORMATS and fmt != source.format:
        return f"it gives {what}, but this field is {'a text' if not fmt else describe(Source('string', fmt))}: give the field “format”: “{source.format}”, or choose another source"
    if fmt and fmt != source.format and not (fmt == "idn-email" and source.format == "email"):
        return f"it gives {what}, but this field expects {describe(Source('string', fmt))}"
    return None


def lookup(source: str, path: Path, context: Mapping[str, Any]) -> Any:
    """The value ``source`` gives the field at ``path`` (MISSING when it has none)."""
    if source == PREVIOUS:
        return get_at(context.get(PREVIOUS), path, MISSING)
    record, _, name = source.partition(".")
    values = context.get(record)
    if not isinstance(values, Mapping) or name not in values:
        return MISSING
    return values[name]


def sources_of(hint: Any) -> tuple[str, ...]:
    """The sources a ``ui:prefill`` names, in order (one, or a list tried in order)."""
    if isinstance(hint, str):
        return (hint,)
    if isinstance(hint, list):
        return tuple(x for x in hint if isinstance(x, str))
    return ()


def _empty(value: Any) -> bool:
    return value is MISSING or value is None or value == "" or value == [] or value == {}


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def _choice(node: Node, value: Any) -> Any:
    """The choice ``value`` stands for: the same value, else a text matching a value or a
    label whatever the case (``MCZ`` for ``mcz``); MISSING when none."""
    for c in node.choices:
        if _same(c.value, value):
            return c.value
    if isinstance(value, str):
        wanted = value.strip().casefold()
        for c in node.choices:
            if (isinstance(c.value, str) and c.value.casefold() == wanted) or c.label.casefold() == wanted:
                return c.value
    return MISSING


def accepted(node: Node, value: Any) -> Any:
    """``value`` as the field takes it, or MISSING when the field cannot show it (a wrong
    type, a value that is none of its choices): such a value is left out, not forced in."""
    if node.widget in ("camera", "signature"):
        return MISSING
    if node.widget == "object":
        return value if isinstance(value, dict) else MISSING
    if node.widget in ("array", "map"):
        return value if isinstance(value, (list if node.widget == "array" else dict)) else MISSING
    if node.choices:
        if node.multiple:
            if not isinstance(value, list):
                return MISSING
            picked = [_choice(node, v) for v in value]
            return MISSING if any(p is MISSING for p in picked) else picked
        return _choice(node, value)
    kind = node.kind
    if kind == "string":
        return value if isinstance(value, str) else MISSING
    if kind == "boolean":
        return value if isinstance(value, bool) else MISSING
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return MISSING
        if kind == "integer":
            return int(value) if float(value).is_integer() else MISSING
        return value
    return value


def _set_at(data: dict, path: Path, value: Any, original: dict) -> None:
    """Put ``value`` at ``path``, making the objects on the way; the keys of an object filled
    whole that ``original`` answers keep their answer (a prefill never overwrites one)."""
    cur: Any = data
    for seg in path[:-1]:
        nxt = cur.get(seg) if isinstance(cur, dict) else None
        if not isinstance(nxt, dict):
            nxt = {}
            cur[seg] = nxt
        cur = nxt
    cur[path[-1]] = _merge_missing(get_at(original, path, MISSING), copy.deepcopy(value))


def _merge_missing(answered: Any, filled: Any) -> Any:
    if isinstance(answered, dict) and isinstance(filled, dict):
        out = dict(filled)
        for k, v in answered.items():
            out[k] = _merge_missing(v, filled.get(k, MISSING))
        return out
    return filled if answered is MISSING else answered


def _delete_at(data: Any, path: Path) -> None:
    parent = get_at(data, path[:-1], None)
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


@dataclass(frozen=True)
class Prefilled:
    """The answers a form opens with and which of their fields came from the context:
    ``pointers`` (sorted) name the fields drawn with one widget whose value was prefilled,
    ``sources`` the source each one's value came from."""

    answers: dict
    pointers: tuple[str, ...]
    sources: Mapping[str, str] = field(default_factory=dict)


def sources_used(definition: FormDefinition) -> frozenset[str]:
    """The sources a definition reads (what the server must gather before it prefills)."""
    from .walk import walk

    cache = definition.walk_cache.setdefault("prefill", {})
    if "sources" not in cache:
        cache["sources"] = frozenset(s for n in walk(definition, {}).walk() for s in sources_of(n.options.get("prefill")))
    return cache["sources"]


def prefill(definition: FormDefinition, answers: Any, context: Mapping[str, Any]) -> Prefilled:
    """``answers`` (possibly partial, None for none) with the prefilled values of the fields
    they lack. ``context`` holds the records by name (``{"client": {"email": …},
    "intervention": {…}, "equipment": {…}, "previous": <answers>}``); a record absent, or a
    value empty, prefills nothing. A field deeper in the form wins over an ancestor filled
    whole from ``previous``; photos and signatures are never carried over."""
    from .walk import walk

    original = answers if isinstance(answers, dict) else {}
    data = copy.deepcopy(original)
    filled: dict[Path, str] = {}
    for node in walk(definition, original).walk():
        sources = sources_of(node.options.get("prefill"))
        if not sources or node.is_template or node.inline:
            continue
        given = get_at(original, node.path, MISSING)
        if given is not MISSING and not (node.widget == "object" and isinstance(given, dict)):
            continue  # answered (an object partly answered takes what it lacks)
        for source in sources:
            value = lookup(source, node.path, context)
            value = MISSING if _empty(value) else accepted(node, value)
            if not _empty(value):
                break
        else:
            continue
        if node.path:
            _set_at(data, node.path, value, original)
        else:  # the whole form from the previous visit
            data = _merge_missing(data, copy.deepcopy(value))
        filled[node.path] = source
    if not filled:
        return Prefilled(data, ())
    by_pointer = _leaves(definition, data, original, filled)
    return Prefilled(data, tuple(sorted(by_pointer)), by_pointer)


def _leaves(definition: FormDefinition, data: dict, original: dict, filled: Mapping[Path, str]) -> dict[str, str]:
    """The fields drawn with one widget that the filling gave a value, with the source of
    the deepest filling above them; the photos and signatures a whole object or list
    brought along are taken out of ``data``."""
    from .walk import walk

    taken: list[Path] = []
    out: dict[str, str] = {}
    for n in walk(definition, data).walk():
        if n.is_template or not n.is_leaf or not n.has_value or any(is_prefix(t, n.path) for t in taken):
            continue
        above = [p for p in filled if is_prefix(p, n.path)]
        if get_at(original, n.path, MISSING) is not MISSING or not above:
            continue
        if n.widget in ("camera", "signature"):
            taken.append(n.path)
            _delete_at(data, n.path)
            continue
        out[n.pointer] = filled[max(above, key=len)]
    return out


#: The badge of a prefilled field and its confirm button, by record and language.
NOTES: dict[str, dict[str, str]] = {
    "fr": {"client": "Prérempli depuis la fiche client", "intervention": "Prérempli depuis l'intervention",
           "equipment": "Prérempli depuis la fiche de l'équipement", PREVIOUS: "Prérempli depuis la visite précédente",
           "confirm": "Confirmer"},
    "en": {"client": "Prefilled from the client record", "intervention": "Prefilled from the intervention",
           "equipment": "Prefilled from the equipment record", PREVIOUS: "Prefilled from the previous visit",
           "confirm": "Confirm"},
}


def note_texts(source: str, lang: str) -> tuple[str, str]:
    """(what the badge says, the confirm button's text) for a field prefilled from ``source``."""
    texts = NOTES.get(lang, NOTES["fr"])
    return texts.get(record_of(source), texts[PREVIOUS]), texts["confirm"]
