"""What services raise; views turn them into pages or JSON with the right status code."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    """Wrong or missing fields, by field name (422). Nothing was saved."""

    status_code = 422

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}


class InvalidAnswers(ServiceError):
    """Answers the engine refused: a list of engine FieldError (422)."""

    status_code = 422

    def __init__(self, errors: list):
        super().__init__(f"{len(errors)} invalid answer(s)")
        self.errors = errors


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    """Someone else changed it meanwhile (optimistic concurrency), 409."""

    status_code = 409
