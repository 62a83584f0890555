"""The request's edge: what no view should have to check (issue 11).

* ``<int:...>`` in a URL matches only an id the database holds (1 to
  :data:`webapp.bounds.MAX_INT`): anything larger is the 404 of an address that names
  nothing, before any SQL.
* JSON bodies are read by :func:`webapp.bounds.loads`: a body nested deeper than
  :data:`webapp.bounds.MAX_JSON_DEPTH` levels is a 400 (not the parser's RecursionError),
  ``NaN`` and ``Infinity`` are not JSON. Their size is bounded by ``MAX_CONTENT_LENGTH``
  (413).
* Query strings and form posts (the back office, the login) with text the database cannot
  store are refused (422) by field, before the view: a NUL in the login's username or in a
  search never reaches SQL. JSON bodies are checked by their schemas
  (:class:`webapp.schemas.InputSchema`), so that one operation of a push is refused alone.

Every refusal is answered by :mod:`webapp.errors`: the one JSON shape under ``/api/``, the
error page elsewhere.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from engine.paths import to_pointer

from . import bounds
from .errors import error_body, message_for, wants_json
from .schemas import TEXT_FAULTS

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class IdConverter(IntegerConverter):
    """werkzeug's ``int``, bounded to the ids a row may have: 1 to MAX_INT."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = bounds.MAX_INT, signed: bool = False) -> None:  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TooDeeplyNested(BadRequest):
    """A JSON body nested deeper than the limit (400)."""

    def __init__(self, limit: int):
        super().__init__(_("The JSON is nested too deeply (at most %(limit)d levels).", limit=limit))


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading with :func:`webapp.bounds.loads`. Too deep is a 400 of its own,
    whatever the caller (``get_json(silent=True)`` only silences malformed JSON)."""

    def loads(self, s: str | bytes, **kwargs):
        try:
            return bounds.loads(s)
        except bounds.TooDeep as exc:
            raise TooDeeplyNested(exc.limit) from None


def _fields_at_fault() -> list[dict]:
    """The query and form fields (names and values) that cannot be stored."""
    items: list[dict] = []
    sources = [request.args]
    if request.mimetype in FORM_TYPES:
        sources.append(request.form)
    for source in sources:
        for name, values in source.lists():
            fault = bounds.text_fault(name) or next((f for f in map(bounds.text_fault, values) if f), None)
            if fault:
                items.append({"pointer": to_pointer((name,)), "name": name, "message": str(TEXT_FAULTS[fault])})
    return items


def _refuse_unstorable_text():
    items = _fields_at_fault()
    if not items:
        return None
    if wants_json():
        response = jsonify(error_body("invalid", message_for("invalid"), [{"pointer": i["pointer"], "message": i["message"]} for i in items]))
        response.status_code = 422
        return response
    message = " ".join(_("%(field)s: %(message)s", field=repr(i["name"])[1:-1], message=i["message"]) for i in items)
    return render_template("error.html", code=422, message=message), 422


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: the ``int`` converter is read when a route is
    added."""
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(_refuse_unstorable_text)
