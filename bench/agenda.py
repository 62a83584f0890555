"""Benchmark of the back office's heavy pages (issues 4 and 14).

200 technicians, 5,000 clients and 100,000 interventions made through the services, as the
office and the phones make them: accounts and clients created, interventions scheduled
(audit rows), the office confirming or cancelling, and, for one past intervention in
``--device-share``, the technician's phone pushing Start and the answers (sync operations,
submissions). Then, warm: the planning view of one week for all technicians (target
<= 100 ms server time), the day view of one day for all of them (<= 100 ms) and the
client record of the busiest client (<= 50 ms).

    .venv/bin/python bench/agenda.py [--interventions 100000] [--technicians 200] [--clients 5000] [--runs 15] [--postgresql]

The SQLite database built is kept in ``~/.cache/fieldforms/bench`` (or ``$XDG_CACHE_HOME``)
under a key of the data version (the parameters, this week, the form definitions), and
brought to the latest migration when used: the next run of the same week measures at once. ``--rebuild`` ignores it.
``--postgresql`` (with ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL``) builds and measures
on PostgreSQL too, in a private schema dropped at the end (not cached).

Server time = the WSGI request through Flask's test client (routing, login, queries,
template), without network. Prints median and 95th percentile per page; exits 1 if a
median misses its target.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app, percentile, postgresql_schema  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"planning week": 100.0, "day view": 100.0, "client record": 50.0}
#: Changes of what :func:`build` makes change this, and the cached databases with it.
DATA_VERSION = 2
#: Interventions made per transaction (a unit of work of the services).
CHUNK = 500
PER_DAY = 4  # interventions a technician does a working day


def _cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "fieldforms" / "bench"


def _data_key(args) -> str:
    from engine import clock

    h = hashlib.sha256()
    h.update(json.dumps([DATA_VERSION, args.interventions, args.technicians, args.clients, args.device_share, clock.monday_of(clock.today()).isoformat()]).encode())
    for folder in ("form_definitions",):
        for p in sorted((ROOT / folder).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(p.name.encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _chunks(seq: list, n: int):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _progress(label: str, done: int, total: int, t0: float) -> None:
    print(f"\r  {label}: {done}/{total} ({time.perf_counter() - t0:.0f} s)", end="", flush=True)
    if done == total:
        print()


def build(app, n_iv: int, n_tech: int, n_clients: int, device_share: int, seed: int = 4) -> None:
    """The data, through the services, in transactions of :data:`CHUNK` changes."""
    from flask_migrate import upgrade

    from engine import clock
    from webapp import PROJECT_ROOT
    from webapp.extensions import db
    from webapp.models import User
    from webapp.registry import get_registry
    from webapp.services import workflow
    from webapp.services.clients import create_client
    from webapp.services.interventions import schedule_intervention
    from webapp.services.unit import unit_of_work
    from webapp.services.users import create_user
    from webapp.sync.ops import apply_batch

    rnd = random.Random(seed)
    with app.test_request_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        with unit_of_work():
            manager = create_user(None, {"username": "manager", "display_name": "Manager", "role": "manager", "password": "bench-pass"}, check_password=False)
            office = create_user(manager, {"username": "office", "display_name": "Office", "role": "office", "password": "bench-pass"}, check_password=False)
            techs = [create_user(manager, {"username": f"tech{i}", "display_name": f"Technicien {i:03d}", "role": "technician", "password": "bench-pass"}, check_password=False)
                     for i in range(1, n_tech + 1)]
        office_id, tech_ids = office.id, [t.id for t in techs]
        client_ids: list[int] = []
        t0 = time.perf_counter()
        for part in _chunks(list(range(n_clients)), CHUNK):
            with unit_of_work():
                made = [create_client(db.session.get(User, office_id), {"name": f"Client {i:05d}", "address": f"{i} rue de Rennes", "postcode": "35000", "city": "Rennes",
                                                                         "phone": "02 99 00 00 00", "email": f"c{i}@example.fr", "lat": 48.1, "lon": -1.68}) for i in part]
            client_ids += [c.id for c in made]
            db.session.expunge_all()
            _progress("clients", len(client_ids), n_clients, t0)

        reg = get_registry()
        types = sorted(reg.event_types)
        forms = {t: reg.event_types[t].forms[0] for t in types}
        examples = {f: json.loads((ROOT / "examples" / f / "valid.json").read_text(encoding="utf-8")) for f in forms.values()}
        # n_iv interventions, PER_DAY a working day per technician, half before this week
        per_week = n_tech * PER_DAY * 5
        weeks = max(1, -(-n_iv // per_week))
        first = clock.monday_of(clock.today()) - timedelta(weeks=weeks // 2)
        today_start = clock.local_midnight(clock.today())
        plan = []
        for k in range(n_iv):
            tech = tech_ids[k % n_tech]
            slot = k // n_tech
            day = first + timedelta(days=(slot // PER_DAY) // 5 * 7 + (slot // PER_DAY) % 5)
            start = (clock.local_midnight(day) + timedelta(hours=8 + 2 * (slot % PER_DAY))).astimezone(clock.UTC)
            plan.append({"uuid": str(uuid.UUID(int=rnd.getrandbits(128))), "event_type_id": rnd.choice(types), "client_id": rnd.choice(client_ids),
                         "technician_ids": [tech], "start_at": start, "end_at": start + timedelta(minutes=90),
                         "tags": ["contrat"] if k % 5 == 0 else [], "fate": rnd.random()})
        t0 = time.perf_counter()
        done = 0
        device: list[tuple[int, dict]] = []
        for part in _chunks(plan, CHUNK):
            with unit_of_work():
                office = db.session.get(User, office_id)
                for p in part:
                    iv, _new = schedule_intervention(office, {k: v for k, v in p.items() if k != "fate"})
                    past = p["start_at"] < today_start
                    if past and p["fate"] < 1 / device_share:
                        iv = workflow.transition(office, iv.id, "confirmed")
                        device.append((p["technician_ids"][0], {"uuid": iv.uuid, "version": iv.version, "form": forms[iv.event_type_id]}))
                    elif p["fate"] < 0.05:
                        workflow.transition(office, iv.id, "cancelled")
                    elif past or p["fate"] < 0.6:
                        workflow.transition(office, iv.id, "confirmed")
            done += len(part)
            db.session.expunge_all()
            _progress("interventions", done, n_iv, t0)
        # the phones: Start and the answers of the event type's form, pushed as devices do
        t0 = time.perf_counter()
        by_tech: dict[int, list[dict]] = {}
        for tech, d in device:
            by_tech.setdefault(tech, []).append(d)
        pushed = 0
        for tech, items in by_tech.items():
            for part in _chunks(items, 20):
                at = clock.now().isoformat()
                ops = []
                for d in part:
                    ops.append({"id": str(uuid.uuid4()), "type": "start", "intervention": d["uuid"], "base_version": d["version"], "at": at})
                    ops.append({"id": str(uuid.uuid4()), "type": "answers", "intervention": d["uuid"], "base_version": 0, "at": at, "form_id": d["form"], "data": examples[d["form"]]})
                apply_batch(db.session.get(User, tech), ops)
                pushed += len(part)
                db.session.expunge_all()
            _progress("phones' pushes", pushed, len(device), t0)
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.session.remove()


def facts(app) -> dict:
    """What the pages measured are asked for, and what the data holds."""
    import sqlalchemy as sa

    from engine import clock
    from webapp.extensions import db
    from webapp.models import AuditLog, Intervention, Submission, SyncOperation

    with app.app_context():
        busiest = db.session.execute(sa.select(Intervention.client_id, sa.func.count()).group_by(Intervention.client_id).order_by(sa.func.count().desc()).limit(1)).one()
        counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for name, model in
                  (("interventions", Intervention), ("audit rows", AuditLog), ("submissions", Submission), ("sync operations", SyncOperation))}
        db.session.remove()
    day = clock.monday_of(clock.today()) + timedelta(days=1)  # a Tuesday of the week measured
    return {"week": clock.today().isoformat(), "day": day.isoformat(), "client_id": busiest[0], "client_interventions": busiest[1], "counts": counts}


def measure(app, info: dict, runs: int) -> dict[str, tuple[float, float, int]]:
    client = app.test_client()
    assert client.post("/login", data={"username": "office", "password": "bench-pass"}).status_code == 302
    pages = {"planning week": f"/agenda/week?date={info['week']}", "day view": f"/agenda/day?date={info['day']}", "client record": f"/clients/{info['client_id']}"}
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
        out[name] = (statistics.median(times), percentile(times, 0.95), len(response.data))
    return out


def report(kind: str, app, args) -> bool:
    info = facts(app)
    print(f"[{kind}] data: " + ", ".join(f"{n} {c}" for n, c in info["counts"].items()) + f" (client record: {info['client_interventions']} interventions)")
    ok = True
    for name, (median, p95, size) in measure(app, info, args.runs).items():
        target = TARGETS[name]
        flag = "ok" if median <= target else "SLOW"
        ok &= median <= target
        print(f"[{kind}] {name:<14} median {median:6.1f} ms   p95 {p95:6.1f} ms   target <= {target:.0f} ms   {size // 1024} KiB   {flag}")
    return ok


def _upgrade(app) -> bool:
    """The cached database brought to the latest migration, its statistics made again (a
    migration that rebuilds a table drops them); whether anything changed."""
    from flask_migrate import upgrade

    from webapp import PROJECT_ROOT
    from webapp.extensions import db

    with app.app_context():
        before = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
        db.session.remove()
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        after = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
        if after != before:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return after != before


def run_sqlite(args) -> bool:
    from webapp.extensions import db

    cached = _cache_dir() / f"agenda-{_data_key(args)}.sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "bench.sqlite"
        if cached.exists() and not args.rebuild:
            shutil.copyfile(cached, work)
            print(f"[sqlite] data from the cache: {cached}")
            app = bench_app(f"sqlite:///{work}", {}, tmp)
            if _upgrade(app):  # a migration newer than the cached data: kept upgraded for the next run
                shutil.copyfile(work, cached)
        else:
            app = bench_app(f"sqlite:///{work}", {}, tmp)
            t0 = time.perf_counter()
            build(app, args.interventions, args.technicians, args.clients, args.device_share)
            print(f"[sqlite] built {args.interventions} interventions, {args.technicians} technicians, {args.clients} clients in {time.perf_counter() - t0:.0f} s")
            with app.app_context():
                db.engine.dispose()
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work, cached)
        ok = report("sqlite", app, args)
        with app.app_context():
            db.engine.dispose()
    return ok


def run_postgresql(args) -> bool:
    from webapp.extensions import db

    with postgresql_schema("ff_bench_agenda") as pg, tempfile.TemporaryDirectory() as tmp:
        if pg is None:
            print("[postgresql] skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
            return True
        app = bench_app(pg[0], pg[1], tmp)
        t0 = time.perf_counter()
        build(app, args.interventions, args.technicians, args.clients, args.device_share)
        print(f"[postgresql] built in {time.perf_counter() - t0:.0f} s")
        ok = report("postgresql", app, args)
        with app.app_context():
            db.engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interventions", type=int, default=100_000)
    parser.add_argument("--technicians", type=int, default=200)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--device-share", type=int, default=20, help="one past intervention in N gets the phone's Start and answers")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="build the data again even if cached")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL too (built each time)")
    args = parser.parse_args()
    ok = run_sqlite(args)
    if args.postgresql:
        ok &= run_postgresql(args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
