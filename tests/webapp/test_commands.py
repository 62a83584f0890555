"""``fieldforms init-db | demo | sync-definitions | create-user`` on a fresh SQLite file."""

from __future__ import annotations

import sqlalchemy as sa

from cli import main


def test_init_db_demo_and_create_user(runner, tmp_path, monkeypatch):
    db_path = tmp_path / "demo.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    result = runner.invoke(main, ["init-db"])
    assert result.exit_code == 0, result.output
    assert "stored entretien-poele" in result.output

    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "manager" in result.output and "tech2" in result.output and "/ demo" in result.output
    engine = sa.create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        users = dict(conn.exec_driver_sql("SELECT username, role FROM users").all())
        assert users == {"manager": "manager", "office": "office", "tech1": "technician", "tech2": "technician"}
        assert conn.exec_driver_sql("SELECT count(*) FROM clients").scalar() >= 20
        statuses = {r[0] for r in conn.exec_driver_sql("SELECT DISTINCT status FROM interventions")}
        assert {"planned", "confirmed", "in_progress", "done", "cancelled"} <= statuses
        assert conn.exec_driver_sql("SELECT count(*) FROM submissions").scalar() > 0
        n = conn.exec_driver_sql("SELECT count(*) FROM interventions").scalar()
    engine.dispose()

    again = runner.invoke(main, ["demo"])
    assert again.exit_code == 0 and "nothing created" in again.output

    result = runner.invoke(main, ["sync-definitions"])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output

    result = runner.invoke(main, ["create-user", "tech3", "--role", "technician", "--name", "Loïc Tech", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["create-user", "tech4", "--role", "technician", "--password", "short"])
    assert result.exit_code == 1 and "password" in result.output

    engine = sa.create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT display_name FROM users WHERE username='tech3'").scalar() == "Loïc Tech"
        assert conn.exec_driver_sql("SELECT count(*) FROM interventions").scalar() == n
    engine.dispose()


def test_demo_logins_work(runner, tmp_path, monkeypatch):
    db_path = tmp_path / "demo.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    assert runner.invoke(main, ["demo"]).exit_code == 0
    from webapp import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "t", "ATTACHMENTS_DIR": str(tmp_path / "att")})
    client = app.test_client()
    for username in ("manager", "office", "tech1", "tech2"):
        assert client.post("/login", data={"username": username, "password": "demo"}).status_code == 302, username
        assert client.get("/agenda/week").status_code == 200
        client.post("/logout")
    with app.app_context():
        from webapp.extensions import db

        db.engine.dispose()
