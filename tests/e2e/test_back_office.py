"""The back office driven in real headless Chromium as an office clerk and an account manager
do it (issue 13): each step by clicking what a person clicks, with a screenshot under
``FIELDFORMS_SCREENS`` (``/tmp/fieldforms-screens`` by default); and axe-core over every
back-office and phone page, in French and in English.

The app runs in a thread on a loopback port (:mod:`tests.e2e.live`), with a real SMTP server
(aiosmtpd) for the reports; its clock and every page's start on Wednesday 11 March 2026 at
08:40 in Paris and run on from there, whatever the day the tests run on. No page may log a
JavaScript or console error.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tests.e2e.live import browser_context, migrated_app, serving, watch
from tests.workflow_helpers import complete_answers, fill, smtp_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
E2E_START = datetime(2026, 3, 11, 7, 40, tzinfo=timezone.utc)
PASSWORD = "office-pass-1"
SCREENS = Path(os.environ.get("FIELDFORMS_SCREENS", "/tmp/fieldforms-screens"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: Enough clients that the intervention form chooses one by searching (CLIENT_SELECT_LIMIT).
MANY_CLIENTS = 320

CAST = (  # username, name, role
    ("manager", "Claire Dubois", "manager"), ("office", "Sophie Martin", "office"),
    ("tech1", "Pierre Paul Jacques", "technician"), ("tech2", "Yann Le Bihan", "technician"),
)


# --- the app ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as (store, port):
        yield store, port


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    """The app, its clock at E2E_START, mail through the test SMTP server, and a day of
    interventions in every status (``server.ids``)."""
    from engine import clock

    _store, port = smtp
    with clock.moved_to(E2E_START):
        app = migrated_app(tmp_path_factory.mktemp("back-office"), MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5,
                           MAIL_DEFAULT_SENDER="Un poêle à l'heure <rapports@poele-a-lheure.fr>", REDIS_URL=None,
                           REPORT_RETRY_INTERVALS=[0], INLINE_RETRY_MAX_WAIT=1)
        ids = _seed(app)
        with serving(app) as live:
            live.ids = ids
            yield live


def _seed(app) -> dict:
    from engine.clock import UTC, local_midnight, today
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Intervention, InterventionWork, User, utcnow

    ids: dict = {}
    with app.test_request_context():
        users = {u: User(username=u, display_name=n, role=r, password_hash=hash_password(PASSWORD), active=True) for u, n, r in CAST}
        db.session.add_all(users.values())
        marie = Client(name="Cotillon Marie", address="68 rue des Petits Champs", postcode="35510", city="Cesson-Sévigné", phone="02 99 12 34 56",
                       email="marie.cotillon@example.fr", lat=48.1211, lon=-1.6030)
        jj = Client(name="Goldmann Jean-Jacques", address="12 rue de Saint-Malo", postcode="35000", city="Rennes", phone="02 99 65 43 21", email="jj@example.fr")
        db.session.add_all([marie, jj])
        db.session.add_all(Client(name=f"Client {n:03d}", address=f"{n} avenue Janvier", postcode="35000", city="Rennes") for n in range(MANY_CLIENTS))
        day = local_midnight(today())
        plan = [  # key, type, hour, minutes, client, technician, status, closed
            ("planned", "entretien-poele", 9, 90, marie, "tech1", "planned", False),
            ("confirmed", "sav", 10, 120, jj, "tech2", "confirmed", False),
            ("in_progress", "installation", 13, 240, jj, "tech1", "in_progress", False),
            ("parts", "sav", 15, 60, marie, "tech2", "parts_ordered", False),
            ("done", "entretien-chaudiere", 8, 60, marie, "tech2", "done", False),
            ("closed", "entretien-chaudiere", 17, 60, jj, "tech1", "done", True),
            ("cancelled", "entretien-poele", 18, 60, jj, "tech2", "cancelled", False),
        ]
        for key, et, hour, minutes, client, tech, status, closed in plan:
            start = (day + timedelta(hours=hour)).astimezone(UTC)
            iv = Intervention(event_type_id=et, title=f"{client.name} {client.postcode} {et}", client=client, start_at=start,
                              end_at=start + timedelta(minutes=minutes), status=status, technicians=[users[tech]], tags=[])
            db.session.add(iv)
            db.session.flush()
            if closed:  # the lock is the work row's closed_at
                db.session.add(InterventionWork(intervention_id=iv.id, closed_at=utcnow(), closed_by_id=users["office"].id,
                                                closed_reason="Dossier complet"))
            ids[key] = iv.id
        db.session.commit()
        ids["uuids"] = {k: db.session.get(Intervention, ids[k]).uuid for k in list(ids)}
        ids.update({u.username: u.id for u in users.values()}, marie=marie.id, jj=jj.id)
    forms = {"done": ["entretien-chaudiere", "photos-signatures"], "closed": ["entretien-chaudiere", "photos-signatures"]}
    for key, form_ids in forms.items():
        fill(app, ids["office"], ids[key], complete_answers(app, ids[key], form_ids))
    return ids


@pytest.fixture
def ctx(browser, server):
    contexts = []

    def make(**kw):
        c = browser_context(browser, server.url, **kw)
        contexts.append(c)
        return c

    yield make
    for c in contexts:
        c.close()


def signed_in(ctx, username: str = "office", **kw):
    """A page of a new browser context, signed in as ``username`` from the login page."""
    page = watch(ctx(**kw).new_page())
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/agenda/**")
    return page


def shot(page, name: str, full_page: bool = True) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"bo-{name}.png"), full_page=full_page)


# --- accessibility ---------------------------------------------------------------------------


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE} (make assets)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # by URL, from the page's own origin: the app's CSP refuses inline scripts
        if not getattr(page, "_ff_axe_routed", False):
            page.route("**/__tests__/axe.min.js", lambda route: route.fulfill(status=200, content_type="text/javascript", body=AXE.read_text(encoding="utf-8")))
            page._ff_axe_routed = True
        page.add_script_tag(url="/__tests__/axe.min.js")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\n/g, ' '))}))")
    return [f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:6]) for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page) -> None:
    """axe-core finds nothing serious or critical on the page as it is now (after an action:
    a message shown, a table grown)."""
    found = axe_violations(page)
    assert not found, f"{page.url}:\n" + "\n".join(found)


def back_office_pages(ids: dict, day: str) -> list[tuple[str, str]]:
    """(who, path) of every back-office screen."""
    iv_pages = [f"/interventions/{ids[k]}" for k in ("planned", "confirmed", "in_progress", "parts", "done", "closed", "cancelled")]
    return [
        ("office", f"/agenda/day?date={day}"), ("office", f"/agenda/week?date={day}"), ("office", "/clients"), ("office", f"/clients/{ids['marie']}"),
        ("office", f"/clients/{ids['marie']}/edit"), ("office", "/clients/new"), ("office", "/interventions/new"),
        *[("office", p) for p in iv_pages],
        ("office", f"/interventions/{ids['planned']}/edit"),
        ("office", f"/interventions/{ids['done']}/forms/entretien-chaudiere"), ("office", f"/interventions/{ids['done']}/forms/entretien-chaudiere/edit"),
        ("office", f"/interventions/{ids['done']}/forms/photos-signatures"), ("office", f"/interventions/{ids['done']}/forms/photos-signatures/edit"),
        ("manager", "/admin/users"), ("manager", "/admin/users/new"), ("manager", f"/admin/users/{ids['tech1']}/edit"), ("manager", "/admin/forms"),
        ("tech1", f"/agenda/day?date={day}"), ("tech1", f"/agenda/week?date={day}"), ("tech1", "/account/calendar"), ("tech1", f"/interventions/{ids['planned']}"),
        ("office", f"/account/calendar?user={ids['tech2']}"), ("office", "/interventions/999999"), ("office", "/exports/"),
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_axe_finds_nothing_serious_on_any_back_office_page(ctx, server, lang):
    from engine import clock

    day = clock.today().isoformat()
    problems = []
    pages = {}
    for who, path in back_office_pages(server.ids, day):
        if who not in pages:
            pages[who] = signed_in(ctx, who, locale="en-GB" if lang == "en" else "fr-FR")
            pages[who].goto(f"/agenda/day?lang={lang}")
        page = pages[who]
        page.goto(path)
        page.wait_for_load_state("load")
        found = axe_violations(page)
        if found:
            problems.append(f"{who} {path}:\n  " + "\n  ".join(found))
    login = watch(ctx(locale="en-GB" if lang == "en" else "fr-FR").new_page())
    login.goto(f"/login?lang={lang}")
    problems += [f"/login: {v}" for v in axe_violations(login)]
    assert not problems, "\n".join(problems)
    errors = [e for p in [login, *pages.values()] for e in p.errors if "/interventions/999999" not in e]  # the 404 page's own status
    assert not errors, errors


def phone_signed_in(ctx, lang: str):
    """tech1's phone (360 px), signed in from the app's login page and synced, in ``lang``.
    (Opened at ``/m/`` before signing in, the app learns it must sign in from a 401 of the
    session call, which the browser logs as a console error: the phone's tests cover that.)"""
    page = watch(ctx(viewport={"width": 360, "height": 740}, locale="en-GB" if lang == "en" else "fr-FR").new_page())
    page.goto("/m/login")
    page.fill("#username", "tech1")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")
    page.wait_for_function("() => document.body.dataset.ready === '1' && document.getElementById('net').dataset.state === 'ok' && document.body.dataset.drawing === '0'")
    return page


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_axe_finds_nothing_serious_on_any_phone_page(ctx, server, lang):
    login = watch(ctx(viewport={"width": 360, "height": 740}, locale="en-GB" if lang == "en" else "fr-FR").new_page())
    login.goto("/m/login")
    problems = [f"/m/login: {v}" for v in axe_violations(login)]
    page = phone_signed_in(ctx, lang)
    uuid = server.ids["uuids"]["in_progress"]
    screens = [("list", "#/", ".card"), ("intervention", f"#/i/{uuid}", ".banner"), ("form", f"#/i/{uuid}/f/installation", "form[data-ff-form][data-ff-ready]"),
               ("photos form", f"#/i/{uuid}/f/photos-signatures", "form[data-ff-form][data-ff-ready]"),
               ("done intervention", f"#/i/{server.ids['uuids']['closed']}", ".banner")]
    for name, route, ready in screens:
        page.evaluate("(r) => { location.hash = r; }", route)
        page.wait_for_selector(ready)
        page.wait_for_function("() => document.body.dataset.drawing === '0'")
        problems += [f"{name} {route}: {v}" for v in axe_violations(page)]
        shot(page, f"phone-{name.replace(' ', '-')}-{lang}")
    assert not problems, "\n".join(problems)
    assert not page.errors and not login.errors, page.errors + login.errors


# --- an office clerk's day -------------------------------------------------------------------


def flash(page) -> str:
    return page.inner_text(".flashes")


def test_sign_in_plan_from_a_planning_slot_and_edit(ctx, server):
    from webapp.models import Intervention

    page = watch(ctx().new_page())
    page.goto("/")
    page.wait_for_url("**/login**")
    page.fill("#username", "office")
    page.fill("#password", PASSWORD)
    shot(page, "01-login")
    page.click("button[type=submit]")
    page.wait_for_url("**/agenda/**")
    page.click("nav.mainnav >> text=Jour")
    page.wait_for_selector(f"a.bar[href$='/interventions/{server.ids['in_progress']}']")
    shot(page, "01-day")
    page.click("nav.mainnav >> text=Planning")
    page.wait_for_url("**/agenda/week**")
    shot(page, "02-planning")
    # tomorrow, in Pierre Paul Jacques's row: the slot shows under the pointer
    row = page.locator("table.planning tbody tr", has=page.locator("th", has_text="Pierre Paul Jacques"))
    cell = row.locator("td.cell").nth(3)  # Thursday 12 March
    cell.hover()
    cell.locator("a.slot").click()
    page.wait_for_url("**/interventions/new**")
    assert page.input_value("[name=start_at]") == "2026-03-12T09:00"
    assert page.locator("label", has_text="Pierre Paul Jacques").locator("input").is_checked()
    page.select_option("[name=event_type_id]", label="SAV / dépannage")
    assert page.input_value("[name=end_at]") == "2026-03-12T11:00"  # the type's two hours
    page.fill("#client-search", "Cotil")  # 322 clients: the client is found by searching
    page.wait_for_selector("#f-client_id option:text('Cotillon Marie — 35510 Cesson-Sévigné')", state="attached")
    page.select_option("#f-client_id", label="Cotillon Marie — 35510 Cesson-Sévigné")
    page.locator("label", has_text="Yann Le Bihan").locator("input").check()
    page.fill("[name=tags]", "urgent, garantie")
    page.fill("[name=notes]", "Poêle en défaut E3, client absent l'après-midi.")
    shot(page, "03-new-intervention")
    page.click("button[type=submit]:text('Enregistrer')")
    page.wait_for_url("**/interventions/*")
    assert "Intervention planifiée." in flash(page)
    shot(page, "04-planned")
    assert_accessible(page)
    iv_id = int(page.url.rstrip("/").split("/")[-1])

    def planned(s):
        iv = s.get(Intervention, iv_id, options=[selectinload(Intervention.client), selectinload(Intervention.technicians), selectinload(Intervention.tags)])
        return iv.event_type_id, iv.client.name, sorted(t.display_name for t in iv.technicians), sorted(t.name for t in iv.tags), iv.duration_minutes

    assert server.query(planned) == ("sav", "Cotillon Marie", ["Pierre Paul Jacques", "Yann Le Bihan"], ["garantie", "urgent"], 120)
    assert "Cotillon Marie" in page.inner_text("h1") and "garantie" in page.inner_text("#tags")

    page.click(".toolbar a.button:text('Modifier')")
    page.wait_for_url("**/edit")
    page.fill("[name=title]", "Dépannage poêle — code E3")
    page.fill("[name=end_at]", "2026-03-12T10:30")
    page.locator("label", has_text="Yann Le Bihan").locator("input").uncheck()
    shot(page, "05-edit-intervention")
    page.click("button[type=submit]:text('Enregistrer')")
    page.wait_for_url(f"**/interventions/{iv_id}")
    assert "Intervention enregistrée." in flash(page)
    assert page.inner_text("h1") == "Dépannage poêle — code E3"
    assert "09:00 – 10:30" in page.inner_text("dl.facts")
    assert server.query(planned)[2:] == (["Pierre Paul Jacques"], ["garantie", "urgent"], 90)
    assert "Modifié : Titre, Fin, Intervenants" in page.inner_text("table.history")  # the form's words, not the columns'
    shot(page, "06-edited")
    assert not page.errors, page.errors


def accept_next_dialog(page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())


def test_tags_status_close_reopen_and_times_from_the_detail_page(ctx, server):
    from webapp.models import Intervention, InterventionWork

    page = signed_in(ctx)
    page.goto("/agenda/day")
    page.click(f"a.bar[href$='/interventions/{server.ids['planned']}']")
    page.wait_for_url(f"**/interventions/{server.ids['planned']}")
    # a tag, added and removed
    page.fill("#new-tag", "rappel client")
    page.click("#tags button:text('+')")
    page.wait_for_selector("#tags .tag:has-text('rappel client')")
    shot(page, "07-tag-added")
    page.click("#tags .tag:has-text('rappel client') button")
    page.wait_for_selector("#tags .tag:has-text('rappel client')", state="detached")
    # a status
    page.click(".toolbar button:text('→ Confirmé')")
    page.wait_for_selector(".status-banner:has-text('Confirmé')")
    assert "Statut modifié." in flash(page)
    # closed with a reason (after a confirmation), then reopened
    page.fill("#close-reason", "Client injoignable")
    accept_next_dialog(page)
    page.click(".close-form button:text('Clôturer')")
    page.wait_for_selector(".closed-note")
    assert "Client injoignable" in page.inner_text(".closed-note")
    shot(page, "08-closed")
    assert_accessible(page)
    page.click("#actions button:text('Ré-ouvrir')")
    page.wait_for_selector(".closed-note", state="detached")
    assert "Intervention ré-ouverte." in flash(page)
    # the times of the report tab
    page.fill("#time [name=actual_minutes]", "75")
    page.fill("#time [name=travel_minutes]", "20")
    page.click("#time button:text('Enregistrer les temps')")
    page.wait_for_selector("#time dd.actual-duration:text('1 h 15')")
    assert "20 min" in page.inner_text("#time dd.travel-time")
    shot(page, "09-times")

    def state(s):
        iv = s.get(Intervention, server.ids["planned"], options=[selectinload(Intervention.tags)])
        work = s.scalar(sa.select(InterventionWork).where(InterventionWork.intervention_id == iv.id))
        return iv.status, iv.closed, [t.name for t in iv.tags], work.actual_minutes, work.travel_minutes

    assert server.query(state) == ("confirmed", False, [], 75, 20)
    history = page.inner_text("table.history")
    for said in ("Étiquette ajoutée : rappel client", "Étiquette retirée : rappel client", "Clôturée : Client injoignable", "Ré-ouverte", "Temps modifiés"):
        assert said in history
    assert not page.errors, page.errors


def test_correct_a_forms_answers_with_the_save_buttons_and_enter(ctx, server):
    from webapp.models import Submission

    page = signed_in(ctx)
    page.goto(f"/interventions/{server.ids['done']}")
    page.click("#form-entretien-chaudiere a.button:text('Corriger')")
    page.wait_for_selector("form[data-ff-form][data-ff-ready]")
    top, bottom = page.locator(".save-top button[type=submit]"), page.locator(".save-bottom button[type=submit]")
    assert top.is_visible() and top.inner_text() == "Enregistrer les réponses"
    shot(page, "10-correct-answers", full_page=False)

    def answers(s):
        return s.scalar(sa.select(Submission.data).where(Submission.intervention_id == server.ids["done"], Submission.form_id == "entretien-chaudiere"))

    for way, model in (("top", "ThemaPlus Condens F25 (corrigé)"), ("bottom", "ThemaPlus Condens F30"), ("enter", "ThemaFast F25")):
        if way != "top":
            page.click("a.button:text('Corriger')")
            page.wait_for_selector("form[data-ff-form][data-ff-ready]")
        page.fill("[name=modele]", model)
        if way == "top":
            top.click()
        elif way == "bottom":
            bottom.scroll_into_view_if_needed()
            shot(page, "11-correct-answers-bottom", full_page=False)
            bottom.click()
        else:
            page.press("[name=modele]", "Enter")
        page.wait_for_url(f"**/interventions/{server.ids['done']}/forms/entretien-chaudiere")
        assert "Réponses enregistrées." in flash(page)
        assert model in page.inner_text("section.card")
        assert server.query(answers)["modele"] == model, way
    shot(page, "12-answers-saved")
    assert not page.errors, page.errors


def test_send_the_report_by_email(ctx, server, smtp):
    store, _port = smtp
    page = signed_in(ctx)
    page.goto(f"/interventions/{server.ids['done']}")
    assert page.input_value("#recipients") == "marie.cotillon@example.fr"
    page.fill("#recipients", "marie.cotillon@example.fr, bureau@example.fr")
    before = len(store.messages)
    page.click("#report button:text('Envoyer le rapport')")
    page.wait_for_url("**#report")
    assert "Envoi du rapport demandé." in flash(page)
    page.wait_for_selector("table.sendings .sending-sent")
    shot(page, "13-report-sent")
    assert_accessible(page)
    assert len(store.messages) == before + 1
    message = store.parsed()[-1]
    assert set(store.messages[-1].rcpt_tos) == {"marie.cotillon@example.fr", "bureau@example.fr"}
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    with page.expect_popup() as popup:
        page.click("#report a:text('Voir le PDF')")
    assert popup.value.url.endswith(f"/interventions/{server.ids['done']}/report.pdf")
    assert not page.errors, page.errors


def test_a_manager_creates_resets_and_disables_an_account(ctx, server):
    manager = signed_in(ctx, "manager")
    manager.click("nav.mainnav >> text=Utilisateurs")
    manager.click("a.button:text('Nouveau compte')")
    manager.fill("#f-username", "tech3")
    manager.fill("#f-display_name", "Nolwenn Riou")
    manager.fill("#f-email", "nolwenn@example.fr")
    manager.select_option("#f-role", "technician")
    manager.fill("#f-password", "first-pass-1")
    shot(manager, "14-new-account")
    manager.click("button[type=submit]:text('Enregistrer')")
    manager.wait_for_url("**/admin/users")
    assert "Compte tech3 créé." in flash(manager)
    # a new password, given by the manager; the technician signs in with it
    manager.click("table.list a:text('tech3')")
    manager.fill("#f-password", "second-pass-2")
    manager.click("button[type=submit]:text('Enregistrer')")
    manager.wait_for_url("**/admin/users")
    assert "Compte enregistré." in flash(manager)
    tech = watch(ctx().new_page())
    tech.goto("/login")
    tech.fill("#username", "tech3")
    tech.fill("#password", "second-pass-2")
    tech.click("button[type=submit]")
    tech.wait_for_url("**/agenda/day")
    assert "Nolwenn Riou" in tech.inner_text(".userbox")
    # disabled (after a confirmation): the account is greyed out and no longer signs in
    accept_next_dialog(manager)
    manager.click("tr:has-text('tech3') button:text('Désactiver')")
    manager.wait_for_selector("tr.disabled:has-text('tech3') .badge:text('Désactivé')")
    assert "Compte tech3 désactivé." in flash(manager)
    shot(manager, "15-account-disabled")
    assert_accessible(manager)
    tech.reload()
    tech.wait_for_url("**/login**")
    assert not manager.errors and not tech.errors, manager.errors + tech.errors


def test_a_manager_manages_a_technicians_calendar_feed_from_the_users_page(ctx, server):
    from icalendar import Calendar

    manager = signed_in(ctx, "manager", permissions=["clipboard-read", "clipboard-write"])
    manager.click("nav.mainnav >> text=Utilisateurs")
    manager.click("table.list a:text('tech1')")
    feed = manager.locator("#calendar-feed")
    assert "Pas encore d'adresse." in feed.inner_text()
    feed.locator("button:text('Créer une adresse')").click()
    manager.wait_for_selector("#calendar-feed #ics-url")
    first = manager.input_value("#ics-url")
    feed.locator("button:text('Copier')").click()
    manager.wait_for_selector("#calendar-feed .copy-status:text('Adresse copiée.')")
    assert manager.evaluate("navigator.clipboard.readText()") == first
    shot(manager, "16-calendar-feed")
    assert_accessible(manager)
    response = manager.request.get(first)
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    assert {str(e["uid"]).split("@")[0] for e in Calendar.from_ical(response.body()).walk("VEVENT")} >= {f"intervention-{server.ids['uuids']['planned']}"}
    feed.locator("button:text('Créer une nouvelle adresse')").click()
    manager.wait_for_function("(old) => document.getElementById('ics-url').value !== old", arg=first)
    assert manager.request.get(first).status == 404
    second = manager.input_value("#ics-url")
    assert manager.request.get(second).ok
    feed.locator("button:text(\"Révoquer l'adresse\")").click()
    manager.wait_for_selector("#calendar-feed #ics-url", state="detached")
    assert manager.request.get(second).status == 404
    assert manager.url.endswith("#calendar-feed") and "/admin/users/" in manager.url
    assert not manager.errors, manager.errors


def test_open_a_client_record_and_switch_language(ctx, server):
    page = signed_in(ctx)
    page.click("nav.mainnav >> text=Clients")
    page.fill("#q", "Cotillon")
    page.click("form.search button")
    page.click("table.list a:text('Cotillon Marie')")
    page.wait_for_url(f"**/clients/{server.ids['marie']}")
    assert "68 rue des Petits Champs" in page.inner_text(".client-card")
    upcoming, past = page.locator("#upcoming table.list"), page.locator("#history table.list")
    assert "Pièce commandée" in upcoming.inner_text() and "Réalisé" not in upcoming.inner_text()
    assert "Réalisé" in past.inner_text()  # done this morning: history already
    assert past.locator("a.report-link", has_text="Entretien chaudière").count() == 1  # the forms by their titles
    shot(page, "17-client-record")
    page.click(".userbox a.lang:text('EN')")
    page.wait_for_selector("nav.mainnav >> text=Planning")
    assert page.inner_text("#upcoming-title").startswith("Upcoming") and page.inner_text("h2 >> nth=0").startswith("Equipment")
    assert page.evaluate("document.documentElement.lang") == "en"
    shot(page, "18-client-record-en")
    assert_accessible(page)
    page.click("nav.mainnav >> text=Day")
    assert "Previous day" in page.inner_text(".weeknav")
    page.click(".userbox a.lang:text('FR')")
    page.wait_for_selector(".weeknav >> text=Jour précédent")
    assert page.evaluate("document.documentElement.lang") == "fr"
    shot(page, "19-day-fr")
    assert not page.errors, page.errors
