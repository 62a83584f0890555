"""No input yields a 5xx (issue 11): every hostile input seen answering 500 — integers and
dates past what the database or the calendar holds, bodies and cursors nested thousands
deep, text the database cannot store (a NUL, a lone surrogate) — is answered 4xx, in the
one error shape for the API and by field, on SQLite and on PostgreSQL.

Every request runs as in production (``PROPAGATE_EXCEPTIONS`` off): a bug would be a 500
here, not an exception in the test.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from engine import clock
from tests.webapp.test_api_errors import assert_error_shape

HUGE = 2**70
START = datetime(2030, 3, 4, 9, 0, tzinfo=timezone.utc)
AT = (START - timedelta(hours=1)).isoformat()
NUL = "a\x00b"
SURROGATE = "\ud800"


@pytest.fixture
def world(app, factory, users):
    cid = factory.client("Cotillon Marie", email="marie@example.fr")
    iv = factory.intervention([users["tech1"]], cid, start=START, event_type_id="entretien-chaudiere", status="confirmed")
    # one in the pull's window (it is the company's today, whatever the day), for the cursors
    factory.intervention([users["tech1"]], cid, start=clock.now().astimezone(timezone.utc).replace(microsecond=0) + timedelta(hours=1))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a bug is a 500
    from webapp.extensions import db
    from webapp.models import Intervention

    with app.app_context():
        iv_uuid = db.session.get(Intervention, iv).uuid
    return {"iv": iv, "uuid": iv_uuid, "client": cid, **users}


def _op(world, **fields) -> dict:
    return {"id": str(uuid.uuid4()), "type": "start", "intervention": world["uuid"], "base_version": 1, "at": AT, **fields}


def _nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _cursor(payload_text: str) -> str:
    return base64.urlsafe_b64encode(payload_text.encode()).decode().rstrip("=")


def _deep_json(depth: int) -> str:
    return '{"ops": ' + "[" * depth + "]" * depth + "}"


# -- the API: each case, who sends it, and what must come back ----------------------------

#: id -> (user, request builder, status, pointer of the field at fault or None)
API_CASES = {
    "api id 2**70": ("office", lambda w: ("GET", f"/api/v1/interventions/{HUGE}", {}), 404, None),
    "api id -1": ("office", lambda w: ("GET", "/api/v1/interventions/-1", {}), 404, None),
    "plan client_id 2**70": ("office", lambda w: ("POST", "/api/v1/interventions", {"json": _plan(w, client_id=HUGE)}), 422, "/client_id"),
    "plan store_id 2**70": ("office", lambda w: ("POST", "/api/v1/interventions", {"json": _plan(w, store_id=HUGE)}), 422, "/store_id"),
    "plan technician 2**70": ("office", lambda w: ("POST", "/api/v1/interventions", {"json": _plan(w, technician_ids=[HUGE])}), 422, "/technician_ids/0"),
    "plan version 2**70": ("office", lambda w: ("POST", "/api/v1/interventions", {"json": _plan(w, version=HUGE)}), 422, "/version"),
    "plan start year 9999 -23:59": ("office", lambda w: ("POST", "/api/v1/interventions", {"json": _plan(w, start_at="9999-12-31T23:59:59-23:59")}), 422, "/start_at"),
    "plan title NUL": ("office", lambda w: ("POST", "/api/v1/interventions", {"json": _plan(w, title=NUL)}), 422, "/title"),
    "plan tag NUL": ("office", lambda w: ("POST", "/api/v1/interventions", {"json": _plan(w, tags=["ok", NUL])}), 422, "/tags/1"),
    "plan title lone surrogate": ("office", lambda w: ("POST", "/api/v1/interventions", {"data": json.dumps(_plan(w, title="x")).replace('"x"', '"\\ud800"'), "content_type": "application/json"}), 422, "/title"),
    "clients search NUL": ("office", lambda w: ("GET", "/api/v1/clients?q=a%00b", {}), 422, "/q"),
    "interventions from 9999-12-31": ("office", lambda w: ("GET", "/api/v1/interventions?from=9999-12-31&days=31", {}), 200, None),
    "interventions from 0001-01-01": ("office", lambda w: ("GET", "/api/v1/interventions?from=0001-01-01", {}), 200, None),
    "push nested 10000 deep": ("tech1", lambda w: ("POST", "/api/v1/sync/push", {"data": _deep_json(10_000), "content_type": "application/json"}), 400, None),
    "pull cursor nested 3000 deep": ("tech1", lambda w: ("GET", "/api/v1/sync/pull?cursor=" + _cursor("[" * 3000 + "]" * 3000), {}), 200, None),
    "pull cursor dated year 1": ("tech1", lambda w: ("GET", "/api/v1/sync/pull?cursor=" + _cursor(_year_one_cursor()), {}), 200, None),
}


def _plan(world, **over) -> dict:
    return {"event_type_id": "entretien-poele", "client_id": world["client"], "start_at": "2030-03-04T09:00", "end_at": "2030-03-04T10:00",
            "technician_ids": [world["tech1"]], **over}


def _year_one_cursor() -> str:
    from engine import clock
    from webapp.sync.pull import CURSOR_VERSION

    return json.dumps({"v": CURSOR_VERSION, "t": "0001-01-01T00:00:00+00:00", "d": (clock.today() - timedelta(days=1)).isoformat()})


@pytest.mark.parametrize("case", list(API_CASES))
def test_hostile_api_input_is_answered_without_a_server_error(client, auth, world, case):
    who, build, status, pointer = API_CASES[case]
    auth.login(who)
    method, path, options = build(world)
    response = client.open(path, method=method, **options)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    if status >= 400:
        body = response.get_json()
        assert_error_shape(body)
        if pointer is not None:
            assert pointer in {e["pointer"] for e in body["errors"]}, body


# -- pushed operations: each one refused alone, by field -----------------------------------

#: id -> (operation fields, pointer at fault)
OP_CASES = {
    "base_version 2**70": ({"base_version": HUGE}, "/base_version"),
    "at year 9999 -23:59": ({"at": "9999-12-31T23:59:59-23:59"}, "/at"),
    "at year 1 +23:59": ({"at": "0001-01-01T00:00:00+23:59"}, "/at"),
    "duration 2**70": ({"type": "time", "duration_minutes": HUGE}, "/duration_minutes"),
    "form_id lone surrogate": ({"type": "answers", "form_id": SURROGATE, "data": {}}, "/form_id"),
    "form_id NUL": ({"type": "answers", "form_id": "entretien\x00chaudiere", "data": {}}, "/form_id"),
    "answer NUL": ({"type": "answers", "form_id": "entretien-chaudiere", "base_version": 0, "data": {"observations": NUL}}, "/data/observations"),
    "answer key NUL": ({"type": "answers", "form_id": "entretien-chaudiere", "base_version": 0, "data": {"a\x00": 1}}, "/data/a\x00"),
    "answer lone surrogate deep": ({"type": "answers", "form_id": "entretien-chaudiere", "base_version": 0, "data": {"x": [{"y": SURROGATE}]}}, "/data/x/0/y"),
    "transition to NUL": ({"type": "transition", "to": NUL}, "/to"),
    "recipient NUL": ({"type": "send_report", "recipients": ["a\x00@example.org"]}, "/recipients/0"),
}


@pytest.mark.parametrize("case", list(OP_CASES))
def test_a_hostile_operation_is_refused_alone_by_field(app, client, auth, world, case):
    fields, pointer = OP_CASES[case]
    auth.login("tech1")
    ops = [_op(world, **fields), _op(world, intervention=str(uuid.uuid4()))]
    response = client.post("/api/v1/sync/push", data=json.dumps({"ops": ops}), content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    first, other = response.get_json()["results"]
    assert (first["status"], first["code"]) == ("refused", "invalid"), first
    assert pointer in {e["pointer"] for e in first["errors"]}, first
    assert other["status"] == "refused" and other["code"] == "not_found"  # the next one was applied on its own
    from webapp.extensions import db
    from webapp.models import Intervention

    with app.app_context():
        assert db.session.get(Intervention, world["iv"]).status == "confirmed"


# -- the back office: pages answer 404 or 422, never 500 ---------------------------------

class Plan(dict):
    """The planning form as posted when it is right, but for these fields."""


#: id -> (user, method, path, form data, statuses accepted)
PAGE_CASES = {
    "intervention page id 2**70": ("office", "GET", f"/interventions/{HUGE}", None, (404,)),
    "report.pdf id 2**70": ("office", "GET", f"/interventions/{HUGE}/report.pdf", None, (404,)),
    "intervention edit id 2**70": ("office", "GET", f"/interventions/{HUGE}/edit", None, (404,)),
    "start id 2**70": ("office", "POST", f"/interventions/{HUGE}/start", {}, (404,)),
    "client page id 2**70": ("office", "GET", f"/clients/{HUGE}", None, (404,)),
    "client edit id 2**70": ("office", "GET", f"/clients/{HUGE}/edit", None, (404,)),
    "clients page 2**70": ("office", "GET", f"/clients/?page={HUGE}", None, (200,)),
    "clients search NUL": ("office", "GET", "/clients/?q=a%00b", None, (422,)),
    "user edit id 2**70": ("manager", "GET", f"/admin/users/{HUGE}/edit", None, (404,)),
    "user disable id 2**70": ("manager", "POST", f"/admin/users/{HUGE}/disable", {}, (404,)),
    "tag remove id 2**70": ("office", "POST", "/interventions/{iv}/tags/" + str(HUGE) + "/remove", {}, (404,)),
    "new form client 2**70": ("office", "GET", f"/interventions/new?client_id={HUGE}", None, (200,)),
    "plan form client 2**70": ("office", "POST", "/interventions/new", Plan({"client_id": str(HUGE)}), (422,)),
    "plan form technician 2**70": ("office", "POST", "/interventions/new", Plan({"technician_ids": str(HUGE)}), (422,)),
    "plan form store 2**70": ("office", "POST", "/interventions/new", Plan({"store_id": str(HUGE)}), (422,)),
    "plan form start year 9999 -23:59": ("office", "POST", "/interventions/new", Plan({"start_at": "9999-12-31T23:59:59-23:59"}), (422,)),
    "plan form title NUL": ("office", "POST", "/interventions/new", Plan({"title": NUL}), (422,)),
    "edit form client 2**70": ("office", "POST", "/interventions/{iv}/edit", Plan({"client_id": str(HUGE)}), (422,)),
    "edit form version 2**70": ("office", "POST", "/interventions/{iv}/edit", Plan({"version": str(HUGE)}), (422, 409)),
    "status version 2**70": ("office", "POST", "/interventions/{iv}/status", {"status": "in_progress", "version": str(HUGE)}, (302, 409, 422)),
    "cancel version 2**70": ("office", "POST", "/interventions/{iv}/cancel", {"version": str(HUGE)}, (302, 409, 422)),
    "time minutes 2**70": ("office", "POST", "/interventions/{iv}/time", {"actual_minutes": str(HUGE)}, (302, 422)),
    "time hours 2**70": ("office", "POST", "/interventions/{iv}/time", {"actual_minutes_h": str(HUGE)}, (302, 422)),
    "answers version 2**70": ("office", "POST", "/interventions/{iv}/forms/entretien-chaudiere/edit?v=" + str(HUGE), {}, (409, 422)),
    "tag NUL": ("office", "POST", "/interventions/{iv}/tags", {"tag": NUL}, (422,)),
    "client name NUL": ("office", "POST", "/clients/new", {"name": NUL}, (422,)),
    "client edit name NUL": ("office", "POST", "/clients/{client}/edit", {"name": NUL}, (422,)),
    "user name NUL": ("manager", "POST", "/admin/users/new", {"username": "x", "display_name": NUL, "role": "technician"}, (422,)),
    "answer NUL": ("office", "POST", "/interventions/{iv}/forms/entretien-chaudiere/edit", {"observations": NUL}, (422,)),
    "agenda week 9999-12-31": ("office", "GET", "/agenda/week?date=9999-12-31", None, (200,)),
    "agenda day 9999-12-31": ("office", "GET", "/agenda/day?date=9999-12-31", None, (200,)),
    "agenda week 0001-01-01": ("office", "GET", "/agenda/week?date=0001-01-01", None, (200,)),
    "agenda technician 2**70": ("office", "GET", f"/agenda/week?tech={HUGE}&tag={HUGE}", None, (200,)),
    "new form start year 9999": ("office", "GET", "/interventions/new?start=9999-12-31T23:59", None, (200,)),
}


#: What the planning form posts when it is right: a case changes one field of it.
def _plan_form(world) -> dict:
    return {"event_type_id": "entretien-chaudiere", "client_id": str(world["client"]), "start_at": "2030-03-04T10:00", "end_at": "2030-03-04T11:00",
            "technician_ids": str(world["tech1"]), "title": "Entretien", "tags": "", "notes": "", "version": "1"}


@pytest.mark.parametrize("case", list(PAGE_CASES))
def test_hostile_back_office_input_is_answered_without_a_server_error(client, auth, world, case):
    who, method, path, data, statuses = PAGE_CASES[case]
    auth.login(who)
    if isinstance(data, Plan):
        data = {**_plan_form(world), **data}  # only the hostile field is wrong
    path = path.format(iv=world["iv"], client=world["client"])
    response = client.open(path, method=method, data=data)
    assert response.status_code in statuses, response.get_data(as_text=True)[:800]


@pytest.mark.parametrize("body", ["username=tech1%00&password=secret-pass", "username=%00&password=secret-pass", "username=tech1&password=secret%00pass"])
def test_the_anonymous_login_refuses_what_no_account_can_be_named(app, client, world, body):
    """The login is open to anyone: ``tech1%00`` as the username was a 500 on PostgreSQL."""
    for path in ("/login", "/login?next=/m/"):
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert client.get("/api/v1/me").status_code == 401


def test_the_text_checks_name_the_field_on_the_page(client, auth, world):
    auth.login("office")
    page = client.post("/clients/new", data={"name": NUL, "city": "Rennes"}).get_data(as_text=True)
    assert "name" in page or "Nom" in page


def test_nothing_hostile_was_stored(app, client, auth, world):
    """The refusals above leave nothing behind: no client, no tag, no intervention made."""
    from webapp.extensions import db
    from webapp.models import Client, Intervention, Tag

    def counts():
        with app.app_context():
            return [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (Client, Tag, Intervention)]

    before = counts()
    auth.login("office")
    client.post("/clients/new", data={"name": NUL})
    client.post(f"/interventions/{world['iv']}/tags", data={"tag": NUL})
    client.post("/api/v1/interventions", json=_plan(world, title=NUL))
    client.post("/interventions/new", data={**_plan_form(world), "title": NUL})
    assert counts() == before


def test_every_input_schema_refuses_unstorable_text():
    """A schema that loads input (a field required or with a default) is an InputSchema: its
    text is checked before any field is read; output schemas only dump."""
    import marshmallow

    import webapp.schemas
    import webapp.sync.schemas
    from webapp.schemas import InputSchema

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    ours = [c for c in all_subclasses(marshmallow.Schema) if c.__module__.startswith("webapp.")]
    loading = [c for c in ours if any(f.required or f.load_default is not marshmallow.missing for f in c._declared_fields.values())]
    assert {c.__name__ for c in loading} >= {"ClientInputSchema", "InterventionInputSchema", "UserInputSchema", "OperationSchema", "PushSchema"}
    assert [c.__name__ for c in loading if not issubclass(c, InputSchema)] == []
