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
    assert set(events) == {"Cotillon Marie — Entretien poêle Cotillon", "Cotillon Marie — Annulée"}  # the client, then the title typed
    ev = events["Cotillon Marie — Entretien poêle Cotillon"]
    assert ev.decoded("dtstart") == start and ev.decoded("dtend") == start + timedelta(minutes=90)
    assert "68 rue des Petits Champs" in str(ev["location"]) and "Cotillon Marie" in str(ev["description"])
    assert str(ev["status"]) == "CONFIRMED" and str(events["Cotillon Marie — Annulée"]["status"]) == "CANCELLED"
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


# --- an event follows what it shows (issue 13) ---------------------------------------------

T0 = datetime(2026, 3, 9, 8, 0, tzinfo=timezone.utc)  # a Monday morning; the visit is on Thursday


def _feed(client, path: str) -> dict:
    """The event of the feed at ``path`` (it has one), its properties decoded."""
    response = client.get(path)
    assert response.status_code == 200
    (ev,) = Calendar.from_ical(response.data).walk("VEVENT")
    return {k: ev.decoded(k) for k in ("summary", "location", "description", "status", "dtstart", "last-modified", "sequence", "dtstamp")}


def _at(minutes: int):
    from engine import clock

    return clock.moved_to(T0 + timedelta(minutes=minutes))


def test_an_event_follows_its_client_and_its_revision_moves_whenever_its_content_does(app, client, users, factory):
    """A phone calendar keeps an event it has unless SEQUENCE or LAST-MODIFIED moved: a
    renamed client, a moved time, a new status, a client who moved house each make one new
    revision, with a later LAST-MODIFIED; reading the feed again, or a change the event does
    not show (a tag), makes none."""
    from webapp.extensions import db
    from webapp.models import CalendarFeed
    from webapp.services import add_tag, schedule_intervention, transition, update_client, update_intervention

    cid = factory.client("Cotillon Marie", address="68 rue des Petits Champs", postcode="35510", city="Cesson-Sévigné")
    start = datetime(2026, 3, 12, 8, 0, tzinfo=timezone.utc)
    planned = {"event_type_id": "entretien-poele", "client_id": cid, "technician_ids": [users["tech1"], users["tech2"]], "start_at": start,
               "end_at": start + timedelta(minutes=90), "title": "", "tags": [], "notes": None, "store_id": None}
    with _at(0):
        iv = call(app, users["office"], lambda u: schedule_intervention(u, planned)[0])  # no title typed: the client, postcode and type
        call(app, users["tech1"], calendar.create_feed, users["tech1"])
        call(app, users["tech2"], calendar.create_feed, users["tech2"])
    with app.app_context():
        mine, theirs = (f"/calendar/{calendar.active_feed(users[t]).token}.ics" for t in ("tech1", "tech2"))
        assert db.session.query(CalendarFeed).count() == 2
    seen = []

    def read(minutes: int) -> dict:
        with _at(minutes):
            ev = _feed(client, mine)
        seen.append(ev)
        return ev

    first = read(5)
    assert first["summary"] == "Cotillon Marie — Entretien poêle à granulés" and first["sequence"] == 0
    assert read(10)["sequence"] == 0 and seen[-1]["last-modified"] == first["last-modified"]  # read again: nothing new

    client_fields = {"name": "Cotillon-Martin Marie", "address": "68 rue des Petits Champs", "postcode": "35510", "city": "Cesson-Sévigné"}
    with _at(20):
        call(app, users["office"], update_client, cid, client_fields)
    renamed = read(25)
    assert renamed["summary"] == "Cotillon-Martin Marie — Entretien poêle à granulés"  # the client's name now, not the title's
    assert "Cotillon-Martin Marie" in renamed["description"]

    with _at(30):
        call(app, users["office"], update_intervention, iv, {**planned, "title": iv_title(app, iv), "start_at": start + timedelta(hours=2), "end_at": start + timedelta(hours=3)})
    moved = read(35)
    assert moved["dtstart"] == start + timedelta(hours=2)
    with _at(40):
        call(app, users["office"], transition, iv, "confirmed")
    confirmed = read(45)
    assert confirmed["status"] == "CONFIRMED" and "Confirmé" in confirmed["description"]
    with _at(50):
        call(app, users["office"], update_client, cid, {**client_fields, "address": "3 allée des Tilleuls"})
    relocated = read(55)
    assert relocated["location"].startswith("3 allée des Tilleuls")
    with _at(60):
        call(app, users["office"], add_tag, iv, "garantie")  # a feed shows no tags
    tagged = read(65)

    revisions = [(ev["sequence"], ev["last-modified"]) for ev in (first, renamed, moved, confirmed, relocated)]
    assert [s for s, _ in revisions] == [0, 1, 2, 3, 4]
    assert all(a[1] < b[1] for a, b in zip(revisions, revisions[1:])), revisions  # LAST-MODIFIED moves on too
    assert (tagged["sequence"], tagged["last-modified"]) == revisions[-1]
    with _at(70):
        other = _feed(client, theirs)
    assert (other["sequence"], other["last-modified"], other["summary"]) == (4, revisions[-1][1], relocated["summary"])  # one revision for both technicians


def iv_title(app, iv_id: int) -> str:
    from webapp.extensions import db
    from webapp.models import Intervention

    with app.app_context():
        return db.session.get(Intervention, iv_id).title


def test_a_typed_title_stays_in_the_summary_after_the_clients_name(app, client, users, factory):
    from webapp.services.interventions import is_default_title
    from webapp.registry import get_registry
    from webapp.models import Client

    cid = factory.client("Goldmann Jean-Jacques", postcode="35000")
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    factory.intervention([users["tech1"]], cid, start=start, title="Dépannage poêle — code E3", status="confirmed")
    call(app, users["tech1"], calendar.create_feed, users["tech1"])
    with app.app_context():
        path = f"/calendar/{calendar.active_feed(users['tech1']).token}.ics"
        et = get_registry().event_types["sav"]
        c = Client(name="Renamed Since", postcode="35000")
        assert is_default_title("Goldmann Jean-Jacques 35000 SAV / dépannage", et, c)  # made at planning, under the old name
        assert not is_default_title("Dépannage poêle — code E3", et, c)
    assert _feed(client, path)["summary"] == "Goldmann Jean-Jacques — Dépannage poêle — code E3"


def test_the_manager_manages_a_technicians_feed_from_the_users_page(app, client, auth, users):
    """No more typing /account/calendar?user=ID: the technician's page shows the address, and
    making, replacing or revoking it comes back there."""
    from html import unescape

    auth.login("manager")
    page = unescape(client.get(f"/admin/users/{users['tech1']}/edit").get_data(as_text=True))
    assert 'id="calendar-feed"' in page and "Pas encore d'adresse." in page
    assert 'id="calendar-feed"' not in client.get(f"/admin/users/{users['office']}/edit").get_data(as_text=True)  # no feed for the office
    made = client.post("/account/calendar", data={"user": users["tech1"], "back": "user", "action": "create"})
    assert made.status_code == 302 and made.headers["Location"].endswith(f"/admin/users/{users['tech1']}/edit#calendar-feed")
    page = unescape(client.get(f"/admin/users/{users['tech1']}/edit").get_data(as_text=True))
    with app.app_context():
        token = calendar.active_feed(users["tech1"]).token
    assert f"/calendar/{token}.ics" in page and 'data-copy="ics-url"' in page and "Une adresse d'agenda a été créée." in page
    client.post("/account/calendar", data={"user": users["tech1"], "back": "user", "action": "create"})
    assert "la précédente ne fonctionne plus" in unescape(client.get(f"/admin/users/{users['tech1']}/edit").get_data(as_text=True))
    client.post("/account/calendar", data={"user": users["tech1"], "back": "user", "action": "revoke"})
    with app.app_context():
        assert calendar.active_feed(users["tech1"]) is None
    auth.logout()
    auth.login("office")  # the office manages feeds too, from the calendar page (it has no users' pages)
    back = client.post("/account/calendar", data={"user": users["tech1"], "back": "user", "action": "create"})
    assert back.headers["Location"].endswith(f"/account/calendar?user={users['tech1']}")
