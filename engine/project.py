"""The whole ``form_definitions/`` folder: forms, event types, the workflow, report templates.

:func:`load_catalog` is what the web app serves from; :func:`lint_paths` is what
``fieldforms lint`` prints. Both share the same checks, so a folder that lints clean is a
folder the app accepts whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Callable, Iterable, Mapping

from jsonschema import Draft202012Validator

from .colors import readable_ink
from .definition import FormDefinition, load_definition, read_json_file
from .equipment import EquipmentCatalog, check_updates, load_equipment
from .lint import lint
from .prefill import Source, builtin_sources, equipment_sources
from .problems import DefinitionError, Problem, errors_only, file_problems
from .uihints import localise

ROLES = ("manager", "office", "technician")
STATES = ("planned", "confirmed", "in_progress", "done", "cancelled")
ACTIONS = ("start", "pause", "finish", "navigate", "call", "send_report", "back_to_confirmed")
TIME_TRACKING = ("none", "manual", "automatic")
REPORT_SENDING = ("back_office", "device_when_done", "auto_when_done")
RIGHTS = ("edit_before_done", "edit_after_done", "back_to_confirmed", "close_reopen", "send_report")

_LABEL = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "object", "properties": {"fr": {"type": "string"}, "en": {"type": "string"}}, "required": ["fr"]}]}
_COLOR = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}

EVENT_TYPE_SCHEMA = {
    "type": "object",
    "required": ["id", "title", "forms"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
        "title": _LABEL,
        "color": _COLOR,
        "forms": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "actions": {"type": "array", "items": {"enum": list(ACTIONS)}, "uniqueItems": True},
        "time_tracking": {"enum": list(TIME_TRACKING)},
        "mandatory_time_tracking": {"type": "boolean"},
        "travel_time": {"type": "boolean"},
        "default_duration_minutes": {"type": "integer", "minimum": 5, "maximum": 1440},
        "report_template": {"type": ["string", "null"]},
        "report_sending": {"enum": list(REPORT_SENDING)},
        "equipment_updates": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z0-9_]{1,64}$"},
            "additionalProperties": {"type": "string"},
        },
        "completion": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "required_forms": {"type": "array", "items": {"type": "string"}},
                "min_photos": {"type": "integer", "minimum": 0},
                "signatures": {"type": "array", "items": {"enum": ["technician", "client"]}, "uniqueItems": True},
                "timer_started": {"type": "boolean"},
            },
        },
        "$comment": {"type": "string"},
    },
}

WORKFLOW_SCHEMA = {
    "type": "object",
    "required": ["statuses", "initial", "transitions", "rights"],
    "additionalProperties": False,
    "properties": {
        "statuses": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["key", "label", "color", "state"],
                "additionalProperties": False,
                "properties": {
                    "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"},
                    "label": _LABEL,
                    "color": _COLOR,
                    "state": {"enum": list(STATES)},
                },
            },
        },
        "initial": {"type": "string"},
        "transitions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["from", "to", "roles"],
                "additionalProperties": False,
                "properties": {
                    "from": {"type": "string"},
                    "to": {"type": "string"},
                    "roles": {"type": "array", "items": {"enum": list(ROLES)}, "uniqueItems": True},
                },
            },
        },
        "rights": {
            "type": "object",
            "additionalProperties": False,
            "properties": {r: {"type": "array", "items": {"enum": list(ROLES)}, "uniqueItems": True} for r in RIGHTS},
        },
        "$comment": {"type": "string"},
    },
}


@dataclass
class EventType:
    id: str
    title: Any
    color: str = "#607d8b"
    forms: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=lambda: ["start", "finish", "navigate", "call"])
    time_tracking: str = "none"
    mandatory_time_tracking: bool = False
    travel_time: bool = False
    default_duration_minutes: int = 60
    report_template: str | None = None
    report_sending: str = "back_office"
    completion: dict = field(default_factory=dict)
    #: equipment field -> ``"<form id>#<pointer>"``: the answers that update the targeted
    #: equipment when the intervention is done (:mod:`engine.equipment`)
    equipment_updates: dict[str, str] = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False)

    def title_in(self, lang: str = "fr") -> str:
        return localise(self.title, lang) or self.id

    @property
    def ink(self) -> str:
        """The text colour that reads on ``color`` (:func:`engine.colors.readable_ink`)."""
        return readable_ink(self.color)


@dataclass(frozen=True)
class Status:
    key: str
    label: Any
    color: str
    state: str

    def label_in(self, lang: str = "fr") -> str:
        return localise(self.label, lang) or self.key

    @property
    def ink(self) -> str:
        """The text colour that reads on ``color`` (:func:`engine.colors.readable_ink`)."""
        return readable_ink(self.color)


@dataclass
class Workflow:
    statuses: list[Status]
    initial: str
    transitions: list[dict]
    rights: dict[str, list[str]]

    def status(self, key: str) -> Status:
        for s in self.statuses:
            if s.key == key:
                return s
        raise KeyError(key)

    def statuses_in(self, state: str) -> list[Status]:
        return [s for s in self.statuses if s.state == state]

    def can(self, role: str, right: str) -> bool:
        return role in self.rights.get(right, ())

    def allowed_transitions(self, from_key: str, role: str) -> list[Status]:
        return [self.status(t["to"]) for t in self.transitions if t["from"] == from_key and role in t["roles"]]

    def can_transition(self, from_key: str, to_key: str, role: str) -> bool:
        return any(t["from"] == from_key and t["to"] == to_key and role in t["roles"] for t in self.transitions)


@dataclass
class Catalog:
    root: str
    forms: dict[str, FormDefinition] = field(default_factory=dict)
    event_types: dict[str, EventType] = field(default_factory=dict)
    workflow: Workflow | None = None
    #: ``equipment.json`` (empty when the folder has none; None when refused)
    equipment: EquipmentCatalog | None = field(default_factory=EquipmentCatalog)
    problems: list[Problem] = field(default_factory=list)
    #: what has no effect here (RJSF vocabulary): the forms are served all the same
    warnings: list[Problem] = field(default_factory=list)


_EVENT_VALIDATOR = Draft202012Validator(EVENT_TYPE_SCHEMA)
_WORKFLOW_VALIDATOR = Draft202012Validator(WORKFLOW_SCHEMA)


def _read_checked(path: str | os.PathLike, validator: Draft202012Validator) -> tuple[Any, list[Problem]]:
    """A config file's JSON and the problems its schema finds (None when unreadable)."""
    try:
        raw = read_json_file(path)
    except DefinitionError as exc:
        return None, exc.problems
    return raw, file_problems(validator, raw, str(path))


def _name_mismatch(path: str | os.PathLike, ident: str) -> list[Problem]:
    """Files are found by id (``forms/<id>.json``): a file named otherwise is a mistake."""
    p = FsPath(path)
    if p.stem == ident:
        return []
    return [Problem(str(path), "/id", f"the file is named {p.name} but its id is “{ident}”: rename one so they match")]


def load_event_type(path: str | os.PathLike, form_ids: Iterable[str] | None = None, reports_dir: FsPath | None = None) -> tuple[EventType | None, list[Problem]]:
    """An event type and its problems (None when it cannot be used)."""
    source = str(path)
    raw, problems = _read_checked(path, _EVENT_VALIDATOR)
    if raw is None or problems:
        return None, problems
    problems += _name_mismatch(path, raw["id"])
    known = set(form_ids) if form_ids is not None else None
    if known is not None:
        for i, fid in enumerate(raw["forms"]):
            if fid not in known:
                problems.append(Problem(source, f"/forms/{i}", f"no form “{fid}” in forms/ (known: {', '.join(sorted(known)) or 'none'})"))
    for i, fid in enumerate((raw.get("completion") or {}).get("required_forms", [])):
        if fid not in raw["forms"]:
            problems.append(Problem(source, f"/completion/required_forms/{i}", f"“{fid}” is not one of this event type's forms"))
    tpl = raw.get("report_template")
    if tpl and reports_dir is not None and not (reports_dir / tpl).is_file():
        problems.append(Problem(source, "/report_template", f"no report template “{tpl}” in {reports_dir}"))
    et = EventType(**{k: v for k, v in raw.items() if k in EventType.__dataclass_fields__ and k != "raw"}, raw=raw)
    return (None if problems else et), problems


def load_workflow(path: str | os.PathLike) -> tuple[Workflow | None, list[Problem]]:
    """The workflow and its problems: unknown statuses, unreachable ones, missing states."""
    source = str(path)
    raw, problems = _read_checked(path, _WORKFLOW_VALIDATOR)
    if raw is None or problems:
        return None, problems
    keys = [s["key"] for s in raw["statuses"]]
    for i, k in enumerate(keys):
        if keys.index(k) != i:
            problems.append(Problem(source, f"/statuses/{i}/key", f"the status “{k}” is defined twice"))
    if raw["initial"] not in keys:
        problems.append(Problem(source, "/initial", f"the initial status “{raw['initial']}” is not a status"))
    for i, t in enumerate(raw["transitions"]):
        for end in ("from", "to"):
            if t[end] not in keys:
                problems.append(Problem(source, f"/transitions/{i}/{end}", f"“{t[end]}” is not a status (statuses: {', '.join(keys)})"))
    states = {s["state"] for s in raw["statuses"]}
    for state in STATES:
        if state not in states:
            problems.append(Problem(source, "/statuses", f"no status has the canonical state “{state}”: every workflow needs planned, confirmed, in_progress, done and cancelled"))
    reachable = {raw["initial"]}
    frontier = [raw["initial"]]
    while frontier:
        cur = frontier.pop()
        for t in raw["transitions"]:
            if t["from"] == cur and t["to"] not in reachable:
                reachable.add(t["to"])
                frontier.append(t["to"])
    for i, k in enumerate(keys):
        if k not in reachable:
            problems.append(Problem(source, f"/statuses/{i}", f"the status “{k}” cannot be reached from “{raw['initial']}”: add a transition to it"))
    if problems:
        return None, problems
    wf = Workflow(
        statuses=[Status(**s) for s in raw["statuses"]],
        initial=raw["initial"],
        transitions=raw["transitions"],
        rights={r: list(v) for r, v in raw["rights"].items()},
    )
    return wf, []


def check_form_file(path: str | os.PathLike, sources: Mapping[str, Source] | None = None) -> tuple[FormDefinition | None, list[Problem]]:
    """Load and lint one form file; the definition is None when it cannot be used.
    ``sources``: the prefill sources its folder offers (:func:`prefill_sources`)."""
    try:
        d = load_definition(path)
    except DefinitionError as exc:
        return None, exc.problems
    return d, lint(d, sources) + _name_mismatch(path, d.id)


def prefill_sources(equipment: EquipmentCatalog | None) -> dict[str, Source]:
    """What ``ui:prefill`` may name in a folder: the built-in sources and the equipment's
    fields, its free fields (``equipment.json``) included."""
    return {**builtin_sources(), **equipment_sources(equipment.field_types() if equipment is not None else None)}


def _equipment_of(root: FsPath) -> tuple[EquipmentCatalog | None, list[Problem]]:
    """A folder's ``equipment.json`` (an empty catalog without one; None when refused)."""
    eq_path = root / "equipment.json"
    if not eq_path.exists():
        return EquipmentCatalog(), []
    # against the files, not the loaded types: a broken one has its own problem already
    return load_equipment(eq_path, [f.stem for f in (root / "event_types").glob("*.json")])


def _duplicate_ids(defs: list[tuple[str, FormDefinition]]) -> list[Problem]:
    by_id: dict[str, list[str]] = {}
    for source, d in defs:
        by_id.setdefault(d.id, []).append(source)
    problems = []
    for fid, sources in by_id.items():
        for s in sources[1:] if len(sources) > 1 else ():
            problems.append(Problem(s, "/id", f"the form id “{fid}” is already used by {sources[0]}: form ids must be unique"))
    return problems


#: ``check_template(path, forms) -> list[Problem]``: the renderers know what a report
#: template may use; the engine cannot import them, so callers pass it in.
TemplateChecker = Callable[[FsPath, dict], list]


def load_catalog(root: str | os.PathLike = "form_definitions", check_template: TemplateChecker | None = None) -> Catalog:
    """Everything the app serves from a definitions folder; unusable parts are left out
    and listed in ``problems``. Report templates are checked when ``check_template`` is given."""
    root = FsPath(root)
    cat = Catalog(root=str(root))
    loaded: list[tuple[str, FormDefinition]] = []
    cat.equipment, found = _equipment_of(root)
    cat.problems += errors_only(found)
    cat.warnings += [p for p in found if p.warning]
    sources = prefill_sources(cat.equipment)
    for f in sorted((root / "forms").glob("*.json")):
        d, found = check_form_file(f, sources)
        problems = errors_only(found)
        cat.problems += problems
        cat.warnings += [p for p in found if p.warning]
        if d is not None and not problems:
            loaded.append((str(f), d))
    dup = _duplicate_ids(loaded)
    cat.problems += dup
    dup_sources = {p.file for p in dup}
    cat.forms = {d.id: d for s, d in loaded if s not in dup_sources}
    for f in sorted((root / "event_types").glob("*.json")):
        et, problems = load_event_type(f, cat.forms, root / "reports")
        cat.problems += problems
        if et is not None:
            cat.event_types[et.id] = et
    for et in list(cat.event_types.values()):  # after equipment.json: the targets are its fields
        found = check_updates(et.equipment_updates, str(root / "event_types" / f"{et.id}.json"), event_forms=et.forms, forms=cat.forms, catalog=cat.equipment)
        if found:
            cat.problems += found
            del cat.event_types[et.id]
    wf_path = root / "workflow.json"
    if wf_path.exists():
        cat.workflow, problems = load_workflow(wf_path)
        cat.problems += problems
    else:
        cat.problems.append(Problem(str(wf_path), "", "missing workflow.json: the statuses of interventions are defined there"))
    if check_template is not None and (root / "reports").is_dir():
        for tpl in sorted((root / "reports").glob("*.html")):
            cat.problems += check_template(tpl, cat.forms)
    return cat


def _is_definitions_root(path: FsPath) -> bool:
    return path.is_dir() and ((path / "forms").is_dir() or (path / "workflow.json").exists())


def lint_paths(paths: Iterable[str | os.PathLike], check_template: TemplateChecker | None = None) -> list[Problem]:
    """Every problem under the given files and folders (what ``fieldforms lint`` prints)."""
    problems: list[Problem] = []
    forms: list[tuple[str, FormDefinition]] = []
    for p in map(FsPath, paths):
        if _is_definitions_root(p):
            cat = load_catalog(p, check_template)
            problems += cat.problems + cat.warnings
            continue
        files = sorted(p.rglob("*.json")) if p.is_dir() else [p]
        for f in files:
            if f.parent.name == "event_types" and _is_definitions_root(f.parent.parent):
                # its equipment updates name forms and equipment fields: the folder decides
                problems += [x for x in load_catalog(f.parent.parent, check_template).problems if FsPath(x.file).resolve() == f.resolve()]
            elif f.parent.name == "event_types":
                problems += load_event_type(f, None, f.parent.parent / "reports")[1]
            elif f.name == "workflow.json":
                problems += load_workflow(f)[1]
            elif f.name == "equipment.json" and f.parent.name != "forms":
                types_dir = f.parent / "event_types"
                problems += load_equipment(f, [x.stem for x in types_dir.glob("*.json")] if types_dir.is_dir() else None)[1]
            else:
                # a form of a definitions folder may read that folder's equipment fields
                folder = f.parent.parent if f.parent.name == "forms" else None
                d, found = check_form_file(f, prefill_sources(_equipment_of(folder)[0]) if folder is not None else None)
                problems += found
                if d is not None:
                    forms.append((str(f), d))
    problems += _duplicate_ids(forms)
    return list(dict.fromkeys(problems))
