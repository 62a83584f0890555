"""A real S3 HTTP server on loopback for the storage tests: moto's standalone ``moto_server``
(PyPI ``moto[server]``, in the test extras), started once per test session by the
``s3_server`` fixture (tests/conftest.py), one fresh bucket per test.

A test runs on both storage backends with :data:`on_both_storages` (the ``storage_kind``
fixture, which ``app_config`` reads: ``local`` unless a test asks otherwise).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
#: Any credentials do for moto; the app is given them as a deployment would be.
ACCESS_KEY, SECRET_KEY, REGION = "fieldforms-test", "fieldforms-test-secret", "us-east-1"
STORAGE_KINDS = ("local", "s3")
#: ``@on_both_storages`` on a test (or ``pytestmark = on_both_storages``): once per backend.
on_both_storages = pytest.mark.parametrize("storage_kind", STORAGE_KINDS, indirect=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """A running ``moto_server``: its URL, a boto3 client on it, buckets made and dropped."""

    def __init__(self, url: str):
        self.url = url
        self._client = None

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.session.Session().client("s3", endpoint_url=self.url, region_name=REGION,
                                                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        return self._client

    def config(self, bucket: str) -> dict:
        """The app's settings for ``bucket`` on this server."""
        return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": self.url, "S3_BUCKET": bucket, "S3_REGION": REGION,
                "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY}

    def new_bucket(self) -> str:
        name = f"ff-test-{uuid.uuid4().hex[:16]}"
        self.client.create_bucket(Bucket=name)
        return name

    def drop_bucket(self, name: str) -> None:
        for key, version in self.versions(name):
            self.client.delete_object(Bucket=name, Key=key, VersionId=version)
        self.client.delete_bucket(Bucket=name)

    def keep_versions(self, bucket: str) -> None:
        """Versioning on: every write of a key is kept, so that writes can be counted."""
        self.client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def versions(self, bucket: str) -> list[tuple[str, str]]:
        """(key, version id) of every write kept (one per key unless versioning is on)."""
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=bucket)
        return [(v["Key"], v["VersionId"]) for page in pages for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key of the bucket (under ``prefix``), as the server lists them."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", ())]

    def head(self, bucket: str, key: str) -> dict:
        return self.client.head_object(Bucket=bucket, Key=key)


@contextmanager
def running_s3_server(seconds: float = 30):
    """``moto_server`` on a free loopback port until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + seconds
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto_server stopped (exit {proc.returncode}) before answering on {url}")
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not answer on {url} within {seconds} s") from None
                time.sleep(0.1)
        yield S3Server(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
