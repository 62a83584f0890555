"""Copying every object of one storage to another, key for key (``fieldforms storage copy``).

Made to be run again: an object already at the destination with the same bytes (its sha256,
as recorded there, else read) is skipped, so a copy interrupted or run once more before the
switch of ``STORAGE_BACKEND`` only sends what is new. Each object copied is read back from
the destination and its sha256 compared to the source's; one that differs is removed from
the destination (a later run copies it again) and counted as failed, as is any object the
source or the destination refused. The source is never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .base import MissingObject, Storage, StorageError, StorageUnavailable, sha256_of

#: Content types by the first bytes of an object (the local folder records none).
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


class CopyFailed(Exception):
    """This object was not copied (the reason, in one line)."""


@dataclass
class CopyReport:
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: (key, why)
    failed: list[tuple[str, str]] = field(default_factory=list)


def content_type_of(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((ctype for magic, ctype in _MAGIC if data.startswith(magic)), "application/octet-stream")


def verify(dest: Storage, key: str, sha: str) -> None:
    """The object ``key`` of ``dest``, read back, has the sha256 ``sha``; else it is removed
    and :class:`CopyFailed` says so."""
    got = dest.sha256(key)
    if got != sha:
        dest.delete(key)
        raise CopyFailed(f"sha256 {got} read back, {sha} sent: removed from {dest.describe()}")


def copy_object(source: Storage, dest: Storage, key: str) -> bool:
    """Copy one object; False when the destination already had these bytes."""
    info = source.info(key)
    with source.open(key) as obj:
        data = obj.read()
    sha = sha256_of(data)
    there = dest.info(key)
    if there is not None and there.size == len(data) and (there.sha256 or dest.sha256(key)) == sha:
        return False
    ctype = (info.content_type if info is not None else None) or content_type_of(data)
    dest.put(key, data, ctype, sha256=sha)
    verify(dest, key, sha)
    return True


def copy_all(source: Storage, dest: Storage, keys: Iterable[str], on_done: Callable[[str, str], None] | None = None) -> CopyReport:
    """Copy ``keys`` of ``source`` to ``dest``; ``on_done(key, outcome)`` after each
    (outcome: ``copied``, ``skipped`` or ``failed``). What fails is reported, never raised:
    the other objects are copied all the same."""
    report = CopyReport()
    for key in keys:
        try:
            outcome = "copied" if copy_object(source, dest, key) else "skipped"
        except (CopyFailed, StorageError, StorageUnavailable, MissingObject, OSError) as exc:
            why = f"{type(exc).__name__}: {exc}" if isinstance(exc, MissingObject) else str(exc)
            report.failed.append((key, why.splitlines()[0] if why else type(exc).__name__))
            outcome = "failed"
        else:
            getattr(report, outcome).append(key)
        if on_done is not None:
            on_done(key, outcome)
    return report
