"""Benchmark of a technician's pull (issue 14): its size in bytes (JSON as sent, before
any compression) for a technician with a long client history, on SQLite.

A technician has ``--interventions`` interventions in the pull's window (yesterday to a
week ahead), ``--per-client`` of them at each client (a service and its follow-up), each
client with ``--history`` past visits of another technician over two years (made through
the services). Printed: the full pull (a new
phone), a pull with its cursor when nothing changed, and one after one answer changed.

    .venv/bin/python bench/pull.py [--interventions 36] [--per-client 2] [--history 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FORM = "entretien-chaudiere"


def build(app, n_iv: int, per_client: int, n_hist: int) -> str:
    """The technician's interventions (their uuids) and the clients' histories."""
    from flask_migrate import upgrade

    from engine import clock
    from webapp import PROJECT_ROOT
    from webapp.extensions import db
    from webapp.models import Intervention, User
    from webapp.registry import get_registry
    from webapp.services.clients import create_client
    from webapp.services.interventions import schedule_intervention
    from webapp.services.users import create_user

    with app.test_request_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        manager = create_user(None, {"username": "manager", "display_name": "Manager", "role": "manager", "password": "bench-pass"}, check_password=False)
        ids = {name: create_user(manager, {"username": name, "display_name": name.title(), "role": "technician", "password": "bench-pass"}, check_password=False).id
               for name in ("tech", "other")}
        office = create_user(manager, {"username": "office", "display_name": "Office", "role": "office", "password": "bench-pass"}, check_password=False).id
        today = clock.local_midnight(clock.today())

        def schedule_the_next(actor, c: int, i: int) -> None:
            start = (today + timedelta(days=i % 8, hours=8 + i % 9)).astimezone(clock.UTC)
            schedule_intervention(actor, {"event_type_id": FORM, "client_id": c, "technician_ids": [ids["tech"]], "start_at": start, "end_at": start + timedelta(hours=1),
                                          "uuid": str(uuid.UUID(int=i + 1))})

        for i in range(n_iv):
            actor = db.session.get(User, office)
            if i % per_client:
                schedule_the_next(actor, c, i)
                continue
            c = create_client(actor, {"name": f"Client {i:03d}", "address": f"{i} rue de Rennes", "postcode": "35000", "city": "Rennes", "phone": "02 99 00 00 00",
                                      "email": f"c{i}@example.fr"}).id
            for k in range(n_hist):
                start = (today - timedelta(days=30 * (k + 1) + i % 7, hours=-9)).astimezone(clock.UTC)
                schedule_intervention(actor, {"event_type_id": FORM, "client_id": c, "technician_ids": [ids["other"]], "start_at": start, "end_at": start + timedelta(hours=1)})
            schedule_the_next(actor, c, i)
        # made an hour ago: a pull sends again what changed in the last seconds (its margin)
        for iv in db.session.scalars(sa.select(Intervention)):
            iv.updated_at -= timedelta(hours=1)
        db.session.commit()
        db.session.remove()
    return str(uuid.UUID(int=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interventions", type=int, default=36)
    parser.add_argument("--per-client", type=int, default=2)
    parser.add_argument("--history", type=int, default=20)
    args = parser.parse_args()
    data = json.loads((ROOT / "examples" / FORM / "valid.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(f"sqlite:///{tmp}/bench.sqlite", {}, tmp)
        first_uuid = build(app, args.interventions, args.per_client, args.history)
        client = app.test_client()
        assert client.post("/login", data={"username": "tech", "password": "bench-pass"}).status_code == 302

        def pull(cursor=None):
            response = client.get("/api/v1/sync/pull" + (f"?cursor={cursor}" if cursor else ""))
            assert response.status_code == 200
            return response.get_json(), len(response.data)

        full, full_size = pull()
        print(f"full pull (new phone): {full_size / 1024:6.1f} KiB, {len(full['interventions'])} interventions")
        quiet, quiet_size = pull(full["cursor"])
        print(f"nothing changed:       {quiet_size / 1024:6.1f} KiB, {len(quiet['interventions'])} interventions ")
        at = full["server_time"]
        op = {"id": str(uuid.uuid4()), "type": "answers", "intervention": first_uuid, "base_version": None, "at": at, "form_id": FORM, "data": data}
        assert client.post("/api/v1/sync/push", json={"ops": [op]}).get_json()["results"][0]["status"] == "applied"
        one, one_size = pull(quiet["cursor"])
        print(f"one answer changed:    {one_size / 1024:6.1f} KiB, {len(one['interventions'])} interventions")
        from webapp.extensions import db

        with app.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
