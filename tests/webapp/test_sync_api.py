"""The sync API of the offline client (issue 5): pull with a cursor, push idempotent by
operation UUID (replays, concurrent pushes), stale bases kept as conflicts, refusals with
their reason, uploads (sha256, size, type, idempotence), and access for every role."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.storage_server import on_both_storages

ROOT = Path(__file__).resolve().parents[2]
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def example(form_id: str) -> dict:
    return json.loads((ROOT / "examples" / form_id / "valid.json").read_text(encoding="utf-8"))


def jpeg(width: int = 64, height: int = 48, color=(200, 80, 40)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 10), (255, 255, 255)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def world(app, factory, users):
    cid = factory.client("Cotillon Marie", phone="02 99 00 11 22", email="marie@example.fr", lat=48.12, lon=-1.60)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    mine = factory.intervention([users["tech1"]], cid, start=now + timedelta(hours=1), event_type_id="entretien-chaudiere", status="confirmed")
    poele = factory.intervention([users["tech1"]], cid, start=now + timedelta(days=1), event_type_id="entretien-poele", status="confirmed")
    theirs = factory.intervention([users["tech2"]], cid, start=now + timedelta(hours=2), event_type_id="entretien-chaudiere")
    far = factory.intervention([users["tech1"]], cid, start=now + timedelta(days=30))
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Intervention

        uuids = {k: db.session.get(Intervention, v).uuid for k, v in {"mine": mine, "poele": poele, "theirs": theirs, "far": far}.items()}
    return {"ids": {"mine": mine, "poele": poele, "theirs": theirs, "far": far}, "uuid": uuids, "client": cid, **users}


def op(kind: str, iv_uuid: str, base: int | None = 1, **payload) -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "intervention": iv_uuid, "base_version": base, "at": datetime.now(timezone.utc).isoformat(), **payload}


def push(client, *ops):
    response = client.post("/api/v1/sync/push", json={"ops": list(ops)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def upload(client, iv_uuid: str, data: bytes, att_id: str | None = None, ctype: str = "image/jpeg", sha: str | None = None):
    att_id = att_id or str(uuid.uuid4())
    return client.put(f"/api/v1/attachments/{att_id}?intervention={iv_uuid}", data=data, headers={"Content-Type": ctype, "X-Content-SHA256": sha or hashlib.sha256(data).hexdigest()}), att_id


def count(app, model, **where):
    from webapp.extensions import db

    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return db.session.scalar(stmt)


# --- pull --------------------------------------------------------------------------------


def test_pull_returns_the_technicians_coming_interventions(client, auth, world):
    auth.login("tech1")
    body = client.get("/api/v1/sync/pull").get_json()
    assert set(body["ids"]) == {world["uuid"]["mine"], world["uuid"]["poele"]}  # not tech2's, not in 30 days
    iv = next(i for i in body["interventions"] if i["uuid"] == world["uuid"]["mine"])
    assert iv["client"]["phone"] == "02 99 00 11 22" and iv["client"]["lat"] == 48.12
    assert iv["state"] == "confirmed" and iv["status_color"].startswith("#") and iv["closed"] is False
    assert [f["form_id"] for f in iv["forms"]] == ["entretien-chaudiere", "photos-signatures"]
    assert all(len(f["content_hash"]) == 64 for f in iv["forms"])
    assert set(body["forms"]) == {f["content_hash"] for f in iv["forms"]} | {f["content_hash"] for i in body["interventions"] for f in i["forms"]}
    et = body["config"]["event_types"]["entretien-poele"]
    assert et["time_tracking"] == "automatic" and et["mandatory_time_tracking"] is True and "start" in et["actions"]
    assert next(s for s in body["config"]["statuses"] if s["key"] == "done")["color"] == "#2e7d32"
    assert "rights" not in body["config"]  # what the user may do is per intervention, decided by the server
    assert iv["rights"]["edit_answers"] == {"allowed": True, "code": None, "message": None}
    visits = body["clients"][str(iv["client_id"])]  # the client's history, once for both of tech1's interventions there
    assert [h["uuid"] for h in visits] == [world["uuid"]["mine"], world["uuid"]["theirs"], world["uuid"]["poele"], world["uuid"]["far"]]
    assert list(body["clients"]) == [str(world["client"])]


def test_pull_sends_the_policys_answers_now_and_after_each_offline_action(client, auth, world, app):
    """The phone derives no right: per intervention the pull says what this user may do,
    in the device's language, and what will hold after each action taken offline."""
    auth.login("tech1")
    body = client.get("/api/v1/sync/pull", headers={"Accept-Language": "en"}).get_json()
    poele = next(i for i in body["interventions"] if i["uuid"] == world["uuid"]["poele"])  # mandatory time tracking, confirmed
    assert set(poele["rights"]) == {"edit_answers", "start", "pause", "resume", "finish", "back_to_confirmed", "send_report"}
    assert poele["rights"]["edit_answers"] == {"allowed": False, "code": "not_started", "message": "Press Start before filling in this intervention: time tracking is mandatory."}
    assert poele["rights"]["start"]["allowed"] and poele["after"]["start"]["status"] == "in_progress"
    assert poele["after"]["start"]["rights"]["edit_answers"]["allowed"] and poele["after"]["pause"]["rights"]["resume"]["allowed"]
    # the office closes it: the next pull brings it again (its version moved), every action refused with the reason
    auth.logout()
    auth.login("office")
    client.post(f"/interventions/{world['ids']['poele']}/close", data={"reason": "Facturé"})
    auth.logout()
    auth.login("tech1")
    again = client.get(f"/api/v1/sync/pull?cursor={body['cursor']}").get_json()
    poele = next(i for i in again["interventions"] if i["uuid"] == world["uuid"]["poele"])
    assert {d["code"] for d in poele["rights"].values()} == {"closed"} and poele["after"] == {}
    assert poele["rights"]["start"]["message"] == "Le bureau a clôturé cette intervention : Facturé"


def test_openapi_documents_every_field_of_a_pulled_intervention(client, auth, world):
    import jsonschema
    import yaml

    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    schemas = doc["components"]["schemas"]
    auth.login("tech1")
    pulled = client.get("/api/v1/sync/pull").get_json()
    intervention = {**schemas["Intervention"], "components": {"schemas": schemas}}
    for iv in pulled["interventions"]:
        assert set(iv) <= set(schemas["Intervention"]["properties"]), set(iv) - set(schemas["Intervention"]["properties"])
        jsonschema.Draft202012Validator(intervention).validate(iv)
    assert set(pulled["config"]) <= set(schemas["Pull"]["properties"]["config"]["properties"])


def test_a_submission_lacking_defaults_is_pulled_with_what_its_form_opens_with(client, auth, world):
    """The phone fills its blank form with ``opening`` (RJSF fills the defaults of absent
    fields when a form opens); the stored answers stay as they are, in ``data``."""
    data = {k: v for k, v in example("entretien-chaudiere").items() if k != "texte_reglementaire"}
    iv_uuid = world["uuid"]["mine"]
    auth.login("tech1")
    assert push(client, op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data=data))[0]["status"] == "applied"
    pulled = client.get("/api/v1/sync/pull").get_json()
    sub = next(i for i in pulled["interventions"] if i["uuid"] == iv_uuid)["submissions"]["entretien-chaudiere"]
    assert sub["data"] == data
    assert sub["opening"] == {**data, "texte_reglementaire": example("entretien-chaudiere")["texte_reglementaire"]}
    assert push(client, op("answers", iv_uuid, 1, form_id="entretien-chaudiere", data=example("entretien-chaudiere")))[0]["status"] == "applied"
    pulled = client.get("/api/v1/sync/pull").get_json()
    assert "opening" not in next(i for i in pulled["interventions"] if i["uuid"] == iv_uuid)["submissions"]["entretien-chaudiere"]


def test_pull_with_cursor_returns_only_changes(client, auth, world, app):
    auth.login("tech1")
    first = client.get("/api/v1/sync/pull").get_json()
    again = client.get(f"/api/v1/sync/pull?cursor={first['cursor']}").get_json()
    assert again["full"] is False
    assert set(again["ids"]) == set(first["ids"])
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Intervention

        iv = db.session.get(Intervention, world["ids"]["poele"])
        iv.updated_at = datetime.now(timezone.utc) - timedelta(minutes=10)  # as if untouched for long
        db.session.commit()
        mine = db.session.get(Intervention, world["ids"]["mine"])
        mine.updated_at = datetime.now(timezone.utc) - timedelta(minutes=10)
        db.session.commit()
    quiet = client.get(f"/api/v1/sync/pull?cursor={first['cursor']}").get_json()
    assert quiet["interventions"] == []
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Intervention

        iv = db.session.get(Intervention, world["ids"]["poele"])
        iv.notes = "Code portail 1234"
        db.session.commit()
    changed = client.get(f"/api/v1/sync/pull?cursor={first['cursor']}").get_json()
    assert [i["uuid"] for i in changed["interventions"]] == [world["uuid"]["poele"]]
    assert client.get("/api/v1/sync/pull?cursor=garbage").get_json()["full"] is True


# --- push: answers -----------------------------------------------------------------------


def test_answers_push_is_idempotent(client, auth, world, app):
    from webapp.models import AuditLog, Submission

    auth.login("tech1")
    o = op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=example("entretien-chaudiere"))
    assert push(client, o)[0]["status"] == "applied"
    for _ in range(3):  # the device never heard back: it sends the same batch again
        r = push(client, o)[0]
        assert r["status"] == "duplicate" and r["original"] == "applied"
    assert count(app, Submission, intervention_id=world["ids"]["mine"]) == 1
    assert count(app, AuditLog, action="answers_create") == 1
    with app.app_context():
        from webapp.extensions import db

        assert db.session.scalar(sa.select(Submission.version).where(Submission.intervention_id == world["ids"]["mine"])) == 1


def test_operations_made_before_hearing_back_are_chained(client, auth, world):
    auth.login("tech1")
    data = example("entretien-chaudiere")
    a = op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=data)
    b = op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data={**data, "modele": "Autre"})
    assert [r["status"] for r in push(client, a, b)] == ["applied", "applied"]
    start = op("start", world["uuid"]["mine"], 1)
    finish_early = op("pause", world["uuid"]["mine"], 1)  # same base: made offline right after
    results = push(client, start, finish_early)
    assert results[0]["status"] == "applied"
    assert results[1]["status"] in ("applied", "refused") and results[1].get("code") != "conflict"


def test_stale_base_is_a_conflict_with_both_versions_kept(client, auth, world, app):
    from webapp.models import SyncOperation

    data = example("entretien-chaudiere")
    auth.login("office")
    assert push(client, op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=data))[0]["status"] == "applied"
    auth.logout()
    auth.login("tech1")
    mine = {**data, "modele": "Version du technicien"}
    r = push(client, op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=mine))[0]
    assert r["status"] == "conflict" and r["code"] == "conflict" and r["error"]
    with app.app_context():
        from webapp.extensions import db

        row = db.session.scalar(sa.select(SyncOperation).where(SyncOperation.status == "conflict"))
        assert row.payload["data"]["modele"] == "Version du technicien"
        assert row.server_state["data"]["modele"] == data["modele"] and row.server_state["version"] == 1
    page = client.get(f"/interventions/{world['ids']['mine']}")
    auth.logout()
    auth.login("office")
    page = client.get(f"/interventions/{world['ids']['mine']}").get_data(as_text=True)
    assert "Version du technicien" in page


def test_invalid_answers_are_refused_by_pointer(client, auth, world):
    auth.login("tech1")
    bad = copy.deepcopy(example("entretien-chaudiere"))
    bad["puissance_nominale_kw"] = "beaucoup"
    r = push(client, op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=bad))[0]
    assert r["status"] == "refused" and r["code"] == "invalid_answers"
    assert any(e["pointer"] == "/puissance_nominale_kw" for e in r["errors"])
    again = push(client, {**op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=bad)})[0]
    assert again["status"] == "refused"


def test_answers_need_their_attachments_uploaded_first(client, auth, world, app):
    auth.login("tech1")
    client.post("/api/v1/sync/push", json={"ops": [op("start", world["uuid"]["poele"], 1)]})
    data = example("photos-signatures")
    o = op("answers", world["uuid"]["poele"], 0, form_id="photos-signatures", data=data)
    later = op("finish", world["uuid"]["poele"], 2)
    r = push(client, o, later)
    assert r[0]["status"] == "retry" and r[0]["code"] == "missing_attachment" and set(r[0]["missing"]) == set(UUID_RE.findall(json.dumps(data)))
    assert r[1]["status"] == "retry" and r[1]["code"] == "blocked"  # Finish waits for the answers
    for att_id in set(UUID_RE.findall(json.dumps(data))):
        response, _ = upload(client, world["uuid"]["poele"], jpeg(), att_id)
        assert response.status_code == 201
    assert push(client, o)[0]["status"] == "applied"


def test_closed_intervention_refuses_device_edits_with_the_reason(client, auth, world, app):
    auth.login("office")
    assert client.post(f"/interventions/{world['ids']['mine']}/close", data={"reason": "Facturé, dossier clos"}).status_code == 302
    auth.logout()
    auth.login("tech1")
    r = push(client, op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=example("entretien-chaudiere")))[0]
    assert r["status"] == "refused" and r["code"] == "closed" and "Facturé" in r["error"]
    s = push(client, op("start", world["uuid"]["mine"], None))[0]
    assert s["status"] == "refused" and s["code"] == "closed"
    response, _ = upload(client, world["uuid"]["mine"], jpeg())
    assert response.status_code == 423 and response.get_json()["code"] == "closed"
    pulled = client.get("/api/v1/sync/pull").get_json()
    iv = next(i for i in pulled["interventions"] if i["uuid"] == world["uuid"]["mine"])
    assert iv["closed"] is True and {p["code"] for p in iv["problems"]} == {"closed"}


def test_mandatory_time_tracking_refuses_answers_before_start(client, auth, world):
    auth.login("tech1")
    r = push(client, op("answers", world["uuid"]["poele"], 0, form_id="entretien-poele", data={}))[0]
    assert r["status"] == "refused" and r["code"] in ("not_started", "invalid_answers")


def test_status_operations_replayed_change_nothing(client, auth, world, app):
    from webapp.models import AuditLog

    auth.login("tech1")
    start = op("start", world["uuid"]["mine"], 1)
    for _ in range(3):
        push(client, start)
    n = count(app, AuditLog, action="status")
    assert n >= 1
    for _ in range(3):
        assert push(client, start)[0]["status"] == "duplicate"
    assert count(app, AuditLog, action="status") == n


def test_a_claim_left_pending_is_applied_by_the_next_replay_at_once(client, auth, world, app):
    """A row committed "pending" (a claim of an earlier version of the server, whose request
    died: nothing was applied) is taken over by the next replay, at once."""
    from webapp.models import Submission, SyncOperation

    auth.login("tech1")
    o = op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=example("entretien-chaudiere"))
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import User

        tech = db.session.scalar(sa.select(User).where(User.username == "tech1"))
        db.session.add(SyncOperation(id=o["id"], user_id=tech.id, intervention_id=world["ids"]["mine"], type="answers", target="entretien-chaudiere",
                                     base_version=0, payload=o, status="pending", received_at=datetime.now(timezone.utc)))
        db.session.commit()
    assert push(client, o)[0]["status"] == "applied"
    assert push(client, o)[0]["status"] == "duplicate"
    assert count(app, Submission, intervention_id=world["ids"]["mine"]) == 1


class Died(BaseException):
    """The request's process died here (the transaction goes, as when its connection closes).
    Not an ``Exception``: the app handles those (a handler's bug refuses its operation,
    webapp/sync/ops.py), as it cannot handle a death; a worker killed on its timeout gets a
    ``SystemExit``, a BaseException too."""


def test_a_request_that_dies_mid_apply_leaves_nothing_claimed_and_the_replay_applies_it(client, auth, world, app, monkeypatch):
    from webapp.models import AuditLog, SyncOperation
    from webapp.sync.handlers import HANDLERS

    auth.login("tech1")
    start = op("start", world["uuid"]["mine"], 1)

    def dies(ctx):  # claimed, not applied yet
        raise Died()

    monkeypatch.setitem(HANDLERS, "start", dies)
    with pytest.raises(Died):
        client.post("/api/v1/sync/push", json={"ops": [start]})
    assert count(app, SyncOperation, id=start["id"]) == 0 and count(app, AuditLog, action="start") == 0
    monkeypatch.undo()
    assert push(client, start)[0]["status"] == "applied"  # at once: no claim to wait for
    assert push(client, start)[0]["status"] == "duplicate"
    assert count(app, AuditLog, action="start") == 1


@pytest.mark.committed
@pytest.mark.parametrize("first", ["applies", "dies"])
def test_a_replay_while_the_operation_is_applied_waits_for_it(app, world, monkeypatch, first):
    """The device sends the operation again while the first request still applies it: the
    replay waits for the first's transaction (PostgreSQL: the row's lock, at the claim;
    SQLite: the write lock, which a batch takes at its start), then finds it applied — or, the first request having died, applies it. Never
    "come back later", never twice; on SQLite and on PostgreSQL."""
    import threading

    from webapp.models import AuditLog, SyncOperation
    from webapp.services import unit
    from webapp.sync import ops
    from webapp.sync.handlers import HANDLERS

    clients = [app.test_client(), app.test_client()]
    for c in clients:
        c.post("/login", data={"username": "tech1", "password": "secret-pass"})
    start = op("start", world["uuid"]["mine"], 1)
    applying, claiming, release = threading.Event(), threading.Event(), threading.Event()
    real, claim, write_lock = HANDLERS["start"], ops._claim, unit._write_lock

    def slow(ctx):
        if not applying.is_set():  # the first request, its claim written and not committed
            applying.set()
            assert release.wait(20)
            if first == "dies":
                raise Died()
        return real(ctx)

    def watched(wait):
        def watched_wait(*args):
            if applying.is_set():
                claiming.set()  # the replay reaches where it waits
            return wait(*args)

        return watched_wait

    monkeypatch.setitem(HANDLERS, "start", slow)
    monkeypatch.setattr(ops, "_claim", watched(claim))
    monkeypatch.setattr(unit, "_write_lock", watched(write_lock))
    results: list = [None, None]

    def send(i):
        try:
            results[i] = clients[i].post("/api/v1/sync/push", json={"ops": [start]}).get_json()["results"][0]
        except Died:
            results[i] = "died"

    threads = [threading.Thread(target=send, args=(0,))]
    threads[0].start()
    assert applying.wait(20)
    threads.append(threading.Thread(target=send, args=(1,)))
    threads[1].start()
    assert claiming.wait(20)
    release.set()
    for t in threads:
        t.join(30)
    if first == "applies":
        assert results[0]["status"] == "applied" and (results[1]["status"], results[1]["original"]) == ("duplicate", "applied")
    else:
        assert results == ["died", {**results[1], "status": "applied"}]
    with app.app_context():
        from webapp.extensions import db

        assert db.session.scalars(sa.select(SyncOperation.status).where(SyncOperation.id == start["id"])).all() == ["applied"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "start")) == 1


def test_operation_ids_are_per_user(client, auth, world):
    auth.login("tech1")
    o = op("start", world["uuid"]["mine"], 1)
    push(client, o)
    auth.logout()
    auth.login("tech2")
    r = push(client, {**o, "intervention": world["uuid"]["theirs"]})[0]
    assert r["status"] == "refused" and r["code"] == "invalid"


def test_malformed_operations_are_refused_one_by_one(client, auth, world):
    auth.login("tech1")
    good = op("start", world["uuid"]["mine"], 1)
    results = push(client, {"id": "nope", "type": "explode"}, good)
    assert results[0]["status"] == "refused" and results[0]["code"] == "invalid"
    assert results[1]["status"] == "applied"
    assert client.post("/api/v1/sync/push", json={"ops": []}).status_code == 422
    assert client.post("/api/v1/sync/push", data="x").status_code == 422


# --- one handler per operation type -----------------------------------------------------

#: A valid operation of each type, as far as the schema goes (the handler is what is tested).
PAYLOADS = {"answers": {"form_id": "entretien-chaudiere", "data": {}}, "discard": {"form_id": "entretien-chaudiere"}, "transition": {"to": "in_progress"}}


def test_every_operation_type_the_schema_accepts_has_a_handler_of_one_context():
    import inspect

    from webapp.sync.handlers import HANDLERS, OpContext
    from webapp.sync.schemas import OP_TYPES

    assert set(HANDLERS) == set(OP_TYPES)
    for kind, handler in HANDLERS.items():
        params = list(inspect.signature(handler).parameters.values())
        assert len(params) == 1, kind
        assert params[0].annotation in (OpContext, "OpContext"), kind


@pytest.mark.parametrize("kind", sorted(PAYLOADS.keys() | {"start", "pause", "resume", "finish", "back_to_confirmed", "time", "send_report"}))
def test_every_operation_reaches_its_handler_with_the_same_context(client, auth, world, monkeypatch, kind):
    """Whatever the type: the user, the intervention, the device's instant, the source and
    the base version reach the handler, and its version is the result's."""
    from webapp.sync.handlers import HANDLERS

    seen = []

    def spy(ctx):
        seen.append((ctx.user.username, ctx.intervention.uuid, ctx.op["type"], ctx.at, ctx.source, ctx.base_version))
        return 7

    monkeypatch.setitem(HANDLERS, kind, spy)
    auth.login("tech1")
    sent = {**op(kind, world["uuid"]["mine"], 3, **PAYLOADS.get(kind, {})), "at": "2030-01-02T03:04:05+01:00"}
    r = push(client, sent)[0]
    assert r["status"] == "applied" and r["version"] == 7
    assert seen == [("tech1", world["uuid"]["mine"], kind, datetime(2030, 1, 2, 2, 4, 5, tzinfo=timezone.utc), "device", 3)]


def test_a_stale_time_operation_is_a_conflict(client, auth, world, app):
    """The office changed the intervention since the device saw it: the typed times are not
    applied, the server's side is kept, the device learns the version to base a re-send on."""
    from webapp.models import AuditLog, InterventionWork, SyncOperation

    auth.login("office")
    assert client.post(f"/interventions/{world['ids']['mine']}/close", data={"reason": "x"}).status_code == 302
    assert client.post(f"/interventions/{world['ids']['mine']}/reopen").status_code == 302  # version 1 -> 3
    auth.logout()
    auth.login("tech1")
    r = push(client, op("time", world["uuid"]["mine"], 1, duration_minutes=50, travel_minutes=10))[0]
    assert r["status"] == "conflict" and r["code"] == "conflict" and r["error"] and r["server_version"] == 3
    assert count(app, InterventionWork, intervention_id=world["ids"]["mine"], actual_minutes=50) == 0
    assert count(app, AuditLog, action="time") == 0
    with app.app_context():
        from webapp.extensions import db

        kept = db.session.get(SyncOperation, r["id"])
        assert kept.status == "conflict" and kept.server_state["version"] == 3
    again = push(client, op("time", world["uuid"]["mine"], 3, duration_minutes=50, travel_minutes=10))[0]
    assert again["status"] == "applied" and again["version"] == 4


def test_a_time_operation_is_audited_with_the_device_and_its_instant(client, auth, world, app):
    from webapp.models import AuditLog

    auth.login("tech1")
    r = push(client, {**op("time", world["uuid"]["mine"], 1, duration_minutes=50), "at": "2030-06-15T10:30:00+02:00"})[0]
    assert r["status"] == "applied" and r["version"] == 2
    with app.app_context():
        from webapp.extensions import db

        row = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "time")).one()
    assert row.details == {"source": "device", "at": "2030-06-15T08:30:00+00:00", "actual": [None, 50]}


def test_a_time_operation_that_changes_nothing_is_applied_and_replays_as_a_duplicate(client, auth, world, app):
    """Times equal to those kept: applied, nothing to do (same version, no audit row); it
    neither stays pending nor holds back the next operation of the intervention."""
    from webapp.models import AuditLog, SyncOperation

    auth.login("tech1")
    assert push(client, op("time", world["uuid"]["mine"], 1, duration_minutes=50))[0]["version"] == 2
    same = op("time", world["uuid"]["mine"], 2, duration_minutes=50)
    start = op("start", world["uuid"]["mine"], 2)
    first, then = push(client, same, start)
    assert first["status"] == "applied" and first["version"] == 2
    assert then["status"] == "applied"
    replay = push(client, same)[0]
    assert replay["status"] == "duplicate" and replay["original"] == "applied" and replay["version"] == 2
    assert count(app, AuditLog, action="time") == 1
    assert count(app, SyncOperation, status="pending") == 0


def test_answers_are_audited_with_the_device_and_its_instant(client, auth, world, app):
    from webapp.models import AuditLog

    auth.login("tech1")
    sent = {**op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=example("entretien-chaudiere")), "at": "2030-06-15T10:30:00+02:00"}
    assert push(client, sent)[0]["status"] == "applied"
    with app.app_context():
        from webapp.extensions import db

        row = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "answers_create")).one()
    assert row.details["source"] == "device" and row.details["at"] == "2030-06-15T08:30:00+00:00"


# --- attachments -------------------------------------------------------------------------


@on_both_storages
def test_upload_is_checked_and_idempotent(client, auth, world, app):
    from webapp.models import Attachment
    from webapp.storage import attachment_key, get_storage

    auth.login("tech1")
    data = jpeg()
    response, att_id = upload(client, world["uuid"]["mine"], data)
    assert response.status_code == 201 and response.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
    again, _ = upload(client, world["uuid"]["mine"], data, att_id)
    assert again.status_code == 200
    other, _ = upload(client, world["uuid"]["mine"], jpeg(color=(0, 0, 0)), att_id)
    assert other.status_code == 409
    assert client.head(f"/api/v1/attachments/{att_id}").status_code == 200
    assert client.head(f"/api/v1/attachments/{uuid.uuid4()}").status_code == 404
    twin, twin_id = upload(client, world["uuid"]["mine"], data)  # same bytes, another id: stored once
    assert twin.status_code == 201
    sha = hashlib.sha256(data).hexdigest()
    stored = get_storage(app).read(attachment_key(sha))  # named by the device's bytes, holding the server's re-encoding
    assert count(app, Attachment, sha256=sha) == 2
    got = client.get(f"/attachments/{att_id}")
    assert got.data == stored and got.data.startswith(b"\xff\xd8")
    got.close()


@pytest.mark.parametrize("case, status, code", [
    ("sha", 400, "checksum"), ("type", 415, "type"), ("lie", 415, "type"), ("big", 413, "too_large"), ("empty", 400, "empty"),
])
def test_upload_refusals(client, auth, world, app, case, status, code):
    app.config["ATTACHMENT_MAX_BYTES"] = 2000
    auth.login("tech1")
    iv = world["uuid"]["mine"]
    if case == "sha":
        response, _ = upload(client, iv, jpeg(), sha="0" * 64)
    elif case == "type":
        response, _ = upload(client, iv, b"%PDF-1.4 not an image", ctype="application/pdf")
    elif case == "lie":
        response, _ = upload(client, iv, png(), ctype="image/jpeg")
    elif case == "big":
        response, _ = upload(client, iv, jpeg(400, 300) + b"\0" * 3000)
    else:
        response, _ = upload(client, iv, b"")
    assert response.status_code == status and response.get_json()["code"] == code


# --- access ------------------------------------------------------------------------------


@on_both_storages
def test_technician_cannot_reach_another_technicians_intervention(client, auth, world):
    auth.login("tech1")
    theirs = world["uuid"]["theirs"]
    r = [push(client, o)[0] for o in (op("answers", theirs, 0, form_id="entretien-chaudiere", data=example("entretien-chaudiere")), op("start", theirs, 1))]
    assert [x["status"] for x in r] == ["refused", "refused"] and {x["code"] for x in r} == {"not_found"}
    response, _ = upload(client, theirs, jpeg())
    assert response.status_code == 404
    auth.logout()
    auth.login("tech2")
    _, att_id = upload(client, theirs, jpeg())
    auth.logout()
    auth.login("tech1")
    assert client.head(f"/api/v1/attachments/{att_id}").status_code == 404
    assert client.get(f"/attachments/{att_id}").status_code == 404
    assert theirs not in client.get("/api/v1/sync/pull").get_json()["ids"]


@pytest.mark.parametrize("role, pull_count", [("manager", 0), ("office", 0), ("tech1", 2), ("tech2", 1)])
def test_every_role(client, auth, world, role, pull_count):
    assert client.get("/api/v1/sync/pull").status_code == 401
    assert client.post("/api/v1/sync/push", json={"ops": []}).status_code == 401
    assert client.put(f"/api/v1/attachments/{uuid.uuid4()}").status_code == 401
    assert client.get("/m/forms/" + "0" * 64).status_code == 302
    assert client.get("/m/").headers["Location"].endswith("/m/login") and client.get("/m/sw.js").status_code == 200
    auth.login(role)
    assert client.get("/m/").status_code == 200
    assert len(client.get("/api/v1/sync/pull").get_json()["ids"]) == pull_count
    assert client.get("/api/v1/sync/session").get_json()["user"]["username"] == role


def test_mobile_form_is_the_rendered_blank_form(client, auth, world):
    auth.login("tech1")
    body = client.get("/api/v1/sync/pull").get_json()
    f = next(iter(body["forms"].values()))
    response = client.get(f["url"])
    assert response.status_code == 200 and b"data-ff-form" in response.data and f["content_hash"].encode() in response.data
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/m/forms/" + "f" * 64).status_code == 404


def test_mobile_form_url_names_its_language(client, auth, world):
    """Each language of a form has its own URL (the phone caches them apart): the pull gives
    the one of its language, and the path's language wins over the request's."""
    auth.login("tech1")
    fr = client.get("/api/v1/sync/pull").get_json()
    en = client.get("/api/v1/sync/pull", headers={"Accept-Language": "en"}).get_json()
    h = next(f["content_hash"] for f in fr["forms"].values() if f["form_id"] == "entretien-chaudiere")
    assert fr["forms"][h]["url"] == f"/m/forms/{h}/fr" and en["forms"][h]["url"] == f"/m/forms/{h}/en"
    en_page = client.get(f"/m/forms/{h}/en", headers={"Accept-Language": "fr"})
    fr_page = client.get(f"/m/forms/{h}/fr", headers={"Accept-Language": "en"})
    assert "Owner or occupant name" in en_page.get_data(as_text=True) and "Nom du propriétaire" not in en_page.get_data(as_text=True)
    assert "Nom du propriétaire ou de l'occupant" in fr_page.get_data(as_text=True).replace("&#39;", "'")
    assert en_page.headers["Content-Language"] == "en" and "Accept-Language" not in en_page.headers["Vary"]
    assert client.get(f"/m/forms/{h}/de").status_code == 404
    auth.logout()
    assert client.get(f"/m/forms/{h}/fr").status_code in (302, 401)


def test_remember_me_keeps_the_device_signed_in(client, users):
    response = client.post("/login?next=/m/", data={"username": "tech1", "password": "secret-pass", "remember": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/m/")
    assert "remember_token" in response.headers.get("Set-Cookie", "") or any("remember_token" in h for h in response.headers.getlist("Set-Cookie"))
    failed = client.post("/login?next=/m/", data={"username": "tech1", "password": "nope"})
    assert failed.status_code == 401 and "Se connecter" in failed.get_data(as_text=True)


def test_shell_is_gzipped_when_asked(client):
    import gzip

    from webapp.mobile import STATIC_M
    from webapp.mobile.minified import served_bytes

    response = client.get("/static/m/app.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(response.data) == served_bytes(STATIC_M / "app.js")
    response.close()


def test_openapi_documents_every_api_route(app):
    import yaml

    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    # path parameters compared by place, not by name (or converter)
    documented = {(m.upper(), "/api/v1" + re.sub(r"\{\w+\}", "<>", p)) for p, item in doc["paths"].items() for m in item if m in ("get", "put", "post", "head")}
    routes = {(m, re.sub(r"<[^>]+>", "<>", r.rule)) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") for m in r.methods - {"OPTIONS", "HEAD"}}
    assert routes <= documented


# --- conflicts resolved on the device, languages, concurrent pushes, icons -----------------


def test_conflict_resolved_by_resending_on_the_current_base(client, auth, world, app):
    """"Keep my version": the device sends its answers again, as a new operation based on
    the server's current version; applied, audited, and the conflict is marked resolved."""
    from webapp.models import AuditLog, Submission, SyncOperation

    data = example("entretien-chaudiere")
    iv_uuid = world["uuid"]["mine"]
    auth.login("office")
    assert push(client, op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data=data))[0]["status"] == "applied"
    auth.logout()
    auth.login("tech1")
    mine = {**data, "modele": "Version du technicien"}
    stale = op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data=mine)
    r = push(client, stale)[0]
    assert r["status"] == "conflict" and r["server_version"] == 1
    again = push(client, op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data={**mine, "modele": "Encore"}))[0]
    assert again["status"] == "conflict"  # the old base again: still a conflict (the stuck device of before)
    pulled = client.get("/api/v1/sync/pull").get_json()
    iv = next(i for i in pulled["interventions"] if i["uuid"] == iv_uuid)
    assert iv["submissions"]["entretien-chaudiere"]["version"] == 1  # the device learns the server's version
    assert {p["status"] for p in iv["problems"]} == {"conflict"} and iv["problems"][0]["server_version"] == 1
    keep = op("answers", iv_uuid, iv["submissions"]["entretien-chaudiere"]["version"], form_id="entretien-chaudiere", data=mine)
    r = push(client, keep)[0]
    assert r["status"] == "applied" and r["version"] == 2
    with app.app_context():
        from webapp.extensions import db

        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == world["ids"]["mine"]))
        assert sub.data["modele"] == "Version du technicien" and sub.version == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "answers_update")) == 1
        rows = db.session.scalars(sa.select(SyncOperation).where(SyncOperation.status == "conflict")).all()
        assert len(rows) == 2 and {row.superseded_by for row in rows} == {keep["id"]}
    iv = next(i for i in client.get("/api/v1/sync/pull").get_json()["interventions"] if i["uuid"] == iv_uuid)
    assert iv["problems"] == []  # nothing left to show on the phone
    auth.logout()
    auth.login("office")
    page = client.get(f"/interventions/{world['ids']['mine']}").get_data(as_text=True)
    assert "non appliquées (0)" in page and page.count("resolved-mark") == 2


def test_taking_the_offices_version_resolves_the_conflict_on_the_server(client, auth, world, app):
    """"Take the office's version": the device sends a ``discard`` operation for the form;
    its refused and conflicting answers of that form are resolved by it (who, when,
    audited), the office's answers stay, the back office shows them resolved, and a replay
    changes nothing."""
    from webapp.models import AuditLog, Submission, SyncOperation

    data = example("entretien-chaudiere")
    iv_uuid = world["uuid"]["mine"]
    auth.login("office")
    assert push(client, op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data={**data, "modele": "Version du bureau"}))[0]["status"] == "applied"
    auth.logout()
    auth.login("tech1")
    stale = [op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data={**data, "modele": f"Tech {i}"}) for i in range(2)]
    assert [push(client, s)[0]["status"] for s in stale] == ["conflict", "conflict"]
    refused = op("answers", iv_uuid, 1, form_id="entretien-chaudiere", data={**data, "modele": 12})  # wrong type: refused
    assert push(client, refused)[0]["status"] == "refused"
    other_form = op("answers", iv_uuid, 0, form_id="photos-signatures", data={"nope": 1})
    assert push(client, other_form)[0]["status"] in ("refused", "conflict")
    refused_start = op("finish", iv_uuid, 1)  # not in progress: refused, and not about the form
    assert push(client, refused_start)[0]["status"] == "refused"
    assert client.post("/api/v1/sync/push", json={"ops": [op("discard", iv_uuid)]}).get_json()["results"][0]["code"] == "invalid"  # form_id required
    discard = op("discard", iv_uuid, None, form_id="entretien-chaudiere")
    r = push(client, discard)[0]
    assert r["status"] == "applied" and set(r["resolved"]) == {stale[0]["id"], stale[1]["id"], refused["id"]}
    again = push(client, discard)[0]
    assert again["status"] == "duplicate" and again["original"] == "applied" and set(again["resolved"]) == set(r["resolved"])
    with app.app_context():
        from webapp.extensions import db

        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == world["ids"]["mine"], Submission.form_id == "entretien-chaudiere"))
        assert sub.data["modele"] == "Version du bureau" and sub.version == 1  # the office's answers, untouched
        rows = {row.id: row for row in db.session.scalars(sa.select(SyncOperation).where(SyncOperation.intervention_id == world["ids"]["mine"]))}
        assert {i for i, row in rows.items() if row.superseded_by == discard["id"]} == set(r["resolved"])
        assert rows[other_form["id"]].superseded_by is None and rows[refused_start["id"]].superseded_by is None
        d = rows[discard["id"]]
        assert d.status == "applied" and d.target == "entretien-chaudiere" and d.done_at is not None and d.user_id == world["tech1"]
        logs = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "answers_discard")).all()
        assert len(logs) == 1 and logs[0].user_id == world["tech1"] and set(logs[0].details["operations"]) == set(r["resolved"])
        assert logs[0].entity_id == str(world["ids"]["mine"]) and logs[0].to_value == "entretien-chaudiere"
    iv = next(i for i in client.get("/api/v1/sync/pull").get_json()["interventions"] if i["uuid"] == iv_uuid)
    assert {p["op"] for p in iv["problems"]} == {other_form["id"], refused_start["id"]}  # the form's are gone from the phone
    # a later edit of the form on the office's version goes through, and a later conflict stays open
    assert push(client, op("answers", iv_uuid, 1, form_id="entretien-chaudiere", data={**data, "modele": "Après"}))[0]["status"] == "applied"
    auth.logout()
    auth.login("office")
    page = client.get(f"/interventions/{world['ids']['mine']}").get_data(as_text=True)
    assert "non appliquées (2)" in page  # the other form's and the refused finish
    text = " ".join(page.split())
    assert page.count("resolved-mark discarded") == 3 and text.count("le technicien a pris la version du bureau (Tech1, le ") == 3, text[text.find("device-edits"):][:1500]
    english = " ".join(client.get(f"/interventions/{world['ids']['mine']}?lang=en").get_data(as_text=True).split())
    assert "Device edits not applied (2)" in english and english.count("the technician took the office's version (Tech1, on ") == 3
    assert "Modifications de l'appareil" not in english and "Mark as handled" in english


def test_discard_of_another_technicians_intervention_is_refused(client, auth, world):
    auth.login("tech1")
    r = push(client, op("discard", world["uuid"]["theirs"], None, form_id="entretien-chaudiere"))[0]
    assert r["status"] == "refused" and r["code"] == "not_found"


def test_reasons_and_labels_follow_the_devices_language(client, auth, world):
    auth.login("tech1")
    session = client.get("/api/v1/sync/session").get_json()
    assert session["lang"] == "fr" and session["lang_preference"] is None
    assert client.get("/api/v1/sync/session", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_json()["lang"] == "en"
    reasons = {}
    for lang in ("en", "fr"):
        r = client.post("/api/v1/sync/push", json={"ops": [op("start", str(uuid.uuid4()), 1)]}, headers={"Accept-Language": lang}).get_json()["results"][0]
        reasons[lang] = r["error"]
    assert reasons["en"] == "No such intervention." and reasons["fr"] != reasons["en"]
    en = client.get("/api/v1/sync/pull", headers={"Accept-Language": "en"}).get_json()
    assert next(s for s in en["config"]["statuses"] if s["key"] == "done")["label"] != next(
        s for s in client.get("/api/v1/sync/pull").get_json()["config"]["statuses"] if s["key"] == "done")["label"]
    assert "Username" in client.get("/m/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Identifiant" in client.get("/m/login").get_data(as_text=True)
    client.get(f"/interventions/{world['ids']['mine']}?lang=en")  # the back office's switch: the user's choice wins over the device's
    session = client.get("/api/v1/sync/session", headers={"Accept-Language": "fr"}).get_json()
    assert session["lang"] == "en" and session["lang_preference"] == "en"


def test_conflict_reason_in_english(client, auth, world):
    data = example("entretien-chaudiere")
    auth.login("office")
    push(client, op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=data))
    auth.logout()
    auth.login("tech1")
    stale = op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=data)
    r = client.post("/api/v1/sync/push", json={"ops": [stale]}, headers={"Accept-Language": "en"}).get_json()["results"][0]
    assert r["status"] == "conflict" and r["error"] == "Someone else answered this form meanwhile."
    again = client.post("/api/v1/sync/push", json={"ops": [{**stale, "id": str(uuid.uuid4())}]}).get_json()["results"][0]
    assert again["error"] == "Quelqu'un d'autre a rempli ce formulaire entre-temps."


@pytest.mark.committed
def test_the_same_batch_pushed_twice_at_once_is_applied_once(app, auth, world, factory, users):
    """Two requests of the same batch race (the device retried while the first was still
    running): each operation is applied exactly once, on SQLite and on PostgreSQL."""
    import threading

    from webapp.models import AuditLog, Submission, SyncOperation

    clients = [app.test_client(), app.test_client()]
    for c in clients:
        c.post("/login", data={"username": "tech1", "password": "secret-pass"})
    rounds = 4
    ivs = [factory.intervention([users["tech1"]], world["client"], start=datetime.now(timezone.utc) + timedelta(hours=3 + i), event_type_id="entretien-chaudiere", status="confirmed") for i in range(rounds)]
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Intervention

        uuids = [db.session.get(Intervention, i).uuid for i in ivs]
    for iv_uuid in uuids:
        batch = [op("start", iv_uuid, 1), op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data=example("entretien-chaudiere"))]
        gate = threading.Barrier(2)
        results: list = [None, None]

        def send(i):
            gate.wait()
            results[i] = clients[i].post("/api/v1/sync/push", json={"ops": batch})

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert all(r is not None and r.status_code == 200 for r in results), results
        statuses = [[x["status"] for x in r.get_json()["results"]] for r in results]
        for k in range(2):  # one request applied each operation; the other waited for it and saw it done
            pair = sorted(s[k] for s in statuses)
            assert pair == ["applied", "duplicate"], statuses
        for r in push(clients[1], *batch):  # the retry of the device: confirmed, changes nothing
            assert r["status"] == "duplicate" and r["original"] == "applied"
    with app.app_context():
        from webapp.extensions import db

        def n(model, *where):
            return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

        ids = [str(i) for i in ivs]
        assert n(Submission, Submission.intervention_id.in_(ivs)) == rounds
        assert db.session.scalars(sa.select(Submission.version).where(Submission.intervention_id.in_(ivs))).all() == [1] * rounds
        assert n(AuditLog, AuditLog.action == "answers_create") == rounds
        assert n(AuditLog, AuditLog.action == "start", AuditLog.entity_id.in_(ids)) == rounds
        assert n(AuditLog, AuditLog.action == "status", AuditLog.entity_id.in_(ids)) == rounds
        assert n(SyncOperation, SyncOperation.intervention_id.in_(ivs), SyncOperation.status == "applied") == 2 * rounds


def test_manifest_has_png_icons(client):
    from PIL import Image

    manifest = client.get("/m/manifest.webmanifest").get_json()
    pngs = {i["sizes"]: i["src"] for i in manifest["icons"] if i["type"] == "image/png"}
    assert set(pngs) == {"192x192", "512x512"}
    for sizes, src in pngs.items():
        with client.get(src) as response:
            assert response.status_code == 200 and response.mimetype == "image/png"
            img = Image.open(io.BytesIO(response.data))
        assert f"{img.width}x{img.height}" == sizes and img.mode == "RGBA"
    assert any(i["type"] == "image/svg+xml" for i in manifest["icons"])


def test_failed_phone_login_answers_in_the_devices_language(client, users):
    """The phone's login form posts to /login (?next=/m/): a failure comes back on the
    phone's login page in the device's language (Accept-Language), not in French."""
    bad = {"username": "tech1", "password": "wrong", "remember": "1"}
    en = client.post("/login?next=/m/", data=bad, headers={"Accept-Language": "en-US,en;q=0.9"})
    page = en.get_data(as_text=True)
    assert en.status_code == 401 and '<html lang="en">' in page
    assert "Wrong username or password, or the account is disabled." in page and "Username" in page and 'action="/login?next=/m/"' in page
    fr = client.post("/login?next=/m/", data=bad, headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in fr and "Identifiant ou mot de passe incorrect" in fr
    de = client.post("/login?next=/m/", data=bad, headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="fr">' in de  # neither: French
    office = client.post("/login", data=bad, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Identifiant ou mot de passe incorrect" in office  # the back office's page stays in French by default
    client.get("/m/login?lang=fr")  # the user's choice with the switch wins over the device's
    chosen = client.post("/login?next=/m/", data=bad, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in chosen and "Identifiant ou mot de passe incorrect" in chosen


def test_pushed_answers_are_stored_as_validated(client, auth, world, app):
    """The sync stores the engine's checked answers: what a rule hides is not kept (issue 12)."""
    from webapp.models import Submission

    auth.login("tech1")
    data = example("entretien-chaudiere")
    assert data["energie"] != "fioul"
    data["indice_noircissement"] = 99  # shown only for oil boilers, and out of range: hidden, so pruned
    assert push(client, op("answers", world["uuid"]["mine"], 0, form_id="entretien-chaudiere", data=data))[0]["status"] == "applied"
    with app.app_context():
        from webapp.extensions import db

        stored = db.session.scalar(sa.select(Submission.data).where(Submission.intervention_id == world["ids"]["mine"]))
    assert stored == example("entretien-chaudiere")
