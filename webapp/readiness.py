"""Is this node ready for traffic: can it reach what every request may need?

Each check raises when the thing it checks cannot be used; :func:`check_all` runs them all
and says, for each, ``None`` (fine) or the reason (for the log: the answer of ``/readyz``
names what is down, never the reason, which may carry addresses or names).

- **database**: a query on a connection of the app's pool (a PostgreSQL restarted or
  refusing connections fails here; the pool then drops its dead connections); for a SQLite
  file, the file must also still be where the configuration says, since a connection opened
  before it moved would go on working on the old file;
- **redis**, only when ``REDIS_URL`` is set (report jobs are queued there): a PING;
- **storage** (:mod:`webapp.storage`, the configured backend): for the local folder, it
  exists (it is made if missing) and a file can be written in it and removed; for S3, a
  HEAD of the bucket answers (the bucket exists and these credentials may use it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

#: Seconds a Redis check may take before Redis counts as down.
REDIS_TIMEOUT = 2.0


class Unreachable(Exception):
    """A check's plain reason."""


def database(app: Flask) -> None:
    from .extensions import db

    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") and not url.database.startswith("file:"):
        if not Path(url.database).is_file():
            raise Unreachable(f"the SQLite file {url.database} is missing")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


def redis(app: Flask) -> None:
    from redis import Redis

    client = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def storage(app: Flask) -> None:
    from .storage import get_storage

    get_storage(app).check()


def checks(app: Flask) -> dict[str, Callable[[Flask], None]]:
    """The checks this app needs, by name, in the order they run."""
    out: dict[str, Callable[[Flask], None]] = {"database": database}
    if app.config.get("REDIS_URL"):
        out["redis"] = redis
    out["storage"] = storage
    return out


def check_all(app: Flask) -> dict[str, str | None]:
    """Each check's name -> None when fine, else why not."""
    results: dict[str, str | None] = {}
    for name, check in checks(app).items():
        try:
            check(app)
        except Exception as exc:  # noqa: BLE001 - whatever fails, the node is not ready
            results[name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        else:
            results[name] = None
    return results
