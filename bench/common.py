"""What the benchmarks share: the app they measure, made the same way for each, on SQLite
and, when ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL`` names a PostgreSQL database, on
PostgreSQL too (in a private schema, dropped at the end)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402


def bench_app(url: str, engine_options: dict, tmp: str):
    """The app under measure: no CSRF (the test client posts), a cheap password hash (the
    login is not what is measured), files in ``tmp``."""
    from webapp import create_app

    return create_app({
        "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "SYNC_DEFINITIONS_ON_START": False,
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "ATTACHMENTS_DIR": tmp,
    })


@contextmanager
def postgresql_schema(name: str) -> Iterator[tuple[str, dict] | None]:
    """(url, engine options) of a fresh PostgreSQL schema dropped afterwards; None when no
    PostgreSQL database is named."""
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not pg:
        yield None
        return
    from webapp import database_url

    url = database_url(pg)
    schema = f"{name}_{os.getpid()}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url, {"connect_args": {"options": f"-c search_path={schema}"}}
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]
