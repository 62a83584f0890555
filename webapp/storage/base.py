"""The storage interface both backends implement, and what they raise.

A backend implements the six operations that touch the medium (:meth:`Storage.put`,
:meth:`~Storage.open`, :meth:`~Storage.info`, :meth:`~Storage.delete`, :meth:`~Storage.keys`,
:meth:`~Storage.check`); reading whole, existence and hashing are built on them here, once.
"""

from __future__ import annotations

import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

#: Bytes read at a time when a stream is hashed or copied.
CHUNK = 1024 * 1024


class StorageError(RuntimeError):
    """The storage is misconfigured or refused what was asked (a wrong bucket, no right to
    it, a key it does not accept): a bug or a setting to fix, logged as such."""


class StorageUnavailable(RuntimeError):
    """The storage cannot be reached right now (a network error, a server error, a full or
    read-only disk): answered 503 (:mod:`webapp.errors`), which the phone takes as "try
    again later", not as a refusal. The message says why, for the log only (it may name
    hosts)."""


class MissingObject(LookupError):
    """No object under this key."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a backend says of an object without reading it. ``sha256``: the hash recorded
    when it was stored (S3 metadata), None where the backend records none (a file)."""

    key: str
    size: int
    sha256: str | None = None
    content_type: str | None = None


class StoredStream:
    """An object being read: ``stream`` (a binary file-like object) and its ``size``.
    Close it (or use it in ``with``)."""

    def __init__(self, stream: BinaryIO, size: int):
        self.stream = stream
        self.size = size

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> StoredStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sha256_of(data: bytes | BinaryIO) -> str:
    """The sha256 of bytes or of a stream read to its end, a chunk at a time."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return hashlib.sha256(data).hexdigest()
    h = hashlib.sha256()
    for chunk in iter(lambda: data.read(CHUNK), b""):
        h.update(chunk)
    return h.hexdigest()


def check_key(key: str) -> str:
    """A key is a relative path of plain names: no empty, ``.`` or ``..`` part, no backslash
    (a key is never a way out of the folder or the prefix)."""
    parts = key.split("/")
    if not key or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise StorageError(f"not a storage key: {key!r}")
    return key


class Storage(ABC):
    """Objects by key: bytes, a content type, a size. Writes are whole or nothing (a reader
    never sees half an object) and a key written twice holds the last bytes."""

    #: "local" or "s3"
    kind: str

    @abstractmethod
    def describe(self) -> str:
        """Where the objects are, for people (the copy command's lines); no secret."""

    @abstractmethod
    def locate(self, key: str) -> str:
        """Where the object of ``key`` is, for people: a file's path, an ``s3://`` URL."""

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO, content_type: str, *, sha256: str | None = None) -> ObjectInfo:
        """Store ``data`` (bytes, or a binary stream read to its end) under ``key``.
        ``sha256``: the data's, when the caller knows it (recorded by backends that keep
        it; computed otherwise)."""

    @abstractmethod
    def open(self, key: str) -> StoredStream:
        """The object, to be read as a stream; :class:`MissingObject` when there is none."""

    @abstractmethod
    def info(self, key: str) -> ObjectInfo | None:
        """Size (and what else the backend knows) of the object, None when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; nothing happens when there is none."""

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix``, in key order."""

    @abstractmethod
    def check(self) -> None:
        """Raise unless objects can be written and read now (``/readyz``)."""

    def exists(self, key: str) -> bool:
        return self.info(key) is not None

    def read(self, key: str) -> bytes:
        with self.open(key) as obj:
            return obj.read()

    def sha256(self, key: str) -> str:
        """The sha256 of the object's bytes, read now (whatever was recorded when it was
        stored): what ``storage copy`` verifies with."""
        with self.open(key) as obj:
            return sha256_of(obj.stream)


def as_stream(data: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(bytes(data)) if isinstance(data, (bytes, bytearray, memoryview)) else data
