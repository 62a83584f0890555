"""One shape for every API error, one page for every refused request (DESIGN.md, "errors").

Every error answered under ``/api/`` is a JSON object of this one shape (``Error`` in
``docs/openapi.yaml``)::

    {"error": "<what happened, in the user's language>", "code": "<stable code>",
     "errors": [{"pointer": "/end_at", "message": "...", ...}, ...],   # fields at fault
     "pointer": "/end_at"}                                              # ... when only one

* ``error`` is for people, ``code`` for programs (the phone switches on it);
* ``errors`` lists what is at fault, one item per problem: ``pointer`` (RFC 6901, into the
  request body; ``""`` is the body itself) and ``message`` for a field, plus ``keyword`` for
  an answer the form refused; ``code`` (and ``form``) for a condition that is not a field
  (what Finish still misses);
* ``pointer`` is there when exactly one field is at fault (all items name the same one), so
  a client that shows one problem at a time needs nothing else.

No other key, whatever went wrong: a service's refusal (:class:`ServiceError`), a marshmallow
``ValidationError``, an HTTP error raised by Flask or werkzeug (routing 404/405, 413, CSRF),
a missing login (401, :mod:`webapp.auth`) and an unexpected exception (500, logged, no
traceback in the answer). A page refused gets ``error.html`` with its status, or the login
page for a missing login. The handlers are the app's, not the ``/api/v1`` blueprints': a
blueprint's handlers never see the 404 or 405 of an address no view matched.

The sync push's per-operation results carry the same error part (``error``, ``code``,
``errors``, ``pointer``): :func:`describe` is what both use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.paths import to_pointer

from .services.errors import Incomplete, InvalidAnswers, InvalidInput, InvalidRecord, ServiceError
from .storage import StorageUnavailable

log = logging.getLogger(__name__)

#: The stable code of an HTTP error nobody described better, by status.
HTTP_CODES = {
    400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 423: "closed",
    429: "too_many_requests", 500: "server_error", 503: "unavailable",
}

#: What people read for a code when the exception gave no message of its own.
MESSAGES = {
    "bad_request": _l("The request could not be understood."),
    "csrf": _l("The security token is missing or expired: reload the page and try again."),
    "login_required": _l("Please log in."),
    "forbidden": _l("You may not do this."),
    "not_found": _l("Not found."),
    "method_not_allowed": _l("This address does not accept this method."),
    "conflict": _l("Someone else changed this meanwhile."),
    "too_large": _l("The request is too large."),
    "unsupported_media_type": _l("This type of content is not accepted here."),
    "invalid": _l("Some values are invalid."),
    "too_many_requests": _l("Too many requests: wait a moment and try again."),
    "server_error": _l("Something went wrong on the server. The error was logged; try again later."),
    "unavailable": _l("The service is not available right now; try again later."),
}


def message_for(code: str) -> str:
    """The generic message of ``code``, in the current language."""
    return str(MESSAGES.get(code) or MESSAGES["bad_request"])


def error_body(code: str, message: str, errors: list[dict] | None = None) -> dict:
    """The one error shape: ``error`` and ``code``, ``errors`` when something precise is at
    fault, and ``pointer`` when that is exactly one field."""
    body: dict = {"error": message, "code": code}
    if errors:
        body["errors"] = errors
        pointers = {e.get("pointer") for e in errors}
        if len(pointers) == 1 and None not in pointers:
            body["pointer"] = pointers.pop()
    return body


def field_errors(messages: Mapping | Iterable | str, path: tuple = ()) -> list[dict]:
    """marshmallow's nested messages, or :class:`InvalidInput`'s ``{field: [message]}``, as
    ``[{"pointer", "message"}]``. ``_schema`` (a message about the object itself) points at
    the object."""
    if isinstance(messages, Mapping):
        out: list[dict] = []
        for key, value in messages.items():
            out += field_errors(value, path if key == "_schema" else (*path, key))
        return out
    if isinstance(messages, (list, tuple)):
        return [item for value in messages for item in field_errors(value, path)]
    return [{"pointer": to_pointer(path), "message": str(messages)}]


def describe(exc: BaseException) -> tuple[int, dict]:
    """The HTTP status and the error body of ``exc``: the one place an exception becomes
    what a client reads."""
    if isinstance(exc, InvalidAnswers):
        items = [{"pointer": e.pointer, "message": e.message, "keyword": e.keyword} for e in exc.errors]
        n = len(items)
        if isinstance(exc, InvalidRecord):
            return exc.status_code, error_body(exc.code, message_for("invalid"), items)
        return exc.status_code, error_body(exc.code, ngettext("%(num)d answer is invalid.", "%(num)d answers are invalid.", n), items)
    if isinstance(exc, InvalidInput):
        return exc.status_code, error_body(exc.code, message_for("invalid"), field_errors(exc.errors))
    if isinstance(exc, Incomplete):
        return exc.status_code, error_body(exc.code, exc.message or message_for("invalid"), [dict(m) for m in exc.missing])
    if isinstance(exc, ServiceError):
        return exc.status_code, error_body(exc.code, exc.message or message_for(HTTP_CODES.get(exc.status_code, "bad_request")))
    if isinstance(exc, StorageUnavailable):  # not now: the phone sends it again later
        return 503, error_body("unavailable", message_for("unavailable"))
    if isinstance(exc, ValidationError):
        return 422, error_body("invalid", message_for("invalid"), field_errors(exc.messages))
    if isinstance(exc, CSRFError):
        return 400, error_body("csrf", message_for("csrf"))
    if isinstance(exc, HTTPException) and exc.code and exc.code >= 400:
        code = HTTP_CODES.get(exc.code, "bad_request" if exc.code < 500 else "server_error")
        # werkzeug's own descriptions are English: ours instead, unless a view said more
        custom = exc.description if exc.description != type(exc).description else None
        if exc.code >= 500:
            custom = None  # never an internal detail
        return exc.code, error_body(code, custom or message_for(code))
    return 500, error_body("server_error", message_for("server_error"))


def error_response(error: BaseException | str, status: int | None = None, *, message: str | None = None, errors: list[dict] | None = None) -> Response:
    """A JSON error response: of an exception (:func:`describe`), or of a code and a status
    (``error_response("login_required", 401)``), with the code's generic message unless
    ``message`` is given."""
    if isinstance(error, BaseException):
        status, body = describe(error)
    else:
        if status is None:
            raise TypeError("error_response(code) needs a status")
        body = error_body(error, message or message_for(error), errors)
    response = jsonify(body)
    response.status_code = status
    return response


def wants_json() -> bool:
    """The API answers JSON; the pages answer HTML."""
    return request.path.startswith("/api/")


def _page(status: int, message: str):
    return render_template("error.html", code=status, message=message), status


def _service_error(exc: ServiceError):
    if wants_json():
        return error_response(exc)
    return _page(exc.status_code, exc.message)


def _storage_unavailable(exc: StorageUnavailable):
    log.warning("storage unavailable: %s", exc)
    if wants_json():
        return error_response(exc)
    return _page(503, message_for("unavailable"))


def _validation_error(exc: ValidationError):
    if wants_json():
        return error_response(exc)
    return _page(422, message_for("invalid"))


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if wants_json():
        return error_response(exc)
    if exc.code == 401:  # a page asked without a login (webapp.auth): the login page, then back
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
    if exc.code >= 500:
        return exc  # werkzeug's plain page: drawing ours could fail the same way
    return _page(exc.code, describe(exc)[1]["error"] if isinstance(exc, CSRFError) else exc.description)


def init_app(app: Flask) -> None:
    """Register the handlers on the app. An unexpected exception reaches the 500 handler
    after Flask logged it (outside ``PROPAGATE_EXCEPTIONS``, i.e. not in tests, which see
    the exception itself unless they turn it off)."""
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(StorageUnavailable, _storage_unavailable)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)  # InternalServerError included
