"""``fieldforms init-db | demo | sync-definitions | create-user`` on a fresh SQLite file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cli import main


#: The day the demo is built around in these tests: a Monday, the day of the week that had
#: no intervention under way when the demo was made just after midnight.
DEMO_DAY = "2026-11-30"


def test_init_db_demo_and_create_user(runner, tmp_path, monkeypatch):
    db_path = tmp_path / "demo.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    result = runner.invoke(main, ["init-db"])
    assert result.exit_code == 0, result.output
    assert "stored entretien-poele" in result.output

    result = runner.invoke(main, ["demo", "--today", DEMO_DAY])
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

    again = runner.invoke(main, ["demo", "--today", DEMO_DAY])
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
    assert runner.invoke(main, ["demo", "--today", DEMO_DAY]).exit_code == 0
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


def test_demo_shows_issue_6_and_run_prints_the_logins(runner, tmp_path, monkeypatch):
    """The demo has what issue 6 is about (closed, part ordered, sendings in every state,
    timers and times, signatures, one no longer valid, tech1's calendar feed),
    and ``make run`` (``fieldforms run``) still prints the four logins."""
    import webapp.commands

    db_path = tmp_path / "demo.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("FIELDFORMS_INSTANCE", str(tmp_path / "instance"))
    result = runner.invoke(main, ["demo", "--today", DEMO_DAY])
    assert result.exit_code == 0, result.output
    assert "1 closed" in result.output and "report sendings" in result.output

    engine = sa.create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        q = lambda sql: conn.exec_driver_sql(sql).scalar()  # noqa: E731
        assert q("SELECT count(*) FROM intervention_work WHERE closed_at IS NOT NULL") == 1
        assert q("SELECT count(*) FROM intervention_work WHERE closed_at IS NOT NULL AND closed_reason <> '' AND closed_by_id IS NOT NULL") == 1
        assert q("SELECT count(*) FROM interventions WHERE status = 'parts_ordered'") >= 2
        sendings = dict(conn.exec_driver_sql("SELECT status, count(*) FROM report_sendings GROUP BY status").all())
        assert sendings.get("sent", 0) >= 1 and sendings.get("failed", 0) >= 1 and sendings.get("pending", 0) >= 1
        assert q("SELECT count(*) FROM report_sendings WHERE status = 'failed' AND last_error LIKE '%550%'") >= 1
        assert q("SELECT count(*) FROM report_sendings WHERE status = 'pending' AND last_error LIKE '%MAIL_SERVER%'") >= 1
        assert q("SELECT count(*) FROM report_sendings WHERE status = 'sent' AND pdf_sha256 IS NOT NULL AND sent_at IS NOT NULL") >= 1
        done = q("SELECT count(*) FROM interventions WHERE status = 'done'")
        assert done > 0
        assert q("SELECT count(*) FROM intervention_work w JOIN interventions i ON i.id = w.intervention_id WHERE i.status = 'done' AND w.actual_minutes IS NOT NULL AND w.done_at IS NOT NULL") == done
        assert q("SELECT count(*) FROM intervention_work WHERE travel_minutes IS NOT NULL") > 0
        assert q("SELECT count(*) FROM time_segments WHERE ended_at IS NOT NULL") > 0
        assert q("SELECT count(*) FROM signature_records") > 0
        token = q("SELECT f.token FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE u.username = 'tech1' AND f.revoked_at IS NULL")
    engine.dispose()
    assert f"http://127.0.0.1:5000/calendar/{token}.ics" in result.output

    from webapp import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False})
    assert app.instance_path == str(tmp_path / "instance")
    with app.app_context():
        from webapp.extensions import db
        from webapp.services.signatures import signature_states

        ids = [r[0] for r in db.session.execute(sa.text("SELECT DISTINCT intervention_id FROM signature_records"))]
        invalid = [i for i in ids if any(not s.valid for s in signature_states(i))]
        assert len(invalid) == 1, invalid
        db.engine.dispose()
    client = app.test_client()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert client.post("/login", data={"username": "office", "password": "demo"}).status_code == 302
    page = client.get(f"/interventions/{invalid[0]}").get_data(as_text=True)
    assert "n'est plus valide" in page

    # `make run` = `fieldforms run`: init-db, the demo only when empty, the logins, serve
    served = []
    monkeypatch.setattr(webapp.commands, "_serve", lambda options, master_app: served.append((options, master_app())))
    result = runner.invoke(main, ["run", "--port", "5091"])
    assert result.exit_code == 0, result.output
    [(options, _app)] = served
    assert (options.binds, options.dev, options.log_format) == (["127.0.0.1:5091"], False, "text")
    for username in ("manager", "office", "tech1", "tech2"):
        assert f"  {username:<8} / demo" in result.output
    assert f"http://127.0.0.1:5091/calendar/{token}.ics" in result.output
    assert "nothing created" in result.output

    # --reset rebuilds it all
    result = runner.invoke(main, ["demo", "--reset", "--today", DEMO_DAY])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM intervention_work WHERE closed_at IS NOT NULL").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM calendar_feeds").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar() == 4
    engine.dispose()


@pytest.mark.parametrize("today", [None, "2026-11-30", "2026-11-29", "2026-10-25", "2026-12-31"])
def test_demo_is_consistent_with_the_instant_it_is_seen_from(runner, tmp_path, monkeypatch, today):
    """Whatever day it is built around and whatever the hour (the default: now), nothing in
    the demo has started or finished after the instant it is seen from, every intervention
    under way has a start, and the company's day always has visits for tech1 (a weekend day
    too) with something under way once the working day has begun."""
    from datetime import datetime, timedelta, timezone

    from webapp.demo import demo_now
    from engine.clock import local, local_midnight

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    args = ["demo"] + (["--today", today] if today else [])
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    if today is None:
        seen_from = datetime.now(timezone.utc)
        day = local(seen_from).date()
    else:
        from datetime import date

        day = date.fromisoformat(today)
        seen_from = demo_now(day)
        assert local(seen_from) == local_midnight(day) + timedelta(hours=11)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT i.status, i.start_at, i.end_at, w.started_at, w.done_at FROM interventions i LEFT JOIN intervention_work w ON w.intervention_id = i.id"
        ).all()
        tech1_today = conn.exec_driver_sql(
            "SELECT count(*) FROM interventions i JOIN intervention_technicians t ON t.intervention_id = i.id JOIN users u ON u.id = t.user_id "
            "WHERE u.username = 'tech1' AND i.start_at >= ? AND i.start_at < ?",
            (local_midnight(day).astimezone(timezone.utc).replace(tzinfo=None).isoformat(" "), local_midnight(day + timedelta(days=1)).astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ")),
        ).scalar()
    engine.dispose()

    def aware(v):
        v = datetime.fromisoformat(v) if isinstance(v, str) else v
        return v if v is None or v.tzinfo else v.replace(tzinfo=timezone.utc)

    assert tech1_today > 0
    for status, start, end, started, done in rows:
        start, end, started, done = aware(start), aware(end), aware(started), aware(done)
        if status in ("in_progress", "parts_ordered"):
            assert started is not None and started <= seen_from, (status, start)
        if status == "done":
            assert done is not None and done <= seen_from, (status, start)
    if today is not None:  # 11:00: the day's first visits are under way or done
        statuses = {r[0] for r in rows if local(aware(r[1])).date() == day}
        assert statuses & {"in_progress", "done"}, statuses


@pytest.mark.parametrize("today", ["2026-11-30", "2026-12-31", "2027-02-26"])
def test_demo_has_equipment_for_every_client_and_some_due_next_month(runner, tmp_path, monkeypatch, today):
    """Issue 15: every demo client has equipment, the demo's visits target it, done
    maintenance visits updated it from their answers (audited), and the maintenance list
    has equipment due next month, whatever the day the demo is made for."""
    from datetime import date, timedelta

    from engine import clock

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    monkeypatch.setenv("FIELDFORMS_INSTANCE", str(tmp_path / "instance"))
    result = runner.invoke(main, ["demo", "--today", today])
    assert result.exit_code == 0, result.output
    assert "equipment due next month" in result.output
    from webapp import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import AuditLog, Client, Equipment, Intervention, User
        from webapp.services import maintenance

        q = lambda stmt: db.session.scalar(stmt)  # noqa: E731
        assert q(sa.select(sa.func.count()).select_from(Client).where(~Client.id.in_(sa.select(Equipment.client_id)))) == 0
        assert q(sa.select(sa.func.count()).select_from(Intervention).where(Intervention.equipment_id.is_not(None))) > 20
        rows = list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "update_from_answers")))
        assert rows and any("serial_number" in r.details["changes"] for r in rows) and any("next_maintenance_on" in r.details["changes"] for r in rows)
        day = date.fromisoformat(today)
        assert all(clock.local(r.at).date() <= day for r in rows)  # dated when the visit was finished
        office = q(sa.select(User).where(User.username == "office"))
        next_month = clock.add_months(day.replace(day=1), 1)
        with clock.moved_to(clock.local_midnight(day) + timedelta(hours=11)):
            due = maintenance.due_list(office, clock.month_end(next_month), since=next_month, overdue=False)
            overdue = [d for d in maintenance.due_list(office, day) if d.overdue]
        assert len(due) >= 3 and overdue
        assert q(sa.select(sa.func.count()).select_from(Equipment).where(Equipment.retired_on.is_not(None))) == 1
        db.engine.dispose()

@pytest.mark.parametrize("day", [DEMO_DAY, "2028-02-29"])
def test_demo_second_yearly_visit_opens_prefilled_from_the_first(runner, tmp_path, monkeypatch, day):
    """Issue 15: tomorrow's boiler visit of the yearly client opens prefilled from last
    year's answers and the client's record, whatever the day the demo is built around."""
    import json
    from datetime import date, timedelta

    from lxml import html as lhtml

    from webapp.demo import YEARLY_CLIENT

    db_path = tmp_path / "demo.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("FIELDFORMS_INSTANCE", str(tmp_path / "instance"))
    assert runner.invoke(main, ["demo", "--today", day]).exit_code == 0
    from webapp import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "t", "ATTACHMENTS_DIR": str(tmp_path / "att")})
    with app.app_context():
        from engine import clock
        from webapp.extensions import db
        from webapp.models import Client, Intervention

        client_id = db.session.scalar(sa.select(Client.id).where(Client.name == YEARLY_CLIENT[0]))
        visits = db.session.execute(sa.select(Intervention.id, Intervention.start_at, Intervention.status).where(Intervention.client_id == client_id).order_by(Intervention.start_at)).all()
        days = [clock.local(v.start_at).date() for v in visits]
        db.engine.dispose()
    assert days == [date.fromisoformat(day) - timedelta(days=364), date.fromisoformat(day) + timedelta(days=1)]
    assert [v.status for v in visits] == ["done", "confirmed"]
    client = app.test_client()
    assert client.post("/login", data={"username": "office", "password": "demo"}).status_code == 302
    root = lhtml.fromstring(client.get(f"/interventions/{visits[1].id}/forms/entretien-chaudiere/edit").get_data(as_text=True))
    assert root.xpath('//input[@name="numero_serie"]')[0].get("value") == "SD21184500"
    assert root.xpath('//input[@name="nom_occupant"]')[0].get("value") == YEARLY_CLIENT[0]
    assert root.xpath('//input[@name="date_visite"]')[0].get("value") == days[1].isoformat()
    assert {"/numero_serie", "/nom_occupant", "/date_visite", "/marque", "/type_evacuation"} <= set(json.loads(root.xpath('//input[@name=":prefilled"]')[0].get("value")))
    assert root.get_element_by_id("ff-numero_serie-prefill").text_content().startswith("Prérempli depuis la fiche de l'équipement")
    assert root.get_element_by_id("ff-type_evacuation-prefill").text_content().startswith("Prérempli depuis la visite précédente")
    assert root.xpath('//select[@name="type_evacuation"]/option[@selected]')[0].get("value") == "ventouse_type_c"
