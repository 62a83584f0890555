"""What services raise; views turn them into pages or JSON with the right status code.

Every error has a stable ``code`` (what the API and the offline client switch on) and a
``message`` in the user's language (what people read).
"""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    """Wrong or missing fields, by field name (422). Nothing was saved."""

    status_code = 422
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}


class InvalidAnswers(ServiceError):
    """Answers the engine refused: a list of engine FieldError (422)."""

    status_code = 422
    code = "invalid_answers"

    def __init__(self, errors: list):
        super().__init__(f"{len(errors)} invalid answer(s)")
        self.errors = errors


class InvalidRecord(InvalidAnswers):
    """A record refused by JSON pointer (422, code ``invalid``): its own fields (``/brand``)
    and its free fields, which the engine checks (``/fields/...``), in one list of
    engine FieldError, so that every fault is said at once."""

    code = "invalid"


class Forbidden(ServiceError):
    status_code = 403
    code = "forbidden"


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    """Someone else changed it meanwhile (optimistic concurrency), 409."""

    status_code = 409
    code = "conflict"


class Locked(ServiceError):
    """The office closed the intervention (S3): no change from devices or technicians
    until it is reopened, whatever its status. ``reason`` is the office's note, if any."""

    status_code = 423
    code = "closed"

    def __init__(self, message: str = "", reason: str | None = None):
        super().__init__(message)
        self.reason = reason


class NotStarted(ServiceError):
    """Mandatory time tracking (H3): nothing changes before Start was pressed (409)."""

    status_code = 409
    code = "not_started"


class Incomplete(ServiceError):
    """Finish refused: ``missing`` lists every unmet completion guard as
    ``{"code": ..., "message": ...}`` (422)."""

    status_code = 422
    code = "incomplete"

    def __init__(self, message: str = "", missing: list[dict] | None = None):
        super().__init__(message)
        self.missing = list(missing or [])


class TransitionRefused(Forbidden):
    """The workflow does not allow this status change for this role (403)."""

    status_code = 403
    code = "transition"


class MailNotConfigured(ServiceError):
    """Reports cannot be sent: no ``MAIL_SERVER`` (503)."""

    status_code = 503
    code = "mail_not_configured"


class ReportFailed(ServiceError):
    """The report PDF cannot be made: a refused report template, a damaged photo (422).
    The message names the file and the problem, for the office to fix or pass on."""

    status_code = 422
    code = "report_failed"
