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
    assert {e.message for e in exc.value.errors if e.pointer == "/warranty_until"} == {"The warranty cannot end before the installation."}


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
