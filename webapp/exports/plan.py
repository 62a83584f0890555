"""The sheets of an export and the cells of each row: the intervention's columns, then,
per exported form, the submission's number, version and date and the form's columns
(:mod:`engine.columns`, the union of the versions met); one more sheet per array of
objects, its rows keyed by intervention, submission and position.

An event type's export puts its forms side by side, one row per intervention, each form's
headers prefixed with its title; a form's export is the same with one form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _

from engine import clock, columns
from engine.columns import Layout, Table

from ..extensions import db
from ..models import FormVersion
from ..registry import definition_of, get_registry
from .request import ExportRequest
from .source import Record

#: What Excel refuses in a sheet's name, and its length limit.
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


@dataclass
class FormPart:
    """One exported form: the union of its versions' columns and each version's own."""

    form_id: str
    title: str
    union: Layout
    own: dict[int, Layout]                       # FormVersion id -> its columns
    numbers: dict[int, int]                      # FormVersion id -> its human version


@dataclass
class Sheet:
    name: str
    headers: list[str]
    part: FormPart | None = None
    table: Table | None = None


@dataclass
class Plan:
    request: ExportRequest
    parts: list[FormPart]
    sheets: list[Sheet] = field(default_factory=list)
    link: Callable[[str], str] = str

    # --- the cells --------------------------------------------------------------------
    def main_row(self, record: Record) -> list:
        req = self.request
        iv = record.intervention
        reg = get_registry()
        if req.raw:
            head: list[Any] = [iv.id, clock.local(iv.start_at).isoformat(), clock.local(iv.end_at).isoformat(), ", ".join(record.technicians),
                               iv.client, iv.event_type_id, iv.status, iv.equipment_id]
        else:
            head = [iv.id, clock.local(iv.start_at).replace(tzinfo=None), clock.local(iv.end_at).replace(tzinfo=None), ", ".join(record.technicians),
                    iv.client, reg.event_type_title(iv.event_type_id, req.lang), reg.status(iv.status).label_in(req.lang), _equipment(iv, req.lang)]
        head.append(iv.equipment_serial)
        for part in self.parts:
            sub = record.submissions.get(part.form_id)
            if sub is None:
                head += [None, None, None] + [None] * len(part.union.main.columns)
                continue
            own = part.own[sub.form_version_id]
            saved = clock.local(sub.updated_at).isoformat() if req.raw else clock.local(sub.updated_at).replace(tzinfo=None)
            head += [sub.id, part.numbers[sub.form_version_id], saved]
            head += columns.row(part.union.main, own.main, sub.data, raw=req.raw, lang=req.lang, link=self.link)
        return head

    def table_rows(self, record: Record) -> Iterator[tuple[int, list]]:
        """(sheet index, cells) of the record's array items."""
        req = self.request
        for index, sheet in enumerate(self.sheets):
            if sheet.table is None:
                continue
            sub = record.submissions.get(sheet.part.form_id)
            if sub is None:
                continue
            own = sheet.part.own[sub.form_version_id]
            for n, cells in columns.items(sheet.table, own, sub.data, raw=req.raw, lang=req.lang, link=self.link):
                yield index, [record.intervention.id, sub.id, n] + cells


def _equipment(iv, lang: str) -> str | None:
    """The targeted equipment as the office names it: its kind, brand and model."""
    if iv.equipment_id is None:
        return None
    kind = get_registry().equipment.kind_label(iv.equipment_kind, lang)
    return " ".join(x for x in (kind, iv.equipment_brand, iv.equipment_model) if x)


def sheet_name(title: str, taken: set[str]) -> str:
    """A name Excel accepts (31 characters, none of ``[]:*?/\\``), unique in the file."""
    base = _SHEET_NAME_BAD.sub(" ", title).strip(" '") or "Sheet"
    name = base[:SHEET_NAME_MAX]
    n = 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name.casefold())
    return name


def form_part(form_id: str, version_ids: list[int], lang: str) -> FormPart:
    """The columns of ``form_id`` over the versions met (the current one when none is)."""
    reg = get_registry()
    rows = list(db.session.scalars(sa.select(FormVersion).where(FormVersion.id.in_(version_ids)))) if version_ids else []
    if not rows:
        current = reg.current_version(form_id)
        rows = [current] if current is not None else []
    rows.sort(key=lambda fv: (fv.version, fv.id), reverse=True)  # newest first
    own = {fv.id: columns.layout(definition_of(fv), lang) for fv in rows}
    d = reg.forms.get(form_id) or (definition_of(rows[0]) if rows else None)
    return FormPart(form_id, d.title_in(lang) if d else form_id, columns.union([own[fv.id] for fv in rows]), own, {fv.id: fv.version for fv in rows})


def build_plan(req: ExportRequest, parts: list[FormPart], link: Callable[[str], str]) -> Plan:
    """The sheets' names and headers, in the request's language."""
    plan = Plan(req, parts, link=link)
    several = len(parts) > 1
    with force_locale(req.lang):
        def prefixed(part: FormPart, text: str) -> str:
            return f"{part.title}{columns.SEP}{text}" if several else text

        headers = [_("Intervention"), _("Starts at"), _("Ends at"), _("Technicians"), _("Client"), _("Intervention type"), _("Status"), _("Equipment"),
                   _("Serial number")]
        for part in parts:
            headers += [prefixed(part, _("Answer no.")), prefixed(part, _("Form version")), prefixed(part, _("Saved at"))]
            headers += [prefixed(part, c.header) for c in part.union.main.columns]
        taken: set[str] = set()
        plan.sheets.append(Sheet(sheet_name(_("Answers"), taken), headers))
        for part in parts:
            for t in part.union.tables:
                title = prefixed(part, t.title)
                plan.sheets.append(Sheet(sheet_name(title, taken), [_("Intervention"), _("Answer no."), _("Row")] + [c.header for c in t.columns], part, t))
    return plan
