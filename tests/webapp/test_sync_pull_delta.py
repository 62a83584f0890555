"""A pull sends a client's history once and then only what changed (issue 14): with the
cursor of the previous pull, nothing changed is a few hundred bytes; one answer changed
is that intervention alone; a client new to the list brings its history; an intervention moved to another
technician leaves the list (``ids``); another technician's visit at the client sends the
client's history again; the configuration comes again only when it changed; a change
stamped before the previous pull but committed after it is still sent (the margin)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
FORM = "entretien-chaudiere"


@pytest.fixture
def world(app, factory, users):
    """tech1: two interventions at one client, one at another; tech2: one at the first
    client. All last changed ten minutes ago."""
    from webapp.extensions import db
    from webapp.models import Intervention

    now = datetime.now(timezone.utc).replace(microsecond=0)
    marie, jean = factory.client("Cotillon Marie"), factory.client("Goldmann Jean")
    ids = {
        "a": factory.intervention([users["tech1"]], marie, start=now + timedelta(hours=2), event_type_id=FORM, status="confirmed"),
        "b": factory.intervention([users["tech1"]], marie, start=now + timedelta(days=2), event_type_id=FORM, status="confirmed"),
        "c": factory.intervention([users["tech1"]], jean, start=now + timedelta(days=1), event_type_id=FORM, status="confirmed"),
        "theirs": factory.intervention([users["tech2"]], marie, start=now - timedelta(days=20), event_type_id=FORM, status="confirmed"),
    }
    with app.app_context():
        for iv in db.session.scalars(sa.select(Intervention)):
            iv.updated_at = now - timedelta(minutes=10)
        db.session.commit()
        uuids = {k: db.session.get(Intervention, v).uuid for k, v in ids.items()}
    return {"ids": ids, "uuid": uuids, "marie": str(marie), "jean": str(jean)}


def pull(client, cursor: str | None = None, **headers):
    response = client.get("/api/v1/sync/pull" + (f"?cursor={cursor}" if cursor else ""), headers=headers)
    assert response.status_code == 200
    return response.get_json(), len(response.data)


def test_the_first_pull_sends_each_clients_history_once(client, auth, world):
    auth.login("tech1")
    body, _size = pull(client)
    assert body["full"] is True and "config" in body
    assert sorted(i["uuid"] for i in body["interventions"]) == sorted(world["uuid"][k] for k in "abc")
    assert set(body["clients"]) == {world["marie"], world["jean"]}
    assert [h["uuid"] for h in body["clients"][world["marie"]]] == [world["uuid"][k] for k in ("theirs", "a", "b")]
    assert all("history" not in i and "upcoming" not in i for i in body["interventions"])


def test_nothing_changed_is_a_tiny_pull(client, auth, world):
    auth.login("tech1")
    first, full_size = pull(client)
    again, size = pull(client, first["cursor"])
    assert again["full"] is False
    assert (again["interventions"], again["clients"], again["forms"]) == ([], {}, {})
    assert "config" not in again
    assert sorted(again["ids"]) == sorted(first["ids"])  # what the device keeps
    assert size < 800 and size * 10 < full_size, (size, full_size)


def test_one_answer_changed_sends_that_intervention_alone(client, auth, world):
    auth.login("tech1")
    first, _ = pull(client)
    data = json.loads((ROOT / "examples" / FORM / "valid.json").read_text(encoding="utf-8"))
    op = {"id": str(uuid.uuid4()), "type": "answers", "intervention": world["uuid"]["c"], "base_version": 0, "form_id": FORM, "data": data}
    assert client.post("/api/v1/sync/push", json={"ops": [op]}).get_json()["results"][0]["status"] == "applied"
    delta, _ = pull(client, first["cursor"])
    assert [i["uuid"] for i in delta["interventions"]] == [world["uuid"]["c"]]
    assert delta["interventions"][0]["submissions"][FORM]["version"] == 1
    assert delta["clients"] == {}  # the device has the client's history, unchanged


def test_an_intervention_at_a_new_client_brings_that_clients_history(app, client, auth, world, factory, users):
    from webapp.extensions import db
    from webapp.models import Intervention

    auth.login("tech1")
    first, _ = pull(client)
    newcomer = factory.client("Le Goff Annick")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    past = factory.intervention([users["tech2"]], newcomer, start=now - timedelta(days=90), event_type_id=FORM, status="confirmed")
    new = factory.intervention([users["tech1"]], newcomer, start=now + timedelta(days=3), event_type_id=FORM, status="confirmed")
    with app.app_context():
        past_uuid, new_uuid = db.session.get(Intervention, past).uuid, db.session.get(Intervention, new).uuid
    delta, _ = pull(client, first["cursor"])
    assert [i["uuid"] for i in delta["interventions"]] == [new_uuid]
    assert list(delta["clients"]) == [str(newcomer)]
    assert [h["uuid"] for h in delta["clients"][str(newcomer)]] == [past_uuid]  # the visits around it


def test_an_intervention_moved_to_another_technician_leaves_the_list(app, client, auth, world, users):
    from webapp.extensions import db
    from webapp.models import Intervention, User
    from webapp.services.interventions import update_intervention

    auth.login("tech1")
    first, _ = pull(client)
    with app.test_request_context():
        office = db.session.scalar(sa.select(User).where(User.username == "office"))
        iv = db.session.get(Intervention, world["ids"]["b"])
        update_intervention(office, iv.id, {"event_type_id": iv.event_type_id, "client_id": iv.client_id, "start_at": iv.start_at, "end_at": iv.end_at,
                                            "technician_ids": [users["tech2"]], "title": iv.title})
    delta, _ = pull(client, first["cursor"])
    assert world["uuid"]["b"] not in delta["ids"] and world["uuid"]["a"] in delta["ids"]
    assert delta["interventions"] == []  # nothing else of tech1's changed


def test_another_technicians_visit_at_the_client_sends_the_clients_history_again(app, client, auth, world):
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services import workflow

    auth.login("tech1")
    first, _ = pull(client)
    with app.test_request_context():
        office = db.session.scalar(sa.select(User).where(User.username == "office"))
        workflow.transition(office, world["ids"]["theirs"], "cancelled")
    delta, _ = pull(client, first["cursor"])
    assert delta["interventions"] == [] and list(delta["clients"]) == [world["marie"]]
    theirs = next(h for h in delta["clients"][world["marie"]] if h["uuid"] == world["uuid"]["theirs"])
    assert theirs["state"] == "cancelled"


def test_the_configuration_comes_again_only_when_it_changed(client, auth, world):
    auth.login("tech1")
    first, _ = pull(client, **{"Accept-Language": "fr"})
    assert "config" not in pull(client, first["cursor"], **{"Accept-Language": "fr"})[0]
    english, _ = pull(client, first["cursor"], **{"Accept-Language": "en"})  # its labels changed
    assert english["config"]["statuses"][0]["label"] == "Planned"


def test_a_change_committed_after_the_pull_but_stamped_before_is_sent_next_time(app, client, auth, world):
    """A pushed batch stamps its changes as it makes them and commits at its end: what the
    previous pull could not see yet is within the cursor's margin (pull.OVERLAP)."""
    from webapp.extensions import db
    from webapp.models import Intervention
    from webapp.sync.pull import OVERLAP

    auth.login("tech1")
    first, _ = pull(client)
    with app.app_context():
        iv = db.session.get(Intervention, world["ids"]["a"])
        iv.notes = "Code portail 1234"
        db.session.flush()
        iv.updated_at = datetime.fromisoformat(first["server_time"]) - OVERLAP / 2  # made while the pull ran
        db.session.commit()
    delta, _ = pull(client, first["cursor"])
    assert [i["uuid"] for i in delta["interventions"]] == [world["uuid"]["a"]]
    assert delta["interventions"][0]["notes"] == "Code portail 1234"
