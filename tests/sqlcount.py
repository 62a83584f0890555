"""Counting what a piece of code asks the database: statements and commits, through
SQLAlchemy's engine events (``before_cursor_execute``, ``commit``). Used by the tests that
bound the statements of a sync push and by ``bench/push.py``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass
class Count:
    statements: int = 0
    commits: int = 0
    #: the statements' text, for a failing test to show what was asked
    log: list[str] = field(default_factory=list)


@contextmanager
def counting(engine: sa.engine.Engine) -> Iterator[Count]:
    """Statements executed and transactions committed on ``engine`` inside the block.
    SAVEPOINT and RELEASE are statements too; a savepoint's release is not a commit."""
    count = Count()

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        count.statements += 1
        count.log.append(statement.split("\n", 1)[0][:120])

    def on_commit(conn):
        count.commits += 1

    sa.event.listen(engine, "before_cursor_execute", on_statement)
    sa.event.listen(engine, "commit", on_commit)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_statement)
        sa.event.remove(engine, "commit", on_commit)
