"""Two nodes (issue 14): two ``fieldforms serve`` processes (gunicorn) on two ports over one
PostgreSQL database, one Redis and one S3 server, a real ``fieldforms worker`` sending the
automatic reports to an SMTP server on loopback, and a phone alternating between the nodes
(round robin), each of its uploads and pushes replayed on the other node, one batch sent to
both at once. In the end every operation is applied exactly once, every photo is stored
once, every automatic report is queued once and sent once.

The phone speaks the protocol of webapp/static/m/sync.js: it signs in once with "remember
me" (/login?next=/m/), then each round asks /api/v1/sync/session (the CSRF token), uploads
its photos (PUT with the sha256 of the bytes), pushes its outbox (operations made offline,
each with its own id, based on the versions it pulled) and pulls.

Each node has an instance folder of its own (nothing shared through a disk); the nodes share
what a deployment's nodes share: the secret key, the database, Redis, the bucket. The
database is one of the test's own (CREATE DATABASE on TEST_DATABASE_URL's server, dropped
after), the queue a name of its own on TEST_REDIS_URL's Redis (its keys deleted after), the
bucket a fresh one on the suite's moto server.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_PASSWORD, Factory
from tests.webapp.test_server import CLEARED, FIELDFORMS
from tests.workflow_helpers import example, free_port, smtp_server

PG, REDIS = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
pytestmark = [
    pytest.mark.nodes,
    pytest.mark.skipif(not (PG and REDIS), reason="two nodes need PostgreSQL and Redis: TEST_DATABASE_URL and TEST_REDIS_URL (.ci/run sets both)"),
    pytest.mark.skipif(not FIELDFORMS.exists(), reason="the fieldforms command is not installed next to this Python"),
]
#: Every wait of the test ends by then (seconds from its start): the test is bounded.
BUDGET = 55
INTERVENTIONS = 3
CLIENT_EMAIL = "marie.cotillon@example.fr"


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def wait_for(self, what: str, check, every: float = 0.2):
        """Poll ``check()`` until it returns something true; fail past the deadline."""
        while True:
            got = check()
            if got:
                return got
            if time.monotonic() > self.end:
                raise AssertionError(f"still waiting for {what} at the end of the test's {BUDGET} s")
            time.sleep(every)


@contextmanager
def own_database():
    """A PostgreSQL database of the test's own on TEST_DATABASE_URL's server: its URL."""
    from webapp import database_url

    base = sa.engine.make_url(database_url(PG))
    name = f"ff_nodes_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def own_queue():
    """A queue name of the test's own on TEST_REDIS_URL; its keys are deleted after."""
    from redis import Redis

    name = f"ff-nodes-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        conn = Redis.from_url(REDIS)
        for key in conn.scan_iter(f"rq:*{name}*"):
            conn.delete(key)
        conn.close()


def settings_file(settings: dict) -> str:
    """An instance folder's config.py setting ``settings``."""
    return "".join(f"{key} = {value!r}\n" for key, value in settings.items())


@contextmanager
def process(folder: Path, name: str, args: list[str], settings: dict):
    """``fieldforms ARGS`` with an instance folder of its own holding ``settings``; its
    output in ``folder/name.log``; stopped with SIGTERM (killed if it lingers)."""
    instance = folder / name
    instance.mkdir()
    (instance / "config.py").write_text(settings_file(settings))
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith(("S3_", "STORAGE_", "AWS_"))}
    env["FIELDFORMS_INSTANCE"] = str(instance)
    with (folder / f"{name}.log").open("w") as log:
        proc = subprocess.Popen([str(FIELDFORMS), *args], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


class Phone:
    """A technician's phone, as webapp/static/m/sync.js speaks to the server, going round
    robin over ``nodes``; every upload and push is replayed on the node it did not use."""

    def __init__(self, nodes: list[str]):
        import requests

        self.nodes = nodes
        self.http = requests.Session()
        self.turn = 0
        self.csrf = None
        self.replies: list[tuple[str, str, int]] = []  # (node, what, status)

    def next_node(self) -> str:
        node = self.nodes[self.turn % len(self.nodes)]
        self.turn += 1
        return node

    def other(self, node: str) -> str:
        return next(n for n in self.nodes if n != node)

    def _call(self, node: str, method: str, path: str, **kw):
        headers = {"Accept": "application/json", "Accept-Language": "fr", **kw.pop("headers", {})}
        if method != "GET" and self.csrf:
            headers["X-CSRFToken"] = self.csrf
        response = self.http.request(method, node + path, headers=headers, timeout=30, allow_redirects=False, **kw)
        self.replies.append((node, f"{method} {path.split('?')[0]}", response.status_code))
        return response

    def sign_in(self, username: str) -> None:
        node = self.next_node()
        page = self.http.get(node + "/login?next=/m/", timeout=30).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        answer = self.http.post(node + "/login?next=/m/", data={"csrf_token": token, "username": username, "password": TEST_PASSWORD, "remember": "1"},
                                timeout=30, allow_redirects=False)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/m/"), answer.text
        assert "remember_token" in self.http.cookies

    def session(self) -> None:
        response = self._call(self.next_node(), "GET", "/api/v1/sync/session")
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf_token"]

    def pull(self) -> dict:
        response = self._call(self.next_node(), "GET", "/api/v1/sync/pull")
        assert response.status_code == 200, response.text
        return response.json()

    def upload(self, att_id: str, iv_uuid: str, data: bytes, ctype: str) -> dict:
        """One photo, then the same upload on the other node (the phone never heard the answer)."""
        node = self.next_node()
        path = f"/api/v1/attachments/{att_id}?intervention={iv_uuid}"
        headers = {"Content-Type": ctype, "X-Content-SHA256": hashlib.sha256(data).hexdigest()}
        first = self._call(node, "PUT", path, data=data, headers=headers)
        replay = self._call(self.other(node), "PUT", path, data=data, headers=headers)
        assert (first.status_code, replay.status_code) == (201, 200), (first.text, replay.text)
        assert first.json() == replay.json()
        return first.json()

    def push(self, ops: list[dict], *, at_once: bool = False) -> tuple[list[dict], list[dict]]:
        """A batch, then the same batch on the other node (``at_once``: both at the same
        time): the results of each."""
        node = self.next_node()
        body = {"ops": ops, "device": "test-phone"}
        if at_once:
            with ThreadPoolExecutor(2) as pool:
                first, replay = pool.map(lambda n: self._call(n, "POST", "/api/v1/sync/push", json=body), [node, self.other(node)])
        else:
            first = self._call(node, "POST", "/api/v1/sync/push", json=body)
            replay = self._call(self.other(node), "POST", "/api/v1/sync/push", json=body)
        assert (first.status_code, replay.status_code) == (200, 200), (first.text, replay.text)
        return first.json()["results"], replay.json()["results"]


def applied_once(first: list[dict], replay: list[dict]) -> None:
    """Each operation applied by exactly one of the two pushes; the other heard of it as a
    duplicate of an applied one."""
    for a, b in zip(first, replay, strict=True):
        assert sorted([a["status"], b["status"]]) == ["applied", "duplicate"], (a, b)
        assert (a if a["status"] == "duplicate" else b)["original"] == "applied"


def new_op(kind: str, iv_uuid: str, base: int | None, **payload) -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "intervention": iv_uuid, "base_version": base, "at": datetime.now(timezone.utc).isoformat(), **payload}


def jpeg(seed: int, size=(160, 120)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def signature_png() -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(im).line([(10, 60), (60, 20), (120, 50), (200, 15)], fill=(20, 40, 120), width=3)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def photo_answers(iv_number: int) -> tuple[dict, dict[str, tuple[bytes, str]]]:
    """The photos-signatures answers of one intervention and its files by attachment id. The
    technician's signature is the same picture everywhere, and one photo is taken again for
    the document field: the same bytes under other ids."""
    files: dict[str, tuple[bytes, str]] = {}

    def new(data: bytes, ctype: str = "image/jpeg") -> str:
        att_id = str(uuid.uuid4())
        files[att_id] = (data, ctype)
        return att_id

    data = example("photos-signatures")
    before = [jpeg(iv_number * 10 + 1), jpeg(iv_number * 10 + 2)]
    data["photos_avant"] = [new(p) for p in before]
    data["photos_apres"] = [new(jpeg(iv_number * 10 + 3))]
    data["photo_document"] = new(before[0])
    data["signature_technicien"]["attachment"] = new(signature_png(), "image/png")
    data["signature_client"]["attachment"] = new(jpeg(iv_number * 10 + 4, (240, 80)))
    return data, files


def test_two_nodes_apply_each_operation_once_store_each_photo_once_and_send_each_report_once(tmp_path, s3_server, s3_bucket):
    deadline = Deadline(BUDGET)
    with ExitStack() as stack:
        db_url = stack.enter_context(own_database())
        queue = stack.enter_context(own_queue())
        mail, mail_port = stack.enter_context(smtp_server())
        settings = {
            "SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": f"shared-{uuid.uuid4().hex}", "REDIS_URL": REDIS, "RQ_QUEUE": queue,
            **s3_server.config(s3_bucket),
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": mail_port, "MAIL_DEFAULT_SENDER": "Un poêle à l'heure <rapports@poele-a-lheure.fr>",
            "MAIL_TIMEOUT": 10, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SYNC_DEFINITIONS_ON_START": False,
        }
        app, ivs = _prepare(settings)
        s3_server.keep_versions(s3_bucket)  # every write of an object counted

        ports = [free_port(), free_port()]
        nodes = [f"http://127.0.0.1:{p}" for p in ports]
        servers = [stack.enter_context(process(tmp_path, f"node{i}", ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"], settings))
                   for i, port in enumerate(ports)]
        worker = stack.enter_context(process(tmp_path, "worker", ["worker"], settings))
        for node, proc in zip(nodes, servers):
            ready = deadline.wait_for(f"{node}/readyz", lambda: _ready(node, proc, tmp_path))
            assert ready == {"status": "ready", "checks": {"database": "ok", "redis": "ok", "storage": "ok"}}

        phone = Phone(nodes)
        phone.sign_in("tech1")
        phone.session()
        pulled = {iv["uuid"]: iv for iv in phone.pull()["interventions"]}
        assert set(pulled) == set(ivs)

        sent_ops: list[str] = []
        photos: dict[str, bytes] = {}
        for n, iv_uuid in enumerate(ivs):
            iv = pulled[iv_uuid]
            hashes = {f["form_id"]: f["content_hash"] for f in iv["forms"]}
            answers, files = photo_answers(n)
            ops = [
                new_op("start", iv_uuid, iv["version"]),
                new_op("answers", iv_uuid, 0, form_id="entretien-chaudiere", form_hash=hashes["entretien-chaudiere"], data=example("entretien-chaudiere")),
                new_op("answers", iv_uuid, 0, form_id="photos-signatures", form_hash=hashes["photos-signatures"], data=answers),
            ]
            phone.session()
            if n == 0:  # pushed before its photos went up: the answers naming them wait ("retry")
                first, replay = phone.push(ops)
                applied_once(first[:2], replay[:2])
                assert [(r["status"], r["code"]) for r in (first[2], replay[2])] == [("retry", "missing_attachment")] * 2
                sent_ops += [o["id"] for o in ops[:2]]
                ops = ops[2:]  # what the phone keeps in its outbox
            for att_id, (data, ctype) in files.items():
                phone.upload(att_id, iv_uuid, data, ctype)
                photos[att_id] = data
            phone.session()
            applied_once(*phone.push(ops, at_once=(n == INTERVENTIONS - 1)))
            finish = new_op("finish", iv_uuid, iv["version"], duration_minutes=55, travel_minutes=20)
            applied_once(*phone.push([finish]))
            sent_ops += [o["id"] for o in ops] + [finish["id"]]
            # the phone pulls again (another node): the intervention is done, as on the other node
            assert next(i for i in phone.pull()["interventions"] if i["uuid"] == iv_uuid)["state"] == "done"

        # every node served the phone; no request failed
        assert {node for node, _what, _status in phone.replies} == set(nodes)
        assert all(status < 500 for _n, _w, status in phone.replies), phone.replies

        # the worker sends the automatic reports, once each
        deadline.wait_for("every report sent", lambda: _sendings_done(app, ivs), every=0.5)
        deadline.wait_for("the queue drained", lambda: _drained(queue), every=0.5)
        assert worker.poll() is None and all(s.poll() is None for s in servers)
        _assert_exactly_once(app, ivs, sent_ops, photos, mail, s3_server, s3_bucket)


def _prepare(settings: dict):
    """The shared database migrated, the forms stored, tech1 and their interventions of the
    coming hours (boiler maintenance: its report is sent automatically once done)."""
    from flask_migrate import upgrade

    from webapp import PROJECT_ROOT, create_app
    from webapp.extensions import db
    from webapp.models import Intervention
    from webapp.registry import get_registry

    app = create_app({**settings, "TESTING": True, "SQLALCHEMY_ENGINE_OPTIONS": {}})
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        db.session.remove()
    factory = Factory(app)
    tech = factory.user("technician", "tech1")
    factory.user("office", "office")
    cid = factory.client("Cotillon Marie", email=CLIENT_EMAIL)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ids = [factory.intervention([tech], cid, start=now + timedelta(hours=1 + i), event_type_id="entretien-chaudiere", status="confirmed")
           for i in range(INTERVENTIONS)]
    with app.app_context():
        uuids = [db.session.get(Intervention, i).uuid for i in ids]
        db.session.remove()
        db.engine.dispose()
    return app, uuids


def _ready(node: str, proc: subprocess.Popen, folder: Path):
    import requests

    if proc.poll() is not None:
        raise AssertionError(f"{node} stopped (exit {proc.returncode}):\n" + "\n".join((folder / f).read_text()[-3000:] for f in os.listdir(folder) if f.endswith(".log")))
    try:
        response = requests.get(node + "/readyz", timeout=5)
    except requests.ConnectionError:
        return None
    return response.json() if response.status_code == 200 else None


def _drained(queue: str) -> bool:
    """No job of the queue waiting, running or scheduled for a retry."""
    from redis import Redis
    from rq import Queue

    conn = Redis.from_url(REDIS)
    try:
        q = Queue(queue, connection=conn)
        return q.count == 0 and q.started_job_registry.count == 0 and q.scheduled_job_registry.count == 0
    finally:
        conn.close()


def _sendings_done(app, ivs) -> bool:
    from webapp.extensions import db
    from webapp.models import Intervention, ReportSending

    with app.app_context():
        statuses = db.session.scalars(sa.select(ReportSending.status).join(Intervention, Intervention.id == ReportSending.intervention_id)
                                      .where(Intervention.uuid.in_(ivs))).all()
        db.session.remove()
    return len(statuses) >= len(ivs) and all(s in ("sent", "failed") for s in statuses)


def _assert_exactly_once(app, ivs, sent_ops, photos, mail, s3_server, s3_bucket) -> None:
    from webapp.extensions import db
    from webapp.models import Attachment, AuditLog, Intervention, ReportSending, Submission, SyncOperation
    from webapp.storage import attachment_key, report_key

    with app.app_context():
        iv_ids = {db.session.scalar(sa.select(Intervention.id).where(Intervention.uuid == u)): u for u in ivs}
        # every operation kept once, applied
        kept = db.session.execute(sa.select(SyncOperation.id, SyncOperation.status)).all()
        assert sorted(i for i, _s in kept) == sorted(sent_ops) and {s for _i, s in kept} == {"applied"}
        # each form answered once (version 1), each action done once
        subs = db.session.execute(sa.select(Submission.intervention_id, Submission.form_id, Submission.version)).all()
        assert sorted(subs) == sorted((i, f, 1) for i in iv_ids for f in ("entretien-chaudiere", "photos-signatures"))
        actions = db.session.execute(sa.select(AuditLog.entity_id, AuditLog.action).where(
            AuditLog.action.in_(("start", "finish", "answers_create", "answers_update", "report_request", "report_sent")))).all()
        for i in iv_ids:
            mine = sorted(a for e, a in actions if e == str(i))
            assert mine == ["answers_create", "answers_create", "finish", "report_request", "report_sent", "start"], mine
        assert {db.session.get(Intervention, i).status for i in iv_ids} == {"done"}
        # each attachment once; each distinct photo stored once in the bucket
        atts = db.session.execute(sa.select(Attachment.id, Attachment.sha256)).all()
        assert sorted(a for a, _s in atts) == sorted(photos)
        distinct = {hashlib.sha256(data).hexdigest() for data in photos.values()}
        assert len(distinct) < len(photos)  # some bytes were sent under several ids
        writes = s3_server.versions(s3_bucket)
        assert sorted(k for k, _v in writes if not k.startswith("reports/")) == sorted(attachment_key(s) for s in distinct)  # each written once
        # each automatic report queued once and sent once, its PDF kept once
        sendings = db.session.execute(sa.select(ReportSending.intervention_id, ReportSending.trigger, ReportSending.status, ReportSending.attempts,
                                                ReportSending.pdf_sha256)).all()
        assert sorted((i, t, s, a) for i, t, s, a, _p in sendings) == sorted((i, "auto", "sent", 1) for i in iv_ids)
        assert sorted(k for k, _v in writes if k.startswith("reports/")) == sorted(report_key(p) for *_rest, p in sendings)
        db.session.remove()
        db.engine.dispose()
    messages = mail.parsed()
    assert len(messages) == len(ivs) and {m["To"] for m in messages} == {CLIENT_EMAIL}
    pdfs = sorted(hashlib.sha256(part.get_content()).hexdigest() for m in messages for part in m.iter_attachments())
    assert pdfs == sorted(p for *_rest, p in sendings)
