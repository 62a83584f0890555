"""Sessions end on the phone too (issue 11), in real Chromium against the real app.

A phone signed in with its remember-me cookie keeps answers it could not send yet; the
manager resets the technician's password; the phone is logged out at its next sync and
shows the login screen, the answers still on the device. Another technician signing in on
that phone sends none of them and sees none of them; once the first technician signs in
again they arrive, once.

The server and the phones live the module's moved clock (see ``test_offline_client``).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.e2e.test_offline_client import (  # noqa: F401 - fixtures of this module too
    PASSWORD, SCREENS, ctx, example, fill_fields, login, open_form, open_iv, save_form, server, wait_synced, watch,
)

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "reset-by-the-manager"
OUTBOX_SIZE = """() => new Promise((resolve, reject) => {
  const req = indexedDB.open('fieldforms-m');
  req.onsuccess = () => {
    const tx = req.result.transaction('outbox', 'readonly');
    const count = tx.objectStore('outbox').count();
    count.onsuccess = () => { resolve(count.result); req.result.close(); };
    count.onerror = () => reject(count.error);
  };
  req.onerror = () => reject(req.error);
})"""


def _add_manager(server) -> None:
    from webapp.auth import hash_password
    from webapp.models import User

    def add(session):
        with server.app.test_request_context():
            session.add(User(username="boss", display_name="Claire Gérante", role="manager", password_hash=hash_password(PASSWORD), active=True))
            session.commit()

    server.query(add)


def _reset_password(ctx, server, username: str, password: str) -> None:
    """The manager's back office: the account's page, a new password, Save."""
    from webapp.models import User

    user_id = server.query(lambda s: s.scalar(sa.select(User.id).where(User.username == username)))
    page = watch(ctx().new_page())
    page.goto("/login")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/admin/users/{user_id}/edit")
    page.fill("#f-password", password)
    page.click("form.grid-form button[type=submit]")
    page.wait_for_url("**/admin/users")
    assert not page._ff_errors


def _sign_in(page, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")


def _answers_on_server(server, key: str) -> tuple[int, int]:
    from webapp.models import Submission, SyncOperation

    iv_id = server.ids[key]
    return server.query(lambda s: (
        s.scalar(sa.select(sa.func.count()).select_from(Submission).where(Submission.intervention_id == iv_id)),
        s.scalar(sa.select(sa.func.count()).select_from(SyncOperation).where(SyncOperation.intervention_id == iv_id)),
    ))


def test_password_reset_logs_the_phone_out_and_keeps_its_answers_for_the_same_technician(ctx, server):
    _add_manager(server)
    phone = ctx()
    page = watch(phone.new_page())
    login(page)  # the phone's login page signs in with "remember me"
    remembered = [c for c in phone.cookies() if c["name"] == "remember_token"]
    assert remembered and remembered[0]["httpOnly"]

    phone.set_offline(True)
    open_iv(page, server, "online")
    open_form(page, "entretien-chaudiere")
    fill_fields(page, example("entretien-chaudiere"))
    save_form(page)
    page.wait_for_function("() => document.getElementById('net').dataset.pending === '1'")

    _reset_password(ctx, server, "tech1", NEW_PASSWORD)
    thief = ctx()  # the remember-me cookie alone, copied before the reset
    thief.add_cookies(remembered)
    assert thief.request.get("/api/v1/sync/pull").status == 401

    phone.set_offline(False)  # back online: the next sync meets the ended session
    page.wait_for_url(lambda url: "/m/login" in url)
    assert page.is_visible("#ended")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "session-ended-360.png"))
    assert page.evaluate(OUTBOX_SIZE) == 1
    assert _answers_on_server(server, "online") == (0, 0)

    _sign_in(page, "tech2", PASSWORD)  # another technician on this phone
    page.wait_for_selector(".held")
    assert "Pierre Paul Jacques" in page.inner_text(".held")
    page.screenshot(path=str(SCREENS / "held-for-another-360.png"))
    assert page.locator(".card").count() == 0  # nothing of the first technician's day shown
    assert page.evaluate(OUTBOX_SIZE) == 1
    assert _answers_on_server(server, "online") == (0, 0)
    page.click("button[data-action=sign-out]")
    page.wait_for_url(lambda url: url.endswith("/m/login"))

    _sign_in(page, "tech1", NEW_PASSWORD)
    wait_synced(page)
    assert page.evaluate(OUTBOX_SIZE) == 0
    assert _answers_on_server(server, "online") == (1, 1)  # arrived, once
    from webapp.models import Submission

    data = server.query(lambda s: s.scalar(sa.select(Submission.data).where(Submission.intervention_id == server.ids["online"])))
    assert data["modele"] == example("entretien-chaudiere")["modele"]
    assert not page._ff_errors


def test_the_csp_refuses_an_inline_script_and_the_tests_hear_it(ctx, server):
    """The control of every browser test's "no CSP violation": an inline script injected
    into a page of the app is refused by the browser, and the console says so."""
    page = watch(ctx().new_page())
    page.goto("/m/login")
    with page.expect_console_message(lambda msg: "Content Security Policy" in msg.text):
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1'; document.head.appendChild(s); }")
    assert page.evaluate("window.pwned") is None
    assert any("Content Security Policy" in e for e in page._ff_errors), page._ff_errors
    page._ff_errors.clear()
