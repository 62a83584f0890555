"""Sessions end (issue 11): logout, a password change or reset and disabling an account end
every session and remember-me cookie of the user, on every device; a login lasts
``REMEMBER_COOKIE_DURATION`` (30 days by default) on the server too, not a year.

Each case copies the cookies a browser held into a fresh client, as a thief or a forgotten
phone would replay them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa

from engine import clock

from tests.conftest import TEST_PASSWORD

PHONE_LOGIN = "/login?next=/m/"
NEW_PASSWORD = "brand-new-pass"
#: The instant the tests of the login lifetime start from (a Wednesday in Paris).
START = datetime(2026, 3, 11, 8, 0, tzinfo=timezone.utc)


def phone_login(client, username="tech1", password=TEST_PASSWORD):
    response = client.post(PHONE_LOGIN, data={"username": username, "password": password, "remember": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def replay(app, cookies: dict[str, str]):
    """A fresh client holding only ``cookies`` (name -> value)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def cookie(client, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def pulls(client) -> int:
    return client.get("/api/v1/sync/pull").status_code


def test_logout_ends_a_copied_session_cookie(app, client, auth, users):
    auth.login("office")
    copied = {"session": cookie(client, "session")}
    assert replay(app, copied).get("/agenda/week").status_code == 200
    auth.logout()
    thief = replay(app, copied)
    assert thief.get("/agenda/week").status_code == 302
    response = thief.get("/api/v1/sync/session")
    assert response.status_code == 401 and response.get_json()["code"] == "login_required"


def test_logout_ends_a_copied_remember_cookie(app, client, users):
    phone_login(client)
    copied = {"remember_token": cookie(client, "remember_token")}
    assert pulls(replay(app, copied)) == 200  # the cookie alone signs in (the phone's morning)
    client.post("/logout")
    assert pulls(replay(app, copied)) == 401


def test_logout_on_one_device_ends_the_others(app, users):
    phone, office_pc = app.test_client(), app.test_client()
    phone_login(phone)
    office_pc.post("/login", data={"username": "tech1", "password": TEST_PASSWORD})
    remembered = {"remember_token": cookie(phone, "remember_token")}
    office_pc.post("/logout")
    assert pulls(phone) == 401
    assert pulls(replay(app, remembered)) == 401


def test_password_reset_ends_the_old_phones_session_and_remember_cookie(app, client, auth, users):
    phone = app.test_client()
    phone_login(phone)
    remembered = {"remember_token": cookie(phone, "remember_token")}
    assert pulls(phone) == 200
    auth.login("manager")
    response = client.post(f"/admin/users/{users['tech1']}/edit", data={"display_name": "Tech1", "role": "technician", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert pulls(phone) == 401
    assert pulls(replay(app, remembered)) == 401
    assert phone.post(PHONE_LOGIN, data={"username": "tech1", "password": TEST_PASSWORD}).status_code == 401
    phone_login(phone, password=NEW_PASSWORD)
    assert pulls(phone) == 200


def test_saving_an_account_without_a_new_password_keeps_its_sessions(app, client, auth, users):
    phone = app.test_client()
    phone_login(phone)
    auth.login("manager")
    client.post(f"/admin/users/{users['tech1']}/edit", data={"display_name": "Renamed", "role": "technician", "password": ""})
    assert pulls(phone) == 200


def test_manager_changing_their_own_password_stays_in_here_only(app, client, auth, users):
    other_browser = app.test_client()
    other_browser.post("/login", data={"username": "manager", "password": TEST_PASSWORD})
    auth.login("manager")
    response = client.post(f"/admin/users/{users['manager']}/edit", data={"display_name": "Boss", "role": "manager", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200
    assert other_browser.get("/admin/users").status_code == 302


def test_disabling_an_account_ends_its_sessions_even_once_enabled_again(app, client, auth, users):
    phone = app.test_client()
    phone_login(phone)
    remembered = {"remember_token": cookie(phone, "remember_token")}
    auth.login("manager")
    assert client.post(f"/admin/users/{users['tech1']}/disable").status_code == 302
    assert pulls(phone) == 401
    assert client.post(f"/admin/users/{users['tech1']}/enable").status_code == 302
    assert pulls(phone) == 401 and pulls(replay(app, remembered)) == 401


def test_the_generation_is_raised_once_per_ending(app, client, auth, users):
    from webapp.extensions import db
    from webapp.models import User

    def generation():
        with app.app_context():
            return db.session.scalar(sa.select(User.session_generation).where(User.id == users["tech1"]))

    assert generation() == 0
    auth.login("tech1")
    auth.logout()
    assert generation() == 1


@pytest.mark.parametrize("token", ["1", "abc", "1.0", "1.0.x", "1.0.1.2", ""])
def test_a_token_not_of_this_shape_is_no_login(app, client, users, token):
    """A session from before generations (a bare id) or a forged shape is no login."""
    with client.session_transaction() as session:
        session["_user_id"] = token.replace("1", str(users["tech1"]), 1) if token.startswith("1") else token
    assert pulls(client) == 401


def test_remember_cookie_lasts_thirty_days_by_default(app, client, users):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    response = phone_login(client)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    lasts = expires - datetime.now(timezone.utc)  # Flask-Login dates the cookie by the system's clock
    assert timedelta(days=29, hours=23) < lasts <= timedelta(days=30)


def test_a_login_expires_on_the_server_whatever_the_cookie_says(app, users):
    """A remember-me cookie kept past its date (copied, or its expiry edited) is refused by
    the server once the login is older than REMEMBER_COOKIE_DURATION."""
    phone = app.test_client()
    with clock.moved_to(START):
        phone_login(phone)
    remembered = {"remember_token": cookie(phone, "remember_token")}
    with clock.moved_to(START + timedelta(days=29, hours=23)):
        assert pulls(replay(app, remembered)) == 200
    with clock.moved_to(START + timedelta(days=30, minutes=1)):
        assert pulls(replay(app, remembered)) == 401
        assert pulls(phone) == 401  # the session cookie carries the same token


def test_the_duration_is_configurable(app_config, monkeypatch, users):
    from webapp import create_app

    monkeypatch.setenv("REMEMBER_COOKIE_DURATION", "3600")
    app = create_app(app_config)
    assert app.config["REMEMBER_COOKIE_DURATION"] == 3600
    with app.app_context():
        from webapp.auth import login_lifetime

        assert login_lifetime() == timedelta(hours=1)


def test_an_account_without_e_mail_is_saved_from_its_page(app, client, auth, users):
    """The page posts ``email=""`` for an account with no address (the e2e technicians):
    saving it, a password reset included, must not answer 422."""
    auth.login("manager")
    response = client.post(f"/admin/users/{users['tech1']}/edit", data={"display_name": "Tech1", "role": "technician", "email": "", "password": NEW_PASSWORD})
    assert response.status_code == 302
    response = client.post("/admin/users/new", data={"username": "tech9", "display_name": "Tech9", "role": "technician", "email": " ", "password": NEW_PASSWORD})
    assert response.status_code == 302
