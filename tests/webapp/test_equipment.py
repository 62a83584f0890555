"""The clients' equipment (issue 15): the services that create, edit and read it, its
audit trail (who, old -> new) and who may do what."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import AuditLog, Equipment
from webapp.services import equipment as equipment_svc
from webapp.services.errors import Conflict, Forbidden, InvalidRecord, NotFound

from tests.workflow_helpers import acting

STOVE = {
    "kind": "poele_granules", "brand": "MCZ", "model": "Ego 2.0", "serial_number": "MCZ-EGO-1187", "installed_on": "2021-10-05",
    "warranty_until": "2023-10-05", "fuel": "granules", "notes": "Accès par le garage",
    "fields": {"puissance_kw": 8, "emplacement": "Salon", "contrat_entretien": True, "numero_contrat": "CT-118"},
}


def audit_rows(equipment_id: int) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "equipment", AuditLog.entity_id == str(equipment_id)).order_by(AuditLog.id)))


def test_create_then_update_is_audited_old_to_new(app, users, factory):
    cid = factory.client("Cotillon Marie")
    with acting(app, users["office"]) as office:
        eq = equipment_svc.create_equipment(office, cid, STOVE)
        eq_id = eq.id
        assert (eq.kind, eq.installed_on, eq.fields["puissance_kw"], eq.version) == ("poele_granules", date(2021, 10, 5), 8, 1)
        changed = {**STOVE, "serial_number": "MCZ-EGO-1188", "fields": {"puissance_kw": 9, "emplacement": "Salon"}}
        equipment_svc.update_equipment(office, eq_id, changed, expected_version=1)
    with app.app_context():
        eq = db.session.get(Equipment, eq_id)
        assert eq.serial_number == "MCZ-EGO-1188" and eq.fields == {"puissance_kw": 9, "emplacement": "Salon"} and eq.version == 2
        created, updated = audit_rows(eq_id)
        assert created.action == "create" and created.user_id == users["office"]
        assert created.details["changes"]["installed_on"] == [None, "2021-10-05"] and created.details["source"] == "web"
        assert updated.action == "update" and updated.details["changes"] == {
            "serial_number": ["MCZ-EGO-1187", "MCZ-EGO-1188"], "puissance_kw": [8, 9], "contrat_entretien": [True, None], "numero_contrat": ["CT-118", None],
        }


def test_an_update_that_changes_nothing_writes_no_audit_row(app, users, factory):
    cid = factory.client()
    with acting(app, users["office"]) as office:
        eq_id = equipment_svc.create_equipment(office, cid, STOVE).id
        equipment_svc.update_equipment(office, eq_id, STOVE)
        assert len(audit_rows(eq_id)) == 1 and db.session.get(Equipment, eq_id).version == 1


def test_every_fault_is_refused_at_once_by_pointer(app, users, factory):
    cid = factory.client()
    bad = {**STOVE, "kind": "soufflerie", "fuel": "charbon", "installed_on": "2021-13-01", "warranty_until": "2020-01-01",
           "fields": {"puissance_kw": "huit", "inconnu": 1}}
    with acting(app, users["office"]) as office:
        with pytest.raises(InvalidRecord) as exc:
            equipment_svc.create_equipment(office, cid, bad, lang="en")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Equipment)) == 0
    assert sorted(e.pointer for e in exc.value.errors) == ["/fields/inconnu", "/fields/puissance_kw", "/fuel", "/installed_on", "/kind"]
    with acting(app, users["office"]) as office:
        with pytest.raises(InvalidRecord) as exc:
            equipment_svc.create_equipment(office, cid, {**bad, "installed_on": "2021-01-01", "fields": "x"}, lang="en")
    assert sorted(e.pointer for e in exc.value.errors) == ["/fields", "/fuel", "/kind", "/warranty_until"]
    # marshmallow's messages are in the request's language (French here), the engine's in ``lang``
    assert {e.message for e in exc.value.errors if e.pointer == "/warranty_until"} == {"La garantie ne peut pas finir avant l'installation."}


def test_the_api_error_shape_of_a_refused_record(app, users, factory):
    from webapp.errors import describe

    cid = factory.client()
    with acting(app, users["office"]) as office:
        with pytest.raises(InvalidRecord) as exc:
            equipment_svc.create_equipment(office, cid, {**STOVE, "fields": {"puissance_kw": -3}}, lang="fr")
        status, body = describe(exc.value)
    assert status == 422 and body["code"] == "invalid" and body["pointer"] == "/fields/puissance_kw"
    assert body["errors"][0]["keyword"] == "minimum"


def test_a_stale_edit_is_a_conflict(app, users, factory):
    cid = factory.client()
    with acting(app, users["office"]) as office:
        eq_id = equipment_svc.create_equipment(office, cid, STOVE).id
        equipment_svc.update_equipment(office, eq_id, {**STOVE, "brand": "Palazzetti"}, expected_version=1)
        with pytest.raises(Conflict):
            equipment_svc.update_equipment(office, eq_id, {**STOVE, "brand": "Jotul"}, expected_version=1)
        assert db.session.get(Equipment, eq_id).brand == "Palazzetti"


def test_technicians_do_not_edit_and_see_only_the_equipment_of_their_interventions(app, users, factory):
    cid = factory.client()
    mine = factory.equipment(cid, serial_number="A-1")
    other = factory.equipment(cid, kind="chaudiere_gaz")
    factory.intervention([users["tech1"]], cid, equipment_id=mine)
    factory.intervention([users["tech2"]], cid, equipment_id=other)
    with acting(app, users["tech1"]) as tech:
        with pytest.raises(Forbidden):
            equipment_svc.create_equipment(tech, cid, STOVE)
        with pytest.raises(Forbidden):
            equipment_svc.update_equipment(tech, mine, STOVE)
        assert equipment_svc.get_equipment(tech, mine).serial_number == "A-1"
        with pytest.raises(NotFound):
            equipment_svc.get_equipment(tech, other)
        assert [e.id for e in equipment_svc.client_equipment(tech, cid)] == [mine]
    with acting(app, users["manager"]) as manager:
        assert {e.id for e in equipment_svc.client_equipment(manager, cid)} == {mine, other}
        equipment_svc.update_equipment(manager, other, {**STOVE, "kind": "chaudiere_gaz", "fuel": "gaz_naturel"})


def test_equipment_of_an_unknown_client_or_id(app, users):
    with acting(app, users["office"]) as office:
        with pytest.raises(NotFound):
            equipment_svc.create_equipment(office, 999999, STOVE)
        with pytest.raises(NotFound):
            equipment_svc.get_equipment(office, 999999)


# --- answers that update the equipment (event type's equipment_updates) ------------------------


def _boiler_visit(app, users, factory, **eq):
    """A gas boiler and an in-progress maintenance of it by tech1, its forms filled."""
    from tests.workflow_helpers import complete_answers, fill

    cid = factory.client("Goldmann Jean-Jacques")
    eq_id = factory.equipment(cid, kind="chaudiere_gaz", brand="Saunier Duval", model="ThemaPlus", serial_number="OLD-0001", fields={"puissance_kw": 20}, **eq)
    iv = factory.intervention([users["tech1"]], cid, event_type_id="entretien-chaudiere", status="in_progress", equipment_id=eq_id)
    answers = complete_answers(app, iv, ["entretien-chaudiere", "photos-signatures"], with_files=False)
    fill(app, users["tech1"], iv, answers)
    return eq_id, iv, answers


def _equipment(app, eq_id) -> Equipment:
    with app.app_context():
        eq = db.session.get(Equipment, eq_id)
        db.session.expunge(eq)
        return eq


def test_done_updates_the_equipment_from_the_answers_audited(app, users, factory):
    from webapp.services import workflow

    eq_id, iv, _answers = _boiler_visit(app, users, factory)
    assert _equipment(app, eq_id).serial_number == "OLD-0001"  # answers saved before Done change nothing
    with acting(app, users["tech1"]) as tech:
        workflow.finish_intervention(tech, iv, duration_minutes=55, source="device")
    eq = _equipment(app, eq_id)
    assert (eq.serial_number, eq.model, eq.fields["puissance_kw"], eq.next_maintenance_on) == ("21184500100256", "ThemaPlus Condens F25", 24.7, date(2027, 11, 15))
    assert eq.brand == "Saunier Duval"  # not mapped: left alone
    with app.app_context():
        (row,) = [r for r in audit_rows(eq_id) if r.action == "update_from_answers"]
        assert row.user_id == users["tech1"] and row.details["intervention_id"] == iv and row.details["source"] == "device"
        assert row.details["changes"] == {
            "serial_number": ["OLD-0001", "21184500100256"], "model": ["ThemaPlus", "ThemaPlus Condens F25"],
            "puissance_kw": [20, 24.7], "next_maintenance_on": [None, "2027-11-15"],
        }
        assert row.details["sources"]["next_maintenance_on"] == "entretien-chaudiere#/date_prochaine_visite"


def test_a_correction_after_done_updates_what_it_changed(app, users, factory):
    from webapp.services import save_submission, workflow

    eq_id, iv, answers = _boiler_visit(app, users, factory)
    with acting(app, users["tech1"]) as tech:
        workflow.finish_intervention(tech, iv, duration_minutes=55)
    with acting(app, users["office"]) as office:  # the office fixes the model by hand meanwhile
        eq = equipment_svc.get_equipment(office, eq_id)
        equipment_svc.update_equipment(office, eq_id, {"kind": eq.kind, "brand": eq.brand, "model": "ThemaPlus Condens F25 (2019)", "serial_number": eq.serial_number,
                                                       "next_maintenance_on": eq.next_maintenance_on.isoformat(), "fields": eq.fields})
        corrected = {**answers["entretien-chaudiere"], "numero_serie": "21184500100999"}
        save_submission(office, iv, "entretien-chaudiere", corrected)
    eq = _equipment(app, eq_id)
    assert eq.serial_number == "21184500100999" and eq.model == "ThemaPlus Condens F25 (2019)"  # the office's model stays
    with app.app_context():
        last = audit_rows(eq_id)[-1]
        assert (last.action, last.user_id, last.details["intervention_id"]) == ("update_from_answers", users["office"], iv)
        assert last.details["changes"] == {"serial_number": ["21184500100256", "21184500100999"]}
    with acting(app, users["office"]) as office:  # saving the same answers again changes nothing
        save_submission(office, iv, "entretien-chaudiere", corrected)
    with app.app_context():
        assert audit_rows(eq_id)[-1].id == last.id


def test_no_update_before_done_nor_without_equipment_nor_from_a_refused_correction(app, users, factory):
    from webapp.services import save_submission, workflow
    from webapp.services.errors import Forbidden as Refused

    eq_id, iv, answers = _boiler_visit(app, users, factory)
    with acting(app, users["tech1"]) as tech:
        save_submission(tech, iv, "entretien-chaudiere", {**answers["entretien-chaudiere"], "numero_serie": "BEFORE-DONE"})
    assert _equipment(app, eq_id).serial_number == "OLD-0001"
    with acting(app, users["tech1"]) as tech:
        workflow.finish_intervention(tech, iv, duration_minutes=55)
        # done: the technician may not change the answers any more (edit_after_done), so nor the equipment
        with pytest.raises(Refused):
            save_submission(tech, iv, "entretien-chaudiere", {**answers["entretien-chaudiere"], "numero_serie": "TECH-AFTER"})
    assert _equipment(app, eq_id).serial_number == "BEFORE-DONE"
    # an intervention that targets no equipment updates none
    other = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="in_progress")
    from tests.workflow_helpers import complete_answers, fill

    fill(app, users["tech1"], other, complete_answers(app, other, ["entretien-chaudiere", "photos-signatures"], with_files=False))
    with acting(app, users["tech1"]) as tech:
        workflow.finish_intervention(tech, other, duration_minutes=30)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "update_from_answers")) == 1


def test_an_empty_answer_or_one_the_equipment_refuses_changes_nothing(app, users, factory):
    from webapp.services import save_submission, workflow
    from webapp.services.equipment import _accepted

    eq_id, iv, answers = _boiler_visit(app, users, factory, next_maintenance_on=date(2027, 1, 1))
    data = {k: v for k, v in answers["entretien-chaudiere"].items() if k != "date_prochaine_visite"}
    with acting(app, users["tech1"]) as tech:
        save_submission(tech, iv, "entretien-chaudiere", data)
        workflow.finish_intervention(tech, iv, duration_minutes=55)
        assert _accepted({"serial_number": "x" * 81, "puissance_kw": 5000, "model": "Ok", "next_maintenance_on": "2027-02-30"}, "fr") == {"model": "Ok"}
    eq = _equipment(app, eq_id)
    assert eq.next_maintenance_on == date(2027, 1, 1) and eq.serial_number == "21184500100256"


# --- the phone: the pull carries the targeted equipment ----------------------------------------


def test_the_pull_carries_the_targeted_equipment_and_resends_it_when_it_changes(app, client, auth, users, factory):
    from datetime import datetime, timedelta, timezone

    import jsonschema
    import yaml

    from tests.webapp.test_sync_api import ROOT
    from webapp.models import Intervention

    cid = factory.client("Cotillon Marie")
    stove = factory.equipment(cid, brand="MCZ", model="Ego", serial_number="MCZ-1845-0072", fuel="granules", installed_on=date(2019, 10, 1),
                              next_maintenance_on=date(2031, 10, 15), fields={"puissance_kw": 8.5, "evacuation": "conduit", "emplacement": "Salon"})
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=3)
    with_eq = factory.intervention([users["tech1"]], cid, start=start, equipment_id=stove)
    without = factory.intervention([users["tech1"]], cid, start=start + timedelta(hours=2))
    auth.login("tech1")
    first = client.get("/api/v1/sync/pull", headers={"Accept-Language": "fr"}).get_json()
    by_id = {i["id"]: i for i in first["interventions"]}
    eq = by_id[with_eq]["equipment"]
    assert by_id[without]["equipment"] is None
    assert (eq["kind_label"], eq["brand"], eq["serial_number"], eq["fuel_label"], eq["next_maintenance_label"]) == ("Poêle à granulés", "MCZ", "MCZ-1845-0072", "Granulés", "15/10/2031")
    assert eq["details"] == [{"label": "Puissance nominale (kW)", "value": "8,5"}, {"label": "Emplacement", "value": "Salon"}, {"label": "Évacuation des fumées", "value": "Conduit de cheminée"}]
    schemas = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))["components"]["schemas"]
    jsonschema.Draft202012Validator({**schemas["Intervention"], "components": {"schemas": schemas}}).validate(by_id[with_eq])
    with app.app_context():  # both untouched for long; then the office edits the equipment
        for iv_id in (with_eq, without):
            db.session.get(Intervention, iv_id).updated_at = datetime.now(timezone.utc) - timedelta(minutes=10)
        db.session.get(Equipment, stove).updated_at = datetime.now(timezone.utc) - timedelta(minutes=10)
        db.session.commit()
    assert client.get(f"/api/v1/sync/pull?cursor={first['cursor']}").get_json()["interventions"] == []
    with app.app_context():
        db.session.get(Equipment, stove).serial_number = "MCZ-1845-0099"
        db.session.commit()
    again = client.get(f"/api/v1/sync/pull?cursor={first['cursor']}").get_json()
    assert [(i["id"], i["equipment"]["serial_number"]) for i in again["interventions"]] == [(with_eq, "MCZ-1845-0099")]
