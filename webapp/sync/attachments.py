"""Photos and signatures from devices: ``PUT /api/v1/attachments/<uuid>`` with the raw
bytes, stored once per content (sha256) under ``ATTACHMENTS_DIR/<sha[:2]>/<sha>``.

Checked: the intervention (the policy's ``upload_attachments``: visible to the user, not
closed for a device), the size,
the declared sha256 against the bytes, the type against what Pillow reads in the bytes.
Idempotent: the same id with the same bytes is a success again; other bytes are a conflict.
An interrupted upload is simply sent again.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Attachment, Intervention, User
from ..services import policy
from ..services.errors import Conflict, NotFound, ServiceError
from ..services.interventions import load_intervention

ALLOWED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class UploadRefused(ServiceError):
    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.code = code


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large() -> UploadRefused:
    """413: said from the declared length before reading, or from the bytes read."""
    return UploadRefused(413, "too_large", _("The file is too large (at most %(mb)d MB).", mb=max_bytes() // (1024 * 1024)))


def sniff(data: bytes) -> str | None:
    """The image format Pillow finds in ``data`` (JPEG, PNG, WEBP...), None if none."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            return img.format
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def storage_path(sha: str) -> Path:
    return Path(current_app.config["ATTACHMENTS_DIR"]) / sha[:2] / sha


def _store(data: bytes, sha: str) -> None:
    path = storage_path(sha)
    if path.is_file() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def intervention_for_upload(user: User, iv_uuid: str | None) -> Intervention:
    iv_id = db.session.scalar(sa.select(Intervention.id).where(Intervention.uuid == (iv_uuid or "")))
    if iv_id is None:
        raise NotFound(_("No such intervention."))
    return load_intervention(iv_id, user)  # NotFound unless visible


def find_visible(user: User, attachment_id: str) -> Attachment:
    att = db.session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound(_("No such attachment."))
    load_intervention(att.intervention_id, user)  # NotFound unless visible
    return att


def put_attachment(user: User, attachment_id: str, iv_uuid: str | None, content_type: str, declared_sha: str, data: bytes) -> tuple[Attachment, bool]:
    """Store an upload; returns the attachment and whether it is new."""
    iv = intervention_for_upload(user, iv_uuid)
    policy.enforce(user, iv, "upload_attachments", source="device")
    if len(data) > max_bytes():
        raise too_large()
    if not data:
        raise UploadRefused(400, "empty", _("The file is empty."))
    declared_sha = (declared_sha or "").strip().lower()
    sha = hashlib.sha256(data).hexdigest()
    if declared_sha != sha:
        raise UploadRefused(400, "checksum", _("The file arrived damaged (checksum mismatch): send it again."))
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype not in ALLOWED_TYPES:
        raise UploadRefused(415, "type", _("Only JPEG, PNG and WebP images are accepted."))
    if sniff(data) != ALLOWED_TYPES[ctype]:
        raise UploadRefused(415, "type", _("The file is not the image it says it is."))
    existing = db.session.get(Attachment, attachment_id)
    if existing is not None:
        return _same(existing, sha, iv), False
    _store(data, sha)
    att = Attachment(id=attachment_id, sha256=sha, content_type=ctype, size=len(data), intervention_id=iv.id, created_by_id=user.id)
    db.session.add(att)
    try:
        db.session.commit()
    except IntegrityError:  # the same upload, twice at once
        db.session.rollback()
        return _same(db.session.get(Attachment, attachment_id), sha, iv), False
    return att, True


def _same(existing: Attachment | None, sha: str, iv: Intervention) -> Attachment:
    if existing is None or existing.sha256 != sha or existing.intervention_id != iv.id:
        raise Conflict(_("Another file was already sent under this id."))
    return existing

