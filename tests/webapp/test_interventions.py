"""Plan, edit, cancel; statuses, tags; bad input refused by field with nothing half-saved."""

from __future__ import annotations

import uuid
from html import unescape

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import AuditLog, Intervention


def _form(users, cid, **over):
    data = {
        "uuid": str(uuid.uuid4()),
        "event_type_id": "entretien-poele",
        "client_id": str(cid),
        "start_at": "2030-03-04T09:00",
        "end_at": "2030-03-04T10:30",
        "technician_ids": [str(users["tech1"])],
        "tags": "contrat, urgent",
        "title": "",
        "notes": "Code portail 1234",
    }
    data.update(over)
    return data


def _count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Intervention.id)))


@pytest.fixture
def cid(factory):
    return factory.client("Cotillon Marie", postcode="35510", city="Cesson-Sévigné")


def test_create_intervention(app, client, auth, users, cid):
    auth.login("office")
    response = client.post("/interventions/new", data=_form(users, cid))
    assert response.status_code == 302
    iv_url = response.headers["Location"]
    page = client.get(iv_url).get_data(as_text=True)
    assert "Cotillon Marie 35510 Entretien poêle à granulés" in page  # default title
    assert "09:00 – 10:30" in page and "1 h 30" in page
    assert "contrat" in page and "urgent" in page and "Planifié" in page
    with app.app_context():
        iv = db.session.scalar(sa.select(Intervention))
        assert iv.start_at.isoformat() == "2030-03-04T08:00:00+00:00"  # Paris winter time, stored in UTC
        assert iv.status == "planned"
        assert db.session.scalar(sa.select(AuditLog.action).where(AuditLog.entity_id == str(iv.id))) == "create"


def test_double_submission_creates_one_intervention(app, client, auth, users, cid):
    auth.login("office")
    data = _form(users, cid)
    first = client.post("/interventions/new", data=data)
    second = client.post("/interventions/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"end_at": "2030-03-04T08:00"}, "end_at", "La fin doit être après le début."),
        ({"end_at": "2030-03-04T09:00"}, "end_at", "La fin doit être après le début."),
        ({"technician_ids": ["999999"]}, "technician_ids", "Aucun technicien actif"),
        ({"technician_ids": []}, "technician_ids", "Ce champ est obligatoire."),
        ({"event_type_id": "ramonage-lunaire"}, "event_type_id", "Type d'événement inconnu"),
        ({"client_id": "999999"}, "client_id", "Ce client n'existe pas."),
        ({"client_id": ""}, "client_id", "Ce champ est obligatoire."),
        ({"start_at": "demain"}, "start_at", "Date et heure invalides."),
        ({"start_at": ""}, "start_at", "Ce champ est obligatoire."),
        ({"end_at": "2030-05-04T09:00"}, "end_at", "au plus 31 jours"),
        ({"title": "x" * 201}, "title", "200 caractères"),
    ],
)
def test_bad_input_is_refused_by_field(app, client, auth, users, cid, change, field, message):
    auth.login("office")
    data = _form(users, cid, **change)
    response = client.post("/interventions/new", data=data)
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert f'id="{field}-error"' in html
    assert message in html
    assert _count(app) == 0
    # the form comes back filled in
    assert "Code portail 1234" in html


def test_office_cannot_assign_a_manager_as_technician(app, client, auth, users, cid):
    auth.login("office")
    response = client.post("/interventions/new", data=_form(users, cid, technician_ids=[str(users["manager"])]))
    assert response.status_code == 422 and _count(app) == 0


def test_technician_cannot_create(client, auth, users, cid):
    auth.login("tech1")
    assert client.post("/interventions/new", data=_form(users, cid)).status_code == 403


def test_new_form_prefills_the_chosen_slot(client, auth, users):
    auth.login("office")
    html = client.get(f"/interventions/new?tech={users['tech2']}&start=2030-03-05T14:00&type=installation").get_data(as_text=True)
    assert 'value="2030-03-05T14:00"' in html
    assert 'value="2030-03-05T21:00"' in html  # installation lasts 420 minutes by default
    assert f'value="{users["tech2"]}" checked' in html


def test_edit_intervention_and_conflict(app, client, auth, users, factory, cid):
    iv = factory.intervention([users["tech1"]], cid)
    auth.login("office")
    page = client.get(f"/interventions/{iv}/edit").get_data(as_text=True)
    assert 'name="version" value="1"' in page
    data = _form(users, cid, version="1", technician_ids=[str(users["tech1"]), str(users["tech2"])], title="Nouveau titre")
    data.pop("uuid")
    assert client.post(f"/interventions/{iv}/edit", data=data).status_code == 302
    with app.app_context():
        row = db.session.get(Intervention, iv)
        assert row.title == "Nouveau titre" and row.version == 2
        log = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "update"))
        assert "technician_ids" in log.details and "title" in log.details
    stale = client.post(f"/interventions/{iv}/edit", data={**data, "title": "Autre"})
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(Intervention, iv).title == "Nouveau titre"


def test_edit_refuses_bad_input_without_saving(app, client, auth, users, factory, cid):
    iv = factory.intervention([users["tech1"]], cid, title="Avant")
    auth.login("office")
    data = _form(users, cid, version="1", title="Après", end_at="2030-03-04T08:00")
    assert client.post(f"/interventions/{iv}/edit", data=data).status_code == 422
    with app.app_context():
        assert db.session.get(Intervention, iv).title == "Avant"


def test_cancel_and_status_history(app, client, auth, users, factory, cid):
    iv = factory.intervention([users["tech1"]], cid)
    auth.login("tech1")
    assert client.post(f"/interventions/{iv}/status", data={"status": "confirmed"}).status_code == 302
    assert client.post(f"/interventions/{iv}/cancel").status_code == 403  # technicians do not cancel
    auth.logout()
    auth.login("office")
    assert client.post(f"/interventions/{iv}/cancel").status_code == 302
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "Annulé" in page
    with app.app_context():
        rows = db.session.execute(sa.select(AuditLog.from_value, AuditLog.to_value).where(AuditLog.action == "status").order_by(AuditLog.id)).all()
    assert [tuple(r) for r in rows] == [("planned", "confirmed"), ("confirmed", "cancelled")]


def test_refused_transition(client, auth, users, factory, cid):
    iv = factory.intervention([users["tech1"]], cid)
    auth.login("office")
    assert client.post(f"/interventions/{iv}/status", data={"status": "done"}).status_code == 403


def test_done_intervention_is_not_editable_by_technician(client, auth, users, factory, cid):
    iv = factory.intervention([users["tech1"]], cid, status="done")
    auth.login("tech1")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "status-banner state-done" in page
    assert client.get(f"/interventions/{iv}/forms/entretien-poele/edit").status_code == 403
    assert client.post(f"/interventions/{iv}/tags", data={"tag": "x"}).status_code == 403


def test_tags_add_and_remove(app, client, auth, users, factory, cid):
    iv = factory.intervention([users["tech1"]], cid)
    auth.login("office")
    client.post(f"/interventions/{iv}/tags", data={"tag": "garantie"})
    client.post(f"/interventions/{iv}/tags", data={"tag": "garantie"})
    with app.app_context():
        row = db.session.scalar(sa.select(Intervention).where(Intervention.id == iv).options(sa.orm.selectinload(Intervention.tags)))
        assert [t.name for t in row.tags] == ["garantie"]
        tag_id = row.tags[0].id
    client.post(f"/interventions/{iv}/tags/{tag_id}/remove")
    with app.app_context():
        row = db.session.scalar(sa.select(Intervention).where(Intervention.id == iv).options(sa.orm.selectinload(Intervention.tags)))
        assert row.tags == []
    assert client.post(f"/interventions/{iv}/tags", data={"tag": ""}).status_code == 302


def test_detail_shows_everything_of_a5(client, auth, users, factory):
    cid = factory.client("Goldmann Jean-Jacques", phone="02 99 00 11 22", email="jj@example.fr", lat=48.11, lon=-1.68)
    iv = factory.intervention([users["tech1"]], cid, tags=["urgent"], event_type_id="sav")
    other = factory.intervention([users["tech2"]], cid)
    auth.login("office")
    html = unescape(client.get(f"/interventions/{iv}").get_data(as_text=True))
    for needle in ("status-banner", "Durée prévue", "urgent", "SAV / dépannage", "Goldmann Jean-Jacques", "tel:0299001122",
                   "mailto:jj@example.fr", "geo:48.11,-1.68", "Tech1", f"/interventions/{other}", f"/clients/{cid}/edit",
                   "Historique", "Photos et signatures", "Pas encore rempli"):
        assert needle in html, needle


@pytest.mark.parametrize("lang,changed,closed", [
    ("fr", "Modifié : Titre, Début, Fin, Intervenants, Notes", "Clôturée : Client injoignable"),
    ("en", "Changed: Title, Start, End, Technicians, Notes", "Closed: Client injoignable"),
])
def test_history_says_what_changed_in_the_forms_words(client, auth, users, factory, cid, lang, changed, closed):
    iv = factory.intervention([users["tech1"]], cid)
    auth.login("office")
    data = _form(users, cid, version="1", title="Ramonage", technician_ids=[str(users["tech1"]), str(users["tech2"])], tags="")
    data.pop("uuid")
    with client.session_transaction() as s:
        s["lang"] = lang
    client.post(f"/interventions/{iv}/edit", data=data)
    client.post(f"/interventions/{iv}/close", data={"reason": "Client injoignable"})
    history = unescape(client.get(f"/interventions/{iv}").get_data(as_text=True)).split('class="list history"')[1]
    assert changed in history and closed in history
    assert "technician_ids" not in history and "end_at" not in history
