"""The migrations create exactly the schema the models describe (on each database), and
move the data they reshape."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from webapp.extensions import db

from tests.conftest import DATABASES, drop_pg_schema, new_pg_schema


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert diff == []
    script = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations"))
    assert script.get_heads() == [version]  # one head, and the database is at it


@pytest.fixture(params=[pytest.param(k, marks=[pytest.mark.postgres] if k == "postgresql" else []) for k in DATABASES])
def fresh_app(request, tmp_path):
    """An app on an empty database of its own (SQLite file, or a PostgreSQL schema)."""
    from webapp import create_app

    cfg = {"TESTING": True, "SECRET_KEY": "test", "SYNC_DEFINITIONS_ON_START": False, "ATTACHMENTS_DIR": str(tmp_path / "att")}
    if request.param == "sqlite":
        cfg.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite'}", SQLALCHEMY_ENGINE_OPTIONS={})
    else:
        cfg.update(new_pg_schema("ff_mig"))
    app = create_app(cfg)
    yield app
    with app.app_context():
        db.engine.dispose()
    if "PG_SCHEMA" in cfg:
        drop_pg_schema(cfg["SQLALCHEMY_DATABASE_URI"], cfg["PG_SCHEMA"])


def _utc(value):
    """A timestamp as read raw: SQLite gives naive UTC text, PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def test_the_lock_moves_to_the_work_row_and_back(fresh_app):
    """0005 drops ``interventions.closed``: a closed intervention keeps its lock as its work
    row's ``closed_at`` (made when missing, dated by its last change), an open one stays
    open; the downgrade restores the column from ``closed_at``."""
    from flask_migrate import downgrade, upgrade

    from webapp import PROJECT_ROOT

    migrations = str(PROJECT_ROOT / "migrations")
    t0 = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)
    with fresh_app.app_context():
        upgrade(directory=migrations, revision="0004_sync_superseded")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO clients (id, name, created_at) VALUES (1, 'C', :t)"), {"t": t0})
            for iv_id, closed in ((1, True), (2, True), (3, False), (4, False)):
                conn.execute(sa.text(
                    "INSERT INTO interventions (id, uuid, event_type_id, title, client_id, start_at, end_at, status, closed, version, created_at, updated_at) "
                    "VALUES (:id, :uuid, 'sav', 't', 1, :s, :e, 'done', :closed, 1, :t, :u)"),
                    {"id": iv_id, "uuid": str(uuid.uuid4()), "s": t0, "e": t0 + timedelta(hours=1), "closed": closed, "t": t0, "u": t0 + timedelta(days=iv_id)})
            # 1: closed with its work row dated; 2: closed with no work row; 3: open with a work row; 4: open, no row
            conn.execute(sa.text("INSERT INTO intervention_work (intervention_id, closed_at, closed_reason) VALUES (1, :c, 'Facturé')"), {"c": t0 + timedelta(days=9)})
            conn.execute(sa.text("INSERT INTO intervention_work (intervention_id, actual_minutes) VALUES (3, 45)"))
        upgrade(directory=migrations)

        def closed_at():
            with db.engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT intervention_id, closed_at FROM intervention_work ORDER BY intervention_id")).all()
            return {i: _utc(c) for i, c in rows}

        after = closed_at()
        assert set(after) == {1, 2, 3}
        assert after[3] is None
        assert after[1] == t0 + timedelta(days=9)
        assert after[2] == t0 + timedelta(days=2)  # its last change
        with db.engine.connect() as conn:
            assert "closed" not in {c["name"] for c in sa.inspect(conn).get_columns("interventions")}
        downgrade(directory=migrations, revision="0004_sync_superseded")
        with db.engine.connect() as conn:
            restored = dict(conn.execute(sa.text("SELECT id, closed FROM interventions ORDER BY id")).all())
        assert {k: bool(v) for k, v in restored.items()} == {1: True, 2: True, 3: False, 4: False}
