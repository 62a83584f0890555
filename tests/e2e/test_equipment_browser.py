"""The maintenance-due list to planned visits, in real headless Chromium as an office clerk
does it (issue 15): the list over a period with the overdue in red and the clients'
contacts, ticking the equipment, the proposal spread over the technicians' free slots, a
row changed by hand, the confirmation, and the equipment page showing the planned visit in
its history. The intervention form offers the chosen client's equipment (JSON API). Each
screen is saved under ``FIELDFORMS_SCREENS`` (``/tmp/fieldforms-screens``) and looked at.

The app and the pages live on Wednesday 3 March 2027 from 08:40 in Paris, whatever the day
the test runs on; no page may log a JavaScript or console error.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tests.e2e.live import browser_context, migrated_app, serving, watch

pytestmark = pytest.mark.e2e

START = datetime(2027, 3, 3, 7, 40, tzinfo=timezone.utc)  # Wednesday 08:40 in Paris
PASSWORD = "office-pass-1"
SCREENS = Path(os.environ.get("FIELDFORMS_SCREENS", "/tmp/fieldforms-screens"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from engine import clock

    with clock.moved_to(START):
        app = migrated_app(tmp_path_factory.mktemp("equipment"))
        ids = _seed(app)
        with serving(app) as live:
            live.ids = ids
            yield live


def _seed(app) -> dict:
    from engine import clock
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Equipment, Intervention, User

    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=clock.company_tz()).astimezone(clock.UTC)

    with app.app_context():
        users = {u: User(username=u, display_name=n, role=r, password_hash=hash_password(PASSWORD), active=True)
                 for u, n, r in (("office", "Sophie Martin", "office"), ("tech1", "Pierre Paul Jacques", "technician"), ("tech2", "Yann Le Bihan", "technician"))}
        marie = Client(name="Cotillon Marie", address="68 rue des Petits Champs", postcode="35510", city="Cesson-Sévigné", phone="02 99 12 34 56", email="marie.cotillon@example.fr")
        jj = Client(name="Goldmann Jean-Jacques", address="12 rue de Saint-Malo", postcode="35000", city="Rennes", phone="02 99 65 43 21", email="jj@example.fr")
        annick = Client(name="Le Goff Annick", address="4 allée des Tilleuls", postcode="35760", city="Saint-Grégoire", phone="02 99 11 22 33")
        db.session.add_all([*users.values(), marie, jj, annick])
        db.session.flush()
        stove = Equipment(client_id=marie.id, kind="poele_granules", brand="MCZ", model="Ego 8 Comfort Air", serial_number="MCZ-1845-0072", fuel="granules",
                          installed_on=date(2019, 10, 1), next_maintenance_on=date(2027, 2, 10), fields={"puissance_kw": 8.2, "emplacement": "Salon", "evacuation": "conduit"})
        boiler = Equipment(client_id=jj.id, kind="chaudiere_gaz", brand="Saunier Duval", model="ThemaPlus Condens F25", serial_number="SD-2118-4500", fuel="gaz_naturel",
                           installed_on=date(2016, 4, 12), next_maintenance_on=date(2027, 4, 6), fields={"puissance_kw": 24.7, "evacuation": "ventouse"})
        insert = Equipment(client_id=annick.id, kind="insert_bois", brand="Jøtul", model="I 520 FRL", installed_on=date(2020, 11, 3), next_maintenance_on=date(2027, 4, 20), fields={})
        later = Equipment(client_id=annick.id, kind="chaudiere_fioul", brand="De Dietrich", model="GTU C 120", next_maintenance_on=date(2027, 9, 1), fields={})
        db.session.add_all([stove, boiler, insert, later])
        db.session.flush()
        # tech1's Thursday morning is taken: the first suggestion goes to tech2
        thursday = date(2027, 3, 4)
        db.session.add(Intervention(event_type_id="sav", title="Goldmann SAV", client_id=jj.id, start_at=at(thursday, 8), end_at=at(thursday, 12),
                                    status="confirmed", technicians=[users["tech1"]], tags=[]))
        db.session.commit()
        return {"stove": stove.id, "boiler": boiler.id, "insert": insert.id, "later": later.id, "marie": marie.id, "jj": jj.id,
                **{u: users[u].id for u in users}}


@pytest.fixture
def office_page(browser, server):
    context = browser_context(browser, server.url)
    page = watch(context.new_page())
    page.goto("/login")
    page.fill("#username", "office")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/agenda/**")
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"eq-{name}.png"), full_page=True)


def test_maintenance_due_to_planned_visits(office_page, server):
    from webapp.models import Intervention

    page, ids = office_page, server.ids
    page.click("nav.mainnav >> text=Entretiens")
    page.wait_for_url("**/equipment/due")
    rows = page.locator("table.due-list tbody tr")
    # up to the end of next month: the overdue stove first, then the boiler and the insert; not September's
    assert rows.count() == 3
    assert "Cotillon Marie" in rows.nth(0).inner_text() and "En retard" in rows.nth(0).inner_text()
    assert "late" in rows.nth(0).get_attribute("class") and rows.nth(0).locator(".badge.overdue").count() == 1
    assert "02 99 65 43 21" in rows.nth(1).inner_text() and "jj@example.fr" in rows.nth(1).inner_text()
    assert "De Dietrich" not in page.content()
    shot(page, "maintenance-due")

    page.check(f"input[name=equipment_id][value='{ids['stove']}']")
    page.check(f"input[name=equipment_id][value='{ids['boiler']}']")
    page.click("text=Planifier les visites cochées")
    page.wait_for_url("**/equipment/due/plan")
    plan = page.locator("table.plan-list tbody tr")
    assert plan.count() == 2
    techs = [plan.nth(i).locator("select[name=technician_id]").input_value() for i in range(2)]
    starts = [plan.nth(i).locator("input[name=start_at]").input_value() for i in range(2)]
    # the overdue stove tomorrow at 8:00 with tech2 (tech1 is busy); the boiler, due 6 April, from 7 March on
    assert (techs[0], starts[0]) == (str(ids["tech2"]), "2027-03-04T08:00")
    assert techs[1] and starts[1] >= "2027-03-07"
    assert plan.nth(0).locator("select[name=event_type_id]").input_value() == "entretien-poele"
    assert plan.nth(1).locator("select[name=event_type_id]").input_value() == "entretien-chaudiere"
    # the clerk moves the boiler's visit to tech1, on Tuesday 9 March at 14:00
    plan.nth(1).locator("select[name=technician_id]").select_option(str(ids["tech1"]))
    plan.nth(1).locator("input[name=start_at]").fill("2027-03-09T14:00")
    shot(page, "planning-proposal")
    page.click("button:has-text('Planifier ces 2 visites')")
    page.wait_for_url("**/agenda/week?date=2027-03-04")
    assert "2 visites planifiées." in page.content()

    planned = server.query(lambda s: [(iv.equipment_id, iv.event_type_id, [t.id for t in iv.technicians], iv.start_at) for iv in s.scalars(
        sa.select(Intervention).where(Intervention.equipment_id.is_not(None)).options(selectinload(Intervention.technicians)).order_by(Intervention.start_at))])
    from engine import clock

    assert [(e, t, techs_, clock.local(s).strftime("%Y-%m-%d %H:%M")) for e, t, techs_, s in planned] == [
        (ids["stove"], "entretien-poele", [ids["tech2"]], "2027-03-04 08:00"),
        (ids["boiler"], "entretien-chaudiere", [ids["tech1"]], "2027-03-09 14:00"),
    ]

    # the list now shows them as planned (no box), and the equipment page lists the visit
    page.goto("/equipment/due")
    assert page.locator(f"input[name=equipment_id][value='{ids['stove']}']").count() == 0
    page.goto(f"/equipment/{ids['boiler']}")
    assert "ThemaPlus Condens F25" in page.inner_text("h1")
    assert "SD-2118-4500" in page.inner_text(".equipment-facts")
    assert "24,7" in page.inner_text(".equipment-free") and "Ventouse" in page.inner_text(".equipment-free")
    history = page.locator("table.equipment-history tbody tr")
    assert history.count() == 1 and "Entretien chaudière" in history.nth(0).inner_text()
    assert "Visite planifiée" in page.inner_text(".next-maintenance")
    shot(page, "equipment-page")
    assert page.errors == []


def test_the_intervention_form_offers_the_chosen_clients_equipment(office_page, server):
    page, ids = office_page, server.ids
    page.goto("/interventions/new")
    options = page.locator("select[name=equipment_id] option")
    assert options.count() == 1  # no client yet: none in particular
    page.select_option("select[name=client_id]", str(ids["jj"]))
    page.wait_for_function("() => document.querySelectorAll('select[name=equipment_id] option').length === 2")
    assert "Chaudière gaz — Saunier Duval ThemaPlus Condens F25 (n° SD-2118-4500)" in options.nth(1).inner_text()
    page.select_option("select[name=client_id]", str(ids["marie"]))
    page.wait_for_function("() => [...document.querySelectorAll('select[name=equipment_id] option')].some((o) => o.textContent.includes('MCZ'))")
    assert options.count() == 2
    assert page.errors == []
