"""Logins: hashed passwords, no self-registration, cookie flags, rate limit, safe redirects."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import TEST_PASSWORD


def test_login_form_fields_and_redirect_to_login(client):
    response = client.get("/agenda/week")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html


def test_login_and_logout(client, auth, users):
    response = auth.login("office")
    assert response.headers["Location"] == "/agenda/week"
    assert client.get("/agenda/week").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/agenda/week").status_code == 302


def test_technician_lands_on_the_day_view(auth, users):
    assert auth.login("tech1").headers["Location"] == "/agenda/day"


def test_wrong_password_and_unknown_user(client, auth, users):
    for username, password in (("office", "nope"), ("ghost", TEST_PASSWORD), ("", "")):
        response = auth.login(username, password)
        assert response.status_code == 401
        assert "Identifiant ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/agenda/week").status_code == 302


def test_disabled_user_cannot_log_in(factory, auth):
    factory.user("office", "gone", active=False)
    assert auth.login("gone").status_code == 401


def test_password_is_hashed(app, users):
    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "office"))
    assert TEST_PASSWORD not in stored and stored.startswith("pbkdf2:")


#: OWASP's Password Storage Cheat Sheet: scrypt at N=2^17, r=8, p=1 at least, or one of its
#: equal-cost settings (less memory, more passes).
OWASP_SCRYPT_FLOORS = ((2**17, 8, 1), (2**16, 8, 2), (2**15, 8, 3), (2**14, 8, 5), (2**13, 8, 10))


def test_production_hash_is_scrypt_at_owasp_floor(app):
    from webapp import create_app

    method = create_app({"SECRET_KEY": "x", "SYNC_DEFINITIONS_ON_START": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["PASSWORD_HASH_METHOD"]
    algo, n, r, p = method.split(":")
    assert algo == "scrypt"
    assert any(int(n) >= fn and int(r) >= fr and int(p) >= fp for fn, fr, fp in OWASP_SCRYPT_FLOORS), method


def test_session_cookie_flags(users, tmp_path):
    from webapp import create_app

    app = create_app({"SECRET_KEY": "x", "SYNC_DEFINITIONS_ON_START": False, "SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_cookie_is_httponly_and_lax(client, auth, users):
    response = auth.login("office")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_self_registration(client):
    for path in ("/register", "/signup", "/admin/users/new"):
        assert client.get(path).status_code in (302, 404)


def test_login_rate_limit(app, client, auth, users):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login("office", "bad").status_code == 401
    response = auth.login("office", TEST_PASSWORD)
    assert response.status_code == 429


def test_next_must_stay_on_the_site(client, users):
    ok = client.post("/login?next=/clients/", data={"username": "office", "password": TEST_PASSWORD})
    assert ok.headers["Location"] == "/clients/"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login", query_string={"next": evil}, data={"username": "office", "password": TEST_PASSWORD})
        assert response.headers["Location"] == "/agenda/week"
        client.post("/logout")


def test_logout_needs_post(client, auth, users):
    auth.login("office")
    assert client.get("/logout").status_code == 405


def test_csrf_on_every_post_form(app_config, users):
    """With CSRF on, a POST without the token is refused, and every form carries it."""
    import re

    from webapp import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    assert client.post("/login", data={"username": "office", "password": TEST_PASSWORD}).status_code == 400
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"username": "manager", "password": TEST_PASSWORD, "csrf_token": token}).status_code == 302
    for url in ("/agenda/week", "/admin/users", "/admin/users/new", "/clients/new", "/interventions/new", "/admin/forms"):
        page = client.get(url).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page, re.S)
        assert forms, url
        for f in forms:
            assert 'name="csrf_token"' in f, url
    assert client.post("/admin/forms/reload").status_code == 400
    from webapp.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_a_hash_of_older_parameters_is_made_again_at_login(app, client, auth, users):
    """PASSWORD_HASH_METHOD raised (werkzeug's scrypt default was below OWASP's floor): a
    stored hash with the old parameters still logs in, and is stored again with the new."""
    from werkzeug.security import generate_password_hash

    from webapp.extensions import db
    from webapp.models import User

    method = app.config["PASSWORD_HASH_METHOD"]
    with app.app_context():
        db.session.get(User, users["office"]).password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:500")
        db.session.commit()
    assert auth.login("office").status_code == 302
    auth.logout()
    with app.app_context():
        assert db.session.get(User, users["office"]).password_hash.startswith(method + "$")
    assert auth.login("office").status_code == 302

