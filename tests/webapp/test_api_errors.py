"""One shape per failure: every error of every ``/api/v1`` route (no login, unknown id,
invalid body, wrong method, no right, CSRF, too large, a bug) is ``{"error", "code"}`` plus
``pointer``/``errors`` where fields are at fault, exactly as ``docs/openapi.yaml`` says; and
the push's per-operation refusals carry the same fields."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from werkzeug.exceptions import BadRequest, Forbidden, MethodNotAllowed, NotFound, RequestEntityTooLarge, TooManyRequests, Unauthorized, UnprocessableEntity

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2030, 3, 4, 9, 0, tzinfo=timezone.utc)


def documented_error() -> dict:
    return yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))["components"]["schemas"]["Error"]


ERROR_KEYS = set(documented_error()["properties"])


def assert_error_shape(body) -> None:
    """Exactly the documented Error: these keys and no other, ``pointer`` iff one field."""
    assert isinstance(body, dict) and set(body) <= ERROR_KEYS, body
    assert isinstance(body["error"], str) and body["error"].strip(), body
    assert isinstance(body["code"], str) and re.fullmatch(r"[a-z_]+", body["code"]), body
    items = body.get("errors")
    if items is not None:
        assert isinstance(items, list) and items, body
        for item in items:
            assert isinstance(item.get("message"), str) and item["message"], body
            assert "pointer" in item or "code" in item, body
            assert "pointer" not in item or item["pointer"] == "" or item["pointer"].startswith("/"), body
    pointers = {i.get("pointer") for i in items or []}
    assert ("pointer" in body) == (len(pointers) == 1 and None not in pointers), body
    if "pointer" in body:
        assert body["pointer"] == pointers.pop()
    assert "Traceback" not in str(body)


@pytest.fixture
def iv_uuid(app, factory, users):
    iv = factory.intervention([users["tech1"]], start=START, event_type_id="entretien-chaudiere", status="confirmed")
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Intervention

        return db.session.get(Intervention, iv).uuid


def jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 40)).save(buf, "JPEG")
    return buf.getvalue()


#: (who, method, path, options, status, code): a bad request for every route and method
#: under /api/v1 (the test below checks none is missing).
BAD_REQUESTS = [
    (None, "GET", "/api/v1/me", {}, 401, "login_required"),
    (None, "GET", "/api/v1/interventions", {}, 401, "login_required"),
    (None, "POST", "/api/v1/interventions", {"json": {}}, 401, "login_required"),
    (None, "GET", "/api/v1/interventions/1", {}, 401, "login_required"),
    (None, "GET", "/api/v1/clients", {}, 401, "login_required"),
    (None, "GET", "/api/v1/sync/session", {}, 401, "login_required"),
    (None, "GET", "/api/v1/sync/pull", {}, 401, "login_required"),
    (None, "POST", "/api/v1/sync/push", {"json": {"ops": []}}, 401, "login_required"),
    (None, "PUT", "/api/v1/attachments/{att}", {"data": b"x"}, 401, "login_required"),
    (None, "GET", "/api/v1/attachments/{att}", {}, 401, "login_required"),
    (None, "GET", "/api/v1/clients/1/equipment", {}, 401, "login_required"),
    (None, "POST", "/api/v1/clients/1/equipment", {"json": {}}, 401, "login_required"),
    (None, "GET", "/api/v1/equipment/1", {}, 401, "login_required"),
    (None, "PUT", "/api/v1/equipment/1", {"data": b"x"}, 401, "login_required"),
    ("office", "GET", "/api/v1/equipment/999999", {}, 404, "not_found"),
    ("office", "POST", "/api/v1/clients/999999/equipment", {"json": {"kind": "poele_granules"}}, 404, "not_found"),
    ("tech1", "POST", "/api/v1/clients/1/equipment", {"json": {"kind": "poele_granules"}}, 403, "forbidden"),
    ("office", "GET", "/api/v1/interventions/999999", {}, 404, "not_found"),
    ("office", "GET", "/api/v1/interventions/abc", {}, 404, "not_found"),
    ("tech1", "GET", "/api/v1/attachments/{att}", {}, 404, "not_found"),
    ("tech1", "GET", "/api/v1/attachments/not-a-uuid", {}, 404, "not_found"),
    ("tech1", "PUT", "/api/v1/attachments/{att}?intervention={unknown}", {"data": b"x"}, 404, "not_found"),
    ("tech1", "GET", "/api/v1/nothing-here", {}, 404, "not_found"),
    ("tech1", "DELETE", "/api/v1/me", {}, 405, "method_not_allowed"),
    ("tech1", "POST", "/api/v1/sync/pull", {}, 405, "method_not_allowed"),
    ("tech1", "GET", "/api/v1/clients", {}, 403, "forbidden"),
    ("tech1", "POST", "/api/v1/interventions", {"json": {}}, 403, "forbidden"),
    ("office", "POST", "/api/v1/interventions", {"json": {"start_at": "demain"}}, 422, "invalid"),
    ("office", "POST", "/api/v1/interventions", {"data": "not json"}, 422, "invalid"),
    ("tech1", "POST", "/api/v1/sync/push", {"json": {"ops": []}}, 422, "invalid"),
    ("tech1", "POST", "/api/v1/sync/push", {"json": [1, 2]}, 422, "invalid"),
    ("tech1", "POST", "/api/v1/sync/push", {"json": {"ops": [{"pad": "x" * 5000}]}}, 413, "too_large"),
    ("tech1", "PUT", "/api/v1/attachments/{att}?intervention={iv}", {"data": b"x", "headers": {"X-Content-SHA256": "0" * 64}}, 400, "checksum"),
    ("tech1", "PUT", "/api/v1/attachments/{att}?intervention={iv}", {"data": b"%PDF", "content_type": "application/pdf", "sha": True}, 415, "type"),
    ("tech1", "PUT", "/api/v1/attachments/{att}?intervention={iv}", {"data": b"", "sha": True}, 400, "empty"),
    ("tech1", "PUT", "/api/v1/attachments/{att}?intervention={iv}", {"data": b"x" * 3000, "sha": True}, 413, "too_large"),
]


def _send(client, auth, iv_uuid, who, method, path, options):
    if who:
        auth.login(who)
    path = path.format(att=uuid.uuid4(), iv=iv_uuid, unknown=uuid.uuid4())
    options = dict(options)
    if options.pop("sha", False):
        options.setdefault("headers", {})["X-Content-SHA256"] = hashlib.sha256(options["data"]).hexdigest()
    if method == "PUT":
        options.setdefault("content_type", "image/jpeg")
    return client.open(path, method=method, **options)


@pytest.mark.parametrize("who, method, path, options, status, code", BAD_REQUESTS, ids=[f"{r[1]} {r[2]} {r[4]}" for r in BAD_REQUESTS])
def test_every_api_error_has_the_one_shape(app, client, auth, users, iv_uuid, who, method, path, options, status, code):
    app.config.update(ATTACHMENT_MAX_BYTES=2000, MAX_CONTENT_LENGTH=4000)
    response = _send(client, auth, iv_uuid, who, method, path, options)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert_error_shape(body)
    assert body["code"] == code


def test_the_bad_requests_cover_every_api_route(app):
    """A route added under /api/v1 without a bad request above fails here."""
    adapter = app.url_map.bind("localhost")
    hit = set()
    for who, method, path, _options, status, _code in BAD_REQUESTS:
        try:
            rule, _args = adapter.match(path.split("?")[0].format(att=uuid.uuid4()), method=method, return_rule=True)
        except Exception:  # the 404 and 405 of the router itself
            continue
        hit.add((method, rule.rule))
    routes = {(m, r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") for m in r.methods - {"HEAD", "OPTIONS"}}
    assert routes <= hit, routes - hit


def test_fields_at_fault_are_pointed_at(client, auth, users):
    auth.login("office")
    several = client.post("/api/v1/interventions", json={"event_type_id": "sav", "start_at": "demain"}).get_json()
    assert "pointer" not in several and {"/start_at", "/client_id"} <= {e["pointer"] for e in several["errors"]}
    one = client.post("/api/v1/interventions", json=[]).get_json()
    assert one["pointer"] == "" and one["errors"] == [{"pointer": "", "message": "Envoyez un objet JSON."}]
    auth.logout()
    auth.login("tech1")
    nested = client.post("/api/v1/sync/push", json={"ops": "nope"}).get_json()
    assert nested["pointer"] == "/ops" and nested["error"] == "Certaines valeurs sont invalides."


def test_the_message_is_in_the_users_language(app, client, auth, users):
    auth.login("office")
    assert client.get("/api/v1/interventions/999999", headers={"Accept-Language": "en"}).get_json()["error"] == "No such intervention."
    client.get("/agenda/week?lang=en")
    assert client.get("/api/v1/nothing").get_json() == {"error": "Not found.", "code": "not_found"}
    client.get("/agenda/week?lang=fr")
    assert client.get("/api/v1/nothing").get_json() == {"error": "Introuvable.", "code": "not_found"}
    device = app.test_client()  # no session: the language the device asks for
    assert device.get("/api/v1/me", headers={"Accept-Language": "en"}).get_json() == {"error": "Please log in.", "code": "login_required"}
    assert device.get("/api/v1/me", headers={"Accept-Language": "fr"}).get_json() == {"error": "Veuillez vous connecter.", "code": "login_required"}


def test_a_missing_csrf_token_has_the_shape(app, client, auth, users):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login("tech1")
    response = client.post("/api/v1/sync/push", json={"ops": []})
    assert response.status_code == 400
    assert_error_shape(response.get_json())
    assert response.get_json()["code"] == "csrf"


def test_an_unexpected_exception_is_a_500_of_the_shape_without_its_details(app, client, auth, users, monkeypatch, caplog):
    import webapp.views.api as api

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the bug")

    monkeypatch.setattr(api, "UserRefSchema", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: logged, then answered
    auth.login("tech1")
    response = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    body = response.get_json()
    assert_error_shape(body)
    assert body["code"] == "server_error" and "secret detail" not in response.get_data(as_text=True)
    assert any("secret detail of the bug" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


@pytest.mark.parametrize("exc, status, code", [
    (BadRequest(), 400, "bad_request"), (Unauthorized(), 401, "login_required"), (Forbidden(), 403, "forbidden"),
    (NotFound(), 404, "not_found"), (MethodNotAllowed(["GET"]), 405, "method_not_allowed"),
    (RequestEntityTooLarge(), 413, "too_large"), (UnprocessableEntity(), 422, "invalid"), (TooManyRequests(), 429, "too_many_requests"),
])
def test_every_http_error_maps_to_a_code_and_a_french_message(app, exc, status, code):
    from webapp.errors import describe, message_for

    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "fr"}):
        got_status, body = describe(exc)
        assert (got_status, body) == (status, {"error": message_for(code), "code": code})
        assert body["error"] != exc.description  # ours, translated, not werkzeug's English


def test_a_refused_operation_carries_the_error_fields(client, auth, users, iv_uuid):
    """Per-operation results are results, not HTTP errors, but their error part has the same
    field names: ``error``, ``code``, ``errors``/``pointer``."""
    auth.login("tech1")
    at = (START - timedelta(hours=1)).isoformat()
    ops = [
        {"id": str(uuid.uuid4()), "type": "answers", "intervention": iv_uuid, "at": at},  # no form_id, no data
        {"id": str(uuid.uuid4()), "type": "answers", "intervention": iv_uuid, "base_version": 0, "at": at, "form_id": "entretien-chaudiere", "data": {"puissance_nominale_kw": "x"}},
        {"id": str(uuid.uuid4()), "type": "start", "intervention": str(uuid.uuid4()), "at": at},
        {"id": str(uuid.uuid4()), "type": "time", "intervention": iv_uuid, "base_version": 0, "at": at, "duration_minutes": 5},
    ]
    results = [client.post("/api/v1/sync/push", json={"ops": [o]}).get_json()["results"][0] for o in ops]  # one by one: none holds the next back
    assert [r["status"] for r in results] == ["refused", "refused", "refused", "conflict"]
    assert [r["code"] for r in results] == ["invalid", "invalid_answers", "not_found", "conflict"]
    result_keys = {"id", "status", "original", "version", "server_version", "resolved", "missing"}
    for r in results:
        assert_error_shape({k: v for k, v in r.items() if k not in result_keys})
    assert {e["pointer"] for e in results[0]["errors"]} == {"/form_id", "/data"}
    assert any(e["pointer"] == "/puissance_nominale_kw" and e["keyword"] for e in results[1]["errors"])
