"""The production server (issue 14): ``fieldforms run`` / ``serve`` run gunicorn with gthread
workers, each building its own app after the fork; the logins are printed; the metrics of
every worker are added up on the metrics bind; SIGTERM stops it all. Flask's server only
with ``--dev``. Plus the settings: pool sized to the threads, Secure cookies off on loopback
only, GUNICORN_CMD_ARGS for the rest, ProxyFix from FIELDFORMS_PROXY_FIX."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from webapp import server
from webapp.server import ServeOptions

from tests.conftest import _base_config

#: ``make test-clock`` runs the suite under libfaketime (LD_PRELOAD), which the server
#: processes these tests start inherit; its interception of timed waits keeps them from
#: starting or stopping within the tests' minute (seen at 23:59 on a Sunday, Los Angeles).
#: They check processes, signals and ports, not dates: ``make test`` runs them on the real clock.
real_clock_only = pytest.mark.skipif("faketime" in os.environ.get("LD_PRELOAD", ""), reason="server processes under libfaketime (make test runs this on the real clock)")

FIELDFORMS = Path(sys.executable).with_name("fieldforms")
#: What the test's server must not take from the environment of the run.
CLEARED = ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "GUNICORN_CMD_ARGS", "FIELDFORMS_BIND", "FIELDFORMS_WORKERS",
           "FIELDFORMS_THREADS", "FIELDFORMS_METRICS_BIND", "FIELDFORMS_LOG_FORMAT", "FIELDFORMS_PROXY_FIX", "MAIL_SERVER")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["FIELDFORMS_INSTANCE"] = str(instance)
    return env


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server stopped (exit {proc.returncode}) before answering")
        try:
            return urllib.request.urlopen(url, timeout=5)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


@contextmanager
def _running(tmp_path: Path, args: list[str], stderr):
    """``fieldforms ARGS`` with its own instance folder; killed if the test left it running."""
    proc = subprocess.Popen([str(FIELDFORMS), *args], env=_env(tmp_path / "instance"), stdout=subprocess.PIPE, stderr=stderr,
                            text=True, cwd=tmp_path)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _stop(proc: subprocess.Popen) -> str:
    """SIGTERM, then what it printed once it exited."""
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=60)[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@real_clock_only
@pytest.mark.skipif(not FIELDFORMS.exists(), reason="the fieldforms command is not installed next to this Python")
def test_run_serves_the_demo_with_gunicorn_and_stops_on_sigterm(tmp_path):
    port, metrics_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["run", "--port", str(port), "--workers", "2", "--threads", "2", "--metrics-bind", f"127.0.0.1:{metrics_port}", "--log-format", "json"]
    with (tmp_path / "stderr.log").open("w") as stderr, _running(tmp_path, args, stderr) as proc:
        with _wait_for(base + "/healthz", proc) as health:
            assert health.headers["Server"] == "gunicorn"  # not werkzeug's development server
            assert json.load(health) == {"status": "alive"}

        # the master (the process started) forked two workers and started the metrics process
        children = _children(proc.pid)
        assert len(children) == 3, [_cmdline(c) for c in children]
        assert sum("webapp.metrics_server" in _cmdline(c) for c in children) == 1

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        with browser.open(base + "/login") as response:
            page = response.read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "username": "office", "password": "demo"}).encode()
        login = urllib.request.Request(base + "/login", data=form, headers={"X-Request-ID": "login-from-test"})
        with pytest.raises(urllib.error.HTTPError) as redirect:  # 302, not followed
            browser.open(login)
        redirect.value.close()
        assert redirect.value.code == 302
        assert redirect.value.headers["X-Request-ID"] == "login-from-test"
        cookie = redirect.value.headers["Set-Cookie"]
        assert "session=" in cookie and "Secure" not in cookie  # plain http on loopback
        with browser.open(base + "/agenda/week") as week:
            assert week.status == 200 and week.headers["Server"] == "gunicorn"
            assert "Planning" in week.read().decode()

        for _ in range(12):  # new connections: both workers serve some
            with urllib.request.urlopen(urllib.request.Request(base + "/healthz", headers={"Connection": "close"})) as response:
                response.read()
        with _wait_for(f"http://127.0.0.1:{metrics_port}/metrics", proc) as response:  # its process may still be starting
            scraped = response.read().decode()
        healthz = re.search(r'fieldforms_request_duration_seconds_count\{endpoint="health.healthz",method="GET"\} (\S+)', scraped)
        assert healthz and float(healthz.group(1)) >= 13  # every worker's requests, added up
        assert 'fieldforms_requests_total{endpoint="auth.login",method="POST",status="302"} 1.0' in scraped
        assert 'fieldforms_request_duration_seconds_count{endpoint="agenda.week",method="GET"} 1.0' in scraped

        out = _stop(proc)
    assert proc.returncode == 0
    assert "Serving on http://127.0.0.1:%d/  (gunicorn, 2 workers × 2 threads" % port in out
    for username in ("manager", "office", "tech1", "tech2"):
        assert f"  {username:<8} / demo" in out
    assert not any(_alive(c) for c in children)  # workers and the metrics process are gone

    lines = [json.loads(line) for line in (tmp_path / "stderr.log").read_text().splitlines() if line.startswith("{")]
    [login_line] = [o for o in lines if o["request_id"] == "login-from-test"]
    assert (login_line["logger"], login_line["path"], login_line["status"]) == ("webapp.access", "/login", 302)
    assert login_line["pid"] in children
    assert any(o["logger"] == "gunicorn.error" and "Handling signal: term" in o["message"] for o in lines)


@real_clock_only
@pytest.mark.skipif(not FIELDFORMS.exists(), reason="the fieldforms command is not installed next to this Python")
def test_dev_serves_with_flasks_development_server(tmp_path):
    port = free_port()
    with _running(tmp_path, ["serve", "--dev", "--port", str(port)], subprocess.DEVNULL) as proc:
        with _wait_for(f"http://127.0.0.1:{port}/healthz", proc) as health:
            assert health.headers["Server"].startswith("Werkzeug/")
        out = _stop(proc)
    assert proc.returncode == 0
    assert "Flask's development server" in out


@pytest.mark.parametrize(("binds", "secure_off"), [
    (["127.0.0.1:5000"], True), (["localhost:8000", "[::1]:8000"], True),
    (["0.0.0.0:8000"], False), (["127.0.0.1:8000", "192.0.2.10:8000"], False), (["unix:/run/fieldforms.sock"], False),
])
def test_cookies_lose_secure_only_when_every_bind_is_loopback_and_no_proxy_is_in_front(binds, secure_off):
    cfg = server.app_config(ServeOptions(binds=binds, threads=6), {"FIELDFORMS_PROXY_FIX": 0})
    assert (cfg.get("SESSION_COOKIE_SECURE") is False and cfg.get("REMEMBER_COOKIE_SECURE") is False) is secure_off
    assert (cfg["DB_POOL_SIZE"], cfg["DB_MAX_OVERFLOW"]) == (6, server.POOL_OVERFLOW)
    # nginx on the same machine proxies https to 127.0.0.1: the browser talks https, Secure stays
    behind_proxy = server.app_config(ServeOptions(binds=binds, threads=6), {"FIELDFORMS_PROXY_FIX": 1})
    assert "SESSION_COOKIE_SECURE" not in behind_proxy and "REMEMBER_COOKIE_SECURE" not in behind_proxy


def test_the_database_pool_is_sized_to_the_threads(tmp_path, app_config):
    from webapp import create_app
    from webapp.extensions import db

    options = ServeOptions(binds=["127.0.0.1:5000"], threads=6)
    cfg = {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": dict(app_config["SQLALCHEMY_ENGINE_OPTIONS"])}
    app = create_app({**cfg, **server.app_config(options, cfg)})
    with app.app_context():
        assert (db.engine.pool.size(), db.engine.pool._max_overflow) == (6, server.POOL_OVERFLOW)
        db.engine.dispose()
    # a pool_size written in the configuration wins
    cfg["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] = 3
    app = create_app({**cfg, **server.app_config(options, cfg)})
    with app.app_context():
        assert db.engine.pool.size() == 3
        db.engine.dispose()


def test_gunicorn_gets_gthread_workers_and_the_other_settings_from_gunicorn_cmd_args(monkeypatch):
    options = ServeOptions(binds=["127.0.0.1:5000", "unix:/tmp/ff.sock"], workers=3, threads=5)
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--timeout 120 --keep-alive 5")
    cfg = server.Server(lambda: None, server.gunicorn_settings(options)).cfg
    assert (cfg.worker_class_str, cfg.workers, cfg.threads, cfg.bind) == ("gthread", 3, 5, ["127.0.0.1:5000", "unix:/tmp/ff.sock"])
    assert (cfg.timeout, cfg.keepalive, cfg.preload_app, cfg.accesslog) == (120, 5, False, None)


def test_gunicorn_cmd_args_may_not_change_what_serve_decides(monkeypatch, capsys):
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 9")
    with pytest.raises(SystemExit):
        server.Server(lambda: None, server.gunicorn_settings(ServeOptions(binds=["127.0.0.1:5000"])))
    assert "FIELDFORMS_WORKERS" in capsys.readouterr().err


@pytest.mark.parametrize("proxies", [0, 1])
def test_forwarded_headers_are_trusted_only_behind_the_configured_proxies(tmp_path, proxies):
    from flask import request, url_for

    from webapp import create_app

    app = create_app({**_base_config(tmp_path), "FIELDFORMS_PROXY_FIX": proxies})
    seen = {}

    @app.after_request
    def look(response):
        seen.update(remote=request.remote_addr, url=url_for("auth.login", _external=True))
        return response

    app.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                          headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "forms.example.fr"})
    if proxies:  # the client's address (login throttle), https and the public host (links, Secure cookies)
        assert seen == {"remote": "203.0.113.9", "url": "https://forms.example.fr/login"}
    else:
        assert seen == {"remote": "10.0.0.2", "url": "http://localhost/login"}


def test_the_metrics_folder_is_emptied_when_given_and_removed_when_made(tmp_path, monkeypatch):
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(given))
    folder = server._MetricsFolder()
    assert list(given.iterdir()) == []
    folder.close()
    assert given.is_dir()
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    folder = server._MetricsFolder()
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.is_dir() and made != given
    folder.close()
    assert not made.exists()
    shutil.rmtree(given)


def test_serve_says_when_its_workers_would_count_failed_logins_apart():
    several = ServeOptions(binds=["127.0.0.1:5000"], workers=3)
    assert "set REDIS_URL" in server.unshared_state(several, {})[0]
    assert server.unshared_state(several, {"REDIS_URL": "redis://127.0.0.1:6379/0"}) == []
    assert server.unshared_state(ServeOptions(binds=["127.0.0.1:5000"], workers=1), {}) == []
    assert server.unshared_state(ServeOptions(binds=["127.0.0.1:5000"], workers=3, dev=True), {}) == []
