"""THE one walk: definition + answers + errors -> a tree of :class:`~engine.node.Node`.

The HTML renderer, the PDF renderer, error mapping, pruning of hidden answers and decoding
of form posts all read this tree, so they agree on what a field is, how it is drawn,
whether it is shown and which errors are its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from . import display
from .definition import FormDefinition
from .node import MISSING, Choice, Node, Rule, Section
from .paths import TEMPLATE_INDEX, Path, get_at
from .problems import FieldError
from .rules import bind_scope, holds, parse_rule, rule_shows, unsupported_keywords
from .schema import Branch, branches, flatten, is_choice_list, merge_schemas, schema_type
from .uihints import WIDGETS, child_ui, humanise, localise, normalise

_FORMAT_WIDGETS = {"date": "date", "time": "time", "date-time": "datetime", "email": "email", "uri": "uri"}
_INPUT_WIDGETS_FOR_PATTERN = frozenset({"text", "textarea", "password", "email", "uri", "tel"})


def walk(definition: FormDefinition, data: Any = None, errors: Iterable[FieldError] = (), lang: str = "fr") -> Node:
    """The form as a Node tree.

    ``data=None`` means a blank form: schema defaults are filled in, as RJSF's
    ``getDefaultFormState`` does. Errors are attached to the deepest node of their path,
    so none is dropped (an error on an unknown field lands on its nearest ancestor).
    """
    if data is None:
        data = default_state(definition)
    walker = _Walker(definition, data, lang)
    root = walker.build((), definition.schema, definition.ui, data)
    attach_errors(root, errors)
    return root


def attach_errors(root: Node, errors: Iterable[FieldError]) -> None:
    by_path = {n.path: n for n in root.walk() if not n.is_template}
    for err in errors:
        path = err.path
        while path not in by_path and path:
            path = path[:-1]
        by_path[path].errors.append(err)


def default_state(definition: FormDefinition) -> dict:
    """The answers a blank form starts with: every ``default`` of the schema, nested."""
    root = definition.schema

    def collect(schema: Any) -> Any:
        s = flatten(schema, root)
        if "default" in s:
            return s["default"]
        if schema_type(s) == "object":
            out = {}
            for name, sub in (s.get("properties") or {}).items():
                v = collect(sub)
                if v is not MISSING:
                    out[name] = v
            return out or MISSING
        return MISSING

    state = collect(root)
    return state if isinstance(state, dict) else {}


def choices_of(schema: dict, options: dict, kind: str, lang: str) -> tuple[Choice, ...]:
    """The options of a choice field with their labels (enumNames, const titles, Oui/Non)."""
    names = options.get("enumNames") or []
    if "enum" in schema:
        values = list(schema["enum"])
        titles = [None] * len(values)
    elif is_choice_list(schema):
        alts = schema.get("oneOf") or schema.get("anyOf")
        values = [a["const"] for a in alts]
        titles = [a.get("title") for a in alts]
    elif kind == "boolean":
        values, titles = [True, False], [display.boolean(True, lang), display.boolean(False, lang)]
    else:
        return ()
    out = []
    for i, value in enumerate(values):
        label = localise(names[i], lang) if i < len(names) else None
        label = label or titles[i] or ("" if value is None else str(value))
        token = value if isinstance(value, str) else json.dumps(value)
        out.append(Choice(value=value, token=token, label=label))
    return tuple(out)


def default_widget(schema: dict, kind: str | None, item_schema: dict | None) -> str:
    if kind == "object":
        return "object"
    if kind == "array":
        if item_schema is not None and ("enum" in item_schema or is_choice_list(item_schema)):
            return "checkboxes"
        return "array"
    if "enum" in schema or is_choice_list(schema):
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return "number"
    return _FORMAT_WIDGETS.get(schema.get("format"), "text")


def widget_fits(widget: str, kind: str | None, item_schema: dict | None) -> bool:
    """Whether an author's widget can draw a field of this JSON type."""
    allowed = WIDGETS.get(widget)
    if allowed is None:
        return False
    if kind == "array":
        if item_schema is not None and ("enum" in item_schema or is_choice_list(item_schema)):
            return "multiple" in allowed
        return "photos" in allowed and schema_type(item_schema or {}) == "string"
    return kind in allowed


_CLASS_META = set("()[]{}/-|")


def html_pattern(pattern: str) -> str | None:
    """A JSON Schema ``pattern`` as an HTML ``pattern`` attribute, or None if it can't be one.

    HTML anchors the whole value and compiles with the ``v`` flag; JSON Schema searches.
    Python-only syntax (named groups ``(?P``, ``\\A``, ``\\Z``, inline flags) is left to
    the server.
    """
    if re.search(r"\(\?P|\\[AZ]|\(\?[aiLmsux]", pattern):
        return None
    core = pattern
    start = core.startswith("^")
    end = core.endswith("$") and not core.endswith("\\$")
    if start:
        core = core[1:]
    if end:
        core = core[:-1]
    # escape what the v flag refuses unescaped inside character classes
    out, in_class, i = [], False, 0
    while i < len(core):
        ch = core[i]
        if ch == "\\" and i + 1 < len(core):
            out.append(core[i : i + 2])
            i += 2
            continue
        if not in_class and ch == "[":
            in_class = True
            out.append(ch)
            if core[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
        elif in_class and ch == "]":
            in_class = False
            out.append(ch)
        elif in_class and ch in _CLASS_META:
            prev, nxt = core[i - 1], core[i + 1 : i + 2]
            is_range = ch == "-" and prev not in "[^" and nxt not in ("]", "")
            out.append(ch if is_range else "\\" + ch)
        else:
            out.append(ch)
        i += 1
    core = "".join(out)
    return ("" if start else "[\\s\\S]*") + f"(?:{core})" + ("" if end else "[\\s\\S]*")


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def constraint_attrs(schema: dict, kind: str | None, widget: str, required: bool, options: dict) -> dict[str, str]:
    """The HTML attributes that let a browser do the first validation, in a fixed order."""
    attrs: dict[str, str] = {}
    if required and widget not in ("checkbox", "checkboxes", "camera", "signature", "hidden", "duration"):
        attrs["required"] = "required"
    if kind in ("number", "integer") and widget != "duration":
        lo = schema.get("minimum")
        hi = schema.get("maximum")
        if "exclusiveMinimum" in schema and kind == "integer":
            lo = max(lo if lo is not None else -(10**18), int(schema["exclusiveMinimum"]) + 1)
        if "exclusiveMaximum" in schema and kind == "integer":
            hi = min(hi if hi is not None else 10**18, int(schema["exclusiveMaximum"]) - 1 if float(schema["exclusiveMaximum"]).is_integer() else int(schema["exclusiveMaximum"]))
        if lo is not None:
            attrs["min"] = _num(lo)
        if hi is not None:
            attrs["max"] = _num(hi)
    if kind == "string" and widget in _INPUT_WIDGETS_FOR_PATTERN:
        if "minLength" in schema:
            attrs["minlength"] = _num(schema["minLength"])
        if "maxLength" in schema:
            attrs["maxlength"] = _num(schema["maxLength"])
        if isinstance(schema.get("pattern"), str):
            p = html_pattern(schema["pattern"])
            if p is not None:
                attrs["pattern"] = p
    if kind in ("number", "integer") and widget != "duration":
        if "step" in options:
            attrs["step"] = _num(options["step"])
        elif "multipleOf" in schema:
            attrs["step"] = _num(schema["multipleOf"])
        else:
            attrs["step"] = "1" if kind == "integer" else "any"
    if widget == "camera":
        attrs["accept"] = str(options.get("accept") or "image/*")
    return attrs


@dataclass
class _Spec:
    """What a field is, independent of the answers: computed once per definition and
    language, then reused by every walk (the walk's hot path only reads it)."""

    schema: dict
    kind: str | None
    widget: str
    item_schema: dict | None
    fields: dict          # the Node fields that depend only on schema, hints and language
    rule: Rule | None
    attrs: dict[bool, dict[str, str]]   # by "required"
    props: dict           # objects: base properties (name -> schema)
    required: frozenset
    branches: list        # objects: Branch list
    order: Any
    options: dict


class _Walker:
    def __init__(self, definition: FormDefinition, data: Any, lang: str):
        self.d = definition
        self.root_schema = definition.schema
        self.data = data
        self.lang = lang
        self.cache = definition.walk_cache.setdefault(lang, {})

    # --- cached schema work --------------------------------------------------------------
    def flat(self, schema: Any) -> dict:
        key = ("flat", id(schema))
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = (schema, flatten(schema, self.root_schema))
        return hit[1]

    def merged(self, base: Any, extra: Any) -> dict:
        key = ("merge", id(base), id(extra))
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = ((base, extra), merge_schemas(self.flat(base), self.flat(extra)))
        return hit[1]

    def spec(self, schema: Any, ui: Any, key_name: str | int | None) -> _Spec:
        key = ("spec", id(schema), id(ui), key_name if isinstance(key_name, str) else None)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = ((schema, ui), self.make_spec(schema, ui, key_name))
        return hit[1]

    def make_spec(self, schema: Any, ui: Any, key_name: str | int | None) -> _Spec:
        s = self.flat(schema)
        options = normalise(ui)
        kind = schema_type(s)
        item_schema = self.flat(s["items"]) if kind == "array" and isinstance(s.get("items"), dict) else None
        widget = options.get("widget")
        if not (isinstance(widget, str) and widget_fits(widget, kind, item_schema)):
            widget = default_widget(s, kind, item_schema)
        lang = self.lang
        fields: dict[str, Any] = {
            "kind": kind or "string",
            "widget": widget,
            "label": localise(options.get("title"), lang) or s.get("title") or (humanise(key_name) if isinstance(key_name, str) else ""),
            "description": localise(options.get("description"), lang) or s.get("description"),
            "help": localise(options.get("help"), lang),
            "placeholder": localise(options.get("placeholder"), lang),
            "readonly": bool(options.get("readonly") or s.get("readOnly")),
            "disabled": bool(options.get("disabled")),
            "autofocus": bool(options.get("autofocus")),
            "format": s.get("format"),
            "default": s.get("default", MISSING),
        }
        if "group" in options:
            g = options["group"]
            fields["group"] = g if isinstance(g, str) else (localise(g, "fr") or "")
            fields["group_label"] = localise(g, lang)
        if kind == "array":
            fields["min_items"] = s.get("minItems")
            fields["max_items"] = s.get("maxItems")
        node_options = {k: v for k, v in options.items() if k not in ("title", "description", "help", "placeholder", "rule", "enumNames")}
        if widget == "array":
            node_options = {"addable": True, "removable": True, "orderable": False, **node_options}
        elif widget not in ("object",):
            if kind == "array":
                fields["multiple"] = True
                if item_schema is not None:
                    fields["choices"] = choices_of(item_schema, options, schema_type(item_schema) or "string", lang)
            elif widget in ("select", "radio", "hidden") or "enum" in s or is_choice_list(s):
                fields["choices"] = choices_of(s, options, kind, lang)
        try:
            rule = parse_rule(options["rule"]) if "rule" in options else None
        except ValueError:
            rule = None  # lint reports it; the field stays shown
        is_object = widget == "object" or (widget == "signature" and kind == "object")
        return _Spec(
            schema=s, kind=kind, widget=widget, item_schema=item_schema, fields=fields, rule=rule,
            attrs={r: constraint_attrs(s, kind, widget, r, options) for r in (False, True)} if not is_object and widget != "array" else {False: {}, True: {}},
            props=dict(s.get("properties") or {}) if is_object else {},
            required=frozenset(s.get("required") or ()) if is_object else frozenset(),
            branches=branches(s, self.root_schema) if is_object else [],
            order=options.get("order"),
            options=node_options,
        )

    # --- conditions ----------------------------------------------------------------------
    def condition_holds(self, condition: dict, value: Any) -> bool:
        key = ("subset", id(condition))
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = (condition, not unsupported_keywords(condition))
        if hit[1]:
            return holds(condition, value)
        return self.d.validator.evolve(schema=condition).is_valid(value)

    # --- building ------------------------------------------------------------------------
    def build(self, path: Path, schema: Any, ui: Any, value: Any, required: bool = False) -> Node:
        sp = self.spec(schema, ui, path[-1] if path else None)
        node = Node(path=path, required=required, value=value, options=dict(sp.options), attrs=sp.attrs[required], **sp.fields)
        if sp.rule is not None:
            scope = bind_scope(sp.rule.scope, path)
            node.conditions = [sp.rule.as_json(scope)]
            node.visible = rule_shows(sp.rule, get_at(self.data, scope, MISSING)) if TEMPLATE_INDEX not in path else sp.rule.effect == "HIDE"
        if sp.widget == "object" or (sp.widget == "signature" and sp.kind == "object"):
            # a signature is an object (attachment, name, signed_at) drawn by one widget;
            # its parts are nodes so that decoding and errors reach them
            self.build_object(node, sp, ui, value)
            if sp.widget == "signature":
                node.sections = []
        elif sp.widget == "array":
            self.build_array(node, sp.schema, ui, value)
        return node

    def build_object(self, node: Node, sp: _Spec, ui: Any, value: Any) -> None:
        obj = value if isinstance(value, dict) else {}
        props = dict(sp.props)
        base_names = list(props)
        required = set(sp.required)
        # conditional branches: an active one refines the schema; the properties a branch
        # adds are shown only while its condition holds (on the device too)
        added: dict[str, list[Branch]] = {}
        for br in sp.branches:
            active = self.condition_holds(br.condition, obj)
            for name, sub in (br.schema.get("properties") or {}).items():
                if name not in base_names:
                    added.setdefault(name, []).append(br)
                    if name not in props or active:
                        props[name] = sub
                elif active:
                    props[name] = self.merged(props[name], sub)
            if active:
                required |= set(br.schema.get("required") or [])
        children = []
        for name in order_names(list(props), sp.order):
            child = self.build(node.path + (name,), props[name], child_ui(ui, name), obj.get(name, MISSING) if isinstance(value, dict) else MISSING, name in required)
            if name in added:
                brs = added[name]
                cond = brs[0].condition if len(brs) == 1 else {"anyOf": [b.condition for b in brs]}
                child.conditions.insert(0, {"effect": "SHOW", "scope": node.pointer, "schema": cond})
                child.visible = child.visible and any(self.condition_holds(b.condition, obj) for b in brs)
            children.append(child)
        node.children = children
        self.layout(node, ui)

    def build_array(self, node: Node, s: dict, ui: Any, value: Any) -> None:
        items_ui = child_ui(ui, "items")
        items = value if isinstance(value, list) else []
        item_schema = s.get("items", {})
        node.children = [self.build(node.path + (i,), item_schema, items_ui, v) for i, v in enumerate(items)]
        node.template = self.build(node.path + (TEMPLATE_INDEX,), item_schema, items_ui, MISSING)

    def layout(self, node: Node, ui: Any) -> None:
        """Split an object's children into steps (``ui:steps``) and sections (``ui:group``)."""
        options = self.spec_options(ui)
        steps = options.get("steps") if isinstance(options.get("steps"), list) else []
        step_of: dict[str, int] = {}
        for i, step in enumerate(steps):
            for name in step.get("fields", []) if isinstance(step, dict) else []:
                step_of.setdefault(name, i)
        node.steps = [localise(st.get("title"), self.lang) or "" for st in steps if isinstance(st, dict)]
        last = 0
        indexed = []
        for child in node.children:
            last = step_of.get(child.key, last)
            indexed.append((last, child))
        if steps:
            indexed.sort(key=lambda t: t[0])  # stable: order kept within a step
            node.children = [c for _, c in indexed]
        sections: list[Section] = []
        current: list[Node] = []
        key: tuple | None = None
        for step, child in indexed:
            k = (step, child.group)
            if current and k != key:
                sections.append(Section(key[1], current[0].group_label, key[0], tuple(current)))
                current = []
            key = k
            current.append(child)
        if current:
            sections.append(Section(key[1], current[0].group_label, key[0], tuple(current)))
        node.sections = sections

    def spec_options(self, ui: Any) -> dict:
        key = ("ui", id(ui))
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = (ui, normalise(ui))
        return hit[1]


def order_names(names: list[str], order: Any) -> list[str]:
    """RJSF's ``ui:order`` with ``*`` (the rest, in schema order); unknown names ignored."""
    if not isinstance(order, list) or not order:
        return names
    known = [n for n in order if n in names or n == "*"]
    if "*" not in known:
        rest = [n for n in names if n not in known]
        return [n for n in known] + rest
    star = known.index("*")
    before, after = known[:star], known[star + 1 :]
    middle = [n for n in names if n not in before and n not in after]
    return before + middle + after
