"""The phone's first load (issue 14): a fresh phone signs in and, once the app works offline,
has downloaded each file once: the service worker takes what the page loaded from the HTTP
cache (each checked against the sha256 it expects) rather than asking the server again.
Offline, the app then opens, reloads and opens a form with a signature (its lazily loaded
pad included) with nothing more from the network. The figures are bench/client.py's; this
checks the behaviour.

The server's side is counted by a WSGI counter (:class:`tests.e2e.live.Counter`): what the
phone actually downloaded, whatever cache answered the rest.
"""

from __future__ import annotations

from collections import Counter as Tally
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.live import Counter, browser_context, migrated_app, serving, watch

pytestmark = pytest.mark.e2e

#: A Tuesday morning in Paris: the phone's day, whatever day the test runs on.
START = datetime(2026, 6, 9, 6, 30, tzinfo=timezone.utc)
PASSWORD = "tech-pass-1"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from engine import clock
    from webapp.auth import hash_password
    from webapp.extensions import db
    from webapp.models import Client, Intervention, User

    with clock.moved_to(START):
        app = migrated_app(tmp_path_factory.mktemp("first-load"))
        with app.app_context():
            tech = User(username="tech1", display_name="Pierre Paul Jacques", role="technician", password_hash=hash_password(PASSWORD), active=True)
            client = Client(name="Cotillon Marie", address="68 rue des Petits Champs", postcode="35510", city="Cesson-Sévigné")
            start = clock.local_midnight(clock.today()) + timedelta(hours=9)
            db.session.add_all([tech, client, Intervention(event_type_id="installation", title="Installation Cotillon", client=client, start_at=start,
                                                           end_at=start + timedelta(hours=2), status="confirmed", technicians=[tech])])
            db.session.commit()
            db.session.remove()
        counter = Counter(app.wsgi_app)
        app.wsgi_app = counter
        with serving(app) as server:
            server.counter = counter
            yield server


def test_a_first_load_downloads_each_file_once_and_then_works_offline(browser, live):
    context = browser_context(browser, live.url, viewport={"width": 360, "height": 740})
    page = watch(context.new_page())
    page.goto("/m/")  # nobody signed in: the login page, without loading the app first
    page.wait_for_url("**/m/login")
    assert page.get_attribute("html", "lang") == "fr"
    page.fill("#username", "tech1")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null && navigator.serviceWorker.controller.state === 'activated'")
    page.wait_for_load_state("networkidle")

    gets = Tally(h["path"] for h in live.counter.hits if h["method"] == "GET" and h["status"] != 302)  # /m/ first sent to the login page
    assert [p for p, n in gets.items() if n > 1] == []  # nothing downloaded twice
    assert [h["path"] for h in live.counter.hits if h["status"] == 304] == []  # nor even asked again
    with live.app.test_request_context():
        from webapp.mobile import precache

        expected = {url for url, _ in precache()}
    cached = set(page.evaluate("""async () => {
      const name = (await caches.keys()).find((k) => k.startsWith('ff-shell-'));
      const keys = await (await caches.open(name)).keys();
      return keys.map((r) => { const u = new URL(r.url); return u.pathname + u.search; });
    }"""))
    assert cached == expected  # the whole shell is on the phone, the lazily loaded pad too
    assert "/static/ff/vendor/signature_pad/signature_pad.js" in gets  # downloaded by the worker alone, once
    first_load = len(live.counter.hits)

    context.set_offline(True)
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert "Hors ligne" in page.inner_text("#net")
    page.click(".card-main")
    page.wait_for_selector(".banner")
    page.click('a.form-link[href$="/f/photos-signatures"]')
    page.wait_for_selector("form[data-ff-open-ms]")  # ready: the signature pads drawn, their module loaded
    assert page.locator("[data-ff-signature] canvas").count() == 2
    assert len(live.counter.hits) == first_load  # offline: nothing reached the server
    context.set_offline(False)
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.wait_for_load_state("networkidle")
    again = [h["path"] for h in live.counter.hits[first_load:] if not h["path"].startswith("/api/")]
    assert again == ["/m/sw.js"] or again == []  # back online: the data, and at most the worker's update check
    assert page.errors == []
    context.close()
