"""The migrations create exactly the schema the models describe (on each database)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from webapp.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert diff == []
    script = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations"))
    assert script.get_heads() == [version]  # one head, and the database is at it
