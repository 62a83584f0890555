"""marshmallow schemas of the sync API: what a device pushes. Fields are listed
explicitly; no hook touches the database (the intervention, the form and the attachments
an operation names are checked when it is applied)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..schemas import InputSchema, Instant, Int

OP_TYPES = ("answers", "transition", "start", "pause", "resume", "finish", "time", "back_to_confirmed", "send_report", "discard")
MAX_OPS_PER_PUSH = 200
MAX_MINUTES = 7 * 24 * 60


class OperationSchema(InputSchema):
    """One operation, made on the device with its own UUID."""

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(OP_TYPES))
    intervention = fields.UUID(required=True)
    #: The version the device based the change on: the submission's for answers (0 = no
    #: answers yet), the intervention's for the others.
    base_version = Int(load_default=None, allow_none=True)
    #: When the technician did it, on the device's clock (an instant with its offset).
    at = Instant(load_default=None, allow_none=True)
    # answers, discard (the form whose refused or conflicting answers the device dropped)
    form_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    form_hash = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    data = fields.Dict(keys=fields.String(), load_default=None)
    #: answers: the fields saved with their prefilled value unconfirmed (the audit keeps them)
    prefilled = fields.List(fields.String(validate=validate.Length(max=500)), load_default=None, allow_none=True, validate=validate.Length(max=500))
    # transition
    to = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    # finish and time
    duration_minutes = Int(load_default=None, allow_none=True, maximum=MAX_MINUTES)
    travel_minutes = Int(load_default=None, allow_none=True, maximum=MAX_MINUTES)
    # send_report
    recipients = fields.List(fields.Email(), load_default=None, allow_none=True, validate=validate.Length(max=10))

    @validates_schema
    def _payload(self, data, **kwargs):
        kind = data.get("type")
        if kind == "answers":
            missing = [k for k in ("form_id", "data") if data.get(k) is None]
            if missing:
                raise ValidationError({k: ["Required for answers."] for k in missing})
        if kind == "discard" and not data.get("form_id"):
            raise ValidationError({"form_id": ["Required for discard."]})
        if kind == "transition" and not data.get("to"):
            raise ValidationError({"to": ["Required for a transition."]})


class PushSchema(InputSchema):
    """A batch; each operation is loaded on its own so that one bad operation does not
    refuse the others."""

    items_loaded_alone = ("ops",)

    ops = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=MAX_OPS_PER_PUSH))
    device = fields.String(load_default=None, validate=validate.Length(max=100))

