"""Client records (A4)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import unescape

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Client
from engine.clock import UTC


def test_create_client_and_bad_input(app, client, auth, users):
    auth.login("office")
    bad = client.post("/clients/new", data={"name": "", "email": "pas-un-email", "postcode": "!!", "lat": "abc"})
    assert bad.status_code == 422
    html = unescape(bad.get_data(as_text=True))
    for field, msg in (("name", "Ce champ est obligatoire."), ("email", "Adresse e-mail invalide."), ("postcode", "Code postal invalide."), ("lat", "Nombre invalide.")):
        assert f'id="{field}-error"' in html and msg in html
    ok = client.post("/clients/new", data={"name": "Riou Bernard", "address": "27 avenue Alphonse Legault", "postcode": "35170", "city": "Bruz", "email": "b.riou@example.fr", "lat": "48.02", "lon": "-1.74"})
    assert ok.status_code == 302
    with app.app_context():
        c = db.session.scalar(sa.select(Client))
        assert (c.name, c.city, c.lat) == ("Riou Bernard", "Bruz", 48.02)


def test_edit_client(app, client, auth, users, factory):
    cid = factory.client("Hamon Isabelle")
    auth.login("office")
    assert client.post(f"/clients/{cid}/edit", data={"name": "Hamon Isabelle", "city": "Thorigné-Fouillard", "lat": "48.1"}).status_code == 422  # lat without lon
    assert client.post(f"/clients/{cid}/edit", data={"name": "Hamon Isabelle", "city": "Thorigné-Fouillard"}).status_code == 302
    with app.app_context():
        assert db.session.get(Client, cid).city == "Thorigné-Fouillard"


def test_search(client, auth, users, factory):
    factory.client("Cotillon Marie", city="Cesson-Sévigné", postcode="35510")
    factory.client("Goldmann Jean-Jacques", city="Rennes", postcode="35000")
    auth.login("office")
    page = client.get("/clients/?q=cotil").get_data(as_text=True)
    assert "Cotillon Marie" in page and "Goldmann" not in page
    page = client.get("/clients/?q=35000").get_data(as_text=True)
    assert "Goldmann" in page and "Cotillon" not in page


def test_record_lists_past_and_upcoming_with_status_and_reports(client, auth, users, factory):
    cid = factory.client("Le Goff Annick")
    now = datetime.now(UTC).replace(microsecond=0)
    past = factory.intervention([users["tech1"]], cid, start=now - timedelta(days=3), status="done", title="Entretien passé")
    future = factory.intervention([users["tech2"]], cid, start=now + timedelta(days=3), title="Entretien à venir")
    auth.login("office")
    html = unescape(client.get(f"/clients/{cid}").get_data(as_text=True))
    upcoming, history = html.split("Historique")
    assert "Entretien à venir" in upcoming and "Entretien passé" in history
    assert "Réalisé" in history and "status-done" in history
    assert f"/interventions/{past}" in html and f"/interventions/{future}" in html


def test_a_visit_done_early_is_history_and_reports_read_by_form_title(app, client, auth, users, factory):
    """Done this morning, planned until noon: it happened, it is not "upcoming"; its answers
    are listed by the forms' titles, not their ids."""
    from tests.workflow_helpers import complete_answers, fill

    cid = factory.client("Le Goff Annick")
    now = datetime.now(UTC).replace(microsecond=0)
    done = factory.intervention([users["tech1"]], cid, start=now - timedelta(hours=1), minutes=240, status="done", title="Fini en avance",
                                event_type_id="entretien-chaudiere")
    fill(app, users["office"], done, complete_answers(app, done, ["entretien-chaudiere"], with_files=False))
    factory.intervention([users["tech1"]], cid, start=now - timedelta(hours=1), minutes=240, status="in_progress", title="En cours encore")
    auth.login("office")
    html = unescape(client.get(f"/clients/{cid}").get_data(as_text=True))
    upcoming, history = html.split("Historique")
    assert "Fini en avance" in history and "En cours encore" in upcoming
    assert ">Entretien chaudière</a>" in history and ">entretien-chaudiere</a>" not in history
