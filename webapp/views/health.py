"""``/healthz`` and ``/readyz``: for the load balancer and the orchestrator, without a login.

``/healthz`` says the process answers (nothing else is touched: a database outage must not
make every node look dead and get restarted). ``/readyz`` says whether this node can serve
(:mod:`webapp.readiness`): 200 with what was checked, or 503 in the one error shape
(:mod:`webapp.errors`) with one item per thing that is down, its ``code`` the check's name;
the reasons go to the log, under the request's id.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _

from ..errors import error_response
from ..readiness import check_all

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _down_message(name: str) -> str:
    return {
        "database": _("The database is unreachable."),
        "redis": _("Redis is unreachable."),
        "storage": _("The attachment storage is unreachable or read-only."),
    }.get(name, _("%(name)s is unreachable.", name=name))


@bp.get("/healthz")
def healthz():
    return jsonify(status="alive")


@bp.get("/readyz")
def readyz():
    results = check_all(current_app)
    down = [name for name, reason in results.items() if reason]
    if not down:
        return jsonify(status="ready", checks={name: "ok" for name in results})
    for name in down:
        log.warning("not ready: %s: %s", name, results[name], extra={"check": name})
    return error_response(
        "unavailable", 503, message=_("Not ready: %(down)s.", down=", ".join(down)),
        errors=[{"code": name, "message": _down_message(name)} for name in down],
    )
