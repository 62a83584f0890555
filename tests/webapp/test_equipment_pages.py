"""The equipment's screens (issue 15): the client record's list, the add and edit forms
(fixed fields and free fields drawn by the engine), the equipment page with its history and
changes, the planning form's equipment select, and the JSON API's errors by pointer."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from html import unescape

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Equipment, Intervention

T0 = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_add_equipment_from_the_client_record_with_free_fields(app, client, auth, users, factory):
    cid = factory.client("Cotillon Marie")
    auth.login("office")
    record = page(client.get(f"/clients/{cid}"))
    assert "Aucun équipement enregistré." in record and f"/clients/{cid}/equipment/new" in record
    form = page(client.get(f"/clients/{cid}/equipment/new"))
    assert 'form="equipment-form"' in form and 'id="equipment-form"' in form and "Puissance nominale (kW)" in form
    bad = client.post(f"/clients/{cid}/equipment/new", data={"kind": "", "installed_on": "2021-10-05", "warranty_until": "2020-01-01", "puissance_kw": "-4"})
    assert bad.status_code == 422
    html = page(bad)
    assert 'id="kind-error"' in html and 'id="warranty_until-error"' in html and "La garantie ne peut pas finir avant l'installation." in html
    assert 'aria-invalid="true"' in html and 'id="ff-puissance_kw"' in html  # the free field drawn by the engine's renderer
    ok = client.post(f"/clients/{cid}/equipment/new", data={
        "kind": "poele_granules", "brand": "MCZ", "model": "Ego", "serial_number": "MCZ-1845-0072", "fuel": "granules",
        "installed_on": "2021-10-05", "puissance_kw": "8,5", "emplacement": "Salon", "contrat_entretien": "true", "numero_contrat": "CT-118",
    })
    assert ok.status_code == 302
    with app.app_context():
        eq = db.session.scalar(sa.select(Equipment))
        assert (eq.client_id, eq.kind, eq.installed_on) == (cid, "poele_granules", date(2021, 10, 5))
        assert eq.fields == {"puissance_kw": 8.5, "emplacement": "Salon", "contrat_entretien": True, "numero_contrat": "CT-118"}
    record = page(client.get(f"/clients/{cid}"))
    assert "Poêle à granulés" in record and "MCZ Ego" in record and "MCZ-1845-0072" in record


def test_the_equipment_page_shows_fields_history_answers_reports_and_changes(app, client, auth, users, factory):
    from tests.workflow_helpers import complete_answers, fill

    cid = factory.client("Goldmann Jean-Jacques")
    eq = factory.equipment(cid, kind="chaudiere_gaz", brand="Saunier Duval", model="ThemaPlus", serial_number="SD-1", installed_on=date(2019, 5, 2),
                           fields={"puissance_kw": 24, "evacuation": "ventouse", "emplacement": "<b>Cellier</b>"}, notes="Clé chez la voisine")
    visit = factory.intervention([users["tech1"]], cid, start=T0, event_type_id="entretien-chaudiere", status="in_progress", equipment_id=eq)
    fill(app, users["office"], visit, complete_answers(app, visit, ["entretien-chaudiere"], with_files=False))
    other = factory.intervention([users["tech2"]], cid, start=T0 + timedelta(days=3), event_type_id="sav")  # not on this equipment
    auth.login("office")
    client.post(f"/equipment/{eq}/edit", data={"kind": "chaudiere_gaz", "brand": "Saunier Duval", "model": "ThemaPlus Condens", "serial_number": "SD-1",
                                             "installed_on": "2019-05-02", "puissance_kw": "24", "evacuation": "ventouse", "emplacement": "<b>Cellier</b>", "version": "1"})
    html = page(client.get(f"/equipment/{eq}"))
    assert "Chaudière gaz" in html and "ThemaPlus Condens" in html and "Goldmann Jean-Jacques" in html and "Clé chez la voisine" in html
    assert "Ventouse" in html and "&lt;b&gt;Cellier&lt;/b&gt;" in response_text(client, eq)  # free fields drawn by the engine, escaped
    assert f"/interventions/{visit}/forms/entretien-chaudiere" in html and f"/interventions/{visit}/report.pdf" in html
    assert f"/interventions/{other}\"" not in html
    assert "Modèle" in html and "ThemaPlus → ThemaPlus Condens" in html  # the change, old -> new
    record = page(client.get(f"/clients/{cid}"))
    upcoming = record.split("À venir")[1].split("Historique")[0]
    assert f'href="/equipment/{eq}"' in upcoming and "Chaudière gaz · SD-1" in upcoming  # the visit names its equipment


def response_text(client, eq_id) -> str:
    return client.get(f"/equipment/{eq_id}").get_data(as_text=True)


def test_technicians_see_the_equipment_of_their_interventions_only_and_do_not_edit(app, client, auth, users, factory):
    cid = factory.client()
    mine = factory.equipment(cid, serial_number="MINE-1")
    theirs = factory.equipment(cid, serial_number="THEIRS-1")
    factory.intervention([users["tech1"]], cid, start=T0, equipment_id=mine)
    factory.intervention([users["tech2"]], cid, start=T0, equipment_id=theirs)
    auth.login("tech1")
    html = page(client.get(f"/equipment/{mine}"))
    assert "MINE-1" in html and f"/equipment/{mine}/edit" not in html
    assert client.get(f"/equipment/{theirs}").status_code == 404
    assert client.get(f"/equipment/{mine}/edit").status_code == 403
    assert client.post(f"/equipment/{mine}/edit", data={"kind": "poele_granules"}).status_code == 403
    assert client.get(f"/clients/{cid}/equipment/new").status_code == 403
    assert client.get("/equipment/due").status_code == 403
    assert [e["id"] for e in client.get(f"/api/v1/clients/{cid}/equipment").get_json()["equipment"]] == [mine]
    assert client.put(f"/api/v1/equipment/{mine}", json={"kind": "poele_granules"}).status_code == 403


def test_the_api_refuses_free_fields_by_json_pointer(app, client, auth, users, factory):
    cid = factory.client()
    auth.login("office")
    bad = client.post(f"/api/v1/clients/{cid}/equipment", json={"kind": "poele_granules", "serial_number": "x" * 81, "fields": {"puissance_kw": 0, "couleur": "rouge"}},
                      headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    body = bad.get_json()
    assert body["code"] == "invalid" and sorted(e["pointer"] for e in body["errors"]) == ["/fields/couleur", "/fields/puissance_kw", "/serial_number"]
    made = client.post(f"/api/v1/clients/{cid}/equipment", json={"kind": "poele_granules", "fields": {"puissance_kw": 9}})
    assert made.status_code == 201 and made.get_json()["fields"] == {"puissance_kw": 9} and made.get_json()["label"] == "Poêle à granulés"
    eq = made.get_json()["id"]
    assert client.put(f"/api/v1/equipment/{eq}", json={"kind": "poele_granules", "brand": "MCZ", "version": 1}).get_json()["version"] == 2
    stale = client.put(f"/api/v1/equipment/{eq}", json={"kind": "poele_granules", "brand": "Jotul", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["code"] == "conflict"
    assert client.post(f"/api/v1/clients/{cid}/equipment", json=[1]).status_code == 422
    assert client.get("/api/v1/equipment/2147483647").status_code == 404


def test_planning_targets_one_of_the_clients_equipment(app, client, auth, users, factory):
    cid = factory.client("Le Goff Annick")
    stranger = factory.client("Riou Bernard")
    stove = factory.equipment(cid, serial_number="LG-1", brand="MCZ")
    elsewhere = factory.equipment(stranger)
    auth.login("office")
    form = page(client.get(f"/interventions/new?client_id={cid}&equipment_id={stove}&type=entretien-poele"))
    assert f'<option value="{stove}" selected>Poêle à granulés — MCZ (n° LG-1)</option>' in form
    data = {"event_type_id": "entretien-poele", "client_id": str(cid), "start_at": "2030-03-05T09:00", "end_at": "2030-03-05T10:30", "technician_ids": str(users["tech1"])}
    refused = client.post("/interventions/new", data={**data, "equipment_id": str(elsewhere)})
    assert refused.status_code == 422 and "Choisissez un équipement du client." in page(refused)
    assert client.post("/interventions/new", data={**data, "equipment_id": str(stove)}).status_code == 302
    with app.app_context():
        iv = db.session.scalar(sa.select(Intervention))
        assert iv.equipment_id == stove
