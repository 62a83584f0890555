"""A push is applied operation by operation, each whole or not at all, with exactly one
documented status per operation (issue 11): an operation not applied holds back the later
ones of its intervention (``retry``/``blocked``), the others go on; a handler's bug refuses
its operation alone (``server_error``), leaving nothing of it; a body nested too deep is
refused whole, before anything is applied."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2030, 3, 4, 9, 0, tzinfo=timezone.utc)
AT = (START - timedelta(hours=1)).isoformat()


def documented_statuses() -> set[str]:
    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    return set(doc["components"]["schemas"]["OperationResult"]["properties"]["status"]["enum"])


@pytest.fixture
def world(app, factory, users):
    cid = factory.client("Cotillon Marie")
    ids = {
        "a": factory.intervention([users["tech1"]], cid, start=START, event_type_id="entretien-chaudiere", status="planned"),
        "b": factory.intervention([users["tech1"]], cid, start=START + timedelta(hours=2), event_type_id="entretien-chaudiere", status="planned"),
    }
    from webapp.extensions import db
    from webapp.models import Intervention

    with app.app_context():
        uuids = {k: db.session.get(Intervention, v).uuid for k, v in ids.items()}
    return {"ids": ids, "uuid": uuids}


def op(iv_uuid: str, kind: str = "transition", base: int | None = 1, **payload) -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "intervention": iv_uuid, "base_version": base, "at": AT, **payload}


def answers(iv_uuid: str, data: dict) -> dict:
    return op(iv_uuid, "answers", 0, form_id="entretien-chaudiere", data=data)


def push(client, ops: list[dict]):
    return client.post("/api/v1/sync/push", data=json.dumps({"ops": ops}), content_type="application/json")


def results(client, ops: list[dict]) -> list[dict]:
    response = push(client, ops)
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()["results"]
    assert [r["id"] for r in out] == [o["id"] for o in ops]  # exactly one result per operation, in order
    assert {r["status"] for r in out} <= documented_statuses()
    return out


def status_of(app, iv_id: int) -> str:
    from webapp.extensions import db
    from webapp.models import Intervention

    with app.app_context():
        return db.session.get(Intervention, iv_id).status


def kept(app) -> int:
    from webapp.extensions import db
    from webapp.models import SyncOperation

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(SyncOperation.id)))


def test_an_operation_not_applied_holds_back_the_later_ones_of_its_intervention(app, client, auth, world):
    """Transition C, refused answers, transition D of one intervention, and an operation
    of another: C applied, the answers refused, D waits (``retry``/``blocked``), the other
    goes on. The device sends D again and it is applied; a replay of the whole batch gives
    duplicates, and D is no longer held (a duplicate holds nothing back)."""
    auth.login("tech1")
    a, b = world["uuid"]["a"], world["uuid"]["b"]
    batch = [op(a, to="confirmed"), answers(a, {"modele": 12}), op(a, to="in_progress"), op(b, to="confirmed")]
    first = results(client, batch)
    assert [(r["status"], r.get("code")) for r in first] == [("applied", None), ("refused", "invalid_answers"), ("retry", "blocked"), ("applied", None)]
    assert status_of(app, world["ids"]["a"]) == "confirmed"
    again = results(client, [batch[2]])
    assert again[0]["status"] == "applied" and status_of(app, world["ids"]["a"]) == "in_progress"
    replay = results(client, batch)
    assert [(r["status"], r.get("original")) for r in replay] == [("duplicate", "applied"), ("duplicate", "refused"), ("duplicate", "applied"), ("duplicate", "applied")]


def test_a_conflict_holds_back_the_later_operations_too(app, client, auth, world):
    auth.login("tech1")
    a = world["uuid"]["a"]
    stale, after = op(a, to="confirmed", base=7), op(a, "start")
    assert [(r["status"], r.get("code")) for r in results(client, [stale, after])] == [("conflict", "conflict"), ("retry", "blocked")]


def test_an_invalid_operation_holds_back_the_later_ones_of_the_intervention_it_names(app, client, auth, world):
    auth.login("tech1")
    a = world["uuid"]["a"]
    bad = {"id": str(uuid.uuid4()), "type": "transition", "intervention": a.upper(), "to": "x" * 100}
    out = results(client, [bad, op(a, to="confirmed")])
    assert [(r["status"], r["code"]) for r in out] == [("refused", "invalid"), ("retry", "blocked")]


def test_a_nested_body_is_refused_whole_before_anything_is_applied(app, client, auth, world):
    """The batch of the issue: transition C, answers nested 900 deep, transition D. It was a
    500 after C was applied, D not, and its replay answered [duplicate, retry, applied]. Now
    the body is refused whole (400), nothing is applied or kept, and a replay is the same."""
    auth.login("tech1")
    a = world["uuid"]["a"]
    deep: object = "x"
    for _ in range(900):
        deep = [deep]
    batch = [op(a, to="confirmed"), answers(a, {"modele": deep}), op(a, to="in_progress")]
    for _ in range(2):
        response = push(client, batch)
        assert response.status_code == 400
        assert response.get_json()["code"] == "bad_request"
        assert status_of(app, world["ids"]["a"]) == "planned" and kept(app) == 0


@pytest.fixture
def broken_handler(app, monkeypatch):
    """``start`` changes the intervention's title, then fails as a bug would."""
    from webapp.extensions import db
    from webapp.models import Intervention
    from webapp.sync import handlers

    def start(ctx):
        db.session.get(Intervention, ctx.intervention.id).title = "half-applied"
        db.session.flush()
        raise RuntimeError("a bug in a handler")

    monkeypatch.setitem(handlers.HANDLERS, "start", start)
    app.config["PROPAGATE_EXCEPTIONS"] = False


def test_a_handlers_bug_refuses_its_operation_alone_and_leaves_nothing_of_it(app, client, auth, world, broken_handler, caplog):
    from webapp.extensions import db
    from webapp.models import Intervention

    auth.login("tech1")
    a, b = world["uuid"]["a"], world["uuid"]["b"]
    batch = [op(a, to="confirmed"), op(a, "start"), op(a, to="in_progress"), op(b, to="confirmed")]
    first = results(client, batch)
    assert [(r["status"], r.get("code")) for r in first] == [("applied", None), ("refused", "server_error"), ("retry", "blocked"), ("applied", None)]
    assert "a bug in a handler" not in json.dumps(first)
    assert any("a bug in a handler" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    with app.app_context():
        iv = db.session.get(Intervention, world["ids"]["a"])
        assert iv.status == "confirmed" and iv.title != "half-applied"
    replay = results(client, batch[1:2])  # kept as refused: not tried again
    assert (replay[0]["status"], replay[0]["original"], replay[0]["code"]) == ("duplicate", "refused", "server_error")


def test_a_bug_after_the_services_change_undoes_the_operation_alone(app, client, auth, world, monkeypatch):
    """The batch is one transaction and the service no longer commits the change on its
    own: a bug after the service made it rolls the operation back whole (its savepoint), it
    is refused ``server_error``; the batch's other operations are committed."""
    from webapp.sync import handlers

    real = handlers.HANDLERS["transition"]

    def transition(ctx):
        version = real(ctx)
        if ctx.intervention.id == world["ids"]["a"]:
            raise RuntimeError("after the change")
        return version

    monkeypatch.setitem(handlers.HANDLERS, "transition", transition)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.login("tech1")
    out = results(client, [op(world["uuid"]["a"], to="confirmed"), op(world["uuid"]["b"], to="confirmed")])
    assert [(r["status"], r.get("code")) for r in out] == [("refused", "server_error"), ("applied", None)]
    assert status_of(app, world["ids"]["a"]) == "planned"
    assert status_of(app, world["ids"]["b"]) == "confirmed"


def test_a_time_operation_that_changes_nothing_is_applied_in_a_batch(app, client, auth, world):
    """Never ``pending``: times equal to those kept are applied (nothing to do), and the
    operation after it is not held back."""
    auth.login("office")
    a = world["uuid"]["a"]
    out = results(client, [op(a, "time", None, duration_minutes=None, travel_minutes=None), op(a, to="confirmed")])
    assert [r["status"] for r in out] == ["applied", "applied"]


def test_a_database_that_gives_up_waiting_asks_the_device_to_send_again(app, client, auth, world, monkeypatch):
    """Batches hold their locks until their one commit: two may wait on each other and the
    database gives one up (deadlock, lock timeout). That operation is to retry (``busy``),
    nothing of it kept, the later ones of its intervention held back; the others applied."""
    from sqlalchemy.exc import OperationalError

    from webapp.sync import handlers

    real = handlers.HANDLERS["transition"]

    def transition(ctx):
        version = real(ctx)
        if ctx.intervention.id == world["ids"]["a"]:
            raise OperationalError("UPDATE interventions ...", {}, Exception("deadlock detected"))
        return version

    monkeypatch.setitem(handlers.HANDLERS, "transition", transition)
    auth.login("tech1")
    a, b = world["uuid"]["a"], world["uuid"]["b"]
    batch = [op(a, to="confirmed"), op(a, "start"), op(b, to="confirmed")]
    out = results(client, batch)
    assert [(r["status"], r.get("code")) for r in out] == [("retry", "busy"), ("retry", "blocked"), ("applied", None)]
    assert (status_of(app, world["ids"]["a"]), status_of(app, world["ids"]["b"])) == ("planned", "confirmed")
    monkeypatch.undo()
    assert results(client, batch[:1])[0]["status"] == "applied"  # sent again: applied as if new
