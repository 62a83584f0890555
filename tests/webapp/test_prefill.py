"""Prefilled forms on the server's page and in the phone's pull (issue 15, point 2): the
first opening of a form takes the client's record, the intervention and the previous visit's
answers; answers given are never overwritten; the save's audit names the fields saved still
unconfirmed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import html as lhtml
from werkzeug.datastructures import MultiDict

from engine import clock
from webapp.extensions import db
from webapp.models import AuditLog, Intervention, Submission

ROOT = Path(__file__).resolve().parents[2]
LAST_YEAR = json.loads((ROOT / "examples/entretien-chaudiere/valid.json").read_text(encoding="utf-8"))
FORM = "entretien-chaudiere"


def _answer(app, iv_id: int, data: dict, form_id: str = FORM) -> None:
    """Answers stored as a past visit left them (its own version of the form)."""
    from webapp.registry import get_registry

    with app.app_context():
        fv = get_registry().current_version(form_id)
        db.session.add(Submission(intervention_id=iv_id, form_id=form_id, form_version_id=fv.id, data=data))
        db.session.commit()


@pytest.fixture
def visits(app, factory, users):
    """A boiler visited a year ago, visited again soon; around them what must not be read:
    a later visit, a cancelled one, another client's."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    cid = factory.client("Cotillon Marie", address="12 rue de la Motte", postcode="35510", city="Cesson-Sévigné", email="marie@example.fr")
    other = factory.client("Autre client")
    first = factory.intervention([users["tech2"]], cid, start=now - timedelta(days=365), event_type_id=FORM, status="done")
    older = factory.intervention([users["tech2"]], cid, start=now - timedelta(days=730), event_type_id=FORM, status="done")
    cancelled = factory.intervention([users["tech2"]], cid, start=now - timedelta(days=30), event_type_id=FORM, status="cancelled")
    elsewhere = factory.intervention([users["tech2"]], other, start=now - timedelta(days=2), event_type_id=FORM, status="done")
    second = factory.intervention([users["tech1"]], cid, start=now + timedelta(hours=2), event_type_id=FORM, status="confirmed")
    later = factory.intervention([users["tech2"]], cid, start=now + timedelta(days=200), event_type_id=FORM, status="done")
    _answer(app, first, LAST_YEAR)
    _answer(app, older, {**LAST_YEAR, "numero_serie": "OLDER-0001"})
    _answer(app, cancelled, {**LAST_YEAR, "numero_serie": "CANCELLED-01"})
    _answer(app, elsewhere, {**LAST_YEAR, "numero_serie": "ELSEWHERE-01"})
    _answer(app, later, {**LAST_YEAR, "numero_serie": "LATER-0001"})
    with app.app_context():
        start = db.session.get(Intervention, second).start_at
    return {"second": second, "first": first, "client": cid, "day": clock.local(start).date().isoformat()}


def _page(client, iv: int):
    response = client.get(f"/interventions/{iv}/forms/{FORM}/edit")
    assert response.status_code == 200
    return lhtml.fromstring(response.get_data(as_text=True))


def _posted(root) -> list[tuple[str, str]]:
    """What the browser posts of the page's form (a text area's first newline dropped, as browsers do)."""
    form = root.xpath(f'//form[@data-ff-form="{FORM}"]')[0]
    return [(k, v[1:] if v.startswith("\n") else v) for k, v in form.form_values()]


#: What the prefill leaves for the technician to answer.
REST = [("co_ambiant_ppm", "0"), ("rendement_pourcent", "98"), ("conseils_bon_usage", "Purger les radiateurs."), ("interet_remplacement", "non"),
        ("operations[0]", "verification_generale"), ("controle_etancheite_gaz", "conforme"), ("analyse_condensats", "conforme")]


EXPECTED = ["/adresse_chaudiere", "/annee_installation", "/date_visite", "/energie", "/marque", "/modele", "/nom_occupant",
            "/numero_serie", "/puissance_nominale_kw", "/qualite_occupant", "/type_appareil", "/type_evacuation"]


def test_the_first_opening_is_prefilled_from_the_client_the_intervention_and_the_last_visit(client, auth, visits):
    auth.login("office")
    root = _page(client, visits["second"])
    value = lambda name: root.xpath(f'//*[@name="{name}"]')[0].get("value")  # noqa: E731
    assert value("nom_occupant") == "Cotillon Marie"
    assert root.xpath('//textarea[@name="adresse_chaudiere"]')[0].text_content().strip() == "12 rue de la Motte, 35510 Cesson-Sévigné"
    assert value("date_visite") == visits["day"]
    assert value("numero_serie") == LAST_YEAR["numero_serie"]  # last year's: not the older, later, cancelled or other client's
    assert value("modele") == LAST_YEAR["modele"]
    assert root.xpath('//select[@name="marque"]/option[@selected]')[0].get("value") == "saunier_duval"
    assert json.loads(value(":prefilled")) == EXPECTED
    field = root.get_element_by_id("ff-nom_occupant-field")
    assert "ff-prefilled" in field.get("class")
    assert root.get_element_by_id("ff-nom_occupant-prefill").text_content().startswith("Prérempli depuis la fiche client")
    assert root.get_element_by_id("ff-numero_serie-prefill").text_content().startswith("Prérempli depuis la visite précédente")
    # what the last visit measured is not carried over: only what the form asks for
    assert not root.xpath('//input[@name="co_fumees_ppm"]')[0].get("value")


def test_english_page_says_it_in_english(client, auth, visits):
    auth.login("office")
    client.get("/agenda/week?lang=en")
    root = _page(client, visits["second"])
    assert root.get_element_by_id("ff-nom_occupant-prefill").text_content().startswith("Prefilled from the client record")


def test_saving_counts_as_confirmation_and_the_audit_names_what_was_left_unconfirmed(app, client, auth, visits):
    auth.login("office")
    pairs = _posted(_page(client, visits["second"]))
    # the office changes the serial number and confirms the model; the page posts what it still shows
    pairs = [(k, "NEW-SERIAL-42" if k == "numero_serie" else v) for k, v in pairs if k != ":prefilled"]
    shown = [p for p in EXPECTED if p != "/modele"]  # numero_serie still listed: the server checks the value
    pairs += [(":prefilled", json.dumps(shown)), *REST]
    response = client.post(f"/interventions/{visits['second']}/forms/{FORM}/edit", data=MultiDict(pairs))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == visits["second"]))
        assert sub.data["numero_serie"] == "NEW-SERIAL-42" and sub.data["nom_occupant"] == "Cotillon Marie"
        assert ":prefilled" not in json.dumps(sub.data)  # the submission keeps answers only
        row = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_id == str(visits["second"]), AuditLog.action == "answers_create"))
        assert row.details["prefilled"] == [p for p in shown if p != "/numero_serie"]
    # answered: the form opens on its answers, nothing is shown as prefilled any more
    root = _page(client, visits["second"])
    assert json.loads(root.xpath('//*[@name=":prefilled"]')[0].get("value")) == []
    assert not root.xpath('//*[contains(@class, "ff-prefilled")]')


def test_a_refused_save_keeps_the_marks_of_what_is_still_unconfirmed(client, auth, visits):
    auth.login("office")
    pairs = [(k, v) for k, v in _posted(_page(client, visits["second"])) if k != "nom_occupant"]
    response = client.post(f"/interventions/{visits['second']}/forms/{FORM}/edit", data=MultiDict(pairs + [("nom_occupant", "X")]))
    assert response.status_code == 422
    root = lhtml.fromstring(response.get_data(as_text=True))
    assert "ff-prefilled" in root.get_element_by_id("ff-marque-field").get("class")
    assert "ff-prefilled" not in root.get_element_by_id("ff-nom_occupant-field").get("class")  # changed: no longer prefilled


def test_a_posted_marker_cannot_name_what_was_not_prefilled(client, auth, visits, app):
    auth.login("office")
    pairs = [(k, v) for k, v in _posted(_page(client, visits["second"])) if k != ":prefilled"]
    pairs += [(":prefilled", json.dumps(["/co_ambiant_ppm", "/nom_occupant", 3, {"a": 1}])), *REST]
    assert client.post(f"/interventions/{visits['second']}/forms/{FORM}/edit", data=MultiDict(pairs)).status_code == 302
    for junk in ("not json", "[" * 50, '{"a": 1}'):
        from webapp.services.prefill import posted_pointers

        assert posted_pointers(junk) == []
    with app.app_context():
        row = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_id == str(visits["second"]), AuditLog.action == "answers_create"))
        assert row.details["prefilled"] == ["/nom_occupant"]


def test_a_form_without_prefill_hints_opens_as_before(client, auth, visits):
    auth.login("office")
    page = client.get(f"/interventions/{visits['second']}/forms/photos-signatures/edit").get_data(as_text=True)
    assert ":prefilled" not in page and "ff-prefilled" not in page


# --- the phone --------------------------------------------------------------------------

def _pulled(client, iv_id: int) -> dict:
    body = client.get("/api/v1/sync/pull").get_json()
    return next(i for i in body["interventions"] if i["id"] == iv_id)


def test_the_pull_carries_the_prefill_of_forms_not_answered_yet(app, client, auth, visits):
    auth.login("tech1")
    item = _pulled(client, visits["second"])
    assert set(item["prefill"]) == {FORM}  # photos-signatures asks for none
    pre = item["prefill"][FORM]
    form = next(f for f in item["forms"] if f["form_id"] == FORM)
    assert pre["content_hash"] == form["content_hash"]
    assert pre["pointers"] == EXPECTED
    assert pre["data"]["nom_occupant"] == "Cotillon Marie" and pre["data"]["numero_serie"] == LAST_YEAR["numero_serie"]
    assert pre["data"]["date_visite"] == visits["day"]
    # once answered, the form opens on its answers: no prefill travels
    _answer(app, visits["second"], {**LAST_YEAR, "numero_serie": "NEW-SERIAL-42"})
    auth.logout()
    auth.login("tech1")
    assert _pulled(client, visits["second"])["prefill"] == {}


def test_the_pull_of_a_client_without_history_prefills_from_the_client_only(app, client, auth, factory, users):
    cid = factory.client("Nouveau Client", address="3 place du Marché", postcode="35000", city="Rennes")
    iv = factory.intervention([users["tech1"]], cid, start=datetime.now(timezone.utc) + timedelta(hours=3), event_type_id=FORM, status="confirmed")
    auth.login("tech1")
    pre = _pulled(client, iv)["prefill"][FORM]
    assert pre["pointers"] == ["/adresse_chaudiere", "/date_visite", "/nom_occupant"]


def test_the_phones_save_keeps_its_unconfirmed_fields_in_the_audit(app, client, auth, visits):
    import uuid

    auth.login("tech1")
    item = _pulled(client, visits["second"])
    data = {**item["prefill"][FORM]["data"], "numero_serie": "NEW-SERIAL-42", "co_ambiant_ppm": 0, "rendement_pourcent": 98,
            "conseils_bon_usage": "Purger les radiateurs.", "interet_remplacement": "non", "operations": ["verification_generale"],
            "controle_etancheite_gaz": "conforme", "analyse_condensats": "conforme"}
    op = {"id": str(uuid.uuid4()), "type": "answers", "intervention": item["uuid"], "base_version": 0, "form_id": FORM,
          "form_hash": item["prefill"][FORM]["content_hash"], "data": data, "prefilled": ["/nom_occupant", "/marque", "/marque"]}
    results = client.post("/api/v1/sync/push", json={"ops": [op]}).get_json()["results"]
    assert results[0]["status"] == "applied", results
    with app.app_context():
        row = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_id == str(visits["second"]), AuditLog.action == "answers_create"))
        assert row.details["prefilled"] == ["/marque", "/nom_occupant"] and row.details["source"] == "device"


# --- the equipment ------------------------------------------------------------------------

@pytest.fixture
def boilers(app, factory, users):
    """A client with two boilers: the visit to the first reads its record, its own last
    visit before that visit to the other boiler, and a visit to no boiler in particular."""
    from datetime import date

    now = datetime.now(timezone.utc).replace(microsecond=0)
    cid = factory.client("Le Goff Annick")
    first = factory.equipment(cid, kind="chaudiere_gaz", brand="Saunier Duval", model="ThemaPlus Condens F25", serial_number="SD-2024-0001",
                              fuel="propane", installed_on=date(2016, 5, 12), fields={"puissance_kw": 24.7})
    other = factory.equipment(cid, kind="chaudiere_fioul", brand="De Dietrich", model="GTU", serial_number="DD-1999-0042")
    mine = factory.intervention([users["tech2"]], cid, start=now - timedelta(days=365), event_type_id=FORM, status="done", equipment_id=first)
    unlinked = factory.intervention([users["tech2"]], cid, start=now - timedelta(days=100), event_type_id=FORM, status="done")
    theirs = factory.intervention([users["tech2"]], cid, start=now - timedelta(days=10), event_type_id=FORM, status="done", equipment_id=other)
    _answer(app, mine, {**LAST_YEAR, "modele": "Modèle de l'an dernier", "type_evacuation": "cheminee_type_b"})
    _answer(app, unlinked, {**LAST_YEAR, "type_evacuation": "vmc_gaz"})
    _answer(app, theirs, {**LAST_YEAR, "type_evacuation": "ventouse_type_c", "numero_serie": "DD-1999-0042"})
    visit = factory.intervention([users["tech1"]], cid, start=now + timedelta(hours=2), event_type_id=FORM, status="confirmed", equipment_id=first)
    new = factory.equipment(cid, kind="chaudiere_gaz", brand="Frisquet")
    fresh = factory.intervention([users["tech1"]], cid, start=now + timedelta(hours=4), event_type_id=FORM, status="confirmed", equipment_id=new)
    return {"visit": visit, "fresh": fresh}


def test_the_equipment_record_wins_and_the_previous_visit_is_the_same_equipments(client, auth, boilers):
    auth.login("tech1")
    pre = _pulled(client, boilers["visit"])["prefill"][FORM]
    data, sources = pre["data"], pre["sources"]
    # the equipment's record: its brand matched to the form's choice by label, its fuel by value
    assert data["marque"] == "saunier_duval" and sources["/marque"] == "equipment.brand"
    assert data["numero_serie"] == "SD-2024-0001" and sources["/numero_serie"] == "equipment.serial_number"
    assert data["modele"] == "ThemaPlus Condens F25" and data["energie"] == "propane"
    assert data["puissance_nominale_kw"] == LAST_YEAR["puissance_nominale_kw"] and data["annee_installation"] == 2016 and sources["/annee_installation"] == "equipment.installed_year"
    # the previous visit to the same boiler, not the later ones to the other boiler or to none
    assert data["type_evacuation"] == "cheminee_type_b" and sources["/type_evacuation"] == "previous"


def test_a_boiler_without_history_falls_back_on_the_clients_visits_to_no_boiler(client, auth, boilers):
    auth.login("tech1")
    pre = _pulled(client, boilers["fresh"])["prefill"][FORM]
    assert pre["data"]["marque"] == "frisquet" and pre["sources"]["/marque"] == "equipment.brand"
    assert pre["data"]["type_evacuation"] == "vmc_gaz"  # the visit to no boiler in particular, not the other boiler's
    assert pre["data"]["numero_serie"] == LAST_YEAR["numero_serie"] and pre["sources"]["/numero_serie"] == "previous"


def test_the_server_page_names_the_source_of_each_value(client, auth, boilers):
    auth.login("office")
    root = _page(client, boilers["visit"])
    assert root.get_element_by_id("ff-numero_serie-prefill").text_content().startswith("Prérempli depuis la fiche de l'équipement")
    assert root.get_element_by_id("ff-type_evacuation-prefill").text_content().startswith("Prérempli depuis la visite précédente")
