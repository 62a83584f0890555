"""Technicians' private calendar feeds (RFC 5545), parsed back with ``icalendar``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from webapp.services import calendar

from tests.workflow_helpers import call


def test_feed_lists_my_interventions_and_the_token_can_be_revoked(app, client, auth, users, factory):
    cid = factory.client("Cotillon Marie", address="68 rue des Petits Champs", postcode="35510", city="Cesson", phone="02 99 00 00 00")
    start = datetime.now(timezone.utc).replace(microsecond=0, second=0) + timedelta(days=2)
    mine = factory.intervention([users["tech1"]], cid, start=start, minutes=90, title="Entretien poêle Cotillon", status="confirmed")
    factory.intervention([users["tech1"]], cid, start=start + timedelta(days=1), status="cancelled", title="Annulée")
    factory.intervention([users["tech2"]], cid, start=start, title="Pas la mienne")
    auth.login("tech1")
    client.post("/account/calendar", data={"action": "create"})
    page = client.get("/account/calendar").get_data(as_text=True)
    url = page.split('id="ics-url" class="wide" readonly value="')[1].split('"')[0]
    path = url.split("localhost", 1)[1]
    auth.logout()  # calendar apps have no session: the token is the credential
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Entretien poêle Cotillon", "Annulée"}
    ev = events["Entretien poêle Cotillon"]
    assert ev.decoded("dtstart") == start and ev.decoded("dtend") == start + timedelta(minutes=90)
    assert "68 rue des Petits Champs" in str(ev["location"]) and "Cotillon Marie" in str(ev["description"])
    assert str(ev["status"]) == "CONFIRMED" and str(events["Annulée"]["status"]) == "CANCELLED"
    assert str(ev["uid"]).startswith("intervention-") and f"/interventions/{mine}" in str(ev["url"])
    # a new address replaces the old one; revoking leaves none
    auth.login("tech1")
    client.post("/account/calendar", data={"action": "create"})
    assert client.get(path).status_code == 404
    client.post("/account/calendar", data={"action": "revoke"})
    with app.app_context():
        assert calendar.active_feed(users["tech1"]) is None


def test_only_the_back_office_manages_others_feeds(app, users):
    from webapp.services.errors import Forbidden
    import pytest

    with pytest.raises(Forbidden):
        call(app, users["tech2"], calendar.create_feed, users["tech1"])
    call(app, users["office"], calendar.create_feed, users["tech1"])
    with app.app_context():
        assert calendar.active_feed(users["tech1"]) is not None
