"""Loading a form definition: parse, check the structure, and keep one cached validator.

A definition that cannot be drawn or validated at all (bad JSON, no schema, a schema the
JSON Schema meta-schema refuses, a dangling ``$ref``, a root that is not an object) raises
:class:`DefinitionError` with every such problem; softer problems are :func:`engine.lint`'s.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path as FsPath
from typing import Any, Mapping

from jsonschema import Draft202012Validator

from .dialect import python_validator, upgrade_tuples
from .ecma import pattern_problem
from .formats import FORMAT_CHECKER
from .problems import DefinitionError, Problem
from .refs import REF_KEYWORDS
from .schema import RefError, deref, iter_subschemas, resolve_pointer
from .uihints import UI_META_SCHEMA, localise

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: the 2020-12 meta-schema, with the forms' formats (``regex`` is ECMA-262, as in answers)
_META_VALIDATOR = Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=FORMAT_CHECKER)
_UI_VALIDATOR = Draft202012Validator(UI_META_SCHEMA)


@dataclass(eq=False)
class FormDefinition:
    """One form as an account manager wrote it, ready to walk, validate and render."""

    id: str
    version: int
    title: Any
    schema: dict
    ui: dict
    description: Any = None
    source: str = "<dict>"
    raw: dict = field(default_factory=dict, repr=False)
    #: the walk's per-language cache of what each field is (see engine.walk._Spec)
    walk_cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the whole definition: the FormVersion key."""
        canonical = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def title_in(self, lang: str = "fr") -> str:
        return localise(self.title, lang) or self.id

    def description_in(self, lang: str = "fr") -> str | None:
        return localise(self.description, lang)

    @cached_property
    def validator(self) -> Draft202012Validator:
        """jsonschema in the forms' dialect, built once: the walk evaluates with it the
        conditions that fall outside the phone's subset."""
        return python_validator(self.schema)

    @cached_property
    def compiled_schema(self) -> Any:
        """The schema compiled by jsonschema-rs, once per definition (and so per stored
        version): it checks every answer (see :mod:`engine.validation`)."""
        from .validation import CompiledSchema

        return CompiledSchema(self.schema)

    @property
    def fast_validator(self) -> Any:
        """The jsonschema-rs validator itself."""
        return self.compiled_schema.compiled

    @cached_property
    def visibility(self) -> Any:
        """Which answers the rules hide, compiled once (see :mod:`engine.visibility`)."""
        from .visibility import compile_plan

        return compile_plan(self.schema, self.ui)

    def check(self, data: Any, lang: str = "fr") -> Any:
        """:class:`engine.validation.Checked`: the answers to store (without what a rule
        hides) and their errors. Store ``answers`` only when ``errors`` is empty."""
        from .validation import check

        return check(self, data, lang)

    def validate(self, data: Any, lang: str = "fr") -> list:
        """Errors of ``data`` against this exact definition, by pointer, in ``lang``."""
        return self.check(data, lang).errors

    def to_json(self) -> dict:
        return copy.deepcopy(self.raw)


def _problem(source: str, pointer: str, message: str) -> Problem:
    return Problem(source, pointer, message)


def parse_json(text: str, source: str) -> Any:
    """JSON with duplicate keys refused; errors as a Problem with line and column."""
    duplicates: list[str] = []

    def hook(pairs):
        seen: dict = {}
        for k, v in pairs:
            if k in seen:
                duplicates.append(k)
            seen[k] = v
        return seen

    try:
        value = json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        raise DefinitionError([_problem(source, "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]) from None
    if duplicates:
        raise DefinitionError([_problem(source, "", f"the key “{k}” appears twice in the same object; keep one") for k in dict.fromkeys(duplicates)])
    return value


def read_json_file(path: str | os.PathLike) -> Any:
    """Read and parse a JSON file, every failure as a DefinitionError naming the file."""
    source = str(path)
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError([_problem(source, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise DefinitionError([_problem(source, "", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")]) from None
    except OSError as exc:
        raise DefinitionError([_problem(source, "", f"cannot read the file: {exc.strerror}")]) from None
    return parse_json(text, source)


def _schema_problems(schema: Any, source: str) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(schema, dict):
        return [_problem(source, "/schema", "the schema must be a JSON object")]
    for err in sorted(_META_VALIDATOR.iter_errors(schema), key=lambda e: list(map(str, e.path))):
        pointer = "/schema" + "".join(f"/{p}" for p in err.path)
        keyword = str(err.path[-1]) if err.path else ""
        if keyword == "type" or (len(err.path) >= 2 and err.path[-2] == "type"):
            msg = f"unknown type {err.instance!r}: use one of string, number, integer, boolean, object, array, null"
        elif err.validator == "format" and err.validator_value == "regex":
            msg = f"invalid regular expression {err.instance!r}"
        elif keyword:
            msg = f"invalid value for “{keyword}”: {err.message}"
        else:
            msg = err.message
        problems.append(_problem(source, pointer, msg))
    for sub, ptr in iter_subschemas(schema):
        if isinstance(sub.get("pattern"), str):
            why = pattern_problem(sub["pattern"])
            if why:
                problems.append(_problem(source, f"/schema{ptr}/pattern", f"invalid regular expression {sub['pattern']!r}: {why}"))
        for pat in (sub.get("patternProperties") or {}) if isinstance(sub.get("patternProperties"), dict) else ():
            why = pattern_problem(pat)
            if why:
                problems.append(_problem(source, f"/schema{ptr}/patternProperties", f"invalid regular expression {pat!r}: {why}"))
        for kw in REF_KEYWORDS:
            if kw in sub:
                try:
                    resolve_pointer(schema, sub[kw], sub)
                except RefError as exc:
                    problems.append(_problem(source, f"/schema{ptr}/{kw}", str(exc)))
    # de-duplicate (the meta-schema and our regex check may both speak of one pattern)
    seen: dict[str, Problem] = {}
    for p in problems:
        seen.setdefault(p.pointer, p)
    return list(seen.values())


def structural_problems(raw: Any, source: str) -> list[Problem]:
    """Problems that make a definition unusable (see the module docstring)."""
    if not isinstance(raw, dict):
        return [_problem(source, "", "a form definition must be a JSON object with id, version, title, schema and ui")]
    problems: list[Problem] = []
    fid = raw.get("id")
    if "id" not in raw:
        problems.append(_problem(source, "/id", "missing “id”: add the form's identifier, e.g. \"entretien-poele\""))
    elif not isinstance(fid, str) or not ID_PATTERN.match(fid):
        problems.append(_problem(source, "/id", f"invalid id {fid!r}: use lowercase letters, digits, “-” and “_” (at most 64)"))
    if "version" not in raw:
        problems.append(_problem(source, "/version", "missing “version”: add a whole number, e.g. 1, and raise it when you change the form"))
    elif not isinstance(raw["version"], int) or isinstance(raw["version"], bool) or raw["version"] < 1:
        problems.append(_problem(source, "/version", f"invalid version {raw['version']!r}: use a whole number from 1"))
    if "schema" not in raw:
        problems.append(_problem(source, "/schema", "missing “schema”: add the JSON Schema of the answers"))
    else:
        problems += _schema_problems(raw["schema"], source)
        if isinstance(raw["schema"], dict) and not any(p.pointer.startswith("/schema/$ref") for p in problems):
            try:
                root = deref(raw["schema"], raw["schema"])
            except RefError:
                root = raw["schema"]
            if root.get("type", "object" if "properties" in root else None) != "object":
                problems.append(_problem(source, "/schema/type", "the root of the schema must be \"type\": \"object\" (a form is a set of fields)"))
    if "title" in raw and localise(raw["title"], "fr") is None:
        problems.append(_problem(source, "/title", "the title must be a text or {\"fr\": …, \"en\": …}"))
    ui = raw.get("ui", {})
    if not isinstance(ui, dict):
        problems.append(_problem(source, "/ui", "“ui” must be an object of UI hints"))
    else:
        for err in _UI_VALIDATOR.iter_errors(ui):
            pointer = "/ui" + "".join(f"/{p}" for p in err.path)
            problems.append(_problem(source, pointer, f"UI hints must be objects keyed by field name: {err.message}"))
    unknown = sorted(set(raw) - {"id", "version", "title", "description", "schema", "ui", "$comment"})
    for key in unknown:
        problems.append(_problem(source, f"/{key}", f"unknown member “{key}”: a definition has id, version, title, description, schema and ui"))
    return problems


def load_definition(source: str | os.PathLike | Mapping) -> FormDefinition:
    """A :class:`FormDefinition` from a file path or a dict; :class:`DefinitionError` if unusable."""
    if isinstance(source, Mapping):
        raw, name = copy.deepcopy(dict(source)), "<dict>"
    else:
        raw, name = read_json_file(source), str(source)
    # draft-7 tuples (RJSF's ``items: [...]``) are read in 2020-12 spelling; the file (raw,
    # and so the content hash) stays as written
    checked = {**raw, "schema": upgrade_tuples(raw["schema"])} if isinstance(raw, dict) and "schema" in raw else raw
    problems = structural_problems(checked, name)
    if problems:
        raise DefinitionError(problems)
    definition = FormDefinition(
        id=raw["id"],
        version=raw["version"],
        title=raw.get("title", raw["id"]),
        description=raw.get("description"),
        schema=checked["schema"],
        ui=raw.get("ui", {}),
        source=name,
        raw=raw,
    )
    try:
        definition.compiled_schema  # compiled once, here, so that a form that loads validates
    except ValueError as exc:
        raise DefinitionError([_problem(name, "/schema", f"the schema cannot be compiled: {exc}")]) from None
    return definition
