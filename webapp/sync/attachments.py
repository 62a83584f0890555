"""Photos and signatures from devices: ``PUT /api/v1/attachments/<uuid>`` with the raw
bytes.

Checked: the intervention (the policy's ``upload_attachments``: visible to the user, not
closed for a device), the size, the declared sha256 against the bytes, the type against
what the bytes' header says, the pixel count from that header before anything is decoded
(:mod:`renderers.imaging`: a decompression bomb is a 422, not a 500 the phone retries
forever). Idempotent: the same id with the same bytes is a success again; other bytes are
a conflict. An interrupted upload is simply sent again.

What is stored (issue 11): not the device's bytes but the server's re-encoding of them
(:func:`renderers.imaging.reencode`: at most ``ATTACHMENT_MAX_SIDE`` px on the long side,
EXIF orientation applied, metadata stripped; a photo as JPEG, a PNG (a signature) as PNG),
in the storage (:mod:`webapp.storage`: the local folder or S3) under
:func:`~webapp.storage.attachment_key` of ``sha``, the sha256 *of the bytes the device
sent*. That sha identifies the upload (the device computed it; a replay compares it) and
names the object: two uploads of the same bytes share one stored object, on any node.
``size`` and ``content_type`` are those of the stored object. A file stored before this
rule (the device's bytes) stays as it is and is shared the same way.

"Not yours" and "not there" answer the same 404 and message (:func:`find_visible`).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Response, current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from renderers import imaging

from ..extensions import db
from ..models import Attachment, Intervention, User
from ..storage import MissingObject, attachment_key, get_storage
from ..storage.http import stored_response
from ..services import policy
from ..services.errors import Conflict, NotFound, ServiceError
from ..services.interventions import load_intervention

ALLOWED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


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


def _refusal(exc: imaging.ImageRefused) -> UploadRefused:
    """An image :mod:`renderers.imaging` will not decode, as the client reads it."""
    if exc.code == "too_many_pixels":
        d = exc.details
        return UploadRefused(422, "too_many_pixels", _("The image is too large: %(width)d × %(height)d pixels, at most %(mp)d million are accepted.",
                                                       width=d["width"], height=d["height"], mp=d["limit"] // 1_000_000))
    if exc.code == "not_image":
        return UploadRefused(415, "type", _("The file is not the image it says it is."))
    return UploadRefused(422, "unreadable", _("The image cannot be read: it is damaged or incomplete."))


def _store(data: bytes, sha: str) -> tuple[str, int]:
    """Keep what the server stores of the upload ``data`` (sha256 ``sha``): the content type
    and size of the stored object. An object already there for these bytes is shared."""
    storage, key = get_storage(), attachment_key(sha)
    known = db.session.scalar(sa.select(Attachment.content_type).where(Attachment.sha256 == sha).limit(1))
    if known is not None:
        there = storage.info(key)
        if there is not None:
            return known, there.size
    cfg = current_app.config
    try:
        encoded = imaging.reencode(data, max_side=cfg["ATTACHMENT_MAX_SIDE"], quality=cfg["ATTACHMENT_JPEG_QUALITY"], max_pixels=cfg["ATTACHMENT_MAX_PIXELS"])
    except imaging.ImageRefused as exc:
        raise _refusal(exc) from None
    storage.put(key, encoded.data, encoded.content_type)
    return encoded.content_type, len(encoded.data)


def intervention_for_upload(user: User, iv_uuid: str | None) -> Intervention:
    iv_id = db.session.scalar(sa.select(Intervention.id).where(Intervention.uuid == (iv_uuid or "")))
    if iv_id is None:
        raise NotFound(_("No such intervention."))
    return load_intervention(iv_id, user)  # NotFound unless visible


def find_visible(user: User, attachment_id: str) -> Attachment:
    """The attachment, if ``user`` may see its intervention. Not there, not theirs, or its
    file gone: the same 404 and the same message, so that nobody learns which."""
    att = db.session.get(Attachment, attachment_id)
    try:
        if att is None:
            raise NotFound("")
        load_intervention(att.intervention_id, user)  # NotFound unless visible
    except NotFound:
        raise NotFound(_("No such attachment.")) from None
    return att


def download(att: Attachment) -> Response:
    """The stored object of ``att`` as an HTTP response (:mod:`webapp.storage.http`), for a
    caller that checked the access (:func:`find_visible`); NotFound (the same message) when
    its object is missing."""
    try:
        return stored_response(get_storage(), attachment_key(att.sha256), content_type=att.content_type, etag=att.sha256, download_name=download_name(att))
    except MissingObject:
        raise NotFound(_("No such attachment.")) from None


def download_name(att: Attachment) -> str:
    """A file name that says nothing but the id and the type (``Content-Disposition``)."""
    return f"{att.id}{EXTENSIONS.get(att.content_type, '')}"


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
    try:
        fmt = imaging.header(data)[0]
    except imaging.ImageRefused as exc:
        raise _refusal(exc) from None
    if fmt != ALLOWED_TYPES[ctype]:
        raise UploadRefused(415, "type", _("The file is not the image it says it is."))
    existing = db.session.get(Attachment, attachment_id)
    if existing is not None:  # a replay: the sha says whether these are the same bytes
        return _same(existing, sha, iv), False
    stored_type, stored_size = _store(data, sha)
    att = Attachment(id=attachment_id, sha256=sha, content_type=stored_type, size=stored_size, intervention_id=iv.id, created_by_id=user.id)
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

