"""The login throttle (issue 14, webapp/throttle.py): N failed logins per (address, username)
in a moving window, then 429 with the login page's message and Retry-After; a success clears
the count; the back office's login and the phone's share it. Counted in Redis when
REDIS_URL is set, so that two apps (two workers, two machines) see one count; in each
process's memory otherwise; in memory too while Redis is unreachable."""

from __future__ import annotations

import logging
import os
import socket
import uuid

import pytest

from tests.conftest import TEST_PASSWORD

REDIS = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="needs Redis (TEST_REDIS_URL)")
TOO_MANY_FR = "Trop d&#39;essais infructueux"
TOO_MANY_EN = "Too many failed attempts"


def login(client, username, password, *, address="192.0.2.1", phone=False, **headers):
    return client.post("/login" + ("?next=/m/" if phone else ""), data={"username": username, "password": password, **({"remember": "1"} if phone else {})},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def fail(client, username, times, **kw):
    for _ in range(times):
        assert login(client, username, "wrong-password", **kw).status_code == 401


def assert_refused(response, window, text=TOO_MANY_FR):
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= window
    assert text in response.get_data(as_text=True)


@pytest.fixture
def make_app(app_config):
    """Apps of the test's own (other workers, other nodes) over its database; closed after."""
    from webapp import create_app
    from webapp.extensions import db

    made = []

    def make(**config):
        made.append(create_app({**app_config, **config}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def limits(app):
    return app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_FAILURE_WINDOW_SECONDS"]


def test_n_failures_refuse_even_the_right_password_with_retry_after(client, users, limits):
    n, window = limits
    fail(client, "office", n)
    assert_refused(login(client, "office", TEST_PASSWORD), window)
    assert_refused(login(client, "OFFICE ", "wrong-password"), window)  # the name as typed, case and spaces aside


def test_a_success_clears_the_count(client, users, limits):
    n, _window = limits
    fail(client, "office", n - 1)
    assert login(client, "office", TEST_PASSWORD).status_code == 302
    client.post("/logout")
    fail(client, "office", n - 1)  # counted from zero again: not refused
    assert login(client, "office", TEST_PASSWORD).status_code == 302


def test_counted_per_address_and_per_username(client, users, limits):
    n, window = limits
    fail(client, "office", n, address="192.0.2.1")
    assert login(client, "office", TEST_PASSWORD, address="192.0.2.2").status_code == 302  # another address
    client.post("/logout")
    assert login(client, "manager", TEST_PASSWORD, address="192.0.2.1").status_code == 302  # another name
    client.post("/logout")
    assert_refused(login(client, "office", TEST_PASSWORD, address="192.0.2.1"), window)


def test_the_phone_login_is_throttled_too_in_its_page_and_language(client, users, limits):
    n, window = limits
    fail(client, "tech1", n, phone=True)
    response = login(client, "tech1", TEST_PASSWORD, phone=True, **{"Accept-Language": "en"})
    assert_refused(response, window, TOO_MANY_EN)
    assert 'name="remember" value="1"' in response.get_data(as_text=True)  # the phone's page, not the back office's


def test_unknown_names_count_and_hostile_names_are_bounded(client, users, limits):
    n, window = limits
    for name in ("é" * 100_000, "a/b"):  # (a NUL is refused before: webapp/guards.py)
        fail(client, name, n)
        assert_refused(login(client, name, "x"), window)
    raw = "username=%ED%A0%80%FF&password=x"  # not UTF-8: a lone surrogate's bytes, 0xFF
    for _ in range(n):
        assert client.post("/login", data=raw, content_type="application/x-www-form-urlencoded").status_code == 401
    assert client.post("/login", data=raw, content_type="application/x-www-form-urlencoded").status_code == 429


@pytest.mark.committed
@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_proxy_the_forwarded_address_is_counted_only_when_trusted(make_app, users, proxies):
    """With FIELDFORMS_PROXY_FIX, clients behind the proxy are counted apart; without it a
    forged X-Forwarded-For changes nothing (the peer's address is counted)."""
    app = make_app(FIELDFORMS_PROXY_FIX=proxies)
    client = app.test_client()
    n = app.config["LOGIN_MAX_FAILURES"]
    fail(client, "office", n, address="10.0.0.2", **{"X-Forwarded-For": "203.0.113.9"})
    other_client = login(client, "office", TEST_PASSWORD, address="10.0.0.2", **{"X-Forwarded-For": "203.0.113.10"})
    assert other_client.status_code == (302 if proxies else 429)


@pytest.mark.committed
def test_in_memory_each_app_counts_alone(make_app, users):
    """Without REDIS_URL the count is the process's: what a second worker would not see."""
    from webapp.throttle import shared

    one, two = make_app(), make_app()
    assert not shared(one.config)
    n = one.config["LOGIN_MAX_FAILURES"]
    fail(one.test_client(), "office", n)
    assert login(one.test_client(), "office", TEST_PASSWORD).status_code == 429
    assert login(two.test_client(), "office", TEST_PASSWORD).status_code == 302


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared test Redis, its keys removed after."""
    from redis import Redis

    prefix = f"fieldforms-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = Redis.from_url(REDIS)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@needs_redis
@pytest.mark.committed
def test_over_redis_two_apps_share_one_count(make_app, users, redis_prefix):
    """Two apps over the same Redis, as two gunicorn workers or two machines: failures made
    on one refuse the login on the other, and a success on the other clears it for both."""
    from redis import Redis

    from webapp.throttle import shared

    one, two = make_app(REDIS_URL=REDIS, RATELIMIT_KEY_PREFIX=redis_prefix), make_app(REDIS_URL=REDIS, RATELIMIT_KEY_PREFIX=redis_prefix)
    assert shared(one.config)
    n, window = one.config["LOGIN_MAX_FAILURES"], one.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    a, b = one.test_client(), two.test_client()
    fail(a, "office", n - 1)
    fail(b, "office", 1)  # the n-th failure, on the other node
    assert_refused(login(a, "office", TEST_PASSWORD), window)
    assert_refused(login(b, "office", TEST_PASSWORD), window)
    redis = Redis.from_url(REDIS)
    assert any(redis.scan_iter(f"*{redis_prefix}*"))  # counted in Redis, not in either process
    redis.close()
    # a success on one node clears the count for both
    fail(a, "manager", n - 1)
    assert login(b, "manager", TEST_PASSWORD).status_code == 302
    fail(a, "manager", n - 1)
    assert login(a, "manager", TEST_PASSWORD).status_code == 302


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.mark.committed
def test_redis_unreachable_logins_still_work_counted_in_memory(make_app, users, caplog):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    client = app.test_client()
    n = app.config["LOGIN_MAX_FAILURES"]
    with caplog.at_level(logging.WARNING, logger="webapp.throttle"):
        assert login(client, "office", TEST_PASSWORD).status_code == 302
        client.post("/logout")
        fail(client, "office", n)
        assert login(client, "office", TEST_PASSWORD).status_code == 429
    warnings = [r for r in caplog.records if r.name == "webapp.throttle"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
