"""No N+1: the number of SQL queries per page does not grow with the data."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.clock import UTC, company_tz

MONDAY = date(2030, 3, 4)


def _fill(factory, users, n_techs, per_day, client_id=None):
    techs = [users["tech1"], users["tech2"]] + [factory.user("technician") for _ in range(n_techs - 2)]
    ids = []
    for t in techs:
        for d in range(5):
            for k in range(per_day):
                start = datetime(2030, 3, 4 + d, 8 + 2 * k, tzinfo=company_tz()).astimezone(UTC)
                ids.append(factory.intervention([t], client_id, start=start, tags=["contrat"] if k % 2 else [], status="done" if d < 2 else "planned"))
    return ids


def _queries(client, count_queries, url):
    client.get(url)  # warm caches (templates, translations)
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count


@pytest.mark.parametrize("url", ["/agenda/week?date=2030-03-04", "/agenda/day?date=2030-03-05"])
def test_planning_queries_do_not_grow(client, auth, users, factory, count_queries, url):
    auth.login("office")
    _fill(factory, users, 2, 1)
    small = _queries(client, count_queries, url)
    _fill(factory, users, 6, 3)
    large = _queries(client, count_queries, url)
    assert small == large <= 5


def test_client_record_queries_do_not_grow(client, auth, users, factory, count_queries):
    auth.login("office")
    cid = factory.client("Cotillon Marie")
    factory.equipment(cid)
    _fill(factory, users, 2, 1, cid)
    small = _queries(client, count_queries, f"/clients/{cid}")
    factory.equipment(cid, kind="chaudiere_gaz")
    _fill(factory, users, 4, 2, cid)
    large = _queries(client, count_queries, f"/clients/{cid}")
    # 6, plus the client's equipment and their maintenance due (last visits, planned visits)
    assert small == large <= 9


def test_intervention_detail_queries(app, client, auth, users, factory, count_queries):
    auth.login("office")
    cid = factory.client("Cotillon Marie")
    ids = _fill(factory, users, 3, 2, cid)
    # 9, plus the blocks of issue 6: work record, timer segments, report sendings, signatures
    assert _queries(client, count_queries, f"/interventions/{ids[0]}") <= 13
