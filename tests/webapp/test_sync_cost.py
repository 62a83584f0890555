"""A push costs a bounded number of SQL statements per operation and one commit per batch
(issue 14): the batch is one transaction, each operation a savepoint of it. Counted with
SQLAlchemy's engine events on the real database (SQLite and PostgreSQL); the figures
before and after are ``bench/push.py``'s."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.sqlcount import counting

ROOT = Path(__file__).resolve().parents[2]
FORM = "entretien-chaudiere"
START = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)
#: What one more answers operation may cost in a batch: the reads the rules need (the
#: intervention, its answers, its work), the claim, the answers, the audit row, the
#: operation's status and its savepoint. Before issue 14: 24 statements and 2 commits.
MAX_STATEMENTS_PER_OP = 18


@pytest.fixture
def ten(app, factory, users):
    from webapp.extensions import db
    from webapp.models import Intervention

    cid = factory.client("Cotillon Marie")
    ids = [factory.intervention([users["tech1"]], cid, start=START + timedelta(hours=i), event_type_id=FORM, status="confirmed") for i in range(10)]
    with app.app_context():
        return [db.session.get(Intervention, i).uuid for i in ids]


def answers_ops(uuids: list[str]) -> list[dict]:
    data = json.loads((ROOT / "examples" / FORM / "valid.json").read_text(encoding="utf-8"))
    return [{"id": str(uuid.uuid4()), "type": "answers", "intervention": u, "base_version": None, "at": START.isoformat(), "form_id": FORM, "data": data} for u in uuids]


def cost(app, client, ops: list[dict]):
    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    with counting(engine) as count:
        response = client.post("/api/v1/sync/push", json={"ops": ops})
    assert response.status_code == 200
    assert {r["status"] for r in response.get_json()["results"]} == {"applied"}
    return count


@pytest.mark.committed
def test_a_push_costs_a_bounded_number_of_statements_per_operation_and_one_commit(app, client, auth, ten):
    auth.login("tech1")
    cost(app, client, answers_ops(ten))  # the forms' answers exist: the next pushes update them
    one = cost(app, client, answers_ops(ten[:1]))
    many = cost(app, client, answers_ops(ten))
    per_op = (many.statements - one.statements) / 9
    assert per_op <= MAX_STATEMENTS_PER_OP, "\n".join(many.log)
    assert (one.commits, many.commits) == (1, 1)  # the batch's, whatever its size
