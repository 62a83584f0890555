"""The technician's phone app in real headless Chromium against the real app (issue 5):
online day, offline day with a reload and a closed page, replayed batches, an intervention
closed by the office while offline, mandatory time tracking, and another technician's
interventions out of reach.

The Flask app runs in a thread (werkzeug) on a loopback port with its own SQLite database,
CSRF on, as in production. Pages are 360 px wide.
"""

from __future__ import annotations

import io
import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
#: The instant the server and the phones of this module start from, then run on at real
#: pace: a Wednesday morning in Paris, so no test depends on the day or the hour it runs at.
E2E_START = datetime(2026, 3, 11, 7, 40, tzinfo=timezone.utc)
PASSWORD = "tech-pass-1"
SCREENS = Path(__import__("os").environ.get("FIELDFORMS_SCREENS", "/tmp/fieldforms-screens"))


def example(form_id: str) -> dict:
    return json.loads((ROOT / "examples" / form_id / "valid.json").read_text(encoding="utf-8"))


def photo_4000x3000(tmp: Path, seed: int) -> Path:
    """A camera-sized JPEG (4000×3000) with detail, like a phone's photo."""
    from PIL import Image, ImageDraw, ImageFilter

    img = Image.effect_mandelbrot((1000, 750), (-2.0 + seed * 0.01, -1.2, 1.0, 1.2), 60).convert("RGB").resize((4000, 3000))
    draw = ImageDraw.Draw(img)
    for i in range(40):
        draw.rectangle([i * 97 % 3800, i * 61 % 2800, i * 97 % 3800 + 180, i * 61 % 2800 + 120], outline=(255, 40 * (i % 6), 90), width=9)
    img = img.filter(ImageFilter.GaussianBlur(1))
    path = tmp / f"photo{seed}.jpg"
    img.save(path, "JPEG", quality=88)
    return path


# --- the server ----------------------------------------------------------------------------


class Server:
    def __init__(self, app, url, ids):
        self.app, self.url, self.ids = app, url, ids

    def db(self):
        from webapp.extensions import db

        return db

    def query(self, fn):
        with self.app.app_context():
            return fn(self.db().session)

    def add_intervention(self, key: str, event_type_id: str = "entretien-chaudiere", hour: int = 19, username: str = "tech1") -> str:
        """An intervention of the company's today for one test alone (``ids``/``uuids`` under
        ``key``): a test that changes an intervention must not change another test's."""
        from engine.clock import UTC, local_midnight, today
        from webapp.models import Client, Intervention, User

        def add(s):
            tech = s.scalar(sa.select(User).where(User.username == username))
            client = s.scalar(sa.select(Client).order_by(Client.id).limit(1))
            start = (local_midnight(today()) + timedelta(hours=hour)).astimezone(UTC)
            iv = Intervention(event_type_id=event_type_id, title=f"{client.name} {key}", client=client, start_at=start,
                              end_at=start + timedelta(minutes=90), status="confirmed", technicians=[tech])
            s.add(iv)
            s.commit()
            return iv.id, iv.uuid

        self.ids[key], self.uuids[key] = self.query(add)
        return self.uuids[key]

    def as_user(self, username, fn):
        from flask_login import login_user

        from webapp.models import User

        with self.app.test_request_context():
            u = self.db().session.scalar(sa.select(User).where(User.username == username))
            login_user(u)
            return fn(u)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a loopback port, its clock (and so the phones', see ``ctx``) running from
    E2E_START: the whole module lives that day, whatever the day it runs on."""
    from engine import clock

    with clock.moved_to(E2E_START):
        yield from _serve_app(tmp_path_factory)


def _serve_app(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from webapp import PROJECT_ROOT, create_app
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Intervention, User
    from webapp.registry import get_registry
    from engine.clock import UTC, local_midnight, today as today_local

    tmp = tmp_path_factory.mktemp("e2e-app")
    app = create_app({
        "TESTING": True, "SECRET_KEY": "e2e", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'app.sqlite'}", "SQLALCHEMY_ENGINE_OPTIONS": {},
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SYNC_DEFINITIONS_ON_START": False, "ATTACHMENTS_DIR": str(tmp / "attachments"),
        "WTF_CSRF_ENABLED": True,
    })
    ids: dict[str, int] = {}
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
        with app.test_request_context():
            users = {n: User(username=n, display_name=d, role=r, password_hash=hash_password(PASSWORD), active=True)
                     for n, d, r in (("tech1", "Pierre Paul Jacques", "technician"), ("tech2", "Yann Le Bihan", "technician"), ("office", "Sophie Martin", "office"))}
            db.session.add_all(users.values())
            c = Client(name="Cotillon Marie", address="68 rue des Petits Champs", postcode="35510", city="Cesson-Sévigné", phone="02 99 12 34 56", email="marie.cotillon@example.fr", lat=48.1211, lon=-1.6030)
            c2 = Client(name="Goldmann Jean-Jacques", address="12 rue de Saint-Malo", postcode="35000", city="Rennes", phone="02 99 65 43 21", email="jj@example.fr")
            db.session.add_all([c, c2])
            day = local_midnight(today_local())
            plan = [
                ("online", "entretien-chaudiere", 8, c, "tech1"), ("off1", "installation", 10, c2, "tech1"), ("off2", "installation", 11, c, "tech1"),
                ("replay", "installation", 13, c2, "tech1"), ("closed", "entretien-chaudiere", 14, c, "tech1"), ("timer", "entretien-poele", 16, c2, "tech1"),
                ("tomorrow", "sav", 24 + 9, c, "tech1"), ("theirs", "entretien-chaudiere", 9, c2, "tech2"),
                ("conflict", "entretien-chaudiere", 15, c2, "tech1"), ("conflict_en", "entretien-chaudiere", 17, c, "tech1"),
                ("cancelled", "entretien-poele", 18, c, "tech1"),
            ]
            for key, et, hour, client, tech in plan:
                start = (day + timedelta(hours=hour)).astimezone(UTC)
                iv = Intervention(event_type_id=et, title=f"{client.name} {client.postcode} {et}", client=client, start_at=start, end_at=start + timedelta(minutes=90),
                                  status="confirmed", technicians=[users[tech]], notes="Code portail 1234A." if key == "online" else None)
                db.session.add(iv)
                db.session.flush()
                ids[key] = iv.id
            db.session.commit()
            uuids = {k: db.session.get(Intervention, v).uuid for k, v in ids.items()}
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    s = Server(app, f"http://127.0.0.1:{srv.server_port}", ids)
    s.uuids = uuids
    yield s
    srv.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("photos")
    return [photo_4000x3000(tmp, i) for i in range(3)]


@pytest.fixture
def ctx(browser, server):
    from engine import clock

    contexts = []

    def make(**kw):
        kw = {"base_url": server.url, "viewport": {"width": 360, "height": 740}, "device_scale_factor": 1, "locale": "fr-FR", "timezone_id": "Europe/Paris", **kw}
        c = browser.new_context(**kw)
        c.clock.install(time=clock.now())  # the phone's clock is the server's (see E2E_START)
        c.set_default_timeout(15_000)
        contexts.append(c)
        return c

    yield make
    for c in contexts:
        c.close()


def watch(page):
    """JavaScript errors and Content-Security-Policy violations of ``page``, in
    ``page._ff_errors`` (the tests assert there are none)."""
    from tests.e2e.conftest import csp_violation

    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if csp_violation(msg.text) else None)
    page._ff_errors = errors
    return page


def login(page, username="tech1"):
    page.goto("/m/")
    page.wait_for_url("**/m/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")
    wait_synced(page)


def office_page(ctx):
    """A back-office page (its own browser context) logged in as ``office``."""
    page = watch(ctx().new_page())
    page.goto("/login")
    page.fill("#username", "office")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return page


def wait_synced(page, timeout=20_000):
    page.wait_for_function("() => document.body.dataset.ready === '1' && document.getElementById('net').dataset.pending === '0' && document.getElementById('net').dataset.state === 'ok'", timeout=timeout)


def sync_now(page):
    page.evaluate("import('/static/m/sync.js').then((s) => s.run())")


def open_iv(page, server, key):
    page.click(f'[data-iv="{server.uuids[key]}"] .card-main')
    page.wait_for_selector(".banner")


def open_form(page, form_id):
    page.click(f'a.form-link[href$="/f/{form_id}"]')
    page.wait_for_selector("form[data-ff-form][data-ff-ready]")


def fill_fields(page, data: dict):
    """Answers that are not photos nor signatures, put in by the app's own fill module, then
    announced as the technician's input."""
    page.evaluate("""async (data) => {
      const { fillForm } = await import('/static/m/fill.js');
      const form = document.querySelector('form[data-ff-form]');
      fillForm(form, data);
      form.dispatchEvent(new Event('change', { bubbles: true }));
    }""", data)


def add_photos(page, field, files):
    before = page.locator(f'[data-ff-camera="{field}"] [data-ff-photos] > li').count()
    page.set_input_files(f'[data-ff-camera="{field}"] input[type=file]', [str(f) for f in files])
    page.wait_for_function(f"""() => document.querySelectorAll('[data-ff-camera="{field}"] [data-ff-photos] > li').length >= {before + len(files)}""")


def sign(page, field, name):
    canvas = page.locator(f'[data-ff-signature="{field}"] canvas')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 20, box["y"] + 30 + (i % 3) * 25, steps=3)
    page.mouse.up()
    page.fill(f'[data-ff-signature="{field}"] [data-ff-sig-name]', name)
    page.wait_for_function(f"""() => document.querySelector('[data-ff-signature="{field}"] [data-ff-sig-attachment]').value.length === 36""")


def fill_photos_signatures(page, photos, client_signs=True):
    data = {k: v for k, v in example("photos-signatures").items() if not k.startswith(("photo", "signature"))}
    fill_fields(page, data)
    add_photos(page, "photos_avant", photos[:2])
    add_photos(page, "photos_apres", photos[2:3])
    sign(page, "signature_technicien", "Pierre Paul Jacques")
    if client_signs:
        sign(page, "signature_client", "Marie Cotillon")


def save_form(page):
    page.click("button[data-action=save-form]")
    page.wait_for_selector(".banner")


def form_state(page):
    return page.evaluate("""async () => {
      const { decodeForm } = await import('/static/ff/form.js');
      return decodeForm(document.querySelector('form[data-ff-form]'));
    }""")


# --- 1. online -------------------------------------------------------------------------------


def test_online_day_fill_start_finish(ctx, server, photos):
    from webapp.models import Attachment, Intervention, Submission

    page = watch(ctx().new_page())
    login(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    assert page.locator(".card").count() == 10  # tech1's: today's nine and tomorrow's
    card = page.locator(f'[data-iv="{server.uuids["online"]}"]')
    assert card.locator('a[href^="geo:48.1211,-1.603"]').count() == 1
    assert card.locator('a[href="tel:0299123456"]').count() == 1 and card.locator('a[href="mailto:marie.cotillon@example.fr"]').count() == 1
    page.screenshot(path=str(SCREENS / "day-list-360.png"), full_page=True)
    open_iv(page, server, "online")
    assert "Confirmé" in page.text_content(".banner")
    # the client's next visits (the pull sends a client's history once, in its clients)
    assert page.locator("details ul.hist li").count() == 5 and "Historique et à venir du client" in page.text_content("details summary")
    page.screenshot(path=str(SCREENS / "intervention-360.png"), full_page=True)
    page.click("button[data-action=start]")
    page.wait_for_selector("button[data-action=finish]")
    assert "En cours" in page.text_content(".banner")
    open_form(page, "entretien-chaudiere")
    fill_fields(page, example("entretien-chaudiere"))
    save_form(page)
    open_form(page, "photos-signatures")
    fill_photos_signatures(page, photos)
    page.screenshot(path=str(SCREENS / "form-360.png"), full_page=False)
    save_form(page)
    assert page.locator(".mark.done").count() == 2
    page.click("button[data-action=finish]")
    page.wait_for_selector("dialog[open]")
    page.screenshot(path=str(SCREENS / "finish-confirm-360.png"))
    page.click("dialog button[value=ok]")  # confirm
    page.wait_for_selector("dialog select[name=duration_h]")
    page.select_option("dialog select[name=duration_h]", "1")
    page.select_option("dialog select[name=duration_m]", "15")
    page.select_option("dialog select[name=travel_m]", "20")
    page.screenshot(path=str(SCREENS / "finish-time-360.png"))
    page.click("dialog button[value=ok]")  # the time entry of manual mode
    page.wait_for_function("() => document.querySelector('.banner').textContent.includes('Réalisé')")  # at once, on the device (S2)
    wait_synced(page)
    page.screenshot(path=str(SCREENS / "intervention-done-360.png"), full_page=True)

    def check(s):
        iv = s.get(Intervention, server.ids["online"])
        subs = s.scalars(sa.select(Submission).where(Submission.intervention_id == iv.id)).all()
        atts = s.scalars(sa.select(Attachment).where(Attachment.intervention_id == iv.id)).all()
        return iv.status, {x.form_id: x.data for x in subs}, [(a.content_type, a.size) for a in atts]

    status, answers, atts = server.query(check)
    assert status == "done"
    assert answers["entretien-chaudiere"]["modele"] == example("entretien-chaudiere")["modele"]
    ps = answers["photos-signatures"]
    assert len(ps["photos_avant"]) == 2 and len(ps["photos_apres"]) == 1
    assert ps["signature_technicien"]["name"] == "Pierre Paul Jacques" and ps["signature_client"]["name"] == "Marie Cotillon"
    photos_up = [a for a in atts if a[0] == "image/jpeg"]
    assert len(photos_up) == 3 and all(size <= 400 * 1024 for _, size in photos_up), atts
    assert len([a for a in atts if a[0] == "image/png"]) == 2  # both signatures
    # the back office's page shows it done, with the answers, photos and signatures
    office = office_page(ctx)
    office.goto(f"/interventions/{server.ids['online']}")
    assert "Réalisé" in office.text_content(".status-banner")
    office.goto(f"/interventions/{server.ids['online']}/forms/photos-signatures")
    imgs = office.locator("img[src*='/attachments/']")
    assert imgs.count() >= 5
    office.wait_for_function("() => [...document.querySelectorAll(\"img[src*='/attachments/']\")].every((i) => i.complete && i.naturalWidth > 0)")
    widths = office.evaluate("[...document.querySelectorAll(\"img[src*='/attachments/']\")].map((i) => i.naturalWidth)")
    assert max(widths) <= 1600
    assert not page._ff_errors and not office._ff_errors


# --- 2. offline from the start of the day ---------------------------------------------------


def offline_phone(ctx):
    """tech1's phone signed in online (the app and its forms cached by the service worker),
    then cut off the network and reloaded: (its browser context, its page)."""
    context = ctx()
    page = watch(context.new_page())
    login(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => caches.open('ff-forms-v1').then((c) => c.keys()).then((k) => k.length >= 4)")
    context.set_offline(True)
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert "Hors ligne" in page.inner_text("#net")
    return context, page


def test_offline_day_reload_close_and_come_back(ctx, server, photos):
    from webapp.models import Attachment, Submission, SyncOperation

    context, page = offline_phone(ctx)
    for key in ("off1", "off2"):
        page.goto("/m/#/")
        open_iv(page, server, key)
        open_form(page, "photos-signatures")
        fill_photos_signatures(page, photos)
        save_form(page)
    assert "en attente" in page.inner_text("#net")
    page.goto("/m/#/")
    page.wait_for_selector(".card")
    page.mouse.wheel(0, 600)  # scrolled down the day: the network line stays in sight
    page.wait_for_function("() => window.scrollY > 0")
    assert page.evaluate("document.getElementById('net').getBoundingClientRect().top") < 60
    page.screenshot(path=str(SCREENS / "offline-list-360.png"))
    page.close()
    page = watch(context.new_page())  # the browser was closed; still no network
    page.goto("/m/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert int(page.get_attribute("#net", "data-pending")) >= 12  # 2 × (3 photos + 2 signatures + answers)
    open_iv(page, server, "off1")
    open_form(page, "photos-signatures")
    kept = form_state(page)
    assert len(kept["photos_avant"]) == 2 and kept["signature_technicien"]["name"] == "Pierre Paul Jacques"
    page.goto("/m/#/")
    context.set_offline(False)
    wait_synced(page, 30_000)

    def check(s):
        out = {}
        for key in ("off1", "off2"):
            iv_id = server.ids[key]
            out[key] = (s.scalar(sa.select(sa.func.count()).select_from(Submission).where(Submission.intervention_id == iv_id)),
                        s.scalar(sa.select(Submission.version).where(Submission.intervention_id == iv_id)),
                        s.scalar(sa.select(sa.func.count()).select_from(Attachment).where(Attachment.intervention_id == iv_id)),
                        s.scalar(sa.select(sa.func.count()).select_from(SyncOperation).where(SyncOperation.intervention_id == iv_id, SyncOperation.status == "applied")))
        return out

    assert server.query(check) == {"off1": (1, 1, 5, 1), "off2": (1, 1, 5, 1)}  # exactly once
    assert not page._ff_errors


# --- 3. replays -----------------------------------------------------------------------------


def test_batch_replayed_three_times_changes_nothing(ctx, server, photos):
    from webapp.models import Attachment, AuditLog, Submission, SyncOperation

    context = ctx(service_workers="block")
    page = watch(context.new_page())
    login(page)
    cuts = {"push": 0, "upload": 0}

    def cut_after_commit(kind):
        def handler(route):
            if cuts[kind] < 3:  # the server commits, the answer never reaches the device
                cuts[kind] += 1
                route.fetch()
                route.abort("connectionreset")
            else:
                route.continue_()
        return handler

    context.route("**/api/v1/sync/push", cut_after_commit("push"))
    context.route("**/api/v1/attachments/**", cut_after_commit("upload"))
    open_iv(page, server, "replay")
    page.click("button[data-action=start]")
    open_form(page, "photos-signatures")
    fill_photos_signatures(page, photos)
    save_form(page)
    for _ in range(8):
        sync_now(page)
        page.wait_for_function("() => !document.getElementById('net').textContent.startsWith('Synchronisation')")
        if page.get_attribute("#net", "data-pending") == "0":
            break
    wait_synced(page)
    assert cuts == {"push": 3, "upload": 3}
    iv_id = server.ids["replay"]

    def check(s):
        return (s.scalar(sa.select(sa.func.count()).select_from(Submission).where(Submission.intervention_id == iv_id)),
                s.scalar(sa.select(Submission.version).where(Submission.intervention_id == iv_id)),
                s.scalar(sa.select(sa.func.count()).select_from(Attachment).where(Attachment.intervention_id == iv_id)),
                s.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity_id == str(iv_id), AuditLog.action.in_(("status", "start")))),
                s.scalar(sa.select(sa.func.count()).select_from(SyncOperation).where(SyncOperation.intervention_id == iv_id)))

    subs, version, atts, status_rows, ops = server.query(check)
    assert (subs, version, atts, ops) == (1, 1, 5, 2)
    assert status_rows <= 2  # confirmed -> in progress once (a start may write its own row)
    assert not page._ff_errors


# --- 4. closed by the office while the technician edits offline -------------------------------


def test_office_closes_while_device_is_offline(ctx, server):
    from webapp.models import Submission, SyncOperation

    context = ctx()
    page = watch(context.new_page())
    login(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    open_iv(page, server, "closed")
    context.set_offline(True)
    open_form(page, "entretien-chaudiere")
    data = example("entretien-chaudiere")
    fill_fields(page, data)
    save_form(page)
    from webapp.services.workflow import close_intervention

    server.as_user("office", lambda u: close_intervention(u, server.ids["closed"], reason="Dossier clos par le bureau"))
    context.set_offline(False)
    page.wait_for_selector(".alert", timeout=20_000)
    text = page.inner_text(".alert")
    assert "Dossier clos par le bureau" in text and "restent sur l'appareil" in text
    assert "Clôturée" in page.text_content(".banner")
    assert page.locator(".mark.error").count() == 1
    open_form(page, "entretien-chaudiere")
    assert page.input_value('[name="modele"]') == data["modele"]  # still on the device (shown read-only)
    assert page.locator("fieldset#form-host[disabled]").count() == 1
    iv_id = server.ids["closed"]
    assert server.query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(Submission).where(Submission.intervention_id == iv_id))) == 0
    assert server.query(lambda s: s.scalar(sa.select(SyncOperation.code).where(SyncOperation.intervention_id == iv_id))) == "closed"
    assert not page._ff_errors


# --- 5. mandatory time tracking ---------------------------------------------------------------


def test_mandatory_time_tracking_and_timer_survives_reload(ctx, server):
    page = watch(ctx().new_page())  # the phone's clock moves when the test says so (page.clock)
    login(page)
    open_iv(page, server, "timer")
    assert "Démarrer" in page.inner_text(".note")
    open_form(page, "entretien-poele")
    assert page.locator("fieldset#form-host[disabled]").count() == 1
    assert page.locator("button[data-action=save-form]").count() == 0
    page.go_back()
    page.wait_for_selector("button[data-action=start]")
    page.click("button[data-action=start]")
    page.wait_for_selector("#timer[data-running='1']")
    page.clock.fast_forward(2200)
    page.reload()
    page.wait_for_selector("#timer[data-running='1']")
    elapsed = "document.getElementById('timer-value').textContent.split(':').reduce((t, x) => t * 60 + Number(x), 0)"
    page.wait_for_function(f"() => {elapsed} >= 2")  # the timer counts from the start kept on the device
    seconds = page.evaluate(elapsed)
    page.clock.run_for(3000)
    page.wait_for_function(f"() => {elapsed} >= {seconds + 3}")
    page.click("button[data-action=pause]")
    page.wait_for_selector("#timer[data-running='0']")
    open_form(page, "entretien-poele")
    assert page.locator("fieldset#form-host[disabled]").count() == 0
    wait_synced(page)
    assert server.query(lambda s: __import__("webapp.models", fromlist=["Intervention"]).Intervention and s.get(__import__("webapp.models", fromlist=["Intervention"]).Intervention, server.ids["timer"]).status) == "in_progress"
    assert not page._ff_errors


def test_a_start_refused_by_the_office_leaves_no_timer_and_is_acknowledged(ctx, server):
    """Started offline while the office cancelled it: the server refuses the start. The
    phone shows the office's status again, with no timer running, says why, and the
    technician acknowledges it ("J'ai compris"), for good."""
    from webapp.services.workflow import cancel_intervention

    context = ctx()
    page = watch(context.new_page())
    login(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    open_iv(page, server, "cancelled")
    context.set_offline(True)
    server.as_user("office", lambda u: cancel_intervention(u, server.ids["cancelled"]))
    page.click("button[data-action=start]")
    page.wait_for_selector("#timer[data-running='1']")
    context.set_offline(False)
    sync_now(page)
    page.wait_for_selector(".alert", timeout=20_000)
    wait_synced(page)
    page.wait_for_function("() => !document.querySelector('#timer') || document.querySelector('#timer').dataset.running === '0'")
    text = page.inner_text(".alert")
    assert "Démarrer" in text and "de nouveau l'état connu du bureau" in text, text
    assert "Annulé" in page.text_content(".banner")
    page.click(".alert button[data-action=dismiss]")
    page.wait_for_function("() => document.querySelectorAll('.alert').length === 0")
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.locator(".alert").count() == 0
    status = server.query(lambda s: s.get(__import__("webapp.models", fromlist=["Intervention"]).Intervention, server.ids["cancelled"]).status)
    assert status == "cancelled"
    assert not page._ff_errors


# --- 6. another technician's interventions -----------------------------------------------------


def test_no_reach_into_another_technicians_interventions(ctx, server):
    import hashlib
    import uuid

    from engine import clock

    page = watch(ctx().new_page())
    login(page)
    theirs_id, theirs = server.ids["theirs"], server.uuids["theirs"]
    assert theirs not in page.content()
    req = page.request
    token = req.get("/api/v1/sync/session").json()["csrf_token"]
    assert req.get(f"/api/v1/interventions/{theirs_id}").status == 404
    assert theirs not in req.get("/api/v1/sync/pull").json()["ids"]
    op = {"id": str(uuid.uuid4()), "type": "start", "intervention": theirs, "base_version": 1, "at": clock.now().isoformat()}
    result = req.post("/api/v1/sync/push", data=json.dumps({"ops": [op]}), headers={"Content-Type": "application/json", "X-CSRFToken": token}).json()["results"][0]
    assert result["status"] == "refused" and result["code"] == "not_found"
    assert req.post("/api/v1/sync/push", data=json.dumps({"ops": [op]}), headers={"Content-Type": "application/json"}).status == 400  # no CSRF token
    body = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (8, 8)).save(body, "JPEG")
    data = body.getvalue()
    put = req.put(f"/api/v1/attachments/{uuid.uuid4()}?intervention={theirs}", data=data,
                  headers={"Content-Type": "image/jpeg", "X-Content-SHA256": hashlib.sha256(data).hexdigest(), "X-CSRFToken": token})
    assert put.status == 404
    assert req.get(f"/interventions/{theirs_id}").status == 404
    from webapp.models import Intervention

    assert server.query(lambda s: s.get(Intervention, theirs_id).status) == "confirmed"


# --- 7. conflicts: the office saved the same form meanwhile ------------------------------------


def make_conflict(page, context, server, key, modele):
    """The technician fills a form offline while the office saves the same form; back online,
    the server finds the device's answers based on a stale version."""
    from webapp.services.submissions import save_submission

    open_iv(page, server, key)
    open_form(page, "entretien-chaudiere")
    context.set_offline(True)
    fill_fields(page, {**example("entretien-chaudiere"), "modele": modele})
    save_form(page)
    server.as_user("office", lambda u: save_submission(u, server.ids[key], "entretien-chaudiere", {**example("entretien-chaudiere"), "modele": "Version du bureau"}))
    context.set_offline(False)
    page.wait_for_selector(".alert.conflict", timeout=20_000)


def office_answers(server, key):
    from webapp.models import Submission, SyncOperation

    def q(s):
        sub = s.scalar(sa.select(Submission).where(Submission.intervention_id == server.ids[key]))
        ops = s.scalars(sa.select(SyncOperation).where(SyncOperation.intervention_id == server.ids[key], SyncOperation.status == "conflict")).all()
        return sub.data["modele"], sub.version, [o.superseded_by is not None for o in ops]

    return server.query(q)


def test_conflict_keep_my_version(ctx, server):
    context = ctx()
    page = watch(context.new_page())
    login(page)
    make_conflict(page, context, server, "conflict", "Version du technicien")
    alert = page.inner_text(".alert.conflict")
    assert "Conflit" in alert and "Quelqu'un d'autre a rempli ce formulaire entre-temps" in alert and "version 1" in alert
    assert page.locator(".mark.error").count() == 1
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.locator(".alert.conflict").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENS / "conflict-fr-360.png"))
    page.click("button[data-action=keep-mine]")
    wait_synced(page)
    sync_now(page)  # a second round: nothing comes back
    wait_synced(page)
    assert page.locator(".alert").count() == 0 and page.locator(".mark.error").count() == 0
    assert office_answers(server, "conflict") == ("Version du technicien", 2, [True])
    page.click("button[data-action=start]")  # later changes of the form and the intervention go through
    open_form(page, "entretien-chaudiere")
    fill_fields(page, {**example("entretien-chaudiere"), "modele": "Encore changé"})
    save_form(page)
    wait_synced(page)
    assert page.locator(".alert").count() == 0
    assert office_answers(server, "conflict")[:2] == ("Encore changé", 3)
    assert not page._ff_errors


def test_english_phone_and_taking_the_offices_version(ctx, server):
    context = ctx(locale="en-US")
    page = watch(context.new_page())
    page.goto("/m/")
    page.wait_for_url("**/m/login")
    assert page.inner_text("label[for=username]") == "Username" and page.get_attribute("html", "lang") == "en"
    page.fill("#username", "tech1")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector(".alert[role=alert]")  # back on the phone's login page, in the phone's language
    assert page.inner_text(".alert") == "Wrong username or password, or the account is disabled."
    assert page.get_attribute("html", "lang") == "en" and page.inner_text("label[for=password]") == "Password"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "login-error-en-360.png"))
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")
    wait_synced(page)
    assert page.inner_text("#net").startswith("Synced") and "Today — " in page.inner_text("main")
    open_iv(page, server, "conflict_en")
    assert page.inner_text("a.back") == "← My interventions" and "Forms" in page.inner_text("main")
    page.go_back()
    page.wait_for_selector(".card")
    make_conflict(page, context, server, "conflict_en", "Technician's version")
    alert = page.inner_text(".alert.conflict")
    assert "Conflict" in alert and "Someone else answered this form meanwhile." in alert and "Your data stays on the device." in alert
    assert page.inner_text("button[data-action=keep-mine]") == "Keep my version"
    page.locator(".alert.conflict").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENS / "conflict-en-360.png"))
    page.click("button[data-action=take-office]")
    page.click("dialog button[value=ok]")
    page.wait_for_function("() => !document.querySelector('.alert')")
    wait_synced(page)
    open_form(page, "entretien-chaudiere")
    assert page.input_value('[name="modele"]') == "Version du bureau"  # the office's answers on the phone
    # the server was told: the conflict is resolved by the device's "discard", and the back
    # office sees it resolved (no longer open), with who took the office's version
    assert office_answers(server, "conflict_en") == ("Version du bureau", 1, [True])
    from webapp.models import SyncOperation

    discard = server.query(lambda s: [(o.status, o.target) for o in s.scalars(sa.select(SyncOperation).where(
        SyncOperation.intervention_id == server.ids["conflict_en"], SyncOperation.type == "discard"))])
    assert discard == [("applied", "entretien-chaudiere")]
    office = office_page(ctx)
    office.goto(f"/interventions/{server.ids['conflict_en']}")
    edits = office.inner_text("#device-edits")
    assert "non appliquées (0)" in edits and "le technicien a pris la version du bureau (Pierre Paul Jacques" in edits
    sync_now(page)  # nothing comes back on the phone
    wait_synced(page)
    page.go_back()
    page.wait_for_selector(".banner")
    assert page.locator(".alert").count() == 0 and page.locator(".mark.error").count() == 0
    assert not page._ff_errors and not office._ff_errors


# --- 8. fill.js: read-only carriers and late values round-trip ---------------------------------

CARRIERS = {
    "id": "carriers", "version": 1, "title": "Carriers",
    "schema": {"type": "object", "properties": {
        "choix": {"type": "string", "title": "Choix", "enum": ["a", "b", "c"], "readOnly": True},
        "plusieurs": {"type": "array", "title": "Plusieurs", "items": {"type": "string", "enum": ["x", "y", "z"]}, "uniqueItems": True, "readOnly": True},
        "fige": {"type": "string", "title": "Figé", "enum": ["p", "q"]},
        "ok": {"type": "boolean", "title": "OK", "readOnly": True},
        "niveau": {"type": "integer", "title": "Niveau", "minimum": 0, "maximum": 10},
        "niveau_ro": {"type": "integer", "title": "Niveau lu", "minimum": 0, "maximum": 10, "readOnly": True},
        "pas": {"type": "number", "title": "Pas", "minimum": 0, "maximum": 5, "multipleOf": 0.5},
        "couleur": {"type": "string", "title": "Couleur"},
        "duree": {"type": "integer", "title": "Durée", "minimum": 0},
    }},
    "ui": {"plusieurs": {"ui:widget": "checkboxes"}, "fige": {"ui:disabled": True}, "niveau": {"ui:widget": "range"}, "niveau_ro": {"ui:widget": "range"},
           "pas": {"ui:widget": "range"}, "couleur": {"ui:widget": "color"}, "duree": {"ui:widget": "duration", "ui:disabled": True}},
}
CARRIER_CASES = [
    {"choix": "b", "plusieurs": ["x", "z"], "fige": "q", "ok": True, "niveau": 7, "niveau_ro": 3, "pas": 2.5, "couleur": "#12ab34", "duree": 95},
    {"niveau": 12, "pas": 2.25, "couleur": "#FFAA00"},  # out of range, off the step, upper case: carried by late values
    {"choix": "a"},  # a range with no answer stays without one
    {},
]


def test_fill_round_trips_read_only_carriers_and_late_values(form_page):
    """The phone fills a blank form (no carriers in it) with answers: what it posts decodes
    as what the server's own rendering of those answers posts (the same answers, but for a
    read-only checkbox left empty, which posts false)."""
    from engine import decode_form, load_definition
    from renderers.html import render_form

    from .conftest import posted_pairs

    d = load_definition(CARRIERS)
    page = form_page('<div id="host"></div>')
    page.evaluate("async () => { window.ffFill = (await import('/static/m/fill.js')).fillForm; }")
    show = """([html, data]) => {
      const host = document.getElementById('host');
      host.innerHTML = html;
      const form = host.querySelector('form');
      return window.ff.initForm(data ? window.ffFill(form, data) : form);
    }"""
    blank = render_form(d, None)
    for data in CARRIER_CASES:
        page.evaluate(show, [render_form(d, data), None])
        expected = decode_form(d, posted_pairs(page))
        page.evaluate(show, [blank, data])
        pairs = posted_pairs(page)
        assert decode_form(d, pairs) == expected, pairs
        assert page.evaluate("() => window.ff.decodeForm(document.querySelector('form'))") == expected
        assert {k: v for k, v in expected.items() if not (k == "ok" and v is False and "ok" not in data)} == data
        if data.get("choix"):
            assert page.locator("select[name=choix][disabled]").count() == 1  # shown, read-only
            assert page.locator("input[type=hidden][name=choix][data-ff-carrier]").count() == 1
        if data.get("niveau", 0) > 10:
            assert page.locator("input[type=hidden][name=niveau][data-ff-late-value]").count() == 1


# --- 9. language switch: the forms follow, offline too -----------------------------------------


def form_text(page):
    return page.inner_text("#form-host")


def test_language_switch_forms_follow_offline_too(ctx, server):
    """Each language of a form is cached under its own URL: after the user switches to
    English (the back office's switch), the phone shows the forms in English, online and
    offline, even a form never opened since; back to French, French again, offline too."""
    context = ctx()
    page = watch(context.new_page())
    login(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cached = "(l) => caches.open('ff-forms-v1').then((c) => c.keys()).then((k) => k.filter((r) => r.url.endsWith('/' + l)).length)"
    page.wait_for_function(f"() => ({cached})('fr').then((n) => n >= 4)")
    open_iv(page, server, "conflict")
    open_form(page, "entretien-chaudiere")
    assert "Nom du propriétaire ou de l'occupant" in form_text(page)
    page.go_back()
    page.wait_for_selector(".banner")
    assert page.request.get("/m/login?lang=en").ok  # the switch, from anywhere: the user's choice
    sync_now(page)
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    wait_synced(page)
    page.wait_for_function("() => document.querySelector('a.back').textContent === '← My interventions'")
    # the form titles too (a full pull): the page is drawn again once the pulled data is
    # stored, a moment after the status says the sync is done
    page.wait_for_function("() => document.querySelector('.forms') && document.querySelector('.forms').innerText.includes('Boiler maintenance')", timeout=10_000)
    open_form(page, "entretien-chaudiere")
    text = form_text(page)
    assert "Owner or occupant name" in text and "Nom du propriétaire" not in text
    page.wait_for_function(f"() => Promise.all([({cached})('en'), ({cached})('fr')]).then(([en, fr]) => en >= fr)")  # every form of the device, in English too
    context.set_offline(True)
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.inner_text("#net").startswith("Offline")
    text = form_text(page)
    assert "Owner or occupant name" in text and "Nom du propriétaire" not in text
    page.goto("/m/#/")
    open_iv(page, server, "tomorrow")  # never opened: its forms were cached in English at the switch
    open_form(page, "sav-depannage")
    assert "Date of the client's call" in form_text(page)
    context.set_offline(False)
    assert page.request.get("/m/login?lang=fr").ok
    sync_now(page)
    page.wait_for_function("() => document.documentElement.lang === 'fr'")
    page.goto("/m/#/")
    wait_synced(page)
    context.set_offline(True)
    open_iv(page, server, "conflict")
    open_form(page, "entretien-chaudiere")
    assert "Nom du propriétaire ou de l'occupant" in form_text(page)
    context.set_offline(False)
    assert not page._ff_errors


def test_a_form_open_during_a_language_switch_follows_it_keeping_what_was_typed(ctx, server):
    context = ctx()
    page = watch(context.new_page())
    login(page)
    open_iv(page, server, "conflict")
    open_form(page, "entretien-chaudiere")
    assert "Nom du propriétaire ou de l'occupant" in form_text(page)
    page.fill('[name="modele"]', "Tapé avant le changement")
    try:
        assert page.request.get("/m/login?lang=en").ok
        sync_now(page)
        page.wait_for_function("() => document.getElementById('form-host').innerText.includes(\"Owner or occupant name\")", timeout=20_000)
        page.wait_for_selector("form[data-ff-form][data-ff-ready]")
        assert page.input_value('[name="modele"]') == "Tapé avant le changement"
        assert "Nom du propriétaire ou de l'occupant" not in form_text(page)
    finally:
        assert page.request.get("/m/login?lang=fr").ok
        sync_now(page)
        page.wait_for_function("() => document.documentElement.lang === 'fr'")
    page.wait_for_function("() => document.getElementById('form-host').innerText.includes(\"Nom du propriétaire ou de l'occupant\")", timeout=20_000)
    page.wait_for_selector("form[data-ff-form][data-ff-ready]")
    assert page.input_value('[name="modele"]') == "Tapé avant le changement"
    assert not page._ff_errors


def test_a_screen_asked_for_later_is_not_overwritten_by_an_earlier_one_finishing_last(ctx, server):
    """A form takes longer to draw than the list: going to a form and straight back to
    the list (or a sync or language switch drawing the form again as the hash changes)
    ends on the list."""
    page = watch(ctx().new_page())
    login(page)
    wait_synced(page)
    iv = server.uuids["conflict"]
    page.evaluate(f"location.hash = '#/i/{iv}/f/entretien-chaudiere'; setTimeout(() => {{ location.hash = '#/'; }}, 0)")
    page.wait_for_selector(f'[data-iv="{iv}"] .card-main')
    page.wait_for_function("() => document.body.dataset.drawing === '0'")  # every drawing finished, the form's too
    assert page.locator("form[data-ff-form]").count() == 0
    assert page.locator(f'[data-iv="{iv}"] .card-main').count() == 1
    assert not page._ff_errors


def test_day_list_opens_on_today_with_earlier_days_folded_after(ctx, server):
    """A technician's day starts today: yesterday's interventions come after, folded, and
    unfold by themselves while one of them is unfinished."""
    from webapp.extensions import db
    from webapp.models import Client, Intervention, User
    from engine.clock import UTC, local_midnight, today as today_local

    def add_yesterdays(s):
        tech2 = s.scalar(db.select(User).filter_by(username="tech2"))
        client = s.scalar(db.select(Client).filter_by(name="Goldmann Jean-Jacques"))
        start = (local_midnight(today_local()) - timedelta(hours=15)).astimezone(UTC)
        for status, offset in (("done", 0), ("confirmed", 2)):
            s.add(Intervention(event_type_id="sav", title=f"hier {status}", client=client, start_at=start + timedelta(hours=offset),
                               end_at=start + timedelta(hours=offset + 1), status=status, technicians=[tech2]))
        s.commit()

    server.query(add_yesterdays)
    page = watch(ctx().new_page())
    login(page, "tech2")
    days = page.evaluate("[...document.querySelectorAll('h2.day')].map((h) => [h.textContent, !!h.closest('details.earlier')])")
    assert days[0][0].startswith("Aujourd'hui") and days[0][1] is False
    assert days[-1][1] is True  # yesterday, after today, in the folded section
    assert page.evaluate("document.querySelector('details.earlier').open") is True  # an unfinished one is there
    assert "Jours précédents" in page.inner_text("details.earlier > summary")
    assert not page._ff_errors


def test_a_phone_in_another_zone_shows_the_companys_day_and_hours(ctx, server):
    """A phone set to Tokyo at 20:00 company time (04:00 the next day in Tokyo) still calls
    the company's today "today", and shows the hours and duration the office reads: the
    server's labels, nothing formatted on the phone."""
    from engine import clock

    context = ctx(timezone_id="Asia/Tokyo")
    context.clock.set_fixed_time(clock.local_midnight(clock.today()) + timedelta(hours=20))
    page = watch(context.new_page())
    login(page, "tech2")
    assert page.evaluate("new Date().getDate()") == (clock.today() + timedelta(days=1)).day  # the device's own day
    assert page.locator("h2.day").first.inner_text().startswith("Aujourd'hui")
    assert page.inner_text(f'[data-iv="{server.uuids["theirs"]}"] .when') == "09:00 – 10:30 · durée 1 h 30"
    page.click(f'[data-iv="{server.uuids["theirs"]}"] .card-main')
    assert "09:00 – 10:30 · durée 1 h 30" in page.inner_text("p.meta")
    assert not page._ff_errors


# --- 8. the phone obeys what the server decided --------------------------------------------------


def test_the_phone_shows_what_the_server_decided_online_and_offline(ctx, server):
    """The phone derives no right: it shows the server's. A done stove maintenance
    (mandatory time tracking) is read-only with the server's reason; once the office sets
    it back to Confirmed the forms open again at the next pull, with no second Start (the
    phone used to lock them, the server accepted them). Offline, Start pressed on a
    never-started one unlocks its forms at once, as the server said it would."""
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Intervention, InterventionWork, User
    from webapp.services.workflow import back_to_confirmed
    from engine.clock import UTC, local_midnight, today as today_local

    def add(s):
        tech = User(username="tech3", display_name="Anne Tech", role="technician", password_hash=hash_password(PASSWORD), active=True)
        client = s.scalar(db.select(Client).filter_by(name="Cotillon Marie"))
        start = (local_midnight(today_local()) + timedelta(hours=9)).astimezone(UTC)
        ivs = {}
        for key, status in (("done", "done"), ("fresh", "confirmed")):
            iv = Intervention(event_type_id="entretien-poele", title=f"poêle {key}", client=client, start_at=start, end_at=start + timedelta(hours=1),
                              status=status, technicians=[tech])
            s.add(iv)
            s.flush()
            ivs[key] = (iv.id, iv.uuid)
        s.add(InterventionWork(intervention_id=ivs["done"][0], started_at=start, done_at=start + timedelta(minutes=50), actual_minutes=50))
        s.commit()
        return ivs

    ivs = server.query(add)
    server.uuids.update({f"t3_{k}": u for k, (_, u) in ivs.items()})
    context = ctx()
    page = watch(context.new_page())
    login(page, "tech3")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    # done: the server refuses edits (edit_after_done is the office's), says why, offers back to Confirmed
    open_iv(page, server, "t3_done")
    refusal = "vous ne pouvez plus la modifier"
    assert refusal in page.inner_text(".note")
    assert page.locator("button[data-action=back_to_confirmed]").count() == 1 and page.locator("button[data-action=start]").count() == 0
    open_form(page, "entretien-poele")
    assert refusal in page.inner_text(".note") and page.locator("fieldset#form-host[disabled]").count() == 1
    assert page.locator("button[data-action=save-form]").count() == 0

    # the office sets it back to Confirmed; the next pull opens the forms (S4), without Start (H3 is met)
    server.as_user("office", lambda u: back_to_confirmed(u, ivs["done"][0]))
    page.go_back()
    page.wait_for_selector(".banner")
    sync_now(page)
    page.wait_for_function("() => document.querySelector('.banner').textContent.includes('Confirmé')")
    wait_synced(page)
    assert page.locator(".note").count() == 0
    open_form(page, "entretien-poele")
    assert page.locator("fieldset#form-host[disabled]").count() == 0 and page.locator("button[data-action=save-form]").count() == 1
    page.go_back()
    page.wait_for_selector(".banner")

    # offline: Start pressed on the never-started one unlocks its forms at once, and offers Pause
    page.click("a.back")
    open_iv(page, server, "t3_fresh")
    assert "Appuyez sur Démarrer" in page.inner_text(".note")
    context.set_offline(True)
    page.click("button[data-action=start]")
    page.wait_for_selector("button[data-action=pause]")
    assert "En cours" in page.text_content(".banner") and page.locator(".note").count() == 0
    assert page.locator("button[data-action=start]").count() == 0
    open_form(page, "entretien-poele")
    assert page.locator("fieldset#form-host[disabled]").count() == 0
    page.go_back()
    page.wait_for_selector(".banner")
    context.set_offline(False)
    sync_now(page)
    wait_synced(page)
    status = server.query(lambda s: s.get(Intervention, ivs["fresh"][0]).status)
    assert status == "in_progress" and page.locator("button[data-action=pause]").count() == 1
    assert not page._ff_errors


# --- a change the server keeps failing on (issue 11) ---------------------------------------


def test_a_change_the_server_keeps_failing_on_is_shown_refused_and_kept(ctx, server):
    """A push answered 500 is sent again, but not forever: after five failures of the same
    operation the phone shows the technician that the server refused it, keeps it (with its
    data) among the refused changes, and the outbox is free again. Nothing reaches the
    server: every push is answered 500 here."""
    server.add_intervention("keeps_failing")
    context = ctx(service_workers="block")  # the page's own fetches, so that the route sees them
    page = watch(context.new_page())
    login(page)
    pushes = []

    def fail(route):
        pushes.append(route.request.post_data_json)
        route.fulfill(status=500, content_type="application/json", body='{"error": "boom", "code": "server_error"}')

    page.route("**/api/v1/sync/push", fail)
    open_iv(page, server, "keeps_failing")
    page.click("button[data-action=start]")
    rounds = page.evaluate("""async () => {
      const sync = await import('/static/m/sync.js');
      const store = await import('/static/m/store.js');
      for (let i = 1; i <= 20; i++) {
        await sync.run();
        if ((await store.all('rejected')).length) return i;
        await new Promise((r) => setTimeout(r, 100));
      }
      return -1;
    }""")
    assert rounds > 0
    kept = page.evaluate("import('/static/m/store.js').then(async (s) => [await s.all('rejected'), await s.all('outbox')])")
    rejected, outbox = kept
    assert outbox == [] and len(rejected) == 1
    assert rejected[0]["op"]["type"] == "start" and rejected[0]["result"]["code"] == "server_error"
    assert len({o["id"] for p in pushes for o in p["ops"]}) == 1 and len(pushes) == 5  # the same operation, five times
    page.wait_for_selector(".alert")  # the intervention's page, drawn again after the sync
    assert "Le serveur a refusé cette modification" in page.inner_text(".alert")
    assert server.query(lambda s: s.get(__import__("webapp.models", fromlist=["Intervention"]).Intervention, server.ids["keeps_failing"]).status) == "confirmed"
    assert not page._ff_errors
