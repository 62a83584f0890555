"""Answers as rows of a table: the columns of a form, for exports (CSV, XLSX).

The columns are read off THE walk (:func:`engine.walk.walk`), as the HTML and the PDF are,
so that an export shows the fields the screens show, in the same order (``ui:order``) and
under the same labels: nested objects are flattened with "Group › Field" headers; a
signature is its image's link, then its signer and its date; photos are links. An array of
objects cannot fit in one cell: it is a table of its own (a second sheet, or a second CSV
file), one row per item, keyed by the submission and the item's position. Arrays of
anything else are joined in one cell.

Values read as people read them (:mod:`engine.display`: choice labels, Oui/Non, durations;
numbers and dates stay numbers and dates so that a spreadsheet can sum and sort them, the
unit going to the header) or, with ``raw``, as stored. Several versions of a form go into
one export through :func:`union`: the newest version's columns in its order, then those
only older versions had; each answer is still read with the columns of its own version
(its choice labels, its widgets).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from . import display
from .definition import FormDefinition
from .node import MISSING, Node
from .paths import Path, get_at
from .walk import walk

SEP = " › "

#: What a column holds: one answer (``value``), a list of scalars joined in one cell
#: (``list``), photo or signature ids turned into links (``attachment``), or anything the
#: walk draws as a whole (a oneOf, typed-in keys, a JSON area) as JSON text (``json``).
ROLES = ("value", "list", "attachment", "json")


@dataclass(frozen=True)
class Link:
    """A cell that is an address (a photo, a signature): a hyperlink in a spreadsheet."""

    url: str


@dataclass(eq=False)
class Column:
    path: Path                 # in the row's object: the answers, or one item of a table's array
    labels: tuple[str, ...]    # from the outermost group down to the field
    node: Node                 # the walked field: widget, choices, options
    role: str

    @property
    def header(self) -> str:
        text = SEP.join(label for label in self.labels if label) or "/".join(map(str, self.path))
        unit = self.node.options.get("unit") if self.role == "value" and _numeric(self.node) else None
        return f"{text} ({unit})" if unit else text


@dataclass(eq=False)
class Table:
    """The items of an array of objects: ``path`` is the array's, in the answers."""

    path: Path
    labels: tuple[str, ...]
    columns: list[Column]
    _index: dict = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return SEP.join(label for label in self.labels if label) or "/".join(map(str, self.path))

    def column(self, path: Path) -> Column | None:
        if not self._index:
            self._index.update((c.path, c) for c in self.columns)
        return self._index.get(path)


@dataclass(eq=False)
class Layout:
    """A form's export columns: the main table (one row per submission), then a table per
    array of objects."""

    main: Table
    tables: list[Table]

    def table(self, path: Path) -> Table | None:
        return next((t for t in self.tables if t.path == path), None)


def layout(definition: FormDefinition, lang: str = "fr") -> Layout:
    """The export columns of ``definition``, labels in ``lang``."""
    root = walk(definition, {}, lang=lang)
    main: list[Column] = []
    tables: list[Table] = []
    if root.widget == "object":
        _collect(root, (), (), main, tables)
    else:  # a form that is one field (a oneOf at the root): its answer as a whole
        main.append(Column((), (root.label,), root, "json"))
    return Layout(Table((), (), main), tables)


def _collect(node: Node, labels: tuple[str, ...], base: Path, out: list[Column], tables: list[Table] | None) -> None:
    """The columns of ``node``'s fields, paths relative to ``base``; arrays of objects go
    to ``tables`` (None inside a table: they are JSON there)."""
    for child in node.children:
        if child.inline:  # a oneOf part or typed-in keys of an object: the object as JSON
            if not any(c.path == child.path[len(base):] for c in out):
                out.append(Column(child.path[len(base):], labels or (node.label,), child, "json"))
            continue
        here = labels + (child.label or str(child.key),)
        rel = child.path[len(base):]
        widget = child.widget
        if widget == "object":
            _collect(child, here, base, out, tables)
        elif widget == "signature" and child.children:  # an object: image, signer, date
            for part in child.children:
                if part.key == "attachment":
                    out.append(Column(rel + ("attachment",), here, part, "attachment"))
                else:
                    out.append(Column(rel + (part.key,), here + (part.label or str(part.key),), part, "value"))
        elif widget in ("signature", "camera"):
            out.append(Column(rel, here, child, "attachment"))
        elif widget == "array":
            item = child.template
            if item is not None and item.widget == "object" and tables is not None:
                columns: list[Column] = []
                _collect(item, (), item.path, columns, None)
                tables.append(Table(rel, here, columns))
            elif item is not None and item.is_leaf and item.widget not in ("json", "camera", "signature"):
                out.append(Column(rel, here, item, "list"))
            else:
                out.append(Column(rel, here, child, "json"))
        elif not child.is_leaf or widget == "json":
            out.append(Column(rel, here, child, "json"))
        else:
            out.append(Column(rel, here, child, "value"))


def union(layouts: Sequence[Layout]) -> Layout:
    """The columns of several versions of a form, newest first: the newest's in its order,
    then the fields only older versions had (in their order), table by table."""
    main = Table((), (), _merge([lay.main.columns for lay in layouts]))
    tables: list[Table] = []
    for lay in layouts:
        for t in lay.tables:
            if not any(u.path == t.path for u in tables):
                same = [o.table(t.path) for o in layouts]
                tables.append(Table(t.path, t.labels, _merge([s.columns for s in same if s is not None])))
    return Layout(main, tables)


def _merge(column_lists: Sequence[Sequence[Column]]) -> list[Column]:
    seen: set = set()
    out: list[Column] = []
    for columns in column_lists:
        for c in columns:
            if c.path not in seen:
                seen.add(c.path)
                out.append(c)
    return out


# --- values ----------------------------------------------------------------------------


def _numeric(node: Node) -> bool:
    return node.kind in ("number", "integer") and not node.choices and node.widget != "duration"


def _answer(node: Node, value: Any, lang: str) -> str:
    """:func:`engine.display.answer` of ``value`` for the field ``node``."""
    node.value = value
    try:
        return display.answer(node, lang)
    finally:
        node.value = MISSING


def _raw_scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def cell(column: Column, value: Any, *, raw: bool = False, lang: str = "fr", link: Callable[[str], str] = str) -> Any:
    """What the cell of ``column`` holds for ``value`` (MISSING when unanswered): None
    (empty), a str, a number, a bool (raw only), a date or a naive wall-clock datetime
    (labels only), or a :class:`Link`. ``link`` makes an attachment id an address."""
    if value is MISSING or value is None or value == "" or value == []:
        return None
    node = column.node
    role = column.role
    if role == "attachment":
        ids = value if isinstance(value, list) else [value]
        urls = [link(v) for v in ids if isinstance(v, str) and v]
        if not urls:
            return _raw_scalar(value)
        return Link(urls[0]) if len(urls) == 1 else ", ".join(urls)
    if role == "json":
        return _raw_scalar(value)
    if role == "list":
        items = value if isinstance(value, list) else [value]
        if raw:
            return ", ".join(_raw_scalar(v) for v in items)
        return ", ".join(_answer(node, v, lang) for v in items)
    if raw:
        if isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
            return ", ".join(_raw_scalar(v) for v in value)
        return value if isinstance(value, (str, int, float, bool)) else _raw_scalar(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _numeric(node):
        return value
    if node.widget in ("date", "datetime") and isinstance(value, str):
        wall = display.wall_clock(value)
        if wall is not None:
            return wall if node.widget == "datetime" or not isinstance(wall, dt.datetime) else wall.date()
    return _answer(node, value, lang)


def text(value: Any, *, raw: bool = False, lang: str = "fr") -> str:
    """A cell as CSV text: dates and numbers as :mod:`engine.display` writes them (or as
    JSON writes them, ``raw``)."""
    if value is None:
        return ""
    if isinstance(value, Link):
        return value.url
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value) if raw else display.number(value, lang)
    if isinstance(value, dt.datetime):
        return display.datetime(value, lang)
    if isinstance(value, dt.date):
        return display.date(value, lang)
    return str(value)


def row(union_table: Table, own: Table | None, obj: Any, *, raw: bool = False, lang: str = "fr", link: Callable[[str], str] = str) -> list:
    """The cells of ``obj`` (answers, or one item) under the union's columns, each read
    with its own version's column (``own``); a field its version lacks is empty."""
    if own is None:
        return [None] * len(union_table.columns)
    cells = []
    for c in union_table.columns:
        mine = own.column(c.path)
        cells.append(None if mine is None else cell(mine, get_at(obj, c.path, MISSING), raw=raw, lang=lang, link=link))
    return cells


def items(union_table: Table, own: Layout, data: Any, *, raw: bool = False, lang: str = "fr", link: Callable[[str], str] = str) -> Iterator[tuple[int, list]]:
    """The rows of a table of ``data`` (its array's items), numbered from 1."""
    mine = own.table(union_table.path)
    values = get_at(data, union_table.path, MISSING)
    if mine is None or not isinstance(values, list):
        return
    for i, item in enumerate(values, 1):
        yield i, row(union_table, mine, item, raw=raw, lang=lang, link=link)
