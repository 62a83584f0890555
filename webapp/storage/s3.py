"""The S3 backend: one object per key in a bucket of S3-compatible object storage (boto3).

Each object is written whole by one PUT (photos and reports are small: a photo is at most
the server's 2560 px re-encoding, a report a few hundred KB), with its content type and the
sha256 of its bytes as user metadata (``x-amz-meta-sha256``): ``storage copy`` compares it to
skip what is already there, and verifies what it copied by reading it back.

The client is made on first use in each process (a gunicorn worker, an RQ work horse: a
connection pool never crosses a fork) and shared by its threads (boto3 clients are
thread-safe). botocore retries what is worth retrying (its "standard" mode: throttling, 5xx,
dropped connections); what still fails is a :class:`StorageUnavailable` (503: the phone
sends the photo again later), a missing key is :class:`MissingObject`, anything else
(no such bucket, access denied) a :class:`StorageError`, a setting to fix.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from .base import MissingObject, ObjectInfo, Storage, StorageError, StorageUnavailable, StoredStream, check_key, sha256_of

#: Error codes of S3 that mean "not now" rather than "never".
_TRANSIENT = {"SlowDown", "ServiceUnavailable", "RequestTimeout", "InternalError", "RequestTimeTooSkewed"}
_MISSING = {"NoSuchKey", "404", "NotFound"}
#: Connections per process: more than the threads of a worker (``fieldforms serve --threads``).
MAX_POOL = 20


class S3Storage(Storage):
    kind = "s3"

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None, prefix: str = "", addressing_style: str | None = None,
                 connect_timeout: float = 5, read_timeout: float = 60):
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._credentials = (access_key_id, secret_access_key)
        self._addressing_style = addressing_style
        self._timeouts = (connect_timeout, read_timeout)
        self._client = None
        self._pid = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    def locate(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    @property
    def client(self):
        """boto3's S3 client of this process."""
        if self._client is None or self._pid != os.getpid():
            with self._lock:
                if self._client is None or self._pid != os.getpid():
                    self._client, self._pid = self._make_client(), os.getpid()
        return self._client

    def _make_client(self):
        import boto3
        from botocore.config import Config

        key_id, secret = self._credentials
        config = Config(
            region_name=self.region, connect_timeout=self._timeouts[0], read_timeout=self._timeouts[1],
            retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=MAX_POOL,
            s3={"addressing_style": self._addressing_style} if self._addressing_style else None,
        )
        # a session of its own: boto3's default session is not thread-safe to create clients from
        session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=self.region)
        return session.client("s3", endpoint_url=self.endpoint_url, config=config)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @contextmanager
    def _calling(self, key: str | None = None):
        """botocore's errors as this module's (see the module's docstring)."""
        from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

        try:
            yield
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code, status = str(err.get("Code", "")), int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if key is not None and (code in _MISSING or status == 404):
                raise MissingObject(key) from None
            if code in _TRANSIENT or status >= 500:
                raise StorageUnavailable(f"{self.describe()}: {code} {err.get('Message', '')}".strip()) from exc
            raise StorageError(f"{self.describe()}: {code or status} {err.get('Message', '')}".strip()) from exc
        except (ConnectionError, HTTPClientError) as exc:
            raise StorageUnavailable(f"{self.describe()}: {exc}") from exc
        except BotoCoreError as exc:  # no credentials, a bad endpoint URL...
            raise StorageError(f"{self.describe()}: {exc}") from exc

    def put(self, key: str, data: bytes | BinaryIO, content_type: str, *, sha256: str | None = None) -> ObjectInfo:
        body = data if isinstance(data, (bytes, bytearray, memoryview)) else data.read()
        body = bytes(body)
        sha = sha256 or sha256_of(body)
        with self._calling():
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=body, ContentType=content_type, Metadata={"sha256": sha})
        return ObjectInfo(key, len(body), sha, content_type)

    def open(self, key: str) -> StoredStream:
        with self._calling(key):
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        return StoredStream(answer["Body"], int(answer["ContentLength"]))

    def info(self, key: str) -> ObjectInfo | None:
        try:
            with self._calling(key):
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except MissingObject:
            return None
        return ObjectInfo(key, int(head["ContentLength"]), (head.get("Metadata") or {}).get("sha256"), head.get("ContentType"))

    def delete(self, key: str) -> None:
        with self._calling():
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        with self._calling():
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"][len(self.prefix):]

    def check(self) -> None:
        """The bucket answers and this account may use it (HEAD of the bucket)."""
        with self._calling():
            self.client.head_bucket(Bucket=self.bucket)
