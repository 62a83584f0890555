"""/healthz and /readyz (issue 14): alive without touching anything; ready when the database,
Redis (when configured) and the attachment storage can be used, else 503 in the one error
shape naming what is down, and ready again once it is back.

Each test makes a database of its own unreachable (a SQLite file whose folder is moved
away, a PostgreSQL database of its own that refuses connections), never a shared one.
"""

from __future__ import annotations

import os
import socket
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import _base_config


def _own_app(tmp_path, **config):
    from webapp import create_app

    return create_app({**_base_config(tmp_path), **config})


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_login_or_database(tmp_path):
    app = _own_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/nothing.sqlite")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_readyz_says_what_it_checked(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}


def test_readyz_is_503_while_the_sqlite_database_is_away_and_200_once_it_is_back(tmp_path, caplog):
    folder = tmp_path / "db"
    folder.mkdir()
    app = _own_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/own.sqlite")
    with app.app_context():
        from webapp.extensions import db

        with db.engine.begin() as conn:  # the file exists, and the pool keeps a connection to it
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    client = app.test_client()
    assert client.get("/readyz").status_code == 200

    folder.rename(tmp_path / "elsewhere")
    response = client.get("/readyz", headers={"Accept-Language": "en", "X-Request-ID": "probe-1"})
    body = response.get_json()
    assert response.status_code == 503
    assert body["code"] == "unavailable" and "database" in body["error"]
    assert [e["code"] for e in body["errors"]] == ["database"]
    assert set(body) == {"error", "code", "errors"}  # the one error shape (webapp/errors.py)
    # the reason (a path) is for the log, under the request's id, not for the caller
    assert "own.sqlite" not in response.get_data(as_text=True)
    [record] = [r for r in caplog.records if r.name == "webapp.views.health"]
    assert "own.sqlite" in record.getMessage()

    (tmp_path / "elsewhere").rename(folder)
    assert client.get("/readyz").status_code == 200


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_readyz_is_503_while_its_postgresql_database_refuses_connections_and_200_once_it_accepts_them(tmp_path):
    """A database of the test's own on the server of TEST_DATABASE_URL: made, blocked
    (ALLOW_CONNECTIONS false, its backends terminated), opened again, dropped."""
    from webapp import database_url

    base = sa.engine.make_url(database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"ff_readyz_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")

    def sql(statement: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(statement)

    sql(f'CREATE DATABASE "{name}"')
    app = None
    try:
        app = _own_app(tmp_path, SQLALCHEMY_DATABASE_URI=base.set(database=name).render_as_string(hide_password=False), SQLALCHEMY_ENGINE_OPTIONS={})
        client = app.test_client()
        assert client.get("/readyz").status_code == 200  # and the pool keeps the connection

        sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        for _ in range(2):  # the dead pooled connection, then a new one refused
            response = client.get("/readyz")
            assert response.status_code == 503
            assert [e["code"] for e in response.get_json()["errors"]] == ["database"]

        sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert client.get("/readyz").get_json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}
    finally:
        if app is not None:
            with app.app_context():
                from webapp.extensions import db

                db.engine.dispose()
        sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_readyz_names_redis_when_it_is_configured_and_down(client, app):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert [e["code"] for e in response.get_json()["errors"]] == ["redis"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs Redis (TEST_REDIS_URL)")
def test_readyz_checks_redis_when_it_is_configured(client, app):
    app.config["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


def test_readyz_names_the_storage_when_the_attachments_folder_cannot_be_written(client, app, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.config["ATTACHMENTS_DIR"] = str(blocker / "attachments")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert [e["code"] for e in body["errors"]] == ["storage"]
    assert body["error"] == "Pas prêt : storage."  # French by default, like every message
