"""The sync API of the offline technician client (issue 5), under ``/api/v1``:

* ``GET  /api/v1/sync/session``  who is logged in, and the CSRF token for the writes;
* ``GET  /api/v1/sync/pull``     the technician's interventions changed since a cursor;
* ``POST /api/v1/sync/push``     a batch of operations, idempotent by operation UUID;
* ``PUT  /api/v1/attachments/<uuid>`` a photo or signature (raw bytes), ``GET``/``HEAD``
  whether it is there.

Documented in ``docs/openapi.yaml``. Same login (session or "remember me" cookie) and CSRF
header (``X-CSRFToken``) as the rest of the API, and the same error shape
(:mod:`webapp.errors`).
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from renderers import imaging

from ..i18n import chosen_lang, current_lang
from ..views.common import load_json_body
from . import attachments as att_mod
from . import office
from .ops import apply_batch
from .pull import pull as do_pull
from .schemas import PushSchema

bp = Blueprint("sync", __name__, url_prefix="/api/v1")


@bp.route("/sync/session")
@login_required
def session():
    u = current_user
    return jsonify({"user": {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role}, "csrf_token": generate_csrf(),
                    "lang": current_lang(), "lang_preference": chosen_lang()})


@bp.route("/sync/pull")
@login_required
def pull():
    return jsonify(do_pull(current_user, request.args.get("cursor"), current_lang()))


@bp.route("/sync/push", methods=["POST"])
@login_required
def push():
    batch = load_json_body(PushSchema())
    return jsonify({"results": apply_batch(current_user, batch["ops"])})


# A malformed id is no attachment: 404, like any unknown address (werkzeug's uuid converter).
@bp.route("/attachments/<uuid:attachment_id>", methods=["PUT"])
@login_required
def put_attachment(attachment_id: UUID):
    attachment_id = str(attachment_id)
    limit = att_mod.max_bytes()
    if request.content_length is not None and request.content_length > limit:
        raise att_mod.too_large()
    data = request.stream.read(limit + 1)
    iv_uuid = request.headers.get("X-Intervention") or request.args.get("intervention")
    att, created = att_mod.put_attachment(current_user, attachment_id, iv_uuid, request.headers.get("Content-Type", ""), request.headers.get("X-Content-SHA256", ""), data)
    body = {"id": att.id, "sha256": att.sha256, "size": att.size, "content_type": att.content_type}
    return jsonify(body), 201 if created else 200


@bp.route("/attachments/<uuid:attachment_id>", methods=["GET"])  # HEAD comes with GET
@login_required
def get_attachment(attachment_id: UUID):
    att = att_mod.find_visible(current_user, str(attachment_id))
    response = jsonify({"id": att.id, "sha256": att.sha256, "size": att.size, "content_type": att.content_type})
    response.headers["X-Content-SHA256"] = att.sha256
    return response


def init_app(app) -> None:
    app.config.setdefault("ATTACHMENT_MAX_BYTES", att_mod.DEFAULT_MAX_BYTES)
    # what the server keeps of an uploaded image (renderers.imaging): its bound and encoding
    app.config.setdefault("ATTACHMENT_MAX_PIXELS", imaging.MAX_PIXELS)
    app.config.setdefault("ATTACHMENT_MAX_SIDE", imaging.MAX_SIDE)
    app.config.setdefault("ATTACHMENT_JPEG_QUALITY", imaging.JPEG_QUALITY)
    app.config.setdefault("SYNC_DAYS_BEFORE", 1)
    app.config.setdefault("SYNC_DAYS_AFTER", 7)
    app.register_blueprint(bp)
    app.register_blueprint(office.bp)
    app.jinja_env.globals["sync_problems"] = office.sync_problems
