"""What an export is asked for: a form or an event type, a period of company days, the
filters (technician, status, client), the format, labels or raw values, the language.

The same request comes from the back office's dialog, from ``fieldforms export`` and from
a queued job (as JSON, :meth:`ExportRequest.as_json`), so it is read by one schema.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from engine import clock

from ..schemas import Id, InputSchema, Text, error_dict, msgs
from ..services.errors import InvalidInput

FORMATS = ("xlsx", "csv")
#: A period longer than this is refused: an export is of a season, not of a century
#: (the query would still be bounded, but the request is surely a typing mistake).
MAX_DAYS = 3 * 366 + 1


@dataclass(frozen=True)
class ExportRequest:
    """``form_id`` or ``event_type_id`` (one of them); ``date_from`` to ``date_to``
    inclusive, company days of the intervention's start."""

    form_id: str | None
    event_type_id: str | None
    date_from: date
    date_to: date
    technician_id: int | None = None
    status: str | None = None
    client_id: int | None = None
    format: str = "xlsx"
    raw: bool = False
    lang: str = "fr"
    #: Where photo and signature links point (the back office's address): a link opens
    #: only for someone logged in who may see the intervention.
    base_url: str = "http://127.0.0.1:5000"

    def as_json(self) -> dict:
        out = asdict(self)
        out["date_from"], out["date_to"] = self.date_from.isoformat(), self.date_to.isoformat()
        return out

    @classmethod
    def from_json(cls, data: dict) -> "ExportRequest":
        return cls(**{**data, "date_from": date.fromisoformat(data["date_from"]), "date_to": date.fromisoformat(data["date_to"])})

    @property
    def subject(self) -> str:
        """``form:<id>`` or ``type:<id>``: what the dialog's first select says."""
        return f"form:{self.form_id}" if self.form_id else f"type:{self.event_type_id}"


class ExportInputSchema(InputSchema):
    """The dialog's fields (and the CLI's options, spelled the same)."""

    subject = Text(required=True, error_messages=msgs(), validate=validate.Regexp(r"^(form|type):[A-Za-z0-9_.-]{1,64}$", error=_l("Choose a form or an event type.")))
    date_from = fields.Date(required=True, error_messages=msgs(invalid=_l("Not a valid date.")))
    date_to = fields.Date(required=True, error_messages=msgs(invalid=_l("Not a valid date.")))
    technician_id = Id(load_default=None)
    status = Text(load_default=None, validate=validate.Length(max=32))
    client_id = Id(load_default=None)
    format = Text(load_default="xlsx", validate=validate.OneOf(FORMATS, error=_l("Choose XLSX or CSV.")))
    raw = fields.Boolean(load_default=False, truthy={"1", "on", "true", "yes", True}, falsy={"0", "off", "false", "no", "", False})

    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start is None or end is None:
            return
        if not (clock.in_calendar(start) and clock.in_calendar(end)):
            raise ValidationError(_l("Out of the calendar's range."), "date_to")
        if end < start:
            raise ValidationError(_l("The end of the period is before its start."), "date_to")
        if (end - start).days >= MAX_DAYS:
            raise ValidationError(_l("At most three years at a time."), "date_to")


def parse_request(values: dict, *, lang: str, base_url: str) -> ExportRequest:
    """An :class:`ExportRequest` from the dialog's or the CLI's values; InvalidInput (by
    field) otherwise. Whether the form, type, technician or client exist is the service's
    question."""
    try:
        data = ExportInputSchema().load(values)
    except ValidationError as err:
        raise InvalidInput(error_dict(err)) from None
    kind, _sep, ident = data.pop("subject").partition(":")
    return ExportRequest(form_id=ident if kind == "form" else None, event_type_id=ident if kind == "type" else None,
                         lang=lang if lang in ("fr", "en") else "fr", base_url=base_url.rstrip("/"), **data)
