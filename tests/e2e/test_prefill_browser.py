"""Prefilled forms in real headless Chromium (issue 15, "Must show"): the phone, offline,
opens a boiler's maintenance form prefilled from the boiler's record, the previous visit and
the client's record; the technician changes the serial number and confirms another field;
the marks survive a reload offline, and once online the server has the answers and the
audit names what was saved unconfirmed. The back office's page shows the same marks.

The server's clock (and so the phone's) is the day of ``test_offline_client``'s module.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from .test_offline_client import SCREENS, ctx, example, fill_fields, fill_photos_signatures, form_state, offline_phone, office_page, open_form, open_iv, photos, save_form, server, wait_synced  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

FORM = "entretien-chaudiere"
LAST_YEAR = {**example(FORM), "type_evacuation": "cheminee_type_b", "numero_serie": "SD-2016-0412", "qualite_occupant": "locataire"}


@pytest.fixture(scope="module")
def boiler(server):
    """The first client's gas boiler, visited a year ago (answers kept), to be visited today
    by tech1 (``prefill``) and tomorrow by tech1 again (``prefill_office``, for the back office)."""
    from engine.clock import UTC, local_midnight, today
    from webapp.models import Client, Equipment, Intervention, Submission, User
    from webapp.registry import get_registry

    def add(s):
        tech = s.scalar(sa.select(User).where(User.username == "tech1"))
        client = s.scalar(sa.select(Client).order_by(Client.id).limit(1))
        eq = Equipment(client_id=client.id, kind="chaudiere_gaz", brand="Saunier Duval", model="ThemaPlus Condens F25", serial_number="SD-2016-0412",
                       installed_on=date(2016, 10, 4), fuel="gaz_naturel", fields={"puissance_kw": 24.7})
        s.add(eq)
        s.flush()
        day = local_midnight(today())
        made = {}
        for key, start, status in (("last_year", day - timedelta(days=365) + timedelta(hours=10), "done"), ("prefill", day + timedelta(hours=20), "confirmed"),
                                   ("prefill_office", day + timedelta(days=1, hours=7), "confirmed")):
            iv = Intervention(event_type_id=FORM, title=f"{client.name} {key}", client=client, start_at=start.astimezone(UTC), end_at=(start + timedelta(minutes=60)).astimezone(UTC),
                              status=status, technicians=[tech], equipment_id=eq.id)
            s.add(iv)
            s.flush()
            made[key] = iv
        s.add(Submission(intervention_id=made["last_year"].id, form_id=FORM, form_version_id=get_registry().current_version(FORM).id, data=LAST_YEAR))
        s.commit()
        return {k: (iv.id, iv.uuid) for k, iv in made.items()}, client.name, eq.id

    made, client_name, eq_id = server.query(add)
    for key, (iv_id, uuid) in made.items():
        server.ids[key], server.uuids[key] = iv_id, uuid
    return {"client": client_name, "equipment": eq_id}


def marked(page) -> list[str]:
    return page.evaluate("""async () => {
      const { prefilledPointers } = await import('/static/ff/form.js');
      return prefilledPointers(document.querySelector('form[data-ff-form]'));
    }""")


def badge(page, field: str) -> str:
    return page.inner_text(f'[data-ff-field="{field}"] > [data-ff-prefill-note] .ff-prefill-badge')


def test_the_phone_offline_opens_a_maintenance_form_prefilled_from_the_equipment_and_the_previous_visit(ctx, server, boiler, photos):
    from webapp.models import AuditLog, Equipment, Submission

    context, page = offline_phone(ctx)
    open_iv(page, server, "prefill")
    open_form(page, FORM)
    # from the boiler's record, the previous visit to it, the client's record, the intervention
    assert page.input_value('[name="numero_serie"]') == "SD-2016-0412"
    assert page.input_value('[name="modele"]') == "ThemaPlus Condens F25"
    assert page.input_value('[name="marque"]') == "saunier_duval" and page.input_value('[name="energie"]') == "gaz_naturel"
    assert page.input_value('[name="puissance_nominale_kw"]') == "24.7" and page.input_value('[name="annee_installation"]') == "2016"
    assert page.input_value('[name="type_evacuation"]') == "cheminee_type_b"
    assert page.input_value('[name="nom_occupant"]') == boiler["client"]
    assert page.is_checked('[name="qualite_occupant"][value="locataire"]')
    assert page.input_value('[name="co_fumees_ppm"]') == ""  # last year's measures are not carried over
    unconfirmed = marked(page)
    assert {"/numero_serie", "/modele", "/type_evacuation", "/nom_occupant", "/date_visite", "/qualite_occupant"} <= set(unconfirmed)
    assert badge(page, "numero_serie") == "Prérempli depuis la fiche de l'équipement"
    assert badge(page, "type_evacuation") == "Prérempli depuis la visite précédente"
    assert badge(page, "nom_occupant") == "Prérempli depuis la fiche client"
    assert page.get_attribute('[name="nom_occupant"]', "aria-describedby").split()[-1] == "ff-nom_occupant-prefill"
    page.locator('[data-ff-field="numero_serie"]').scroll_into_view_if_needed()
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "prefill-phone-360.png"))
    # the technician reads another serial number on the plate, and confirms the model
    page.fill('[name="numero_serie"]', "SD-2016-0999")
    page.click('[data-ff-field="modele"] [data-ff-confirm]')
    assert page.is_hidden('[data-ff-field="numero_serie"] > [data-ff-prefill-note]') and page.is_hidden('[data-ff-field="modele"] > [data-ff-prefill-note]')
    assert page.evaluate("document.activeElement.name") == "modele"
    left = sorted(set(unconfirmed) - {"/numero_serie", "/modele"})
    page.clock.run_for(300)  # the draft is kept a moment after the last change
    [draft] = page.evaluate("() => import('/static/m/store.js').then((s) => s.all('drafts'))")
    assert draft["data"]["numero_serie"] == "SD-2016-0999" and draft["prefilled"] == left, page._ff_errors
    page.screenshot(path=str(SCREENS / "prefill-phone-changed-360.png"))
    # still offline, the app reloaded: the draft keeps the answers and what is unconfirmed
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.wait_for_selector("form[data-ff-form][data-ff-ready]")
    assert page.input_value('[name="numero_serie"]') == "SD-2016-0999" and marked(page) == left
    # the rest of the visit, then saved offline
    answers = {**form_state(page), **{k: v for k, v in example(FORM).items() if k not in LAST_YEAR or k.startswith(("co", "operations", "rendement", "conseils", "interet", "analyse", "controle", "pression", "temperature", "indice", "evaluation"))}}
    answers["numero_serie"] = "SD-2016-0999"
    fill_fields(page, answers)
    save_form(page)
    assert "en attente" in page.inner_text("#net")
    context.set_offline(False)
    wait_synced(page, 30_000)

    def saved(s):
        sub = s.scalar(sa.select(Submission).where(Submission.intervention_id == server.ids["prefill"], Submission.form_id == FORM))
        row = s.scalar(sa.select(AuditLog).where(AuditLog.entity_id == str(server.ids["prefill"]), AuditLog.action == "answers_create"))
        return sub.data, row.details

    data, details = server.query(saved)
    assert data["numero_serie"] == "SD-2016-0999" and data["modele"] == "ThemaPlus Condens F25" and data["nom_occupant"] == boiler["client"]
    assert details["source"] == "device" and details["prefilled"] == left
    assert server.query(lambda s: s.get(Equipment, boiler["equipment"]).serial_number) == "SD-2016-0412"  # not done yet: the record stays
    # the visit goes on and is finished on the phone: the boiler's record takes the plate's serial number
    page.goto("/m/#/")
    open_iv(page, server, "prefill")
    page.click("button[data-action=start]")
    page.wait_for_selector("button[data-action=finish]")
    open_form(page, "photos-signatures")
    fill_photos_signatures(page, photos)
    save_form(page)
    page.click("button[data-action=finish]")
    page.wait_for_selector("dialog[open]")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("dialog select[name=duration_h]")
    page.select_option("dialog select[name=duration_h]", "1")
    page.click("dialog button[value=ok]")
    page.wait_for_function("() => document.querySelector('.banner').textContent.includes('Réalisé')")
    wait_synced(page, 30_000)
    assert server.query(lambda s: s.get(Equipment, boiler["equipment"]).serial_number) == "SD-2016-0999"
    office = office_page(ctx)
    office.goto(f"/equipment/{boiler['equipment']}")
    assert "SD-2016-0999" in office.inner_text("main") and "SD-2016-0412" in office.inner_text("main")  # the new one, and the change old -> new
    assert not page._ff_errors


def test_the_back_office_page_shows_the_prefilled_fields_until_confirmed(ctx, server, boiler):
    page = office_page(lambda: ctx(viewport={"width": 1280, "height": 900}))
    page.goto(f"/interventions/{server.ids['prefill_office']}/forms/{FORM}/edit")
    page.wait_for_selector("form[data-ff-form][data-ff-ready]")
    shown = json.loads(page.input_value('input[name=":prefilled"]'))
    assert "/numero_serie" in shown and "/nom_occupant" in shown
    assert page.locator(".ff-prefilled").count() == len(shown)
    page.locator('[data-ff-field="marque"]').scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENS / "prefill-office-1280.png"))
    page.click('[data-ff-field="nom_occupant"] [data-ff-confirm]')
    page.fill('[name="modele"]', "ThemaPlus Condens F30")
    assert json.loads(page.input_value('input[name=":prefilled"]')) == [p for p in shown if p not in ("/nom_occupant", "/modele")]
    assert page.locator(".ff-prefilled").count() == len(shown) - 2
    assert not page._ff_errors
