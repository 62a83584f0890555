"""The walked form: one Node per field, the only thing renderers and error mapping read.

A Node is the schema, the UI hints and the answers of one field already reconciled: the
widget is chosen, labels are in the requested language, the HTML constraint attributes are
computed, the rule that shows or hides it is normalised, and the validation errors that
concern it are attached. Renderers never look at raw ``schema`` keywords or ``ui:`` keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Iterator, Mapping, Sequence, TypeVar

from .paths import TEMPLATE_INDEX, Path, to_dom_id, to_name, to_pointer
from .problems import FieldError

_T = TypeVar("_T")


class cached_property(Generic[_T]):  # noqa: N801 - used like functools.cached_property
    """``functools.cached_property`` without its lock (Python 3.11 takes one on every first
    access): a form's render reads the spellings of a hundred fresh nodes, and a node is
    never shared between threads while it is being built and drawn."""

    def __init__(self, fn: Callable[[Any], _T]):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


class _Missing:
    """The answer is absent (distinct from ``None``, which is JSON ``null``)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

#: Leaf widgets: the node holds a value rendered by one widget (even for arrays of choices
#: or of photos, and for signature objects). ``json`` is a text area holding any JSON value
#: (an object or a list in a field whose schema says nothing of its type).
SCALAR_WIDGETS = frozenset({
    "text", "textarea", "password", "email", "uri", "tel", "color",
    "number", "updown", "range", "integer",
    "select", "radio", "checkboxes", "checkbox",
    "date", "time", "datetime",
    "hidden", "duration", "camera", "signature", "json", "null",
})
#: Container widgets: they hold other nodes. ``choice`` is a oneOf/anyOf or a type union
#: (a selector, then the chosen sub-form); ``map`` the rows of additionalProperties and
#: patternProperties (a key, then a value).
CONTAINER_WIDGETS = frozenset({"object", "array", "choice", "map"})


@dataclass(frozen=True)
class Choice:
    """One option of a select, radio or checkboxes widget."""

    value: Any       # the typed JSON value stored in the answers
    token: str       # what the HTML ``value`` attribute carries
    label: str
    disabled: bool = False  # ui:enumDisabled


@dataclass(eq=False)
class Alternative:
    """One option of a ``choice`` node: its label, what decides whether answers match it
    (:mod:`engine.options`), and its sub-form, blank but for its defaults."""

    label: str
    matcher: Any
    node: "Node"


@dataclass(frozen=True)
class Rule:
    """A client-evaluable visibility condition (JSON Forms style, normalised).

    ``scope`` is a data path, possibly with ``"*"`` for "the same array item as me";
    ``schema`` uses only the client subset (see :mod:`engine.rules`).
    """

    effect: str          # "SHOW" or "HIDE"
    scope: tuple         # data path of the value the condition reads
    schema: Any

    def as_json(self, bound_scope: Path) -> dict:
        return {"effect": self.effect, "scope": to_pointer(bound_scope), "schema": self.schema}


@dataclass(frozen=True)
class Section:
    """Consecutive children shown together under a heading (``ui:group``), on a step."""

    key: str | None
    label: str | None
    step: int
    children: tuple["Node", ...]


@dataclass(eq=False)
class Node:
    path: Path
    kind: str                    # object | array | string | number | integer | boolean | null
    widget: str                  # "object", "array" or one of SCALAR_WIDGETS
    label: str = ""
    description: str | None = None
    help: str | None = None
    placeholder: str | None = None
    required: bool = False
    readonly: bool = False
    disabled: bool = False
    autofocus: bool = False
    format: str | None = None
    default: Any = MISSING
    choices: tuple[Choice, ...] = ()
    multiple: bool = False       # the answer is a list (checkboxes, several photos)
    attrs: dict[str, str] = field(default_factory=dict)   # HTML constraint attributes
    options: dict[str, Any] = field(default_factory=dict)  # normalised UI options
    value: Any = MISSING
    errors: list[FieldError] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)
    template: "Node | None" = None  # arrays: the blank item the client clones
    visible: bool = True         # this node's own conditions hold for the current answers
    conditions: list[dict] = field(default_factory=list)  # client-ready: effect, scope, schema
    group: str | None = None
    group_label: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    sections: list[Section] = field(default_factory=list)  # objects only
    steps: list[str] = field(default_factory=list)          # objects only: step labels
    #: where the field's inputs are named when that differs from its data path: the rows
    #: of a map are numbered in HTML (``specs[0]``, ``specs[0]:key``) since keys are edited
    spelling: Path | None = None
    #: a node drawn inside its parent for the same answer (the map part and the oneOf part
    #: of an object, the chosen option of a choice): errors and decoding go to the parent
    inline: bool = False
    alternatives: Sequence[Alternative] = ()  # choice: its options
    selected: int = 0            # choice: the option drawn (RJSF's closest matching option)
    fixed: int = 0               # tuple arrays: the positions that have their own schema
    key_attrs: Mapping[str, str] | None = None  # map: HTML attributes of keys
    reserved_keys: tuple[str, ...] = ()  # map: the object's own fields, which no row takes
    #: map: one blank row per patternProperties pattern, the row of a key that matches it
    pattern_rows: Sequence[tuple[str, "Node"]] = ()
    #: objects that keep answers no field shows (their schema allows undeclared keys): the
    #: keys their fields draw; ``kept`` is the rest of their answer, carried by the form
    keeps: tuple[str, ...] | None = None
    kept: Mapping[str, Any] | None = None
    #: the sources a field drawn with one widget may be prefilled from (``ui:prefill``, its
    #: own or an ancestor's ``previous``: :mod:`engine.prefill`), the one its badge names
    #: (its value's, else the first), the badge's text and its confirm button's;
    #: ``prefilled``: its value came from there and is not confirmed yet
    prefill: str | None = None
    prefill_sources: tuple[str, ...] = ()
    prefill_note: tuple[str, str] | None = None
    prefill_notes: Mapping[str, str] = field(default_factory=dict)  # several sources: each one's badge
    prefilled: bool = False

    # --- the three spellings (a node's path never changes: computed once) -------------------
    @cached_property
    def pointer(self) -> str:
        return to_pointer(self.path)

    @cached_property
    def name(self) -> str:
        return to_name(self.path if self.spelling is None else self.spelling)

    @cached_property
    def dom_id(self) -> str:
        return to_dom_id(self.path if self.spelling is None else self.spelling)

    @property
    def name_path(self) -> Path:
        """The path the HTML names spell (the data path but for map rows)."""
        return self.path if self.spelling is None else self.spelling

    @property
    def is_template(self) -> bool:
        return TEMPLATE_INDEX in self.name_path

    @property
    def key(self) -> str | int | None:
        return self.path[-1] if self.path else None

    # --- shape ---------------------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return self.widget not in CONTAINER_WIDGETS

    @property
    def has_value(self) -> bool:
        return self.value is not MISSING

    @property
    def choice_labels(self) -> dict[str, str]:
        return {c.token: c.label for c in self.choices}

    def label_of(self, value: Any) -> str:
        """The display label of a stored choice value (the value itself when not a choice)."""
        for c in self.choices:
            if c.value == value and type(c.value) is type(value):
                return c.label
        return "" if value is MISSING or value is None else str(value)

    def walk(self) -> Iterator["Node"]:
        """This node and its descendants, depth first, in display order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, path: Path) -> "Node | None":
        for n in self.walk():
            if n.path == tuple(path):
                return n
        return None

    def all_errors(self) -> list[FieldError]:
        return [e for n in self.walk() for e in n.errors]

    def __repr__(self) -> str:
        return f"Node({self.pointer or '/'}, {self.kind}, {self.widget})"
