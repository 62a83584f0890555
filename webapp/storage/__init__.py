"""Where photos, signatures and the report PDFs sent to clients are kept: one interface,
two backends (issue 14).

- ``STORAGE_BACKEND=local`` (the embedded default): a folder, ``ATTACHMENTS_DIR``
  (``instance/attachments/``), one file per key (:mod:`.local`);
- ``STORAGE_BACKEND=s3``: a bucket of S3-compatible object storage (AWS S3, MinIO, Ceph,
  Scaleway, OVH...), one object per key (:mod:`.s3`): ``S3_BUCKET``, ``S3_ENDPOINT_URL``
  (unset: AWS), ``S3_REGION``, ``S3_ACCESS_KEY_ID`` / ``S3_SECRET_ACCESS_KEY`` (unset:
  boto3's own chain: ``AWS_ACCESS_KEY_ID``..., an instance role), ``S3_PREFIX`` (keys under
  a folder of a shared bucket), ``S3_ADDRESSING_STYLE`` (``path`` for most self-hosted
  servers, ``virtual`` or ``auto``).

Every node of a deployment must use the same storage: a photo uploaded to one node is read
by another for the report, and by the worker. With several nodes, that is S3 (or a folder
all of them mount).

Keys are content-addressed, so a key's bytes never change and two uploads of the same bytes
share one object: :func:`attachment_key` (the sha256 the device computed of the bytes it
sent, as in the folder layout since issue 5) and :func:`report_key` (the sha256 of the PDF).
The same keys in both backends: ``fieldforms storage copy`` moves objects key for key
(:mod:`.copy`).

Everything that reads or writes these files goes through :func:`get_storage`; nothing else
opens ``ATTACHMENTS_DIR``.
"""

from __future__ import annotations

from flask import Flask, current_app

from .base import MissingObject, ObjectInfo, Storage, StorageError, StorageUnavailable, StoredStream

__all__ = [
    "BACKENDS", "MissingObject", "ObjectInfo", "Storage", "StorageError", "StorageUnavailable", "StoredStream", "SETTINGS",
    "attachment_key", "build", "get_storage", "report_key",
]

BACKENDS = ("local", "s3")
#: The settings a storage is built from (a change of any of them builds it again).
SETTINGS = ("STORAGE_BACKEND", "ATTACHMENTS_DIR", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
            "S3_PREFIX", "S3_ADDRESSING_STYLE")
_EXTENSION = "fieldforms.storage"


def attachment_key(sha: str) -> str:
    """A photo or signature, by the sha256 of the bytes the device sent (the server keeps its
    re-encoding of them there: :mod:`webapp.sync.attachments`)."""
    return f"{sha[:2]}/{sha}"


def report_key(sha: str) -> str:
    """A report PDF as it was sent, by its own sha256 (``ReportSending.pdf_sha256``)."""
    return f"reports/{sha[:2]}/{sha}.pdf"


def export_key(job_id: str, extension: str) -> str:
    """The file of a queued answer export (``ExportJob``), by the job's id: any node serves
    it, whichever made it (:mod:`webapp.services.exports`)."""
    return f"exports/{job_id}.{extension}"


def build(config, backend: str | None = None) -> Storage:
    """The storage ``config`` describes; ``backend`` overrides ``STORAGE_BACKEND`` (the copy
    command builds both). A setting missing or unknown is a :class:`StorageError` saying
    which, at start rather than at the first upload."""
    kind = (backend or config.get("STORAGE_BACKEND") or "local").strip().lower()
    if kind == "local":
        from .local import LocalStorage

        return LocalStorage(config["ATTACHMENTS_DIR"])
    if kind == "s3":
        from .s3 import S3Storage

        if not config.get("S3_BUCKET"):
            raise StorageError("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for storage other than AWS)")
        return S3Storage(
            config["S3_BUCKET"], endpoint_url=config.get("S3_ENDPOINT_URL") or None, region=config.get("S3_REGION") or None,
            access_key_id=config.get("S3_ACCESS_KEY_ID") or None, secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            prefix=config.get("S3_PREFIX") or "", addressing_style=config.get("S3_ADDRESSING_STYLE") or None,
        )
    raise StorageError(f"STORAGE_BACKEND={kind!r}: expected one of {', '.join(BACKENDS)}")


def get_storage(app: Flask | None = None) -> Storage:
    """The app's storage, built once per process from its settings (again if they change)."""
    app = app or current_app
    wanted = tuple(app.config.get(k) for k in SETTINGS)
    held = app.extensions.get(_EXTENSION)
    if held is None or held[0] != wanted:
        held = (wanted, build(app.config))
        app.extensions[_EXTENSION] = held
    return held[1]


def init_app(app: Flask) -> None:
    """Check the settings when the app is made: a wrong backend stops the start."""
    get_storage(app)
