"""Every route for every role: login required everywhere but /login, static files and the
load balancer's /healthz and /readyz; a technician reaches only the interventions they are
assigned to."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

#: When the interventions of ``world`` take place (a Wednesday, 10:00 in Paris): pages and
#: API calls name this day instead of reading the day the test runs on.
START = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)

ROLES = ["anonymous", "manager", "office", "tech1", "tech2"]


@pytest.fixture
def world(app, factory, users):
    cid = factory.client("Cotillon Marie")
    eq_mine, eq_theirs = factory.equipment(cid), factory.equipment(cid)
    mine = factory.intervention([users["tech1"]], cid, start=START, equipment_id=eq_mine)
    theirs = factory.intervention([users["tech2"]], cid, start=START, equipment_id=eq_theirs)
    return {"client": cid, "mine": mine, "theirs": theirs, "eq_mine": eq_mine, "eq_theirs": eq_theirs, **users}


# (method, url template, expected status per role: anonymous, manager, office, tech1, tech2)
# 302 for anonymous means "sent to /login". tech1 is assigned to "mine", tech2 to "theirs".
TABLE = [
    ("GET", "/", (302, 302, 302, 302, 302)),
    ("GET", "/agenda/week", (302, 200, 200, 200, 200)),
    ("GET", "/agenda/day", (302, 200, 200, 200, 200)),
    ("GET", "/clients/", (302, 200, 200, 403, 403)),
    ("GET", "/clients/new", (302, 200, 200, 403, 403)),
    ("GET", "/clients/{client}", (302, 200, 200, 403, 403)),
    ("GET", "/clients/{client}/edit", (302, 200, 200, 403, 403)),
    ("GET", "/interventions/new", (302, 200, 200, 403, 403)),
    ("GET", "/interventions/{mine}", (302, 200, 200, 200, 404)),
    ("GET", "/interventions/{theirs}", (302, 200, 200, 404, 200)),
    ("GET", "/interventions/{mine}/edit", (302, 200, 200, 403, 404)),
    ("GET", "/interventions/{mine}/forms/entretien-poele", (302, 200, 200, 200, 404)),
    # entretien-poele has mandatory time tracking (H3): a technician fills it in once Start was pressed
    ("GET", "/interventions/{mine}/forms/entretien-poele/edit", (302, 200, 200, 409, 404)),
    ("GET", "/interventions/{theirs}/forms/entretien-poele/edit", (302, 200, 200, 404, 409)),
    ("POST", "/interventions/{theirs}/tags", (302, 302, 302, 404, 409)),  # tags are its data too (H3)
    ("POST", "/interventions/{theirs}/cancel", (302, 302, 302, 404, 403)),
    # equipment (issue 15): the back office keeps it; a technician sees that of their interventions
    ("GET", "/clients/{client}/equipment/new", (302, 200, 200, 403, 403)),
    ("GET", "/equipment/{eq_mine}", (302, 200, 200, 200, 404)),
    ("GET", "/equipment/{eq_theirs}", (302, 200, 200, 404, 200)),
    ("GET", "/equipment/{eq_mine}/edit", (302, 200, 200, 403, 403)),
    ("GET", "/equipment/due", (302, 200, 200, 403, 403)),
    ("POST", "/equipment/due/plan", (302, 302, 302, 403, 403)),
    ("POST", "/equipment/due/confirm", (302, 302, 302, 403, 403)),
    ("GET", "/api/v1/clients/{client}/equipment", (401, 200, 200, 200, 200)),
    ("POST", "/api/v1/clients/{client}/equipment", (401, 422, 422, 403, 403)),
    ("GET", "/api/v1/equipment/{eq_mine}", (401, 200, 200, 200, 404)),
    ("PUT", "/api/v1/equipment/{eq_mine}", (401, 422, 422, 403, 403)),
    ("GET", "/attachments/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b", (302, 404, 404, 404, 404)),
    ("GET", "/admin/users", (302, 200, 403, 403, 403)),
    ("GET", "/admin/users/new", (302, 200, 403, 403, 403)),
    ("GET", "/admin/users/{tech1}/edit", (302, 200, 403, 403, 403)),
    ("POST", "/admin/users/{tech2}/disable", (302, 302, 403, 403, 403)),
    ("GET", "/admin/forms", (302, 200, 403, 403, 403)),
    ("POST", "/admin/forms/reload", (302, 302, 403, 403, 403)),
    # answer exports (issue 15): the back office's; a job is its requester's (others: 404)
    ("GET", "/exports/", (302, 200, 200, 403, 403)),
    ("POST", "/exports/", (302, 422, 422, 403, 403)),
    ("GET", "/exports/jobs/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b", (302, 404, 404, 403, 403)),
    ("GET", "/exports/jobs/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b/status", (302, 404, 404, 403, 403)),
    ("GET", "/exports/jobs/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b/download", (302, 404, 404, 403, 403)),
    ("GET", "/api/v1/me", (401, 200, 200, 200, 200)),
    ("GET", "/api/v1/interventions", (401, 200, 200, 200, 200)),
    ("GET", "/api/v1/interventions/{mine}", (401, 200, 200, 200, 404)),
    ("GET", "/api/v1/clients", (401, 200, 200, 403, 403)),
    # statuses, rights, time and reports (issue 6): refusals come back to the page with a message
    ("POST", "/interventions/{mine}/start", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/pause", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/resume", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/finish", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/back-to-confirmed", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/time", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/close", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/reopen", (302, 302, 302, 302, 404)),
    ("GET", "/interventions/{mine}/report.pdf", (302, 200, 200, 200, 404)),
    ("POST", "/interventions/{mine}/report/send", (302, 302, 302, 302, 404)),
    ("POST", "/interventions/{mine}/report/sendings/999/retry", (302, 404, 404, 404, 404)),
    # the PDF a sending sent, kept in the storage (issue 14; served in test_storage.py)
    ("GET", "/interventions/{mine}/sendings/999/report.pdf", (302, 404, 404, 404, 404)),
    ("GET", "/account/calendar", (302, 200, 200, 200, 200)),
    ("GET", "/calendar/not-a-token.ics", (404, 404, 404, 404, 404)),
    # the phone app and its sync API (issue 5): the shell is public, data needs a login;
    # the operations and uploads themselves are checked in test_sync_api.py. The shell sends
    # nobody signed in to the phone's login page (issue 14: not the whole app first)
    ("GET", "/m/", (302, 200, 200, 200, 200)),
    ("GET", "/m/login", (200, 200, 200, 200, 200)),
    ("GET", "/m/manifest.webmanifest", (200, 200, 200, 200, 200)),
    ("GET", "/m/sw.js", (200, 200, 200, 200, 200)),
    ("GET", "/m/forms/" + "0" * 64, (302, 404, 404, 404, 404)),
    ("GET", "/api/v1/sync/session", (401, 200, 200, 200, 200)),
    ("GET", "/api/v1/sync/pull", (401, 200, 200, 200, 200)),
    ("POST", "/api/v1/sync/push", (401, 422, 422, 422, 422)),
    ("PUT", "/api/v1/attachments/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b", (401, 404, 404, 404, 404)),
    ("GET", "/api/v1/attachments/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b", (401, 404, 404, 404, 404)),
    ("POST", "/interventions/{mine}/device-edits/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b/dismiss", (302, 404, 404, 403, 403)),
    ("POST", "/logout", (302, 302, 302, 302, 302)),
    ("GET", "/login", (200, 302, 302, 302, 302)),
    ("GET", "/static/app.css", (200, 200, 200, 200, 200)),
    # the load balancer's probes (issue 14): no login, nothing but whether the node answers
    # and what it can reach (webapp/views/health.py)
    ("GET", "/healthz", (200, 200, 200, 200, 200)),
    ("GET", "/readyz", (200, 200, 200, 200, 200)),
    ("GET", "/static/ff/form.js", (200, 200, 200, 200, 200)),
    ("GET", "/favicon.ico", (200, 200, 200, 200, 200)),  # every browser asks, signed in or not
]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(client, auth, world, role):
    if role != "anonymous":
        assert auth.login(role).status_code == 302
    failures = []
    for method, template, expected in TABLE:
        url = template.format(**world)
        data = {"tag": "x"} if url.endswith("/tags") else {}
        response = client.open(url, method=method, data=data)
        response.close()  # static files are streamed from open files
        want = expected[ROLES.index(role)]
        if response.status_code != want:
            failures.append(f"{method} {url}: {response.status_code}, expected {want}")
        if role != "anonymous" and url == "/logout":
            auth.login(role)
    assert not failures, "\n".join(failures)


def test_every_route_is_in_the_table(app):
    """A new route must be added to TABLE (so it gets an access decision)."""
    covered = set()
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for method, template, _ in TABLE:
            path = template.format(client=1, mine=1, theirs=2, tech1=3, tech2=4, eq_mine=1, eq_theirs=2)
            endpoint, _args = adapter.match(path, method=method)
            covered.add(endpoint)
    exempt = {"interventions.status", "interventions.remove_tag", "api.create_intervention", "auth.index"}
    missing = {r.endpoint for r in app.url_map.iter_rules()} - covered - exempt
    assert not missing


def test_technician_cannot_see_another_technicians_intervention(client, auth, world):
    auth.login("tech1")
    assert client.get(f"/interventions/{world['theirs']}").status_code == 404
    week = client.get("/agenda/week?date=2026-03-11").get_data(as_text=True)
    assert f"/interventions/{world['mine']}" in week
    assert f"/interventions/{world['theirs']}" not in week
    api = client.get("/api/v1/interventions?from=2026-03-09&days=7").get_json()
    assert {iv["id"] for iv in api["interventions"]} == {world["mine"]}


def test_disabled_account_loses_its_session(app, client, auth, world):
    auth.login("tech1")
    assert client.get("/agenda/day").status_code == 200
    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        db.session.get(User, world["tech1"]).active = False
        db.session.commit()
    assert client.get("/agenda/day").status_code == 302
