"""Prometheus metrics (issue 14): request latency per Flask endpoint, pushed sync operations
by type and status, report sending attempts by status. Read from the process's registry,
as the metrics bind of ``fieldforms serve --dev`` serves it (test_server.py scrapes the
multiprocess one of gunicorn's workers)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from prometheus_client import REGISTRY, generate_latest

from webapp import metrics
from webapp.services import reports

from tests.workflow_helpers import call, complete_answers, example, fill, smtp_server


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """Samples before and after: ``d = Delta(); ...; d("name", label=...)`` is the increase."""

    def __init__(self):
        self._before = {(s.name, tuple(sorted(s.labels.items()))): s.value for m in REGISTRY.collect() for s in m.samples}

    def __call__(self, name: str, **labels) -> float:
        return value(name, **labels) - self._before.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_request_shows_in_its_endpoints_latency_histogram(client, auth, users):
    auth.login("office")
    d = Delta()
    assert client.get("/agenda/week?date=2026-03-11").status_code == 200
    assert client.get("/agenda/week?date=2026-03-18").status_code == 200
    assert d("fieldforms_request_duration_seconds_count", endpoint="agenda.week", method="GET") == 2
    assert d("fieldforms_request_duration_seconds_sum", endpoint="agenda.week", method="GET") > 0
    assert d("fieldforms_request_duration_seconds_bucket", endpoint="agenda.week", method="GET", le="+Inf") == 2
    assert d("fieldforms_requests_total", endpoint="agenda.week", method="GET", status="200") == 2
    # labelled by endpoint, never by path: the query string and ids make no new series
    text = generate_latest(REGISTRY).decode()
    assert "2026-03-11" not in text and "/agenda/week" not in text


def test_an_address_no_route_matches_has_one_label(client):
    d = Delta()
    for path in ("/nothing-here", "/nor/here/either"):
        assert client.get(path).status_code in (302, 404)
    assert d("fieldforms_request_duration_seconds_count", endpoint=metrics.NO_ENDPOINT, method="GET") == 2


def _op(kind: str, iv_uuid: str, base: int | None, **payload) -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "intervention": iv_uuid, "base_version": base,
            "at": datetime(2026, 3, 11, 9, 30, tzinfo=timezone.utc).isoformat(), **payload}


def test_pushed_sync_operations_are_counted_by_type_and_status(app, client, auth, users, factory):
    from webapp.extensions import db
    from webapp.models import Intervention

    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="confirmed",
                              start=datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc))
    with app.app_context():
        iv_uuid = db.session.get(Intervention, iv).uuid
    auth.login("tech1")
    answers = _op("answers", iv_uuid, 0, form_id="entretien-chaudiere", data=example("entretien-chaudiere"))
    bad = {**answers, "id": str(uuid.uuid4()), "data": {"modele": 12}}
    d = Delta()
    results = client.post("/api/v1/sync/push", json={"ops": [answers, answers, bad, _op("teleport", iv_uuid, 0)]}).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "duplicate", "refused", "refused"]
    assert d("fieldforms_sync_operations_total", type="answers", status="applied") == 1
    assert d("fieldforms_sync_operations_total", type="answers", status="duplicate") == 1
    assert d("fieldforms_sync_operations_total", type="answers", status="refused") == 1
    assert d("fieldforms_sync_operations_total", type="invalid", status="refused") == 1  # a made-up type is no label
    assert "teleport" not in generate_latest(REGISTRY).decode()


@pytest.fixture
def smtp(app):
    with smtp_server() as (store, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="rapports@example.fr", MAIL_TIMEOUT=5,
                          REDIS_URL=None, REPORT_RETRY_INTERVALS=[0, 0], INLINE_RETRY_MAX_WAIT=1)
        yield store


def test_report_sending_attempts_are_counted_by_the_status_they_end_in(app, smtp, users, factory):
    cid = factory.client("Cotillon Marie", email="marie.cotillon@example.fr")
    iv = factory.intervention([users["tech1"]], cid, event_type_id="installation", status="done",
                              start=datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc))
    fill(app, users["office"], iv, complete_answers(app, iv, ["installation", "photos-signatures"]))
    d = Delta()
    smtp.fail = "451 4.3.0 Try again later"
    sending = call(app, users["office"], reports.request_report_sending, iv)
    assert smtp.tries == 3
    assert d("fieldforms_report_sendings_total", status="retrying") == 2
    assert d("fieldforms_report_sendings_total", status="failed") == 1
    smtp.fail = None
    call(app, users["office"], reports.retry_sending, sending)
    assert d("fieldforms_report_sendings_total", status="sent") == 1
