"""The answers a form opens with: RJSF's ``getDefaultFormState``.

Every field the answers lack takes its schema's ``default`` (or its ``const``, RJSF's
``constAsDefaults: "always"``), whether the form is blank or filled before: a field added
with a default, or one left empty by a previous save, shows its default again when the form
opens, as in RJSF. A default deeper in the schema wins over an ancestor's (an object's
``default`` fills the keys its properties give none). Answers always win over defaults,
``null`` included. Objects are filled property by property (with the properties of the
conditional branches the answers activate, and the keys typed into a map), arrays item by
item (each position of a tuple with its own schema), a oneOf/anyOf with the option the
answers match best (:mod:`engine.options`).

What the form opens with is not what was answered: the read-only answers, the PDF and
validation never see these defaults, only :func:`renderers.html.render_form` does (and the
phone's blank form, whose fields carry their defaults, see ``fill.js``).
"""

from __future__ import annotations

from typing import Any

from .node import MISSING
from .options import closest_option, options_for
from .rules import holds
from .schema import ANY_SCHEMA, branches, flat_cached, map_parts, schema_type, tuple_parts, value_schema

_MAX_DEPTH = 32


def fill_defaults(definition: Any, data: Any) -> dict:
    """``data`` (None for a blank form) with the defaults of every field it lacks."""
    filler = _Filler(definition.schema, definition.walk_cache.setdefault("defaults", {}))
    out = filler.fill(definition.schema, MISSING if data is None else data, MISSING, 0)
    return out if isinstance(out, dict) else ({} if data is None else data)


def fill_schema_defaults(definition: Any, schema: Any) -> Any:
    """What a field of ``schema`` starts with when nothing is answered (MISSING: nothing)."""
    return _Filler(definition.schema, definition.walk_cache.setdefault("defaults", {})).fill(schema, MISSING, MISSING, 0)


class _Filler:
    def __init__(self, root: dict, cache: dict):
        self.root = root
        self.cache = cache

    def flat(self, schema: Any) -> dict:
        return flat_cached(self.cache, schema, self.root)

    def options(self, s: dict, inline: bool = False) -> tuple[list, list] | None:
        """A choice field's options and their matchers (an object's own oneOf: ``inline``)."""
        opts = options_for(self.cache, s, self.root, inline)
        return None if opts is None else (opts[0], opts[2])

    def fill(self, schema: Any, value: Any, inherited: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            return value
        s = self.flat(schema)
        default = inherited
        if "const" in s:
            default = s["const"]
        elif "default" in s:
            own = s["default"]
            default = {**inherited, **own} if isinstance(own, dict) and isinstance(inherited, dict) else own
        if value is None:
            return value  # an answered null stays
        opts = self.options(s)
        if opts is not None:
            schemas, matchers = opts
            k = closest_option(matchers, value if value is not MISSING else default)
            return self.fill(schemas[k], value, default, depth + 1)
        kind = schema_type(s)
        if kind == "object":
            return self.fill_object(s, value, default, depth)
        if kind == "array":
            return self.fill_array(s, value, default, depth)
        return default if value is MISSING else value

    def fill_object(self, s: dict, value: Any, default: Any, depth: int) -> Any:
        if value is not MISSING and not isinstance(value, dict):
            return value
        obj = value if isinstance(value, dict) else {}
        defaults = default if isinstance(default, dict) else {}
        props = dict(s.get("properties") or {})
        out: dict = {}
        for name, sub in props.items():
            v = self.fill(sub, obj.get(name, MISSING), defaults.get(name, MISSING), depth + 1)
            if v is not MISSING:
                out[name] = v
        # the properties of the branches what is answered so far activates
        for br in branches(s, self.root):
            if not holds(br.condition, {**out, **obj}):
                continue
            for name, sub in (br.schema.get("properties") or {}).items():
                if name in props:
                    continue
                v = self.fill(sub, obj.get(name, MISSING), defaults.get(name, MISSING), depth + 1)
                if v is not MISSING:
                    out[name] = v
        inner = self.options(s, inline=True)
        if inner is not None:  # an object's own oneOf: the option's properties sit beside its own
            schemas, matchers = inner
            so_far = {**obj, **out}
            k = closest_option(matchers, so_far if so_far else default)
            filled = self.fill_object(schemas[k], so_far if so_far else MISSING, default, depth + 1)
            if isinstance(filled, dict):
                out.update({k2: v for k2, v in filled.items() if k2 not in out})
        parts = map_parts(s)
        extra = [k for k in obj if k not in out]
        if parts is not None:
            seed = extra or [k for k in defaults if k not in props]
            for key in seed:
                v = self.fill(value_schema(parts, key), obj.get(key, MISSING), defaults.get(key, MISSING), depth + 1)
                if v is not MISSING:
                    out[key] = v
        for key in obj:  # answers no property describes stay as they are
            if key not in out:
                out[key] = obj[key]
        if value is MISSING and not out:
            return default if default is not MISSING else MISSING
        return out

    def fill_array(self, s: dict, value: Any, default: Any, depth: int) -> Any:
        items = value if isinstance(value, list) else (default if value is MISSING and isinstance(default, list) else None)
        tup = tuple_parts(s)
        if items is None and tup is not None and value is MISSING:
            # an unanswered tuple takes its positions' defaults (RJSF's fixed items), when any
            positions = [self.fill(sub, MISSING, MISSING, depth + 1) for sub in tup[0]]
            while positions and positions[-1] is MISSING:
                positions.pop()
            return [None if v is MISSING else v for v in positions] or MISSING
        if items is None:
            return value if value is not MISSING else default
        out = []
        for i, item in enumerate(items):
            if tup is not None:
                prefix, extra = tup
                sub = prefix[i] if i < len(prefix) else (extra if isinstance(extra, dict) else ANY_SCHEMA)
            else:
                sub = s.get("items") if isinstance(s.get("items"), dict) else ANY_SCHEMA
            out.append(self.fill(sub, item, MISSING, depth + 1))
        return out
