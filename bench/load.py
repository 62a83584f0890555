"""Load benchmark (issue 14): N simulated phones against the app on gunicorn + PostgreSQL.

    .venv/bin/python bench/load.py --phones 500 --spread 60     # each phone syncing once a minute
    .venv/bin/python bench/load.py --phones 200 --spread 0      # all of them at once

What it does, all on loopback and bounded in time:

1. a fresh PostgreSQL database on 127.0.0.1 (created, then dropped at the end; or
   ``--database-url`` for one of yours, left as it is), migrated and seeded through the
   app's services: an office account, one technician per phone, each with a client and an
   installation planned today (setup, not measured: the technicians' password is hashed
   once with the app's scrypt and that hash is given to every account);
2. ``fieldforms serve`` (gunicorn, the server's defaults unless ``--workers``/``--threads``;
   ``GUNICORN_CMD_ARGS`` passes through) on a free loopback port, this checkout's code;
3. N phones speaking the phone's protocol (``webapp/static/m/sync.js``), each with its own
   cookies and connection, in two phases:

   - sign-in: phone *i* signs in once with "remember me" at a random moment within
     ``--sign-in-spread`` seconds (0: all at once): the login page for its CSRF token,
     ``POST /login``, then the app's first sync ("first session", a full "first pull").
     A phone signs in once, not at every sync (the login lasts 30 days), so this phase is
     measured apart: its scrypt is most of its cost;
   - rounds, once every phone has signed in: from a random moment within ``--spread``
     seconds (0: all at once), every ``--period`` seconds, a sync round as the app runs
     it: ``GET /sync/session``, ``PUT`` one ~300 KB JPEG (its bytes differ each time: no
     deduplication helps), ``POST /sync/push`` of one answers operation naming that
     photo, ``GET /sync/pull`` with its cursor. Rounds start for ``--duration`` seconds;
     what is under way then finishes (``--timeout`` per request). "all sync" is every
     request of the rounds: what the targets are about.

It prints, per endpoint, the count and p50/p95/p99/max latency, the errors by status
(anything but the expected answer, a push whose operation was not applied included), the
timeouts, requests per second, and the CPU used by the server and by this load generator
(which must stay far from a core for the figures to be the server's). Exits 1 on any error
or timeout.

To measure another checkout (e.g. main before a change), copy this file into its ``bench/``
and run it with that checkout's ``.venv``: it uses only ``create_app``, the services and
``fieldforms serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-bench-password"
FORM_ID = "installation"  # an event type without mandatory time tracking, with a camera field
PHOTO_FIELD = "photo_plaque"
SIGN_IN_ENDPOINTS = ("login page", "login", "first session", "first pull")
SYNC_ENDPOINTS = ("session", "photo", "push", "pull")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


# -- database ------------------------------------------------------------------------------

class NoPostgres(RuntimeError):
    """The benchmark needs a PostgreSQL server (said in one line; `make bench` goes on)."""


@contextmanager
def fresh_database(server_url: str):
    """A database of its own on the PostgreSQL server of ``server_url``, dropped after."""
    import sqlalchemy as sa

    from webapp import database_url

    name = f"ff_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(database_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        raise NoPostgres(f"no PostgreSQL to make a database in at {server_url} (--pg-server, BENCH_PG_SERVER): {str(exc.orig).splitlines()[0]}") from None
    try:
        yield str(sa.engine.make_url(database_url(server_url)).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def seed(url: str, instance: str, phones: int) -> list[dict]:
    """An account manager, an office account, and per phone a technician, a client and an
    intervention, made through the services; returns, per phone,
    its username and its intervention's uuid."""
    from flask_migrate import upgrade

    from engine import clock
    from webapp import PROJECT_ROOT, create_app
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.registry import get_registry
    from webapp.services import clients, interventions, users

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SYNC_DEFINITIONS_ON_START": False, "ATTACHMENTS_DIR": str(Path(instance) / "attachments")})
    out = []
    with app.test_request_context():
        logging.disable(logging.INFO)  # the migrations' lines
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        t = time.process_time()
        hashed = hash_password(PASSWORD)  # the app's scrypt, once: every account gets this hash
        print(f"password hash {hashed.split('$')[0]}: {(time.process_time() - t) * 1000:.0f} ms of CPU (what each login costs the server)")
        original, users.hash_password = users.hash_password, lambda _password: hashed
        try:
            manager = users.create_user(None, {"username": "manager", "display_name": "Gestion", "role": "manager", "password": PASSWORD})
            office = users.create_user(manager, {"username": "office", "display_name": "Bureau", "role": "office", "password": PASSWORD})
            start = clock.now().replace(second=0, microsecond=0) + timedelta(hours=1)
            for i in range(phones):
                tech = users.create_user(manager, {"username": f"tech{i:04d}", "display_name": f"Technicien {i:04d}", "role": "technician", "password": PASSWORD})
                client = clients.create_client(office, {"name": f"Client {i:04d}", "address": f"{i + 1} rue de Rennes", "postcode": "35000", "city": "Rennes"})
                iv, _new = interventions.schedule_intervention(office, {"event_type_id": FORM_ID, "client_id": client.id, "technician_ids": [tech.id],
                                                                         "start_at": start, "end_at": start + timedelta(hours=2)})
                out.append({"username": tech.username, "intervention": iv.uuid})
        finally:
            users.hash_password = original
        db.session.remove()
        db.engine.dispose()
    return out


# -- server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, instance: str, port: int, args, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "FIELDFORMS_INSTANCE": instance, "FIELDFORMS_SECRET_KEY": uuid.uuid4().hex}
    env.pop("REDIS_URL", None) if not args.redis_url else env.update(REDIS_URL=args.redis_url)
    cmd = [sys.executable, str(ROOT / "cli.py"), "serve", "--bind", f"127.0.0.1:{port}"]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped at start:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"the server did not answer /healthz within 60 s:\n{log_path.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


def worker_pids(master: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{master}/task").iterdir() for c in (task / "children").read_text().split()]


def start_profiles(master: int, seconds: float, folder: Path) -> list[subprocess.Popen]:
    """py-spy sampling every gunicorn worker for ``seconds`` (active threads only: where
    the CPU goes), each into ``folder/worker-PID.txt`` (collapsed stacks)."""
    folder.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return [subprocess.Popen([str(spy), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200", "--format", "raw",
                              "--nonblocking", "--output", str(folder / f"worker-{pid}.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid in worker_pids(master)]


def profile_summary(folder: Path, top: int = 25) -> None:
    """The functions the workers' samples were in (inclusive, once per stack), and the
    leaves (where the CPU itself was), over every worker's file."""
    inclusive: Counter = Counter()
    leaves: Counter = Counter()
    total = empty = 0
    for f in folder.glob("worker-*.txt"):
        for line in f.read_text().splitlines():
            stack, _sep, n = line.rpartition(" ")
            if not n.isdigit():
                continue
            if not stack.strip():  # no Python frame could be read (--nonblocking)
                empty += int(n)
                continue
            frames = [re.sub(r":\d+\)$", ")", fr).replace(str(ROOT) + "/", "").replace(sys.prefix + "/lib/python3.11/site-packages/", "")
                      for fr in stack.split(";")]
            total += int(n)
            for fr in set(frames):
                inclusive[fr] += int(n)
            leaves[frames[-1]] += int(n)
    if not total:
        print("profile: no samples (py-spy needs ptrace rights)")
        return
    print(f"\nprofile of the workers ({total} samples of busy threads, {folder}; {empty} more without a readable stack):")
    print("  this project's functions, inclusive (% of samples):")
    ours = [(fr, n) for fr, n in inclusive.most_common() if re.search(r"\((webapp|engine|renderers)/", fr)]
    for fr, n in ours[:top]:
        print(f"  {n / total * 100:5.1f} %  {fr}")
    print("  where the samples were (self):")
    for fr, n in leaves.most_common(top // 2):
        print(f"  {n / total * 100:5.1f} %  {fr}")


# -- phones --------------------------------------------------------------------------------

def base_photo(kb: int) -> bytes:
    """A camera-like JPEG of about ``kb`` KB (noise over gradients, 1600x1200)."""
    from PIL import Image

    rnd = random.Random(14)
    w, h = 1600, 1200
    img = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    noise = Image.frombytes("RGB", (w, h), rnd.randbytes(w * h * 3))
    quality = 60
    while True:
        buf = io.BytesIO()
        Image.blend(img, noise, 0.25).save(buf, "JPEG", quality=quality)
        if buf.tell() >= kb * 1024 * 0.9 or quality >= 95:
            return buf.getvalue()
        quality += 5


def unique_photo(base: bytes, tag: str) -> bytes:
    """The same picture with a JPEG comment of its own: other bytes, another sha256."""
    comment = tag.encode()
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


class Stats:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()  # (endpoint, status or kind) -> n
        self.timeouts: Counter = Counter()
        self.sent = 0

    def record(self, endpoint: str, ms: float, ok: bool, status) -> None:
        self.sent += 1
        self.ms[endpoint].append(ms)
        if not ok:
            self.errors[(endpoint, status)] += 1


async def timed(stats: Stats, endpoint: str, request, expect: int):
    import httpx

    t0 = time.perf_counter()
    try:
        response = await request
    except httpx.TimeoutException:
        stats.sent += 1
        stats.timeouts[endpoint] += 1
        return None
    except httpx.HTTPError as exc:
        stats.record(endpoint, (time.perf_counter() - t0) * 1000, False, type(exc).__name__)
        return None
    stats.record(endpoint, (time.perf_counter() - t0) * 1000, response.status_code == expect, response.status_code)
    return response if response.status_code == expect else None


class Phone:
    def __init__(self, base_url: str, who: dict, photo: bytes, answers: dict, stats: Stats, timeout: float):
        import httpx

        self.who, self.photo, self.answers, self.stats = who, photo, answers, stats
        # A connection idle for 1 s is not used again: gunicorn closes one idle for its
        # keep-alive (2 s), and a request sent as it closes is lost (a browser sends it again
        # on a new connection, httpx reports it: it would count as the server's error)
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout, follow_redirects=False, headers={"Accept-Language": "fr"},
                                      limits=httpx.Limits(keepalive_expiry=1.0))
        self.csrf = None
        self.cursor = None
        self.form_hash = None
        self.base = 0
        self.done_rounds = 0

    async def sign_in(self) -> bool:
        page = await timed(self.stats, "login page", self.http.get("/m/login"), 200)
        if page is None:
            return False
        token = CSRF_RE.search(page.text).group(1)
        data = {"csrf_token": token, "username": self.who["username"], "password": PASSWORD, "remember": "1"}
        return await timed(self.stats, "login", self.http.post("/login", params={"next": "/m/"}, data=data), 302) is not None

    async def session(self, endpoint: str = "session") -> bool:
        r = await timed(self.stats, endpoint, self.http.get("/api/v1/sync/session"), 200)
        if r is not None:
            self.csrf = r.json()["csrf_token"]
        return r is not None

    async def pull(self, endpoint: str = "pull") -> bool:
        r = await timed(self.stats, endpoint, self.http.get("/api/v1/sync/pull", params={"cursor": self.cursor} if self.cursor else None), 200)
        if r is None:
            return False
        body = r.json()
        self.cursor = body["cursor"]
        for iv in body["interventions"]:
            if iv["uuid"] == self.who["intervention"]:
                self.form_hash = next(f["content_hash"] for f in iv["forms"] if f["form_id"] == FORM_ID)
                sub = iv["submissions"].get(FORM_ID)
                self.base = max(self.base, sub["version"] if sub else 0)
        return True

    async def round(self) -> None:
        """One sync round, as the app runs it: session, uploads, push, pull."""
        self.done_rounds += 1
        if not await self.session():
            return
        att = str(uuid.uuid4())
        body = unique_photo(self.photo, att)
        headers = {"Content-Type": "image/jpeg", "X-Content-SHA256": hashlib.sha256(body).hexdigest(), "X-CSRFToken": self.csrf}
        put = self.http.put(f"/api/v1/attachments/{att}", params={"intervention": self.who["intervention"]}, content=body, headers=headers)
        if await timed(self.stats, "photo", put, 201) is None:
            return
        op = {"id": str(uuid.uuid4()), "type": "answers", "intervention": self.who["intervention"], "base_version": self.base,
              "at": datetime.now(timezone.utc).isoformat(), "form_id": FORM_ID, "form_hash": self.form_hash,
              "data": {**self.answers, PHOTO_FIELD: att, "observations": f"Passage {self.done_rounds}"}}
        r = await timed(self.stats, "push", self.http.post("/api/v1/sync/push", json={"ops": [op]}, headers={"X-CSRFToken": self.csrf}), 200)
        if r is not None:
            result = r.json()["results"][0]
            if result["status"] == "applied":
                self.base = result["version"]
            else:
                self.stats.errors[("push", f"op {result['status']}: {result.get('code')}")] += 1
        await self.pull()

    async def sign_in_and_sync(self, start: float) -> bool:
        """At ``start``: the login, then the app's first sync (session and a full pull)."""
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, start - loop.time()))
        return await self.sign_in() and await self.session("first session") and await self.pull("first pull")

    async def rounds(self, start: float, period: float, stop_at: float) -> None:
        """A round at each ``start + k * period`` before ``stop_at``."""
        loop = asyncio.get_running_loop()
        at = start
        while at < stop_at:
            await asyncio.sleep(max(0.0, at - loop.time()))
            await self.round()
            at += period


async def bounded(coros, seconds: float, stats: Stats) -> list:
    """Run them all, at most ``seconds``; what is still running then is cancelled (and
    counted), a phone that raised is counted."""
    tasks = [asyncio.create_task(c) for c in coros]
    done, pending = await asyncio.wait(tasks, timeout=seconds)
    for t in pending:
        t.cancel()
        stats.errors[("phone", "still running at the bound")] += 1
    for t in done:
        if t.exception() is not None:
            stats.errors[("phone", repr(t.exception())[:80])] += 1
    return [t.result() if t in done and t.exception() is None else None for t in tasks]


async def drive(base_url: str, who: list[dict], args, signing: Stats, syncing: Stats, server: subprocess.Popen) -> tuple[float, float]:
    """The sign-in phase (every phone, over ``--sign-in-spread``), then the rounds (over
    ``--duration``); returns each phase's wall time."""
    rnd = random.Random(args.seed)
    photo = base_photo(args.photo_kb)
    print(f"photo: a {len(photo) // 1024} KB JPEG of 1600x1200, other bytes at each upload", flush=True)
    answers = json.loads((ROOT / "examples" / FORM_ID / "valid.json").read_text(encoding="utf-8"))
    loop = asyncio.get_running_loop()
    phones = [Phone(base_url, w, photo, answers, signing, args.timeout) for w in who]
    try:
        t0 = loop.time()
        ok = await bounded([p.sign_in_and_sync(t0 + rnd.uniform(0, args.sign_in_spread)) for p in phones], args.sign_in_spread + len(phones) + args.timeout, signing)
        t1 = loop.time()
        ready = [p for p, signed in zip(phones, ok) if signed]
        for p in ready:
            p.stats = syncing
        if args.profile:  # during the rounds: where the server's CPU goes
            loop.call_later(min(5.0, args.duration / 4), lambda: start_profiles(server.pid, args.profile_seconds, args.profile))
        stop_at = t1 + args.duration
        await bounded([p.rounds(t1 + rnd.uniform(0, args.spread), args.period, stop_at) for p in ready], args.duration + args.timeout + 30, syncing)
        return t1 - t0, loop.time() - t1
    finally:
        await asyncio.gather(*(p.http.aclose() for p in phones))


# -- report --------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]


def table(stats: Stats, endpoints: tuple[str, ...], wall: float, total: str | None = None) -> None:
    print(f"{'endpoint':<14} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    rows = [(e, stats.ms[e]) for e in endpoints if stats.ms.get(e)]
    if total:
        rows.append((total, [v for e in endpoints for v in stats.ms.get(e, [])]))
    for name, values in rows:
        if values:
            print(f"{name:<14} {len(values):>6} {pct(values, 50):>8.0f} {pct(values, 95):>8.0f} {pct(values, 99):>8.0f} {max(values):>8.0f}")
    print(f"requests: {stats.sent} in {wall:.1f} s = {stats.sent / wall:.1f} req/s")
    print("errors: " + (", ".join(f"{e} {s}: {n}" for (e, s), n in sorted(stats.errors.items(), key=str)) or "none"))
    print("timeouts: " + (", ".join(f"{e}: {n}" for e, n in sorted(stats.timeouts.items())) or "none"))


def report(signing: Stats, syncing: Stats, walls: tuple[float, float], server_cpu: float, client_cpu: float, args) -> bool:
    print(f"\n{args.phones} phones; server: {args.workers or 'default'} workers x {args.threads or 'default'} threads; request timeout {args.timeout:g} s")
    print(f"\nsign-in, each phone once, spread over {args.sign_in_spread:g} s (login page, login with remember-me, first sync):")
    table(signing, SIGN_IN_ENDPOINTS, walls[0])
    print(f"\nsync rounds, each phone every {args.period:g} s from a moment within {args.spread:g} s, for {args.duration:g} s:")
    table(syncing, SYNC_ENDPOINTS, walls[1], "all sync")
    wall = sum(walls)
    print(f"\nCPU over both phases ({wall:.0f} s): server {server_cpu:.1f} s ({server_cpu / wall * 100:.0f} % of one core), "
          f"load generator {client_cpu:.1f} s ({client_cpu / wall * 100:.0f} %)")
    return not (signing.errors or signing.timeouts or syncing.errors or syncing.timeouts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which the phones' rounds start (0: all at once)")
    parser.add_argument("--sign-in-spread", type=float, help="seconds over which the phones sign in (default: --spread)")
    parser.add_argument("--period", type=float, default=60.0, help="seconds between a phone's sync rounds")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds during which rounds start, after the sign-in")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a request may take before it counts as a timeout")
    parser.add_argument("--photo-kb", type=int, default=300)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: fieldforms serve's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: fieldforms serve's)")
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database (kept); default: a fresh one, dropped after")
    parser.add_argument("--pg-server", default=os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1/postgres"),
                        help="where the fresh database is made (BENCH_PG_SERVER)")
    parser.add_argument("--redis-url", help="REDIS_URL for the server (the login throttle, report jobs); default: none")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--server-log", type=Path, help="keep the server's log there")
    parser.add_argument("--profile", type=Path, help="a folder: py-spy samples the workers during the rounds, and a summary is printed")
    parser.add_argument("--profile-seconds", type=float, default=30.0)
    args = parser.parse_args()
    if args.sign_in_spread is None:
        args.sign_in_spread = args.spread

    with tempfile.TemporaryDirectory(prefix="ff-load-") as instance:
        db = fresh_database(args.pg_server) if not args.database_url else nullcontext(args.database_url)
        with db as url:
            t = time.perf_counter()
            who = seed(url, instance, args.phones)
            import webapp

            print(f"code: {Path(webapp.__file__).parent.parent}; seeded {len(who)} technicians with an intervention each in {time.perf_counter() - t:.1f} s")
            port = free_port()
            log_path = Path(instance) / "server.log"
            server = start_server(url, instance, port, args, log_path)
            try:
                signing, syncing = Stats(), Stats()
                cpu0, c0 = tree_cpu_seconds(server.pid), time.process_time()
                walls = asyncio.run(drive(f"http://127.0.0.1:{port}", who, args, signing, syncing, server))
                server_cpu, client_cpu = tree_cpu_seconds(server.pid) - cpu0, time.process_time() - c0
            finally:
                stop_server(server)
            ok = report(signing, syncing, walls, server_cpu, client_cpu, args)
            if args.profile:
                profile_summary(args.profile)
            if not ok:
                tail = [line for line in log_path.read_text().splitlines() if '"level": "ERROR"' in line or "Traceback" in line or "WORKER TIMEOUT" in line]
                print("server errors logged:", len(tail), *tail[:5], sep="\n  ")
            if args.server_log:
                args.server_log.write_text(log_path.read_text())
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except NoPostgres as exc:
        print(f"bench/load.py skipped: {exc}")
