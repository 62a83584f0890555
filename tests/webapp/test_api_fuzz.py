"""The API contract, checked by a fuzzer (issue 11): ``docs/openapi.yaml`` is a valid
OpenAPI document, and schemathesis sends every documented operation generated requests
(valid and not) through the app (WSGI, in the test's transaction), as a signed-in
technician with the CSRF header (the office for the two back-office operations), on SQLite
and on PostgreSQL. No answer may be a server error, and every answer must be one the
document describes: its status, its content type and its body's schema.

The number of examples per operation is bounded (``FUZZ_EXAMPLES``) so the whole run stays
well under a minute per database; the counts are printed at the end of the run.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, ServerError
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

schema = schemathesis.openapi.from_path(DOCUMENT)
# The session cookie is the technician's (below), not one made up from the security scheme.
schema.config.generation.update(with_security_parameters=False)

#: (database, operation) -> requests sent; failures are raised by the checks themselves.
SENT: Counter = Counter()
#: database -> status code -> responses that passed every check.
STATUSES: dict[str, Counter] = defaultdict(Counter)
#: database -> kind of failure ("server error", or the check's failure: JsonSchemaError...) -> how many.
FAILED: dict[str, Counter] = defaultdict(Counter)


def test_the_document_is_valid_openapi():
    validate(yaml.safe_load(DOCUMENT.read_text(encoding="utf-8")))


#: The back office's operations are sent as the office (a technician gets 403 before any
#: input is read); every other one as the technician.
OFFICE_OPERATIONS = {"POST /interventions", "GET /clients", "POST /clients/{client_id}/equipment", "PUT /equipment/{id}"}


@pytest.fixture
def sessions(app, factory, users):
    """tech1 and office signed in, each with the CSRF token of ``/sync/session`` (CSRF
    protection on, as in production), and interventions in tech1's pull window (one
    answered) so that pulls and reads have something to answer."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    cid = factory.client("Cotillon Marie", email="marie@example.fr", lat=48.1, lon=-1.6)
    factory.intervention([users["tech1"]], cid, start=now + timedelta(hours=2), event_type_id="entretien-chaudiere", status="confirmed", tags=["contrat"])
    stove = factory.equipment(cid, serial_number="MCZ-1845-0072", fields={"puissance_kw": 8})
    factory.intervention([users["tech1"], users["tech2"]], cid, start=now + timedelta(days=1), event_type_id="entretien-poele", equipment_id=stove)
    out = {}
    for who in ("tech1", "office"):
        client = app.test_client()
        client.post("/login", data={"username": who, "password": "secret-pass"})
        out[who] = client
    iv = out["tech1"].get("/api/v1/sync/pull").get_json()["interventions"][0]
    data = json.loads((ROOT / "examples" / "entretien-chaudiere" / "valid.json").read_text(encoding="utf-8"))
    op = {"id": "6f1d4c2e-0000-4000-8000-000000000001", "type": "answers", "intervention": iv["uuid"], "base_version": 0, "form_id": "entretien-chaudiere", "data": data}
    assert out["tech1"].post("/api/v1/sync/push", json={"ops": [op]}).get_json()["results"][0]["status"] == "applied"
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a bug is a 500 the checks see
    return {
        who: {"headers": {"X-CSRFToken": client.get("/api/v1/sync/session").get_json()["csrf_token"], "Accept-Language": "fr"},
              "cookies": {"session": client.get_cookie("session").value}}
        for who, client in out.items()
    }


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request):
    """The counts, on the terminal after the run (what issue 11 asks to quote)."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    for kind in sorted({k for k, _ in SENT}):
        ops = {op: n for (k, op), n in SENT.items() if k == kind}
        failed = FAILED[kind]
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES[kind].items()))
        line = (f"schemathesis on {kind}: {len(ops)} operations, {sum(ops.values())} requests ({statuses}), "
                f"{failed['server error']} server errors, {sum(n for c, n in failed.items() if c != 'server error')} schema violations"
                + (f" {dict(failed)}" if failed else ""))
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_the_api_answers_as_documented(case, app, sessions):
    session = sessions["office" if case.operation.label in OFFICE_OPERATIONS else "tech1"]
    case.headers = {**(case.headers or {}), **session["headers"]}
    kind = app.config["DB_KIND"]
    SENT[(kind, case.operation.label)] += 1
    try:
        response = case.call_and_validate(app=app, cookies=session["cookies"], checks=CHECKS)
    except Exception as exc:  # counted, then failed as schemathesis says
        for failure in getattr(exc, "exceptions", [exc]):
            FAILED[kind][_kind_of(failure)] += 1
        raise
    STATUSES[kind][response.status_code] += 1


def _kind_of(failure: BaseException) -> str:
    """A 5xx, or the app's own exception escaping (a 500 in production), is a server error;
    any other check's failure is a departure from the document."""
    if isinstance(failure, ServerError) or not isinstance(failure, Failure):
        return "server error"
    return type(failure).__name__
