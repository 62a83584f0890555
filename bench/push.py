"""Benchmark of a device's push (issue 14): what one batch of ``answers`` operations costs
the server — SQL statements and commits per operation, and time per push — for a batch of
1 and a batch of 10, on SQLite and, when ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL``
names a PostgreSQL database, on PostgreSQL too.

    .venv/bin/python bench/push.py [--runs 15]

Server time = the WSGI request through Flask's test client (login cookie, JSON, handlers,
database), without network; median and 95th percentile over the runs, after a warm-up.
The marginal cost of an operation is (cost of 10 - cost of 1) / 9.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app, percentile, postgresql_schema  # noqa: E402
from tests.sqlcount import counting  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FORM = "entretien-chaudiere"
SIZES = (1, 10)


def build(app) -> list[str]:
    """A technician and ten interventions started today (answers may be given)."""
    from flask_migrate import upgrade

    from webapp import PROJECT_ROOT
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Intervention, User
    from webapp.registry import get_registry
    from webapp.services import workflow

    with app.test_request_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        tech = User(username="tech", display_name="Technicien", role="technician", password_hash=hash_password("bench"), active=True)
        client = Client(name="Client", address="1 rue de Rennes", postcode="35000", city="Rennes")
        db.session.add_all([tech, client])
        db.session.flush()
        start = datetime.now(timezone.utc).replace(microsecond=0)
        ivs = [Intervention(event_type_id=FORM, title=f"Intervention {i}", client=client, start_at=start + timedelta(hours=i), end_at=start + timedelta(hours=i, minutes=90),
                            status="confirmed", technicians=[tech]) for i in range(max(SIZES))]
        db.session.add_all(ivs)
        db.session.commit()
        ids = [(iv.id, iv.uuid) for iv in ivs]
        for iv_id, _ in ids:
            workflow.start_intervention(tech, iv_id, source="device")
        db.session.remove()
    return [u for _, u in ids]


def batch(uuids: list[str], data: dict) -> list[dict]:
    at = datetime.now(timezone.utc).isoformat()
    return [{"id": str(uuid.uuid4()), "type": "answers", "intervention": u, "base_version": None, "at": at, "form_id": FORM, "data": data} for u in uuids]


def measure(app, uuids: list[str], runs: int) -> dict[int, dict]:
    from webapp.extensions import db

    data = json.loads((ROOT / "examples" / FORM / "valid.json").read_text(encoding="utf-8"))
    client = app.test_client()
    assert client.post("/login", data={"username": "tech", "password": "bench"}).status_code == 302
    with app.app_context():
        engine = db.engine
    out = {}
    for n in SIZES:
        times, statements, commits = [], [], []
        for i in range(runs + 2):
            ops = batch(uuids[:n], data)
            with counting(engine) as count:
                t0 = time.perf_counter()
                response = client.post("/api/v1/sync/push", json={"ops": ops})
                elapsed = (time.perf_counter() - t0) * 1000
            results = response.get_json()["results"]
            assert [r["status"] for r in results] == ["applied"] * n, results
            if i >= 2:  # warm-up
                times.append(elapsed)
                statements.append(count.statements)
                commits.append(count.commits)
        times.sort()
        out[n] = {"median": statistics.median(times), "p95": percentile(times, 0.95), "statements": statistics.median(statements), "commits": statistics.median(commits)}
    return out


def run(kind: str, url: str, engine_options: dict, runs: int) -> None:
    from webapp.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(url.replace("{tmp}", tmp), engine_options, tmp)
        uuids = build(app)
        res = measure(app, uuids, runs)
        for n, r in res.items():
            print(f"[{kind}] push of {n:>2} answers op(s): {r['statements']:5.0f} statements, {r['commits']:3.0f} commits, "
                  f"{r['statements'] / n:5.1f} statements/op, {r['commits'] / n:4.1f} commits/op, median {r['median']:6.1f} ms, p95 {r['p95']:6.1f} ms, {r['median'] / n:5.1f} ms/op")
        lo, hi = res[SIZES[0]], res[SIZES[-1]]
        span = SIZES[-1] - SIZES[0]
        print(f"[{kind}] marginal cost of one more op: {(hi['statements'] - lo['statements']) / span:.1f} statements, "
              f"{(hi['commits'] - lo['commits']) / span:.1f} commits, {(hi['median'] - lo['median']) / span:.1f} ms")
        with app.app_context():
            db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    run("sqlite", "sqlite:///{tmp}/bench.sqlite", {}, args.runs)
    with postgresql_schema("ff_bench_push") as pg:
        if pg:
            run("postgresql", *pg, args.runs)
        else:
            print("[postgresql] skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
