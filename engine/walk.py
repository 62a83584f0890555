"""THE one walk: definition + answers + errors -> a tree of :class:`~engine.node.Node`.

The HTML renderer, the PDF renderer, error mapping, pruning of hidden answers and decoding
of form posts all read this tree, so they agree on what a field is, how it is drawn,
whether it is shown and which errors are its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from . import display
from .defaults import fill_defaults, fill_schema_defaults
from .definition import FormDefinition
from .node import MISSING, Alternative, Choice, Node, Rule, Section
from .prefill import PREVIOUS, note_texts, sources_of
from .options import AS_JSON, closest_option, options_for
from .paths import TEMPLATE_INDEX, Path, get_at
from .problems import FieldError
from .rules import bind_scope, holds, parse_rule, rule_shows, unsupported_keywords
from .schema import ANY_SCHEMA, Branch, branches, constant_of, drawn_alternatives, flat_cached, is_choice_list, map_parts, merge_schemas, schema_type, tuple_parts, union_types, value_schema
from .uihints import GLOBAL_OPTIONS, TYPE_LABELS, WIDGETS, child_ui, humanise, localise, normalise, option_label

_FORMAT_WIDGETS = {"date": "date", "time": "time", "date-time": "datetime", "email": "email", "uri": "uri"}
_INPUT_WIDGETS_FOR_PATTERN = frozenset({"text", "textarea", "password", "email", "uri", "tel"})


def walk(definition: FormDefinition, data: Any = None, errors: Iterable[FieldError] = (), lang: str = "fr",
         prefilled: Iterable[str] | Mapping[str, str] = ()) -> Node:
    """The form as a Node tree.

    ``data=None`` means a blank form: schema defaults are filled in, as RJSF's
    ``getDefaultFormState`` does (a form opened on answers gets them too, but only where
    the answers are drawn to be edited: :func:`renderers.html.render_form` fills them with
    :func:`engine.defaults.fill_defaults`; the read-only answers and the PDF show what was
    answered). Errors are attached to the deepest node of their path, so none is dropped
    (an error on an unknown field lands on its nearest ancestor). ``prefilled`` names the
    fields whose value was prefilled and not confirmed yet (:func:`engine.prefill.prefill`),
    with the source each came from when known.
    """
    if data is None:
        data = fill_defaults(definition, None)
    walker = _Walker(definition, data, lang)
    root = walker.build((), (), definition.schema, definition.ui, data)
    if root.widget == "choice":  # a root that is a oneOf/anyOf: the form is that one field
        root.sections = [Section(None, None, 0, (root,))]
    attach_errors(root, errors)
    if asks_prefill(definition):
        mark_prefill(root, (), prefilled if isinstance(prefilled, Mapping) else dict.fromkeys(prefilled, ""), lang)
    return root


def mark_prefill(node: Node, inherited: tuple[str, ...], prefilled: Mapping[str, str], lang: str) -> None:
    """Give each field drawn with one widget the sources it may be prefilled from: its own
    ``ui:prefill``, else an ancestor's ``previous`` (photos and signatures are never
    prefilled); those named in ``prefilled`` are marked so, their badge naming the source
    their value came from. Blank list items and option sub-forms are marked too: the phone
    fills them after they are drawn."""
    own = sources_of(node.options.get("prefill"))
    sources = own or inherited
    if node.is_leaf:
        if sources and node.widget not in ("camera", "signature"):
            node.prefilled = node.pointer in prefilled and not node.is_template
            used = prefilled.get(node.pointer) if node.prefilled else None
            node.prefill_sources = sources
            node.prefill = used if used in sources else sources[0]
            node.prefill_note = note_texts(node.prefill, lang)
            if len(sources) > 1:
                node.prefill_notes = {s: note_texts(s, lang)[0] for s in sources}
        return
    down = (PREVIOUS,) if PREVIOUS in sources else ()
    for child in (*node.children, *((node.template,) if node.template is not None else ()),
                  *(a.node for a in node.alternatives), *(row for _, row in node.pattern_rows)):
        mark_prefill(child, down, prefilled, lang)


def asks_prefill(definition: FormDefinition) -> bool:
    """Whether a hint of the definition asks for a prefill (most forms have none: their
    walk skips the marking)."""
    cache = definition.walk_cache
    if "asks-prefill" not in cache:
        def asks(ui: Any) -> bool:
            if isinstance(ui, list):
                return any(asks(x) for x in ui)
            if not isinstance(ui, dict):
                return False
            opts = ui.get("ui:options")
            return "ui:prefill" in ui or (isinstance(opts, dict) and "prefill" in opts) or any(asks(v) for k, v in ui.items() if not k.startswith("ui:"))
        cache["asks-prefill"] = asks(definition.ui)
    return cache["asks-prefill"]


def attach_errors(root: Node, errors: Iterable[FieldError]) -> None:
    errors = list(errors)
    if not errors:
        return
    by_path = {n.path: n for n in root.walk() if not n.is_template and not n.inline}
    for err in errors:
        path = err.path
        while path not in by_path and path:
            path = path[:-1]
        by_path[path].errors.append(err)


def choice_token(value: Any) -> str:
    """What an option's HTML ``value`` carries: a text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _label_key(value: Any) -> str:
    """How RJSF v6's map form of ``ui:enumNames`` (and JavaScript) spells a value as a key."""
    return value if isinstance(value, str) else json.dumps(value)


def choices_of(schema: dict, options: dict, kind: str, lang: str) -> tuple[Choice, ...]:
    """The options of a choice field with their labels and tokens.

    Labels: ``ui:enumNames`` (a list matched by position, or RJSF v6's map matched by
    value), else the const option's title, else the value (JSON for what is not a text);
    ``Oui``/``Non`` for booleans. ``ui:enumOrder`` orders them (``"*"`` for the rest in
    schema order; unlisted values are dropped), ``ui:enumDisabled`` disables some. Values
    keep their JSON type (numbers, null, booleans, objects); a text is its own token unless
    two options would then share one (``"1"`` and ``1``), in which case every token is JSON.
    """
    names = options.get("enumNames")
    if "enum" in schema and isinstance(schema["enum"], list):
        values = list(schema["enum"])
        titles: list = [None] * len(values)
    elif "const" in schema:
        values, titles = [schema["const"]], [None]
    elif is_choice_list(schema):
        alts = schema.get("oneOf") or schema.get("anyOf")
        values = [constant_of(a) for a in alts]
        titles = [a.get("title") for a in alts]
    elif kind == "boolean":
        values, titles = [True, False], [display.boolean(True, lang), display.boolean(False, lang)]
    else:
        return ()
    disabled = options.get("enumDisabled") if isinstance(options.get("enumDisabled"), list) else []
    tokens = [choice_token(v) for v in values]
    if len(set(tokens)) < len(tokens):
        tokens = [json.dumps(v) for v in values]
    out = []
    for i, value in enumerate(values):
        if isinstance(names, dict):
            label = localise(names.get(_label_key(value)), lang)
        else:
            label = localise(names[i], lang) if isinstance(names, list) and i < len(names) else None
        label = label or titles[i] or (value if isinstance(value, str) else display.boolean(value, lang) if isinstance(value, bool) else json.dumps(value, ensure_ascii=False))
        out.append(Choice(value=value, token=tokens[i], label=label, disabled=any(_same_json(value, d) for d in disabled)))
    return _ordered(tuple(out), options.get("enumOrder"))


def _same_json(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def _ordered(choices: tuple[Choice, ...], order: Any) -> tuple[Choice, ...]:
    """RJSF's ``ui:enumOrder``: listed values first, ``"*"`` for the rest, the rest dropped
    when there is no ``"*"``."""
    if not isinstance(order, list) or not order:
        return choices
    listed = [c for o in order if o != "*" for c in choices if _same_json(c.value, o)]
    if "*" not in order:
        return tuple(listed)
    star = order.index("*")
    before = [c for o in order[:star] for c in choices if _same_json(c.value, o)]
    after = [c for c in listed if c not in before]
    middle = [c for c in choices if c not in listed]
    return tuple(before + middle + after)


def is_choice_field(schema: dict) -> bool:
    """A field whose answer is picked from listed values (``enum``, ``const``, const options)."""
    return "enum" in schema or "const" in schema or is_choice_list(schema)


def default_widget(schema: dict, kind: str | None, item_schema: dict | None) -> str:
    if is_choice_field(schema) and not (kind == "array" and "enum" not in schema and "const" not in schema):
        return "select"
    if kind == "object":
        return "object"
    if kind == "array":
        if item_schema is not None and is_choice_field(item_schema):
            return "checkboxes"
        return "array"
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return "number"
    if kind == "null":
        return "null"
    return _FORMAT_WIDGETS.get(schema.get("format"), "text")


def widget_fits(widget: str, kind: str | None, item_schema: dict | None, choice: bool = False) -> bool:
    """Whether an author's widget can draw a field of this JSON type (a list of choices of
    any type can be a select, radio buttons or hidden)."""
    allowed = WIDGETS.get(widget)
    if allowed is None:
        return False
    if choice:
        return widget in ("select", "radio", "hidden")
    if kind == "array":
        if item_schema is not None and is_choice_field(item_schema):
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
    choice: tuple | None = None      # choice fields: (schemas, labels, matchers, option uis)
    inline_choice: tuple | None = None  # objects with their own oneOf: the same
    map: tuple | None = None         # objects with keys typed in: (patterns, additional)
    tuple: tuple | None = None       # fixed-position arrays: (position schemas, extra schema)
    keeps: bool = False              # objects: whether undeclared answers are allowed (kept)
    container: bool = False          # holds other nodes (object, list, choice, signature parts)


#: Options of a field that do not pass to the sub-form of its chosen option.
_FIELD_ONLY = ("ui:title", "ui:description", "ui:help", "ui:rule", "ui:group", "ui:steps", "ui:placeholder")
#: Beyond this depth, or when a schema recurs this often along one path, a container is
#: drawn as a JSON text area (a recursive schema has no end to draw).
_MAX_DEPTH = 40
_MAX_RECURRENCE = 3


class _Walker:
    def __init__(self, definition: FormDefinition, data: Any, lang: str):
        self.d = definition
        self.root_schema = definition.schema
        self.data = data
        self.lang = lang
        self.cache = definition.walk_cache.setdefault(lang, {})
        self.stack: dict[int, int] = {}
        options = normalise(definition.ui)
        globals_ = options.get("globalOptions")
        self.global_options = {k: v for k, v in globals_.items() if k in GLOBAL_OPTIONS} if isinstance(globals_, dict) else {}

    # --- cached schema work --------------------------------------------------------------
    def flat(self, schema: Any) -> dict:
        return flat_cached(self.cache, schema, self.root_schema)

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

    def option_uis(self, ui: Any, kw: str, count: int, inline: bool) -> list[dict]:
        """The hints of each option: the field's (its sub-fields' for an object's own
        oneOf), refined by RJSF's per-option list ``{"oneOf": [{…}, {…}]}``."""
        key = ("option-ui", id(ui), kw, count, inline)
        hit = self.cache.get(key)
        if hit is None:
            base = {k: v for k, v in (ui.items() if isinstance(ui, dict) else ()) if k not in (kw, "oneOf", "anyOf") and (not k.startswith("ui:") if inline else k not in _FIELD_ONLY)}
            per = ui.get(kw) if isinstance(ui, dict) and isinstance(ui.get(kw), list) else []
            out = [{**base, **(per[i] if i < len(per) and isinstance(per[i], dict) else {})} for i in range(count)]
            hit = self.cache[key] = (ui, out)
        return hit[1]

    def choice_parts(self, s: dict, ui: Any, inline: bool) -> tuple | None:
        opts = options_for(self.cache, s, self.root_schema, inline)
        if opts is None:
            return None
        schemas, titles, matchers = opts
        kw = "oneOf" if "oneOf" in s else "anyOf"
        uis = self.option_uis(ui, kw, len(schemas), inline)
        types = union_types(s) if not inline and drawn_alternatives(s) is None else None
        labels = []
        for i, title in enumerate(titles):
            own = localise(normalise(uis[i]).get("title"), self.lang) if isinstance(ui, dict) and isinstance(ui.get(kw), list) and i < len(ui[kw]) else None
            if types is not None:
                t = types[i]
                labels.append(own or localise(TYPE_LABELS.get(t, {}), self.lang) or t)
            else:
                labels.append(own or title or option_label(i, self.lang))
        return schemas, labels, matchers, uis

    def make_spec(self, schema: Any, ui: Any, key_name: str | int | None) -> _Spec:
        s = self.flat(schema)
        options = {**self.global_options, **normalise(ui)} if self.global_options else normalise(ui)
        if "className" in options and "classNames" not in options:
            options["classNames"] = options["className"]
        kind = schema_type(s)
        choice = None if s.get(AS_JSON) else self.choice_parts(s, ui, inline=False)
        tup = tuple_parts(s) if kind == "array" else None
        item_schema = self.flat(s["items"]) if kind == "array" and tup is None and isinstance(s.get("items"), dict) else None
        is_choice = is_choice_field(s) and not (kind == "array" and "enum" not in s and "const" not in s)
        widget = options.get("widget")
        if choice is not None:
            widget, kind = "choice", kind or "any"
        elif s.get(AS_JSON):
            widget = "json"
        elif tup is not None:
            widget = "array"
        elif not (isinstance(widget, str) and widget_fits(widget, kind, item_schema, is_choice)):
            widget = default_widget(s, kind, item_schema)
        lang = self.lang
        fields: dict[str, Any] = {
            "kind": kind or "string",
            "widget": widget,
            "label": localise(options.get("title"), lang) or s.get("title") or (humanise(key_name) if isinstance(key_name, str) else ""),
            "description": localise(options.get("description"), lang) or s.get("description"),
            "help": localise(options.get("help"), lang),
            "placeholder": localise(options.get("placeholder"), lang),
            # a const (a oneOf option's discriminator) is filled in and cannot change
            "readonly": bool(options.get("readonly") or s.get("readOnly") or ("const" in s and widget not in ("hidden", "choice"))),
            "disabled": bool(options.get("disabled")),
            "autofocus": bool(options.get("autofocus")),
            "format": s.get("format"),
            "default": s.get("const", s.get("default", MISSING)),
        }
        if "group" in options:
            g = options["group"]
            fields["group"] = g if isinstance(g, str) else (localise(g, "fr") or "")
            fields["group_label"] = localise(g, lang)
        if kind == "array":
            fields["min_items"] = s.get("minItems")
            fields["max_items"] = s.get("maxItems")
        node_options = {k: v for k, v in options.items() if k not in ("title", "description", "help", "placeholder", "rule", "enumNames", "enumOrder", "enumDisabled", "globalOptions", "className")}
        if widget == "array":
            node_options = {"addable": True, "removable": True, "orderable": False, **node_options}
        elif widget not in ("object", "choice", "json", "null"):
            if kind == "array":
                fields["multiple"] = True
                if item_schema is not None:
                    fields["choices"] = choices_of(item_schema, options, schema_type(item_schema) or "string", lang)
            elif widget in ("select", "radio", "hidden") or is_choice:
                fields["choices"] = choices_of(s, options, kind, lang)
        try:
            rule = parse_rule(options["rule"]) if "rule" in options else None
        except ValueError:
            rule = None  # lint reports it; the field stays shown
        is_object = widget == "object" or (widget == "signature" and kind == "object")
        parts = map_parts(s) if widget == "object" else None
        return _Spec(
            schema=s, kind=kind, widget=widget, item_schema=item_schema, fields=fields, rule=rule,
            attrs={r: constraint_attrs(s, kind, widget, r, options) for r in (False, True)} if not is_object and widget not in ("array", "choice", "json", "null") else {False: {}, True: {}},
            props=dict(s.get("properties") or {}) if is_object else {},
            required=frozenset(s.get("required") or ()) if is_object else frozenset(),
            branches=branches(s, self.root_schema) if is_object else [],
            order=options.get("order"),
            options=node_options,
            choice=choice,
            inline_choice=self.choice_parts(s, ui, inline=True) if widget == "object" else None,
            map=parts,
            tuple=tup,
            keeps=is_object and widget == "object" and parts is None and s.get("additionalProperties", True) is not False and s.get("unevaluatedProperties", True) is not False,
            container=is_object or widget in ("array", "choice"),
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
    def build(self, path: Path, spelling: Path, schema: Any, ui: Any, value: Any, required: bool = False, label: str | None = None) -> Node:
        sp = self.spec(schema, ui, path[-1] if path else None)
        container = sp.container
        if container:
            recurrence = self.stack.get(id(sp.schema), 0)
            if recurrence >= _MAX_RECURRENCE or len(spelling) > _MAX_DEPTH:
                sp = self.spec_as_json(sp)
                container = False
        node = Node(path=path, spelling=spelling if spelling != path else None, required=required, value=value, options=dict(sp.options), attrs=sp.attrs[required], **sp.fields)
        if label is not None:
            node.label = label
        if sp.rule is not None:
            scope = bind_scope(sp.rule.scope, path)
            node.conditions = [sp.rule.as_json(scope)]
            node.visible = rule_shows(sp.rule, get_at(self.data, scope, MISSING)) if not node.is_template else sp.rule.effect == "HIDE"
        if not container:
            return node
        self.stack[id(sp.schema)] = recurrence + 1
        try:
            if sp.widget == "choice":
                self.build_choice(node, sp, sp.choice, value, inline=False)
            elif sp.widget == "object" or (sp.widget == "signature" and sp.kind == "object"):
                # a signature is an object (attachment, name, signed_at) drawn by one widget;
                # its parts are nodes so that decoding and errors reach them
                self.build_object(node, sp, ui, value)
                if sp.widget == "signature":
                    node.sections = []
            elif sp.tuple is not None:
                self.build_tuple(node, sp, ui, value)
            else:
                self.build_array(node, sp.schema, ui, value)
        finally:
            self.stack[id(sp.schema)] = recurrence
        return node

    def spec_as_json(self, sp: _Spec) -> _Spec:
        """A container drawn as a JSON text area (see ``_MAX_RECURRENCE``)."""
        key = ("as-json", id(sp))
        hit = self.cache.get(key)
        if hit is None:
            fields = {**sp.fields, "widget": "json", "kind": sp.kind or "any", "choices": (), "multiple": False}
            hit = self.cache[key] = (sp, _Spec(schema=sp.schema, kind=sp.kind, widget="json", item_schema=None, fields=fields, rule=sp.rule,
                                               attrs={False: {}, True: {}}, props={}, required=frozenset(), branches=[], order=None, options=sp.options))
        return hit[1]

    def build_object(self, node: Node, sp: _Spec, ui: Any, value: Any, keep: bool = True) -> None:
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
            child = self.build(node.path + (name,), node.name_path + (name,), props[name], child_ui(ui, name), obj.get(name, MISSING) if isinstance(value, dict) else MISSING, name in required)
            if name in added:
                brs = added[name]
                cond = brs[0].condition if len(brs) == 1 else {"anyOf": [b.condition for b in brs]}
                child.conditions.insert(0, {"effect": "SHOW", "scope": node.pointer, "schema": cond})
                child.visible = child.visible and any(self.condition_holds(b.condition, obj) for b in brs)
            children.append(child)
        drawn = set(props)
        if sp.inline_choice is not None:
            part = Node(path=node.path, spelling=node.spelling, kind="object", widget="choice", inline=True, value=value, label="")
            self.build_choice(part, sp, sp.inline_choice, value, inline=True)
            chosen = part.children[0]
            drawn |= {c.key for c in chosen.children}
            if keep and sp.keeps:  # the device adds the keys of the option it draws (fill.js)
                chosen.keeps = tuple(c.key for c in chosen.children)
            children.append(part)
        if sp.map is not None:
            part = Node(path=node.path, spelling=node.spelling, kind="object", widget="map", inline=True, value=value, label="", options=dict(node.options))
            self.build_map(part, sp, ui, obj, drawn)
            children.append(part)
        elif keep and sp.keeps:
            node.keeps = tuple(props)
            node.kept = {k: v for k, v in obj.items() if k not in drawn}
        node.children = children
        self.layout(node, ui)

    def build_choice(self, node: Node, sp: _Spec, parts: tuple, value: Any, inline: bool) -> None:
        """A selector, then the chosen option's sub-form; the option is RJSF's closest
        match of the answers (of the defaults on a blank form)."""
        schemas, labels, matchers, uis = parts
        node.selected = closest_option(matchers, value)
        alternatives = []
        for i, (schema, label, m, opt_ui) in enumerate(zip(schemas, labels, matchers, uis)):
            blank = self.build(node.path, node.name_path, schema, opt_ui, self.blank_value(schema), label="")
            blank.inline = True
            alternatives.append(Alternative(label=label, matcher=m, node=blank))
        node.alternatives = alternatives
        k = node.selected
        if inline:
            chosen = Node(path=node.path, spelling=node.spelling, kind="object", widget="object", inline=True, value=value, label="")
            osp = self.spec(schemas[k], uis[k], None)
            self.build_object(chosen, osp, uis[k], value, keep=False)
        else:
            chosen = self.build(node.path, node.name_path, schemas[k], uis[k], value, node.required, label="")
            chosen.inline = True
        node.children = [chosen]

    def blank_value(self, schema: dict) -> Any:
        """What a new field of ``schema`` starts with (an option switched to, a list item or
        a map row added): its defaults, as RJSF fills them in."""
        key = ("blank-value", id(schema))
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = (schema, fill_schema_defaults(self.d, schema))
        return hit[1]

    def build_map(self, node: Node, sp: _Spec, ui: Any, obj: dict, declared: set) -> None:
        """Key/value rows for the keys the person types (additionalProperties and
        patternProperties): rows are numbered in HTML, their key is an input of its own."""
        patterns, additional = sp.map
        value_ui = child_ui(ui, "additionalProperties")
        rows = []
        for key in [k for k in obj if k not in declared]:
            i = len(rows)
            rows.append(self.build(node.path + (key,), node.name_path + (i,), value_schema(sp.map, key), value_ui, obj[key], label=key))
        node.children = rows
        blank = (node.path + (TEMPLATE_INDEX,), node.name_path + (TEMPLATE_INDEX,))
        node.pattern_rows = [(p, self.build(*blank, sub if isinstance(sub, dict) else ANY_SCHEMA, value_ui, self.blank_value(sub if isinstance(sub, dict) else ANY_SCHEMA), label="")) for p, sub in patterns.items()]
        if additional is not None:
            node.template = self.build(*blank, additional if isinstance(additional, dict) else ANY_SCHEMA, value_ui, self.blank_value(additional if isinstance(additional, dict) else ANY_SCHEMA), label="")
        elif node.pattern_rows:  # only keys of the patterns: a new row starts as the first one's
            node.template = node.pattern_rows[0][1]
        names = self.flat(sp.schema.get("propertyNames")) if isinstance(sp.schema.get("propertyNames"), dict) else {}
        if "pattern" not in names and additional is None and len(patterns) == 1:
            names = {**names, "pattern": next(iter(patterns))}
        node.key_attrs = constraint_attrs(names, "string", "text", True, {})
        node.reserved_keys = tuple(declared)
        node.options = {"addable": node.template is not None and node.options.get("expandable", True) is not False, "removable": True,
                        **{k: v for k, v in node.options.items() if k in ("addable", "removable", "addLabel", "duplicateKeySuffixSeparator")}}
        node.min_items, node.max_items = None, None

    def build_array(self, node: Node, s: dict, ui: Any, value: Any) -> None:
        items_ui = child_ui(ui, "items")
        items = value if isinstance(value, list) else []
        item_schema = s.get("items", {})
        node.children = [self.build(node.path + (i,), node.name_path + (i,), item_schema, items_ui, v) for i, v in enumerate(items)]
        # a new item starts with its defaults (RJSF fills them in)
        node.template = self.build(node.path + (TEMPLATE_INDEX,), node.name_path + (TEMPLATE_INDEX,), item_schema, items_ui, self.blank_value(item_schema))

    def build_tuple(self, node: Node, sp: _Spec, ui: Any, value: Any) -> None:
        """A fixed-position array: each position with its own schema and RJSF's per-position
        hints (``"items": [{…}, {…}]``), then the extra items (``additionalItems``)."""
        prefix, extra = sp.tuple
        items = value if isinstance(value, list) else []
        ui_items = ui.get("items") if isinstance(ui, dict) else None
        position_uis = ui_items if isinstance(ui_items, list) else []
        extra_ui = child_ui(ui, "additionalItems") or (ui_items if isinstance(ui_items, dict) else {})
        node.fixed = len(prefix)
        children = []
        for i in range(max(len(prefix), len(items))):
            v = items[i] if i < len(items) else MISSING
            if i < len(prefix):
                pui = position_uis[i] if i < len(position_uis) and isinstance(position_uis[i], dict) else {}
                children.append(self.build(node.path + (i,), node.name_path + (i,), prefix[i], pui, v))
            else:
                children.append(self.build(node.path + (i,), node.name_path + (i,), extra if extra is not None else ANY_SCHEMA, extra_ui, v))
        node.children = children
        node.template = None
        if extra is not None:
            node.template = self.build(node.path + (TEMPLATE_INDEX,), node.name_path + (TEMPLATE_INDEX,), extra, extra_ui, self.blank_value(extra))
        else:
            node.options["addable"] = False

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
            last = step_of.get(child.key, last) if not child.inline else last
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
