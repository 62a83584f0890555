"""Benchmark of the back office's heavy pages (issue 4).

With 100,000 interventions, 50 technicians and 5,000 clients: the planning view of one
week for all technicians (target <= 100 ms server time) and the client record (<= 50 ms),
on SQLite and, when ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL`` names a PostgreSQL
database, on PostgreSQL too (in a private schema, dropped at the end).

    .venv/bin/python bench/agenda.py [--interventions 100000] [--technicians 50] [--clients 5000] [--runs 15]

Server time = the WSGI request through Flask's test client (routing, login, queries,
template), without network. Prints median and 95th percentile per page; exits 1 if a
median misses its target.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

TARGETS = {"planning week": 100.0, "client record": 50.0}


def build(app, n_iv: int, n_tech: int, n_clients: int, seed: int = 4) -> dict:
    from flask_migrate import upgrade

    from webapp import PROJECT_ROOT
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Intervention, Tag, User, intervention_tags, intervention_technicians
    from webapp.registry import get_registry
    from engine import clock

    rnd = random.Random(seed)
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        pw = hash_password("bench")
        now = datetime.now(clock.UTC)
        with db.engine.begin() as conn:
            conn.execute(sa.insert(User), [{"username": "office", "display_name": "Office", "role": "office", "password_hash": pw, "active": True, "created_at": now}]
                         + [{"username": f"tech{i}", "display_name": f"Technicien {i:02d}", "role": "technician", "password_hash": pw, "active": True, "created_at": now} for i in range(1, n_tech + 1)])
            tech_ids = [r[0] for r in conn.execute(sa.select(User.id).where(User.role == "technician"))]
            conn.execute(sa.insert(Client), [{"name": f"Client {i:05d}", "address": f"{i} rue de Rennes", "postcode": "35000", "city": "Rennes", "phone": "02 99 00 00 00", "email": f"c{i}@example.fr", "lat": 48.1, "lon": -1.68, "created_at": now} for i in range(n_clients)])
            client_ids = [r[0] for r in conn.execute(sa.select(Client.id))]
            conn.execute(sa.insert(Tag), [{"name": n} for n in ("contrat", "urgent", "garantie")])
            tag_ids = [r[0] for r in conn.execute(sa.select(Tag.id))]
            types = list(get_registry().event_types)
            statuses = ["planned", "confirmed", "in_progress", "done", "done", "done", "cancelled"]
            # n_iv interventions over as many weeks as it takes for ~4 a day per technician
            per_week = n_tech * 20
            weeks = max(1, n_iv // per_week)
            first = clock.monday_of(clock.today()) - timedelta(weeks=weeks // 2)
            rows, links, tags = [], [], []
            for k in range(n_iv):
                tech = tech_ids[k % n_tech]
                slot = k // n_tech
                day = first + timedelta(days=(slot // 4) // 5 * 7 + (slot // 4) % 5)
                start = (clock.local_midnight(day) + timedelta(hours=8 + 2 * (slot % 4))).astimezone(clock.UTC)
                rows.append({"id": k + 1, "uuid": str(uuid.UUID(int=rnd.getrandbits(128))), "event_type_id": rnd.choice(types), "title": f"Intervention {k}",
                             "client_id": rnd.choice(client_ids), "store_id": None, "start_at": start, "end_at": start + timedelta(minutes=90),
                             "status": rnd.choice(statuses), "closed": False, "notes": None, "version": 1, "created_at": now, "updated_at": now})
                links.append({"intervention_id": k + 1, "user_id": tech})
                if k % 5 == 0:
                    tags.append({"intervention_id": k + 1, "tag_id": rnd.choice(tag_ids)})
            for i in range(0, len(rows), 10000):
                conn.execute(sa.insert(Intervention.__table__), rows[i:i + 10000])
            conn.execute(sa.insert(intervention_technicians), links)
            conn.execute(sa.insert(intervention_tags), tags)
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('interventions', 'id'), (SELECT max(id) FROM interventions))")
                conn.exec_driver_sql("ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
            busiest = conn.execute(sa.select(Intervention.client_id, sa.func.count()).group_by(Intervention.client_id).order_by(sa.func.count().desc()).limit(1)).one()
        db.engine.dispose()
    return {"week": clock.today().isoformat(), "client_id": busiest[0], "client_interventions": busiest[1]}


def measure(app, info: dict, runs: int) -> dict[str, tuple[float, float, int]]:
    client = app.test_client()
    assert client.post("/login", data={"username": "office", "password": "bench"}).status_code == 302
    pages = {"planning week": f"/agenda/week?date={info['week']}", "client record": f"/clients/{info['client_id']}"}
    out = {}
    for name, url in pages.items():
        times = []
        for i in range(runs + 2):
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if i >= 2:  # warm-up: templates compiled, caches filled
                times.append(elapsed)
        times.sort()
        out[name] = (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], len(response.data))
    return out


def run(kind: str, url: str, engine_options: dict, args) -> bool:
    from webapp import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "SYNC_DEFINITIONS_ON_START": False,
            "SQLALCHEMY_DATABASE_URI": url.replace("{tmp}", tmp), "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "ATTACHMENTS_DIR": tmp,
        })
        t0 = time.perf_counter()
        info = build(app, args.interventions, args.technicians, args.clients)
        print(f"[{kind}] built {args.interventions} interventions, {args.technicians} technicians, {args.clients} clients in {time.perf_counter() - t0:.1f} s"
              f" (client record: {info['client_interventions']} interventions)")
        results = measure(app, info, args.runs)
        ok = True
        for name, (median, p95, size) in results.items():
            target = TARGETS[name]
            flag = "ok" if median <= target else "SLOW"
            ok &= median <= target
            print(f"[{kind}] {name:<14} median {median:6.1f} ms   p95 {p95:6.1f} ms   target <= {target:.0f} ms   {size // 1024} KiB   {flag}")
        from webapp.extensions import db

        with app.app_context():
            db.engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interventions", type=int, default=100_000)
    parser.add_argument("--technicians", type=int, default=50)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    ok = run("sqlite", "sqlite:///{tmp}/bench.sqlite", {}, args)
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        from webapp import database_url

        url = database_url(pg)
        schema = f"ff_bench_{os.getpid()}"
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            ok &= run("postgresql", url, {"connect_args": {"options": f"-c search_path={schema}"}}, args)
        finally:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            engine.dispose()
    else:
        print("[postgresql] skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
