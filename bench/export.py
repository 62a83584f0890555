"""Time and peak memory of answer exports (issue 15): 100,000 submissions as XLSX and CSV.

The data: 100,000 pellet-stove maintenance visits over two years, 40 technicians, 3,000
clients, each with its answers to ``entretien-poele`` varied from the example (brand,
measures, cleaning done, 0 to 3 replaced parts in the arrays' sheet, a rating-plate
photo), a third of them filled with a second version of the form (a field removed, one
added, a label changed), so that the file holds the union of both versions. Inserted in
bulk (SQLAlchemy Core) for speed; exported by the same code as the back office's jobs
and ``fieldforms export`` (:func:`webapp.services.exports.write_export`).

Each export runs in a fresh process, which prints its wall time and its peak RSS
(``ru_maxrss``) next to its RSS before the export began (app loaded, nothing read): the
export's own memory is the difference. The same is measured for a tenth of the rows
(one period of ~10,000), to show that memory does not grow with the number of rows.

    flock /tmp/heavy.lock .venv/bin/python bench/export.py [--submissions 100000]

On SQLite by default; on PostgreSQL too when ``BENCH_DATABASE_URL`` or
``TEST_DATABASE_URL`` is set (a private schema, dropped at the end).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

FIRST_DAY = date(2025, 1, 1)
DAYS = 730


def second_version() -> dict:
    """entretien-poele's next version (the shipped one's + 1): "observations" removed,
    "etat_vitre" added after "etat_fonctionnement", MCZ relabelled "MCZ Group" (also the
    tests' second version)."""
    d = json.loads((ROOT / "form_definitions/forms/entretien-poele.json").read_text(encoding="utf-8"))
    d["version"] = d["version"] + 1
    del d["schema"]["properties"]["observations"]
    del d["ui"]["observations"]
    d["ui"]["ui:order"].remove("observations")
    d["schema"]["properties"]["etat_vitre"] = {"title": "État de la vitre", "type": "string", "enum": ["propre", "sale"]}
    d["ui"]["etat_vitre"] = {"ui:enumNames": ["Propre", "Sale"]}
    d["ui"]["ui:order"].insert(d["ui"]["ui:order"].index("etat_fonctionnement") + 1, "etat_vitre")
    d["ui"]["appareil"]["marque"]["ui:enumNames"][0] = {"fr": "MCZ Group", "en": "MCZ Group"}
    return d


def _answers(rnd: random.Random, base: dict, v2: bool) -> dict:
    data = copy.deepcopy(base)
    a = data["appareil"]
    a["marque"] = rnd.choice(["mcz", "palazzetti", "edilkamin", "red_piazzetta", "extraflame", "invicta", "jotul"])
    a["numero_serie"] = f"{a['marque'][:3].upper()}-{rnd.randrange(1000, 9999)}-{rnd.randrange(1, 9999):04d}"
    a["puissance_kw"] = rnd.choice([6.5, 8.2, 9, 10.5, 12])
    a["photo_plaque"] = str(uuid.UUID(int=rnd.getrandbits(128)))
    c = data["controles"]
    c["nettoyages"] = rnd.sample(["brasero", "chambre_combustion", "echangeur", "extracteur_fumees", "vis_sans_fin", "vitre"], k=rnd.randrange(1, 6))
    c["joint_porte"] = rnd.choice(["bon_etat", "a_surveiller", "remplace"])
    m = data["mesures"]
    m["co_ambiant_ppm"] = rnd.randrange(0, 12)
    m["tirage_pa"] = round(rnd.uniform(8, 14), 1)
    m["temperature_fumees_c"] = rnd.randrange(120, 220)
    m["heures_fonctionnement"] = rnd.randrange(200, 9000)
    parts = base.get("pieces_remplacees") or []
    data["pieces_remplacees"] = [dict(p, quantite=rnd.randrange(1, 4)) for p in rnd.sample(parts, k=min(len(parts), rnd.randrange(0, 4)))]
    data["date_prochain_entretien"] = (FIRST_DAY + timedelta(days=365 + rnd.randrange(DAYS))).isoformat()
    if v2:
        data.pop("observations", None)
        data["etat_vitre"] = rnd.choice(["propre", "sale"])
    return data


def build(app, n: int, n_tech: int = 40, n_clients: int = 3000, seed: int = 15) -> None:
    from flask_migrate import upgrade

    from engine import clock, load_definition
    from webapp import PROJECT_ROOT
    from webapp.extensions import db
    from webapp.models import Client, FormVersion, Intervention, Submission, User, intervention_technicians
    from webapp.registry import get_registry

    rnd = random.Random(seed)
    base = json.loads((ROOT / "examples/entretien-poele/valid.json").read_text(encoding="utf-8"))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        v1 = get_registry().current_version("entretien-poele").id
        d2 = load_definition(second_version())
        fv2 = FormVersion(form_id=d2.id, version=d2.version, content_hash=d2.content_hash, definition=d2.to_json())
        db.session.add(fv2)
        db.session.commit()
        v2 = fv2.id
        now = clock.now()
        with db.engine.begin() as conn:
            conn.execute(sa.insert(User), [{"username": f"tech{i}", "display_name": f"Technicien {i:02d}", "role": "technician", "password_hash": "x", "active": True,
                                            "created_at": now, "session_generation": 0} for i in range(1, n_tech + 1)])
            tech_ids = [r[0] for r in conn.execute(sa.select(User.id))]
            conn.execute(sa.insert(Client), [{"name": f"Client {i:05d}", "city": "Rennes", "postcode": "35000", "created_at": now} for i in range(n_clients)])
            client_ids = [r[0] for r in conn.execute(sa.select(Client.id))]
            per_day = max(1, -(-n // DAYS))
            for lo in range(0, n, 5000):
                ivs, links, subs = [], [], []
                for k in range(lo, min(n, lo + 5000)):
                    day = FIRST_DAY + timedelta(days=k // per_day)
                    start = (clock.local_midnight(day) + timedelta(hours=8, minutes=5 * (k % per_day))).astimezone(clock.UTC)
                    ivs.append({"id": k + 1, "uuid": str(uuid.UUID(int=rnd.getrandbits(128))), "event_type_id": "entretien-poele", "title": f"Entretien {k}",
                                "client_id": rnd.choice(client_ids), "start_at": start, "end_at": start + timedelta(minutes=90),
                                "status": "done", "version": 1, "created_at": now, "updated_at": now})
                    links.append({"intervention_id": k + 1, "user_id": tech_ids[k % n_tech]})
                    second = k % 3 == 2
                    subs.append({"id": k + 1, "intervention_id": k + 1, "form_id": "entretien-poele", "form_version_id": v2 if second else v1,
                                 "data": _answers(rnd, base, second), "created_at": start, "updated_at": start + timedelta(minutes=80), "version": 1})
                conn.execute(sa.insert(Intervention.__table__), ivs)
                conn.execute(sa.insert(intervention_technicians), links)
                conn.execute(sa.insert(Submission.__table__), subs)
            conn.exec_driver_sql("ANALYZE")
        db.engine.dispose()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(args) -> None:
    """In a fresh process: one export, then its figures as JSON."""
    from bench.common import bench_app
    from webapp.exports.request import parse_request
    from webapp.extensions import db
    from webapp.services import exports

    app = bench_app(args.url, json.loads(args.engine_options), args.tmp)
    app.config["EXPORTS_DIR"] = args.tmp
    with app.test_request_context():
        req = parse_request({"subject": "form:entretien-poele", "date_from": args.date_from, "date_to": args.date_to, "format": args.format}, lang="fr",
                            base_url="https://bo.example.fr")
        plan, forms, total = exports.prepare(None, req)
        base = current_mb()
        t0 = time.perf_counter()
        out = Path(args.tmp) / f"export.{args.format}"
        exports.write_export(plan, forms, out)
        seconds = time.perf_counter() - t0
        db.session.remove()
        db.engine.dispose()
    print(json.dumps({"rows": total, "seconds": seconds, "base_mb": base, "peak_mb": peak_mb(), "size_mb": out.stat().st_size / 2**20}))


def measure(url: str, options: dict, tmp: str, fmt: str, date_from: str, date_to: str) -> dict:
    cmd = [sys.executable, __file__, "--child", "--url", url, "--engine-options", json.dumps(options), "--tmp", tmp, "--format", fmt,
           "--from", date_from, "--to", date_to]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(kind: str, url: str, options: dict, n: int) -> None:
    from bench.common import bench_app

    with tempfile.TemporaryDirectory() as tmp:
        url = url.replace("{tmp}", tmp)
        app = bench_app(url, options, tmp)
        t0 = time.perf_counter()
        build(app, n)
        print(f"[{kind}] built {n} submissions (two versions of the form) in {time.perf_counter() - t0:.0f} s")
        tenth = (FIRST_DAY + timedelta(days=DAYS // 10 - 1)).isoformat()
        last = (FIRST_DAY + timedelta(days=DAYS)).isoformat()
        for fmt in ("xlsx", "csv"):
            for label, to in (("a tenth", tenth), ("all", last)):
                r = measure(url, options, tmp, fmt, FIRST_DAY.isoformat(), to)
                print(f"[{kind}] {fmt:<4} {label:<7} {r['rows']:>7} rows  {r['seconds']:6.1f} s  {r['rows'] / r['seconds']:7.0f} rows/s  "
                      f"RSS before {r['base_mb']:5.0f} MB, peak {r['peak_mb']:5.0f} MB (+{r['peak_mb'] - r['base_mb']:.0f} MB)  file {r['size_mb']:.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--engine-options", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--from", dest="date_from", help=argparse.SUPPRESS)
    parser.add_argument("--to", dest="date_to", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    run("sqlite", "sqlite:///{tmp}/bench.sqlite", {}, args.submissions)
    from bench.common import postgresql_schema

    with postgresql_schema("ff_bench_export") as pg:
        if pg:
            run("postgresql", *pg, args.submissions)
        else:
            print("[postgresql] skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
