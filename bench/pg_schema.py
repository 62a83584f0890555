"""A private PostgreSQL schema for a benchmark (imported by the scripts; run alone, it does
nothing): the one of ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL``, dropped at the end."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa


@contextmanager
def private_schema(prefix: str) -> Iterator[tuple[str, dict] | None]:
    """(SQLAlchemy URL, engine options) of a fresh schema, or None when no PostgreSQL is named."""
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not pg:
        yield None
        return
    from webapp import database_url

    url = database_url(pg)
    schema = f"{prefix}_{os.getpid()}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url, {"connect_args": {"options": f"-c search_path={schema}"}}
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()
