"""The first JSON API: marshmallow schemas, 401 without login, 422 by field."""

from __future__ import annotations

import uuid


def test_create_and_read_intervention_json(client, auth, users, factory):
    cid = factory.client("Pichon Laurent")
    auth.login("office")
    payload = {"uuid": str(uuid.uuid4()), "event_type_id": "sav", "client_id": cid, "start_at": "2030-03-04T09:00:00+01:00",
               "end_at": "2030-03-04T11:00:00+01:00", "technician_ids": [users["tech1"]], "tags": ["urgent"]}
    created = client.post("/api/v1/interventions", json=payload)
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "planned" and body["tags"] == ["urgent"] and body["duration_minutes"] == 120
    assert body["start_at"] == "2030-03-04T09:00:00+01:00"
    again = client.post("/api/v1/interventions", json=payload)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    got = client.get(f"/api/v1/interventions/{body['id']}").get_json()
    assert got["client"]["name"] == "Pichon Laurent" and got["submissions"] == []


def test_json_errors_by_field(client, auth, users):
    auth.login("office")
    response = client.post("/api/v1/interventions", json={"event_type_id": "nope", "client_id": "x", "start_at": "2030-03-04T10:00", "end_at": "2030-03-04T09:00", "technician_ids": []})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid" and "pointer" not in body  # several fields: the list
    assert {"/client_id", "/end_at", "/technician_ids"} <= {e["pointer"] for e in body["errors"]}


def test_unauthenticated_api_is_401(client):
    assert client.get("/api/v1/interventions").status_code == 401


def test_english_messages(client, auth, users):
    auth.login("office")
    client.get("/agenda/week?lang=en")
    response = client.post("/api/v1/interventions", json={})
    body = response.get_json()
    assert body["error"] == "Some values are invalid."
    assert {"pointer": "/event_type_id", "message": "This field is required."} in body["errors"]
    assert "Planning" in client.get("/agenda/week").get_data(as_text=True)
    assert "Log out" in client.get("/agenda/week").get_data(as_text=True)
    client.get("/agenda/week?lang=fr")
    assert "Se déconnecter" in client.get("/agenda/week").get_data(as_text=True)


def test_the_api_says_what_the_user_may_do(client, auth, users, factory):
    """The JSON detail reads the policy: every action and status change, allowed or not
    and why, in the user's language."""
    iv = factory.intervention([users["tech1"]], event_type_id="sav", status="confirmed")  # mandatory time tracking
    auth.login("tech1")
    rights = client.get(f"/api/v1/interventions/{iv}").get_json()["rights"]
    assert rights["start"] == {"allowed": True, "code": None, "message": None}
    assert rights["edit_answers"]["code"] == "not_started" and "Démarrer" in rights["edit_answers"]["message"]
    assert rights["close"]["code"] == "role" and rights["transition:cancelled"]["code"] == "transition"
    auth.logout()
    auth.login("office")
    rights = client.get(f"/api/v1/interventions/{iv}").get_json()["rights"]
    assert rights["edit_answers"]["allowed"] and rights["close"]["allowed"] and rights["transition:cancelled"]["allowed"]
