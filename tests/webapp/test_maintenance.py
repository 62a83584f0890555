"""Maintenance due (issue 15, point 4): the due date of each piece of equipment, the back
office's list over a period, and planning the visits over the technicians' free slots
within working hours. The company's clock is moved to a named day: nothing depends on today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from engine import clock
from webapp.extensions import db
from webapp.models import Intervention
from webapp.services import agenda, maintenance

from tests.workflow_helpers import acting

#: Wednesday 3 March 2027, 10:00 in the company's zone.
NOW = datetime(2027, 3, 3, 10, 0, tzinfo=clock.company_tz())


@pytest.fixture(autouse=True)
def on_a_named_day():
    with clock.moved_to(NOW):
        yield


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.company_tz()).astimezone(clock.UTC)


def test_due_date_from_the_next_maintenance_noted_the_last_visit_or_the_installation(app, users, factory):
    cid = factory.client()
    noted = factory.equipment(cid, next_maintenance_on=date(2027, 4, 20), installed_on=date(2015, 1, 1))
    visited = factory.equipment(cid, kind="chaudiere_gaz", installed_on=date(2015, 1, 1))
    installed = factory.equipment(cid, installed_on=date(2026, 3, 31))
    unknown = factory.equipment(cid)
    factory.intervention([users["tech1"]], cid, start=at(date(2026, 3, 10), 9), event_type_id="entretien-chaudiere", status="done", equipment_id=visited)
    factory.intervention([users["tech1"]], cid, start=at(date(2026, 9, 1), 9), event_type_id="sav", status="done", equipment_id=visited)  # not a maintenance
    factory.intervention([users["tech1"]], cid, start=at(date(2026, 12, 1), 9), event_type_id="entretien-chaudiere", status="cancelled", equipment_id=visited)
    with acting(app, users["office"]) as office:
        dues = {d.equipment.id: d for d in maintenance.due_list(office, date(2027, 12, 31))}
    assert (dues[noted].due_on, dues[noted].basis) == (date(2027, 4, 20), "next_maintenance")
    assert (dues[visited].due_on, dues[visited].basis, dues[visited].last_visit) == (date(2027, 3, 10), "last_visit", date(2026, 3, 10))
    assert (dues[installed].due_on, dues[installed].basis) == (date(2027, 3, 31), "installation")
    assert (dues[unknown].due_on, dues[unknown].basis) == (date(2027, 3, 3), "unknown")
    # a maintenance done after the noted date: due again a year after it
    factory.intervention([users["tech1"]], cid, start=at(date(2027, 4, 25), 9), event_type_id="entretien-poele", status="done", equipment_id=noted)
    with acting(app, users["office"]) as office:
        d = maintenance.due_of(db.session.get(maintenance.Equipment, noted))
    assert (d.due_on, d.basis) == (date(2028, 4, 25), "last_visit")


def test_the_list_over_a_period_with_overdue_planned_retired_and_kinds_without_maintenance(app, users, factory):
    cid = factory.client("Le Goff Annick", phone="02 99 00 11 22", email="annick@example.fr")
    late = factory.equipment(cid, next_maintenance_on=date(2027, 1, 15))
    next_month = factory.equipment(cid, kind="chaudiere_gaz", next_maintenance_on=date(2027, 4, 12))
    far = factory.equipment(cid, next_maintenance_on=date(2027, 9, 1))
    factory.equipment(cid, next_maintenance_on=date(2027, 1, 1), retired_on=date(2026, 12, 1))
    factory.equipment(cid, kind="chauffe_eau", installed_on=date(2000, 1, 1))  # no periodic maintenance
    planned = factory.equipment(cid, next_maintenance_on=date(2027, 4, 2))
    visit = factory.intervention([users["tech2"]], cid, start=at(date(2027, 3, 30), 14), equipment_id=planned)
    with acting(app, users["office"]) as office:
        rows = maintenance.due_list(office, date(2027, 4, 30), since=date(2027, 4, 1))
        assert [d.equipment.id for d in rows] == [late, planned, next_month]
        assert rows[0].overdue and not rows[2].overdue and rows[1].planned.id == visit
        assert [d.equipment.id for d in maintenance.due_list(office, date(2027, 4, 30), since=date(2027, 4, 1), overdue=False)] == [planned, next_month]
        assert [d.equipment.id for d in maintenance.due_list(office, date(2027, 4, 30), kinds=["chaudiere_gaz"])] == [next_month]
        assert far not in [d.equipment.id for d in rows]


def test_the_page_lists_due_equipment_with_the_clients_contact(app, client, auth, users, factory):
    cid = factory.client("Le Goff Annick", phone="02 99 00 11 22", email="annick@example.fr")
    late = factory.equipment(cid, brand="MCZ", model="Ego", next_maintenance_on=date(2027, 2, 1))
    soon = factory.equipment(cid, kind="chaudiere_gaz", next_maintenance_on=date(2027, 4, 12))
    auth.login("office")
    html = unescape(client.get("/equipment/due").get_data(as_text=True))  # default: up to the end of next month
    assert 'value="2027-03-03"' in html and 'value="2027-04-30"' in html
    assert "Le Goff Annick" in html and "02 99 00 11 22" in html and "annick@example.fr" in html
    assert html.index(f'name="equipment_id" value="{late}"') < html.index(f'name="equipment_id" value="{soon}"')
    assert '<tr class="late">' in html and "En retard" in html and "MCZ Ego" in html
    html = unescape(client.get("/equipment/due?from=2027-05-01&to=2027-05-31&overdue=0").get_data(as_text=True))
    assert "Aucun entretien à prévoir sur cette période." in html


def test_free_slots_within_working_hours_around_what_is_planned():
    hours = agenda.WorkingHours.parse("08:00-12:00,13:30-17:30")
    thursday = date(2027, 3, 4)
    busy = [(at(thursday, 8), at(thursday, 10, 10)), (at(thursday, 13, 30), at(thursday, 17))]
    assert [clock.local(s).strftime("%H:%M") for s in agenda.free_slots(busy, thursday, 90, hours)] == ["10:15"]
    assert [clock.local(s).strftime("%H:%M") for s in agenda.free_slots(busy, thursday, 30, hours)] == ["10:15", "17:00"]
    assert list(agenda.free_slots([], date(2027, 3, 6), 60, hours)) == []  # Saturday
    assert agenda.WorkingHours.parse("nonsense, 09:00-08:00").periods == ()


def test_propose_spreads_the_visits_over_the_technicians_free_slots(app, users, factory):
    cid = factory.client()
    stoves = [factory.equipment(cid, next_maintenance_on=date(2027, 3, 1) + timedelta(days=i)) for i in range(3)]
    boiler = factory.equipment(cid, kind="chaudiere_gaz", next_maintenance_on=date(2027, 6, 30))
    thursday = date(2027, 3, 4)
    factory.intervention([users["tech1"]], cid, start=at(thursday, 8), minutes=4 * 60)  # tech1's Thursday morning is taken
    with acting(app, users["office"]) as office:
        proposals = maintenance.propose(office, stoves + [boiler])
    got = [(p.due.equipment.id, p.technician_id, clock.local(p.start_at)) for p in proposals]
    assert [g[0] for g in got] == stoves + [boiler]  # most overdue first
    assert got[0][1:] == (users["tech2"], at(thursday, 8).astimezone(clock.company_tz()))  # tomorrow, tech2 is free at 8:00
    assert got[1][1:] == (users["tech1"], at(thursday, 13, 30).astimezone(clock.company_tz()))  # tech1 after lunch: the fewest visits so far
    assert got[2][1] == users["tech2"] and clock.local(got[2][2]).date() == thursday
    assert clock.local(got[3][2]).date() >= date(2027, 5, 31)  # not planned months before it is due
    assert all(p.minutes == 90 for p in proposals[:3]) and proposals[3].event_type.id == "entretien-chaudiere"
    for p in proposals:
        assert p.start_at.astimezone(clock.company_tz()).weekday() < 5


def test_plan_from_the_list_then_confirm_creates_the_visits_on_the_equipment(app, client, auth, users, factory):
    cid = factory.client("Cotillon Marie")
    a = factory.equipment(cid, next_maintenance_on=date(2027, 2, 1))
    b = factory.equipment(cid, kind="chaudiere_fioul", next_maintenance_on=date(2027, 3, 20))
    auth.login("office")
    html = unescape(client.post("/equipment/due/plan", data={"equipment_id": [str(a), str(b)]}).get_data(as_text=True))
    assert "Planifier les visites" in html and html.count('name="start_at"') == 2 and "Planifier ces 2 visites" in html
    rows = {"equipment_id": [str(a), str(b)], "uuid": ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"],
            "event_type_id": ["entretien-poele", "entretien-chaudiere"], "technician_id": [str(users["tech1"]), ""],
            "start_at": ["2027-03-05T09:00", "2027-03-05T14:00"], "minutes": ["90", "60"]}
    refused = client.post("/equipment/due/confirm", data=rows)
    assert refused.status_code == 422 and "Rien n'a été planifié" in unescape(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Intervention)) == 0
    rows["technician_id"][1] = str(users["tech2"])  # the clerk picks a technician for the second
    done = client.post("/equipment/due/confirm", data=rows)
    assert done.status_code == 302 and "date=2027-03-05" in done.headers["Location"]
    assert client.post("/equipment/due/confirm", data=rows).status_code == 302  # a double submission plans nothing twice
    with app.app_context():
        ivs = list(db.session.scalars(sa.select(Intervention).order_by(Intervention.start_at)))
        assert [(iv.equipment_id, iv.event_type_id, iv.client_id) for iv in ivs] == [(a, "entretien-poele", cid), (b, "entretien-chaudiere", cid)]
        assert clock.local(ivs[0].start_at).strftime("%H:%M") == "09:00" and ivs[0].duration_minutes == 90
    listed = unescape(client.get("/equipment/due?to=2027-03-31").get_data(as_text=True))
    assert f'name="equipment_id" value="{a}"' not in listed and "05/03/2027" in listed  # planned now: shown with its date, no box


def test_only_the_back_office_plans(app, client, auth, users, factory):
    eq = factory.equipment(factory.client(), next_maintenance_on=date(2027, 2, 1))
    auth.login("tech1")
    assert client.post("/equipment/due/plan", data={"equipment_id": str(eq)}).status_code == 403
    assert client.post("/equipment/due/confirm", data={"equipment_id": str(eq)}).status_code == 403
