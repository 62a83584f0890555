"""marshmallow schemas: the input of the HTML forms and of the JSON API, and the API output.

Fields are listed explicitly; no hook queries the database (existence checks belong to the
services). Messages are lazy translations, turned to text by :func:`error_dict`.

Every input schema is an :class:`InputSchema`: text the database cannot store (a NUL, a
lone surrogate), anywhere in the input, is refused by field before any field is read; and
its integers and instants are :class:`Int`, :class:`Id` and :class:`Instant` (or
:class:`LocalDateTime`), bounded to what the database and the calendar hold
(:mod:`webapp.bounds`, :mod:`engine.clock`).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from engine import clock

from . import bounds

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
REQUIRED = {"required": _l("This field is required."), "null": _l("This field is required.")}


def msgs(**extra) -> dict:
    return {**REQUIRED, **extra}


#: Why a text was refused, by :func:`webapp.bounds.text_fault`'s reason.
TEXT_FAULTS = {
    bounds.NUL: _l("Contains a NUL character, which cannot be stored."),
    bounds.SURROGATE: _l("Contains an invalid character (a lone surrogate), which cannot be stored."),
}


def text_fault_messages(value, path: tuple = ()) -> dict:
    """The strings of ``value`` that cannot be stored, as marshmallow's nested messages
    (``{"data": {"x": {0: [message]}}}``): empty when there is none. A faulty key is
    reported once, for itself, not again for what it holds."""
    out: dict = {}
    for where, fault in bounds.text_faults(value, path):
        where = where or ("_schema",)  # the value itself is the text
        node = out
        for key in where[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break  # under a key already refused
        else:
            node.setdefault(where[-1], []).append(str(TEXT_FAULTS[fault]))
    return out


class InputSchema(Schema):
    """The base of every input schema: unknown fields are ignored, and text the database
    cannot store is refused by field (422) wherever it is, object keys included."""

    class Meta:
        unknown = EXCLUDE

    #: Fields whose items another input schema loads (and checks) one by one, so that one
    #: faulty item is refused alone (a push's operations).
    items_loaded_alone: tuple[str, ...] = ()

    @pre_load
    def _storable_text(self, data, **kwargs):
        if isinstance(data, dict) and self.items_loaded_alone:
            data_checked = {k: v for k, v in data.items() if k not in self.items_loaded_alone}
        else:
            data_checked = data
        faults = text_fault_messages(data_checked)
        if faults:
            raise ValidationError(faults)
        return data


class Int(fields.Integer):
    """An integer a database column holds: ``minimum`` (0 by default) to
    :data:`webapp.bounds.MAX_INT`; a larger one is refused like any invalid value."""

    def __init__(self, *, minimum: int = 0, maximum: int = bounds.MAX_INT, **kwargs):
        checks = kwargs.pop("validate", None)
        checks = [] if checks is None else list(checks) if isinstance(checks, (list, tuple)) else [checks]
        kwargs.setdefault("error_messages", {}).setdefault("invalid", _l("Not a valid number."))
        super().__init__(validate=[validate.Range(minimum, maximum, error=_l("Between {min} and {max}.")), *checks], **kwargs)


class Id(Int):
    """A row's id: 1 to :data:`webapp.bounds.MAX_INT`."""

    def __init__(self, **kwargs):
        super().__init__(minimum=1, **kwargs)


class Instant(fields.AwareDateTime):
    """An instant with its offset (a naive one is UTC), as aware UTC, within the company's
    calendar (:data:`engine.clock.FIRST_DAY` to :data:`engine.clock.LAST_DAY`): an offset
    that carries it past year 9999 is refused, not an overflow later."""

    default_error_messages = {"invalid": _l("Not a valid date and time."), "range": _l("Out of the calendar's range.")}

    def __init__(self, **kwargs):
        super().__init__(default_timezone=clock.UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        at = super()._deserialize(value, attr, data, **kwargs)
        try:
            at = at.astimezone(clock.UTC)
        except OverflowError:
            raise self.make_error("range") from None
        if not clock.in_calendar(at.date()):
            raise self.make_error("range")
        return at


class LocalDateTime(fields.Field):
    """Company wall-clock time (``2026-11-24T09:00``) or ISO with an offset -> aware UTC,
    within the company's calendar."""

    default_error_messages = {"invalid": _l("Not a valid date and time.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            return value
        try:
            return clock.parse_local_datetime(str(value))
        except (TypeError, ValueError, OverflowError):
            raise self.make_error("invalid") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return value.astimezone(clock.company_tz()).isoformat() if value is not None else None


class Day(fields.Date):
    """An ISO day (``2026-11-30``) within the company's calendar."""

    default_error_messages = {"invalid": _l("Not a valid date."), "range": _l("Out of the calendar's range.")}

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not clock.in_calendar(day):
            raise self.make_error("range")
        return day


class Text(fields.String):
    """A trimmed string."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def error_dict(err: ValidationError) -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{field: [text, ...]}``."""
    out: dict[str, list[str]] = {}

    def add(key, value):
        if isinstance(value, dict):
            for v in value.values():
                add(key, v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                add(key, v)
        else:
            out.setdefault(key, [])
            if str(value) not in out[key]:
                out[key].append(str(value))

    messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    for k, v in messages.items():
        add(k, v)
    return out


def form_to_dict(form, *, lists=(), drop_empty=True) -> dict:
    """A browser form (MultiDict) as schema input: list fields via getlist, empty -> absent."""
    out = {}
    for key in form.keys():
        if key == "csrf_token":
            continue
        if key in lists:
            out[key] = [v for v in form.getlist(key) if v.strip()]
        else:
            v = form.get(key, "")
            if v.strip() or not drop_empty:
                out[key] = v
    return out


class ClientInputSchema(InputSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=160, error=_l("Between {min} and {max} characters.")), error_messages=msgs())
    address = Text(load_default=None, validate=validate.Length(max=250))
    postcode = Text(load_default=None, validate=validate.Regexp(r"^[0-9A-Za-z -]{2,10}$", error=_l("Not a valid postcode.")))
    city = Text(load_default=None, validate=validate.Length(max=120))
    phone = Text(load_default=None, validate=validate.Regexp(r"^[0-9+(). -]{6,40}$", error=_l("Not a valid phone number.")))
    email = Text(load_default=None, validate=[validate.Length(max=254), validate.Regexp(EMAIL_RE, error=_l("Not a valid e-mail address."))])
    lat = fields.Float(load_default=None, validate=validate.Range(-90, 90, error=_l("Between {min} and {max}.")), error_messages={"invalid": _l("Not a valid number.")})
    lon = fields.Float(load_default=None, validate=validate.Range(-180, 180, error=_l("Between {min} and {max}.")), error_messages={"invalid": _l("Not a valid number.")})

    @validates_schema
    def _both_coordinates(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError(_l("Give both latitude and longitude, or neither."), "lon")


class InterventionInputSchema(InputSchema):
    """Create or edit an intervention. Existence of the client, technicians, store and
    event type is checked by the service."""

    uuid = fields.UUID(load_default=None, error_messages={"invalid": _l("Not a valid identifier.")})
    version = Int(load_default=None)
    event_type_id = Text(required=True, error_messages=msgs())
    title = Text(load_default="", validate=validate.Length(max=200, error=_l("At most {max} characters.")))
    client_id = Id(required=True, error_messages=msgs(invalid=_l("Choose a client.")))
    store_id = Id(load_default=None, error_messages={"invalid": _l("Choose a store.")})
    equipment_id = Id(load_default=None, error_messages={"invalid": _l("Choose a piece of the client's equipment.")})
    start_at = LocalDateTime(required=True, error_messages=msgs())
    end_at = LocalDateTime(required=True, error_messages=msgs())
    technician_ids = fields.List(
        Id(error_messages={"invalid": _l("Not a valid technician.")}),
        required=True,
        validate=validate.Length(min=1, error=_l("Choose at least one technician.")),
        error_messages=msgs(),
    )
    tags = fields.List(Text(validate=validate.Length(min=1, max=40, error=_l("A tag has at most {max} characters."))), load_default=list)
    notes = Text(load_default=None, validate=validate.Length(max=5000))

    @validates_schema(skip_on_field_errors=False)
    def _end_after_start(self, data, **kwargs):
        start, end = data.get("start_at"), data.get("end_at")
        if isinstance(start, datetime) and isinstance(end, datetime) and end <= start:
            raise ValidationError(_l("The end must come after the start."), "end_at")


class EquipmentInputSchema(InputSchema):
    """Create or edit a piece of equipment. The kind and the fuel are checked against
    ``equipment.json`` by the service, and so are the free ``fields`` (by the engine)."""

    version = Int(load_default=None)
    kind = Text(required=True, validate=validate.Length(min=1, max=32), error_messages=msgs())
    brand = Text(load_default=None, validate=validate.Length(max=80, error=_l("At most {max} characters.")))
    model = Text(load_default=None, validate=validate.Length(max=120, error=_l("At most {max} characters.")))
    serial_number = Text(load_default=None, validate=validate.Length(max=80, error=_l("At most {max} characters.")))
    installed_on = Day(load_default=None)
    warranty_until = Day(load_default=None)
    fuel = Text(load_default=None, validate=validate.Length(max=32))
    notes = Text(load_default=None, validate=validate.Length(max=5000, error=_l("At most {max} characters.")))
    next_maintenance_on = Day(load_default=None)
    retired_on = Day(load_default=None)
    fields = fields.Dict(keys=fields.String(), load_default=dict, error_messages={"invalid": _l("Not a valid object.")})  # last: hides the module

    @validates_schema(skip_on_field_errors=False)
    def _warranty_after_installation(self, data, **kwargs):
        start, end = data.get("installed_on"), data.get("warranty_until")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise ValidationError(_l("The warranty cannot end before the installation."), "warranty_until")


TAG_RE = re.compile(r"^[^,<>]{1,40}$")


class UserInputSchema(InputSchema):
    username = Text(required=True, validate=validate.Regexp(r"^[a-zA-Z0-9._-]{2,64}$", error=_l("2 to 64 letters, digits, dots, dashes or underscores.")), error_messages=msgs())
    display_name = Text(required=True, validate=validate.Length(min=1, max=120), error_messages=msgs())
    email = Text(load_default=None, validate=[validate.Length(max=254), validate.Regexp(EMAIL_RE, error=_l("Not a valid e-mail address."))])
    role = fields.String(required=True, validate=validate.OneOf(["manager", "office", "technician"], error=_l("Not a valid role.")), error_messages=msgs())
    password = fields.String(load_default=None)


# -- API output ------------------------------------------------------------------------


class ClientSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)


class UserRefSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class InterventionSchema(Schema):
    id = fields.Integer()
    uuid = fields.String()
    event_type_id = fields.String()
    title = fields.String()
    status = fields.String()
    closed = fields.Boolean()
    start_at = LocalDateTime()
    end_at = LocalDateTime()
    duration_minutes = fields.Integer()
    client = fields.Nested(ClientSchema)
    store = fields.Function(lambda iv: iv.store.name if iv.store else None)
    equipment_id = fields.Integer(allow_none=True)
    technicians = fields.List(fields.Nested(UserRefSchema))
    tags = fields.Function(lambda iv: [t.name for t in iv.tags])
    notes = fields.String(allow_none=True)
    version = fields.Integer()


class EquipmentSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    kind = fields.String()
    brand = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    serial_number = fields.String(allow_none=True)
    installed_on = fields.Date(allow_none=True)
    warranty_until = fields.Date(allow_none=True)
    fuel = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    next_maintenance_on = fields.Date(allow_none=True)
    retired_on = fields.Date(allow_none=True)
    version = fields.Integer()
    fields = fields.Dict()  # last: the name hides marshmallow's module in the class body


class SubmissionSchema(Schema):
    id = fields.Integer()
    form_id = fields.String()
    form_version = fields.Function(lambda s: {"id": s.form_version_id, "version": s.form_version.version, "content_hash": s.form_version.content_hash})
    data = fields.Dict()
    updated_at = LocalDateTime()
    version = fields.Integer()
