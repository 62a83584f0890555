"""The Exports dialog in real headless Chromium (issue 15): an office clerk opens it from the
menu, chooses a form and a period, and downloads the XLSX at once; a large export shows its
progress bar (exports.js, polling the job's status) and then its download link. Screenshots
under ``FIELDFORMS_SCREENS``; the files downloaded are read back with openpyxl.

The app's clock and the page's start on Wednesday 11 March 2026 at 08:40 in Paris; the
page's timers move with Playwright's clock (``run_for``), never with sleeps.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.e2e.live import browser_context, migrated_app, serving, watch
from tests.workflow_helpers import complete_answers, fill

pytestmark = pytest.mark.e2e

openpyxl = pytest.importorskip("openpyxl")

E2E_START = datetime(2026, 3, 11, 7, 40, tzinfo=timezone.utc)
PASSWORD = "office-pass-1"
SCREENS = Path(os.environ.get("FIELDFORMS_SCREENS", "/tmp/fieldforms-screens"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from engine import clock

    tmp = tmp_path_factory.mktemp("exports")
    with clock.moved_to(E2E_START):
        app = migrated_app(tmp, REDIS_URL=None, EXPORTS_DIR=str(tmp / "exports"))
        ids = _seed(app)
        with serving(app) as live:
            live.ids = ids
            yield live


def _seed(app) -> dict:
    from engine.clock import UTC, local_midnight, today
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Intervention, User

    with app.test_request_context():
        office = User(username="office", display_name="Sophie Martin", role="office", password_hash=hash_password(PASSWORD), active=True)
        tech = User(username="tech1", display_name="Pierre Paul Jacques", role="technician", password_hash=hash_password(PASSWORD), active=True)
        marie = Client(name="Cotillon Marie", address="68 rue des Petits Champs", postcode="35510", city="Cesson-Sévigné")
        db.session.add_all([office, tech, marie])
        ivs = []
        for n in range(3):
            start = (local_midnight(today() - timedelta(days=n + 1)) + timedelta(hours=9)).astimezone(UTC)
            iv = Intervention(event_type_id="entretien-chaudiere", title=f"Entretien {n}", client=marie, start_at=start, end_at=start + timedelta(hours=1),
                              status="done", technicians=[tech], tags=[])
            db.session.add(iv)
            ivs.append(iv)
        db.session.commit()
        ids = {"office": office.id, "ivs": [iv.id for iv in ivs]}
    for iv in ids["ivs"]:
        fill(app, ids["office"], iv, complete_answers(app, iv, ["entretien-chaudiere"], with_files=False))
    return ids


@pytest.fixture
def page(browser, server):
    context = browser_context(browser, server.url, accept_downloads=True)
    p = watch(context.new_page())
    p.goto("/login")
    p.fill("#username", "office")
    p.fill("#password", PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_url("**/agenda/**")
    yield p
    context.close()
    assert not p.errors, p.errors


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"exports-{name}.png"), full_page=True)


def _fill_dialog(page, fmt: str = "xlsx") -> None:
    page.click("nav.mainnav >> text=Exports")
    page.wait_for_url("**/exports/")
    page.select_option("#f-subject", value="form:entretien-chaudiere")
    page.fill("#f-date_from", "2026-03-01")
    page.fill("#f-date_to", "2026-03-31")
    page.check(f"input[name=format][value={fmt}]")


def test_the_dialog_downloads_a_small_export_at_once(page, server, tmp_path):
    _fill_dialog(page)
    shot(page, "dialog")
    with page.expect_download() as download:
        page.click("form.export-form button[type=submit]")
    assert download.value.suggested_filename == "entretien-chaudiere_2026-03-01_2026-03-31.xlsx"
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("Intervention", "Début", "Fin", "Intervenants")
    assert sorted(r[0] for r in rows[1:]) == sorted(server.ids["ivs"])


def test_a_large_export_shows_its_progress_then_its_link(page, server, tmp_path):
    server.app.config["EXPORT_SYNC_MAX_ROWS"] = 1
    try:
        _fill_dialog(page, "csv")
        page.click("form.export-form button[type=submit]")
        page.wait_for_url("**/exports/jobs/**")
        for _ in range(30):  # the page polls every second of its clock
            page.clock.run_for(1000)
            try:
                page.wait_for_function("() => document.getElementById('export-job').dataset.status === 'done'", timeout=1000)
                break
            except Exception:  # noqa: BLE001 - not yet: one more second
                continue
        link = page.locator("[data-download]")
        assert link.is_visible()
        assert page.locator("progress").get_attribute("value") == "100"
        assert page.locator("[data-done]").inner_text() == "3"
        shot(page, "job-done")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.endswith(".zip")
    finally:
        server.app.config["EXPORT_SYNC_MAX_ROWS"] = 2000
