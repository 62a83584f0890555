"""One transaction for several changes: a device's pushed batch (issue 14).

A service commits where its change is done (:func:`commit`), so that a change made alone
(a page of the back office) is kept at once. Inside :func:`unit_of_work` the same call only
flushes: the batch's changes go to the database in one transaction, committed once at its
end, instead of a commit (and the reads it expires) per change. Each change of the unit runs
in a :func:`step`, a savepoint: a refusal, a conflict or a bug of one change rolls back that
change alone, and the others stay.

What must wait for the commit (a report sending handed to the worker, which looks for the
committed row) is given to :func:`after_commit`: run at once outside a unit, after the
unit's commit inside one, and dropped with a step rolled back.

On SQLite the unit takes the database's write lock first (``BEGIN IMMEDIATE``): a
transaction that reads and then writes would otherwise find another writer in its way and
fail at once (SQLite refuses the wait as a possible deadlock); a second batch waits for the
first at its start instead. PostgreSQL's row locks need nothing of the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..extensions import db

_KEY = "fieldforms.unit_of_work"


def _pending() -> list | None:
    """The callbacks waiting for the open unit's commit; None outside a unit."""
    return db.session.info.get(_KEY)


def in_unit() -> bool:
    return _pending() is not None


def commit() -> None:
    """A service's change is complete: committed now, or, inside a unit, flushed (its
    constraint and version checks happen here either way) and committed with the unit."""
    if in_unit():
        db.session.flush()
    else:
        db.session.commit()


def rollback() -> None:
    """A service gives its change up (before raising why): rolled back now, or, inside a
    unit, by the step the exception leaves (the unit's other changes stay)."""
    if not in_unit():
        db.session.rollback()


def after_commit(fn: Callable[..., object], *args) -> None:
    """``fn(*args)`` once the change is committed: now outside a unit, after the unit's
    commit inside one."""
    pending = _pending()
    if pending is None:
        fn(*args)
    else:
        pending.append((fn, args))


def _write_lock() -> None:
    """SQLite: the write lock for the whole unit, unless this connection already holds a
    transaction of its own (a test's outer one)."""
    raw = db.session.connection().connection.dbapi_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """The block's changes in one transaction, committed at its end (rolled back if the
    block raises); then what waited for the commit runs."""
    if in_unit():
        raise RuntimeError("a unit of work is already open")
    if db.session.get_bind().dialect.name == "sqlite":
        _write_lock()
    db.session.info[_KEY] = []
    try:
        yield
        callbacks = db.session.info.pop(_KEY)
        db.session.commit()
    except BaseException:
        db.session.info.pop(_KEY, None)
        db.session.rollback()
        raise
    for fn, args in callbacks:
        fn(*args)


@contextmanager
def step() -> Iterator[None]:
    """One change of the unit, whole or not at all (a savepoint): if the block raises, what
    it did and what it left for after the commit go, and the exception goes on."""
    pending = _pending()
    mark = len(pending) if pending is not None else 0
    try:
        with db.session.begin_nested():  # rolled back on the way out of an exception, a failed flush's too
            yield
    except BaseException:
        if pending is not None:
            del pending[mark:]
        raise
