"""The local folder backend: one file per key under ``ATTACHMENTS_DIR``.

The embedded default: nothing to install or run. Writes go to a temporary file in the
target's folder, then ``os.replace`` (atomic on one file system: a reader sees the old file
or the new one, never half of one). Files whose name starts with a dot are never objects:
they are those temporary files (and the readiness check's). A full or read-only disk is a
:class:`StorageUnavailable`, as a storage server down would be.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NoReturn

from .base import CHUNK, MissingObject, ObjectInfo, Storage, StorageUnavailable, StoredStream, as_stream, check_key

#: errno values of a disk that cannot take a write now (rather than a bug).
_UNAVAILABLE = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EACCES, errno.EPERM, errno.ENOTDIR}


class LocalStorage(Storage):
    kind = "local"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def describe(self) -> str:
        return f"local folder {self.root}"

    def locate(self, key: str) -> str:
        return str(self.path(key))

    def path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes | BinaryIO, content_type: str, *, sha256: str | None = None) -> ObjectInfo:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as f:
                    shutil.copyfileobj(as_stream(data), f, CHUNK)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            size = path.stat().st_size
        except OSError as exc:
            self._fail(exc)
        return ObjectInfo(key, size, sha256, content_type)

    def open(self, key: str) -> StoredStream:
        path = self.path(key)
        try:
            f = path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise MissingObject(key) from None
        except OSError as exc:
            self._fail(exc)
        return StoredStream(f, os.fstat(f.fileno()).st_size)

    def info(self, key: str) -> ObjectInfo | None:
        path = self.path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self._fail(exc)
        return ObjectInfo(key, st.st_size) if path.is_file() else None

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as exc:
            self._fail(exc)

    def keys(self, prefix: str = "") -> Iterator[str]:
        found = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = Path(folder).relative_to(self.root).as_posix()
            for name in files:
                if name.startswith("."):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    found.append(key)
        return iter(sorted(found))

    def check(self) -> None:
        """The folder exists (made if missing) and a file can be written in it and removed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".readyz-") as f:
            f.write(b"ok")
            f.flush()

    def _fail(self, exc: OSError) -> NoReturn:
        """A disk that cannot take it now is unavailable; any other error is what it is."""
        if exc.errno in _UNAVAILABLE:
            raise StorageUnavailable(f"{self.describe()}: {exc.strerror} ({exc.filename})") from exc
        raise exc
