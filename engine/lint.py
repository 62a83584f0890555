"""Semantic lint of a loaded definition: what the meta-schemas cannot see.

Each problem names the JSON pointer in the file and says what to change, in words an
account manager understands. Lint never raises: a definition that loaded can be linted.
"""

from __future__ import annotations

import difflib
import json
from typing import Any, Iterator, Mapping

from jsonschema import Draft202012Validator

from .definition import FormDefinition
from .paths import NAME_RESERVED
from .prefill import PREVIOUS, Source, builtin_sources, equipment_sources, mismatch, sources_of
from .problems import Problem
from .rules import holds, parse_rule, unsupported_keywords
from .refs import index_of
from .schema import KNOWN_KEYWORDS, RefError, constant_of, deref, drawn_alternatives, is_choice_list, iter_subschemas, map_parts, resolve_pointer, schema_type, tuple_parts, union_types
from .uihints import IGNORED_OPTIONS, IGNORED_WIDGETS, OPTIONS, UI_META_SCHEMA, WIDGET_ALIASES, WIDGETS, localise
from .walk import is_choice_field, widget_fits

_OPTION_VALIDATORS = {
    name: Draft202012Validator({"$defs": UI_META_SCHEMA["$defs"], **sub})
    for name, sub in UI_META_SCHEMA["$defs"]["options"]["properties"].items()
}


def _esc(name: str) -> str:
    return str(name).replace("~", "~0").replace("/", "~1")


def _suggest(word: str, candidates) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
    return f" (did you mean “{close[0]}”?)" if close else ""


class _Linter:
    def __init__(self, d: FormDefinition, sources: Mapping[str, Source] | None = None):
        self.d = d
        self.sources = dict(sources) if sources is not None else {**builtin_sources(), **equipment_sources()}
        self.root = d.schema
        self.problems: list[Problem] = []
        self._seen_refs: set[str] = set()

    def add(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(self.d.source, pointer, message))

    def warn(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(self.d.source, pointer, message, warning=True))

    # --- schema --------------------------------------------------------------------------
    def deref_ptr(self, schema: Any, pointer: str) -> tuple[dict, str]:
        """Follow ``$ref`` keeping track of where the target lives in the file."""
        hops = 0
        while isinstance(schema, dict) and "$ref" in schema and hops < 20:
            ref = schema["$ref"]
            try:
                target = resolve_pointer(self.root, ref, schema)
            except RefError:
                return {}, pointer
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            located = index_of(self.root).pointer_of.get(id(target))
            schema, pointer = ({**target, **siblings} if isinstance(target, dict) else {}), ("/schema" + located if located is not None else pointer)
            hops += 1
        return (schema if isinstance(schema, dict) else {}), pointer

    def object_parts(self, schema: Any, pointer: str) -> Iterator[tuple[dict, str]]:
        """The schema of an object and every part that may add to it (allOf, branches)."""
        s, pointer = self.deref_ptr(schema, pointer)
        yield s, pointer
        for i, member in enumerate(s.get("allOf") or []):
            yield from self.object_parts(member, f"{pointer}/allOf/{i}")
        alts = drawn_alternatives(s)
        if alts is not None:  # a choice between sub-forms: their fields are fields here
            for i, option in enumerate(alts[1]):
                yield from self.object_parts(option, f"{pointer}/{alts[0]}/{i}")
        for kw in ("then", "else"):
            if kw in s:
                yield from self.object_parts(s[kw], f"{pointer}/{kw}")
        for kw in ("dependentSchemas", "dependencies"):
            for name, dep in (s.get(kw) or {}).items() if isinstance(s.get(kw), dict) else ():
                if isinstance(dep, dict):
                    sub_ptr = f"{pointer}/{kw}/{_esc(name)}"
                    yield from self.object_parts(dep, sub_ptr)
                    dep_s, dep_ptr = self.deref_ptr(dep, sub_ptr)
                    for alt_kw in ("oneOf", "anyOf"):
                        for j, alt in enumerate(dep_s.get(alt_kw) or []):
                            yield from self.object_parts(alt, f"{dep_ptr}/{alt_kw}/{j}")

    def field_names(self, schema: Any, pointer: str) -> dict[str, tuple[Any, str]]:
        names: dict[str, tuple[Any, str]] = {}
        for part, ptr in self.object_parts(schema, pointer):
            for name, sub in (part.get("properties") or {}).items() if isinstance(part.get("properties"), dict) else ():
                names.setdefault(name, (sub, f"{ptr}/properties/{_esc(name)}"))
        return names

    def lint_schema_keywords(self) -> None:
        for sub, ptr in iter_subschemas(self.root, "/schema"):
            for kw in sub:
                if kw not in KNOWN_KEYWORDS and not kw.startswith("x-"):
                    self.add(f"{ptr}/{_esc(kw)}", f"unknown keyword “{kw}”{_suggest(kw, KNOWN_KEYWORDS)}: it has no effect; fix or remove it")
            for lo, hi, strict in (("minimum", "maximum", False), ("exclusiveMinimum", "exclusiveMaximum", True),
                                   ("minLength", "maxLength", False), ("minItems", "maxItems", False),
                                   ("minimum", "exclusiveMaximum", True), ("exclusiveMinimum", "maximum", True)):
                a, b = sub.get(lo), sub.get(hi)
                if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
                    if a > b or (strict and a == b):
                        self.add(f"{ptr}/{lo}", f"{lo} {a} is above {hi} {b}: no answer can be valid; fix one of them")
            if "enum" in sub and isinstance(sub["enum"], list) and not sub["enum"]:
                self.add(f"{ptr}/enum", "the list of choices is empty: add at least one value")

    def lint_fields(self, schema: Any, pointer: str, array_depth: int = 0) -> None:
        s, pointer = self.deref_ptr(schema, pointer)
        if pointer in self._seen_refs:
            return
        self._seen_refs.add(pointer)
        kind = schema_type(s)
        if kind == "object" or "properties" in s:
            names = self.field_names(s, pointer)
            for part, ptr in self.object_parts(s, pointer):
                for i, req in enumerate(part.get("required") or []) if isinstance(part.get("required"), list) else ():
                    if req not in names:
                        self.add(f"{ptr}/required/{i}", f"“{req}” is required but is not a field here{_suggest(req, names)}: add it under properties or remove it from required")
                for trig, needed in (part.get("dependentRequired") or {}).items() if isinstance(part.get("dependentRequired"), dict) else ():
                    for j, req in enumerate(needed if isinstance(needed, list) else []):
                        if req not in names:
                            self.add(f"{ptr}/dependentRequired/{_esc(trig)}/{j}", f"“{req}” is required when “{trig}” is answered, but is not a field here")
                    if trig not in names:
                        self.add(f"{ptr}/dependentRequired/{_esc(trig)}", f"“{trig}” is not a field here{_suggest(trig, names)}")
                if "if" in part:
                    bad = [kw for _, kw in unsupported_keywords(deref(part["if"], self.root))]
                    adds = any(("properties" in (part.get(b) or {})) for b in ("then", "else") if isinstance(part.get(b), dict))
                    if bad and adds:
                        self.add(f"{ptr}/if", f"this condition uses {', '.join(sorted(set(bad)))}, which the technician's phone cannot evaluate: the fields it adds will not appear as the form is filled; use const, enum, minimum, maximum, pattern, minLength, not, required or properties")
            for name, (sub, ptr) in names.items():
                if NAME_RESERVED.search(name) or not name:
                    self.add(ptr, f"the field name “{name}” contains “.”, “[”, “]” or “:”, which structure form posts: rename it (letters, digits, “_”, “-”)")
                self.lint_fields(sub, ptr, array_depth)
            for kw in ("additionalProperties",):
                if isinstance(s.get(kw), dict):
                    self.lint_fields(s[kw], f"{pointer}/{kw}", array_depth)
            for pat, sub in (s.get("patternProperties") or {}).items() if isinstance(s.get("patternProperties"), dict) else ():
                self.lint_fields(sub, f"{pointer}/patternProperties/{_esc(pat)}", array_depth)
        elif kind == "array":
            items = s.get("items")
            for i, sub in enumerate(s.get("prefixItems") or []) if isinstance(s.get("prefixItems"), list) else ():
                self.lint_fields(sub, f"{pointer}/prefixItems/{i}", array_depth + 1)
            if isinstance(items, dict):
                self.lint_fields(items, f"{pointer}/items", array_depth + 1)
        else:
            alts = drawn_alternatives(s)
            for i, option in enumerate(alts[1] if alts else ()):
                self.lint_fields(option, f"{pointer}/{alts[0]}/{i}", array_depth)

    # --- UI hints ------------------------------------------------------------------------
    def lint_ui(self, ui: Any, schema: Any, ui_ptr: str, schema_ptr: str, array_scopes: tuple = (), data_path: tuple = ()) -> None:
        if not isinstance(ui, dict):
            return
        s, schema_ptr = self.deref_ptr(schema, schema_ptr)
        kind = schema_type(s)
        alts = drawn_alternatives(s)
        tup = tuple_parts(s) if kind == "array" else None
        item_schema = self.deref_ptr(s.get("items"), f"{schema_ptr}/items")[0] if kind == "array" and tup is None and isinstance(s.get("items"), dict) else None
        names = self.field_names(s, schema_ptr) if kind == "object" or alts is not None else {}
        # options, keeping the pointer each came from
        options: dict[str, tuple[Any, str]] = {}
        for key, value in ui.items():
            if key == "ui:options" and isinstance(value, dict):
                for k, v in value.items():
                    options[k] = (v, f"{ui_ptr}/ui:options/{_esc(k)}")
            elif key.startswith("ui:"):
                options[key[3:]] = (value, f"{ui_ptr}/{_esc(key)}")
            elif key in ("oneOf", "anyOf") and isinstance(value, list):
                self.lint_option_hints(value, s, key, f"{ui_ptr}/{key}", schema_ptr, array_scopes, data_path)
            elif key in names:
                sub, sub_ptr = names[key]
                self.lint_ui(value, sub, f"{ui_ptr}/{_esc(key)}", sub_ptr, array_scopes, data_path + (key,))
            elif kind == "object" and key == "additionalProperties" and map_parts(s) is not None:
                extra = s.get("additionalProperties")
                if isinstance(extra, dict):
                    self.lint_ui(value, extra, f"{ui_ptr}/additionalProperties", f"{schema_ptr}/additionalProperties", array_scopes + (data_path,), data_path + ("*",))
            elif kind == "object":
                where = ", ".join(sorted(names)) or "none"
                self.add(f"{ui_ptr}/{_esc(key)}", f"UI hints for “{key}”, which is not a field here{_suggest(key, names)} (fields: {where})")
            elif kind == "array" and key == "items" and tup is not None and isinstance(value, list):
                for i, sub in enumerate(value):
                    if i >= len(tup[0]):
                        self.add(f"{ui_ptr}/items/{i}", f"hints for position {i + 1}, but this list has {len(tup[0])} fixed position(s): hints of extra items go under “additionalItems”")
                    else:
                        self.lint_ui(sub, s["prefixItems"][i], f"{ui_ptr}/items/{i}", f"{schema_ptr}/prefixItems/{i}", array_scopes + (data_path,), data_path + ("*",))
            elif kind == "array" and key in ("items", "additionalItems") and (item_schema is not None or (tup is not None and tup[1] is not None)):
                sub_schema, sub_ptr = (s["items"], f"{schema_ptr}/items")
                self.lint_ui(value, sub_schema, f"{ui_ptr}/{key}", sub_ptr, array_scopes + (data_path,), data_path + ("*",))
            else:
                self.add(f"{ui_ptr}/{_esc(key)}", f"UI hints for “{key}”, but this field has no sub-fields: remove them or fix the nesting")
        for name, (value, ptr) in options.items():
            if name in IGNORED_OPTIONS:
                self.warn(ptr, f"ui:{name} has no effect here: {IGNORED_OPTIONS[name]}")
                continue
            if name not in OPTIONS:
                self.add(ptr, f"unknown UI hint “ui:{name}”{_suggest(name, OPTIONS)}")
                continue
            if name == "globalOptions" and ui_ptr != "/ui":
                self.warn(ptr, "ui:globalOptions is read at the root of the hints only")
            v = _OPTION_VALIDATORS.get(name)
            if v is not None:
                for err in v.iter_errors(value):
                    sub = "".join(f"/{_esc(str(p))}" for p in err.path)
                    self.add(ptr + sub, f"invalid value for ui:{name}: {err.message}")
        widget = options.get("widget", (None, ""))[0]
        choice = is_choice_field(s) and not (kind == "array" and "enum" not in s and "const" not in s)
        w = None
        if isinstance(widget, str):
            w = WIDGET_ALIASES.get(widget, widget)
            if widget in IGNORED_WIDGETS:
                self.warn(options["widget"][1], f"the widget “{widget}” has no effect here: {IGNORED_WIDGETS[widget]}")
            elif w not in WIDGETS:
                self.add(options["widget"][1], f"unknown widget “{widget}”{_suggest(widget, [*WIDGETS, *WIDGET_ALIASES])}: use one of {', '.join(sorted(WIDGETS))}")
            elif alts is None and union_types(s) is None and not widget_fits(w, kind, item_schema, choice):
                self.add(options["widget"][1], f"the widget “{widget}” cannot draw a field of type {kind or 'unknown'}{self._widget_hint(w)}")
        order = options.get("order")
        if order and isinstance(order[0], list) and kind == "object":
            self.lint_order(order[0], order[1], names)
        self.lint_enum_hints(options, s, kind, item_schema)
        prefill = options.get("prefill")
        if prefill is not None and isinstance(prefill[0], (str, list)):
            many = isinstance(prefill[0], list)
            for i, source in enumerate(sources_of(prefill[0])):
                self.lint_prefill(source, f"{prefill[1]}/{i}" if many else prefill[1], s, kind, item_schema, w if isinstance(widget, str) else None, alts, array_scopes)
        rule = options.get("rule")
        if rule is not None:
            self.lint_rule(rule[0], rule[1], array_scopes, data_path)
        steps = options.get("steps")
        if steps and isinstance(steps[0], list) and kind == "object":
            for i, step in enumerate(steps[0]):
                for j, fname in enumerate(step.get("fields", []) if isinstance(step, dict) else []):
                    if fname not in names:
                        self.add(f"{steps[1]}/{i}/fields/{j}", f"ui:steps names “{fname}”, which is not a field here{_suggest(fname, names)}")

    def lint_prefill(self, source: str, pointer: str, s: dict, kind: str | None, item_schema: dict | None, widget: str | None, alts: Any, array_scopes: tuple) -> None:
        """``ui:prefill``: a source of the registry (engine.prefill), able to fill this field."""
        known = self.sources.get(source)
        if known is None:
            names = sorted(self.sources)
            self.add(pointer, f"unknown prefill source “{source}”{_suggest(source, names)}: use one of {', '.join(names)}")
            return
        if array_scopes:
            if source == PREVIOUS:
                self.warn(pointer, f"ui:prefill inside a list item has no effect: items are added as the form is filled; put “{PREVIOUS}” on the list itself")
            else:
                self.add(pointer, f"“{source}” cannot prefill a field inside a list item (items are added as the form is filled): move the field out of the list")
            return
        if alts is not None and known.kind != "any":
            self.add(pointer, f"“{source}” cannot prefill a choice between sub-forms: prefill a field inside it, or use “{PREVIOUS}”")
            return
        if kind == "array" and item_schema is not None and is_choice_field(item_schema):
            values: list | None = self.choice_values(item_schema)
            if known.kind != "any":
                self.add(pointer, f"“{source}” gives one value, but this field is a list of choices: only “{PREVIOUS}” can fill it")
                return
        else:
            values = self.choice_values(s) if is_choice_field(s) else None
        problem = mismatch(known, kind, s.get("format") if isinstance(s.get("format"), str) else None, values, widget)
        if problem:
            self.add(pointer, f"“{source}” cannot prefill this field: {problem}")

    @staticmethod
    def choice_values(s: dict) -> list:
        if isinstance(s.get("enum"), list):
            return list(s["enum"])
        if "const" in s:
            return [s["const"]]
        if is_choice_list(s):
            return [constant_of(a) for a in s.get("oneOf") or s.get("anyOf")]
        return []

    def lint_option_hints(self, hints: list, s: dict, kw: str, ui_ptr: str, schema_ptr: str, array_scopes: tuple, data_path: tuple) -> None:
        """RJSF's per-option hints, ``{"oneOf": [{…}, {…}]}``: one per option, in order."""
        options = s.get(kw) if isinstance(s.get(kw), list) else []
        if not options:
            self.add(ui_ptr, f"hints for the options of “{kw}”, but this field has no {kw}")
            return
        for i, sub in enumerate(hints):
            if i >= len(options):
                self.add(f"{ui_ptr}/{i}", f"hints for option {i + 1}, but “{kw}” has {len(options)} option(s)")
            else:
                self.lint_ui(sub, options[i], f"{ui_ptr}/{i}", f"{schema_ptr}/{kw}/{i}", array_scopes, data_path)

    def lint_enum_hints(self, options: dict, s: dict, kind: str | None, item_schema: dict | None) -> None:
        """``ui:enumNames`` (a list by position or RJSF v6's map by value), ``ui:enumOrder``."""
        target = item_schema if kind == "array" and item_schema is not None else s
        if isinstance(target.get("enum"), list):
            values = list(target["enum"])
        elif "const" in target:
            values = [target["const"]]
        elif is_choice_list(target):
            values = [constant_of(a) for a in target.get("oneOf") or target.get("anyOf")]
        elif schema_type(target) == "boolean":
            values = [True, False]
        else:
            values = None
        enum_names = options.get("enumNames")
        if enum_names and isinstance(enum_names[0], (list, dict)):
            if values is None:
                self.add(enum_names[1], "ui:enumNames labels a list of choices, but this field has no enum")
            elif isinstance(enum_names[0], list) and len(enum_names[0]) != len(values):
                self.add(enum_names[1], f"{len(enum_names[0])} labels for {len(values)} choices: give exactly one label per value of enum, in the same order")
            elif isinstance(enum_names[0], dict):
                keys = {v if isinstance(v, str) else json.dumps(v) for v in values}
                for key in enum_names[0]:
                    if key not in keys:
                        self.add(f"{enum_names[1]}/{_esc(key)}", f"ui:enumNames labels “{key}”, which is not one of the choices{_suggest(key, keys)}")
        enum_order = options.get("enumOrder")
        if enum_order and isinstance(enum_order[0], list):
            if values is None:
                self.add(enum_order[1], "ui:enumOrder orders a list of choices, but this field has no enum")
                return
            for i, v in enumerate(enum_order[0]):
                if v != "*" and not any(type(v) is type(x) and v == x for x in values):
                    self.add(f"{enum_order[1]}/{i}", f"ui:enumOrder names {json.dumps(v, ensure_ascii=False)}, which is not one of the choices")

    @staticmethod
    def _widget_hint(widget: str) -> str:
        hints = {
            "camera": ": photos are {\"type\": \"array\", \"items\": {\"type\": \"string\", \"format\": \"uuid\"}} or one {\"type\": \"string\", \"format\": \"uuid\"}",
            "signature": ": a signature is an object with attachment, name and signed_at",
            "duration": ": a duration is an integer number of minutes",
            "checkboxes": ": checkboxes draw an array whose items have an enum",
            "checkbox": ": a checkbox draws a boolean",
        }
        return hints.get(widget, "")

    def lint_order(self, order: list, pointer: str, names: dict) -> None:
        seen = set()
        for i, name in enumerate(order):
            if name != "*" and name not in names:
                self.add(f"{pointer}/{i}", f"ui:order names “{name}”, which is not a field here{_suggest(name, names)}")
            if name in seen:
                self.add(f"{pointer}/{i}", f"ui:order lists “{name}” twice")
            seen.add(name)
        if "*" not in order:
            missing = [n for n in names if n not in order]
            if missing:
                self.add(pointer, f"ui:order does not list {', '.join(missing)}: add them, or “*” for the rest")

    def lint_rule(self, raw: Any, pointer: str, array_scopes: tuple, own_path: tuple) -> None:
        try:
            rule = parse_rule(raw)
        except ValueError as exc:
            self.add(pointer, f"invalid ui:rule: {exc}")
            return
        # the scope must be a field
        schema, ptr = self.root, "/schema"
        for seg in rule.scope:
            s, ptr = self.deref_ptr(schema, ptr)
            if seg == "*":
                if schema_type(s) != "array" or not isinstance(s.get("items"), dict):
                    schema = None
                    break
                schema, ptr = s["items"], f"{ptr}/items"
            else:
                names = self.field_names(s, ptr)
                if seg not in names:
                    schema = None
                    break
                schema, ptr = names[seg]
        if schema is None:
            self.add(f"{pointer}/condition/scope", f"the rule's scope {raw['condition']['scope']} is not a field of this form: use “#/properties/<field>”")
            return
        stars = [i for i, seg in enumerate(rule.scope) if seg == "*"]
        for k, i in enumerate(stars):
            if k >= len(array_scopes) or tuple(rule.scope[:i]) != tuple(own_path[:i]):
                self.add(f"{pointer}/condition/scope", "the rule reads a field inside a list item, but this field is not in that list: scope a field of the same item or outside any list")
                return
        for bad_ptr, kw in unsupported_keywords(rule.schema, f"{pointer}/condition/schema"):
            self.add(bad_ptr, f"“{kw}” cannot be evaluated on the technician's phone: conditions may use const, enum, minimum, maximum, exclusiveMinimum, exclusiveMaximum, pattern, minLength, maxLength, minItems, contains, not, required, properties, allOf, anyOf")
        try:
            holds(rule.schema, "probe")
        except Exception as exc:  # an invalid pattern in a condition
            self.add(f"{pointer}/condition/schema", f"the condition cannot be evaluated: {exc}")


def lint(definition: FormDefinition, sources: Mapping[str, Source] | None = None) -> list[Problem]:
    """Every problem of a loaded definition, by pointer (empty when it is clean).

    ``sources`` are the prefill sources the definitions folder offers
    (:mod:`engine.prefill`; by default the built-in ones and the equipment's own fields)."""
    linter = _Linter(definition, sources)
    linter.lint_schema_keywords()
    linter.lint_fields(definition.schema, "/schema")
    linter.lint_ui(definition.ui, definition.schema, "/ui", "/schema")
    localised = localise(definition.title, "fr")
    if not localised:
        linter.add("/title", "missing title: add {\"fr\": …, \"en\": …}")
    # de-duplicate while keeping order
    return list(dict.fromkeys(linter.problems))
