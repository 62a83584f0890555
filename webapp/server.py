"""Serving the app: gunicorn with gthread workers by default, Flask's server behind ``--dev``.

gunicorn is driven from code (:class:`Server`, a ``BaseApplication``), so ``fieldforms serve``
is the only entry point. The master process does the work that must happen once (logging,
metrics folder, storing new form versions), closes its database connections, and forks the
workers; each worker then builds its own app with :func:`webapp.create_app` (gunicorn loads
the app after the fork unless ``preload_app``, which we never set), so no database
connection crosses a fork.

Sizes: ``workers`` processes × ``threads`` threads each. A thread holds at most one database
connection while it answers, so each worker's pool is ``threads`` connections plus
:data:`POOL_OVERFLOW` (``DB_POOL_SIZE``, read by :func:`webapp.create_app`); PostgreSQL must
accept ``workers × (threads + POOL_OVERFLOW)`` connections, plus the RQ worker's.

Other gunicorn settings (``--timeout``, ``--keep-alive``, ``--graceful-timeout``,
``--max-requests``, ``--certfile``…) come from ``GUNICORN_CMD_ARGS``, as gunicorn reads it;
the bind, workers, threads and worker class are ``fieldforms serve``'s own options.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from . import logs, metrics

log = logging.getLogger(__name__)

#: Connections a worker's pool may open beyond one per thread (a report attempt run inline
#: after its request, a readiness check beside busy threads).
POOL_OVERFLOW = 2
#: Threads per worker unless told otherwise.
DEFAULT_THREADS = 4
#: gunicorn settings ``fieldforms serve`` decides; GUNICORN_CMD_ARGS may not change them.
OWN_SETTINGS = {"bind", "workers", "threads", "worker_class", "preload_app", "logger_class"}


class ServeError(RuntimeError):
    """The server cannot start as asked (said in one line)."""


def default_workers() -> int:
    """One worker per CPU (at least 2): logins (scrypt) and PDF reports use the CPU,
    threads cover the waits on the database and the network."""
    return max(2, os.cpu_count() or 1)


@dataclass
class ServeOptions:
    binds: list[str]
    workers: int = field(default_factory=default_workers)
    threads: int = DEFAULT_THREADS
    metrics_bind: str | None = None
    log_format: str = "json"
    dev: bool = False

    @property
    def base_url(self) -> str:
        bind = self.binds[0]
        return f"http://{bind}/" if not bind.startswith(("unix:", "fd://")) else "http://localhost/"


def bind_host(bind: str) -> str | None:
    """The host of a ``HOST:PORT`` bind (None for a unix socket or a file descriptor)."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, _sep, _port = bind.rpartition(":")
    return (host or bind).strip("[]")


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_config(options: ServeOptions, config: Mapping) -> dict:
    """What every app of this server gets on top of its configuration ``config``: the pool
    sized to the threads, and cookies without Secure when browsers talk plain http to a
    loopback address: every bind is loopback and no reverse proxy is configured
    (``FIELDFORMS_PROXY_FIX``). Browsers do not all keep Secure cookies over
    http://127.0.0.1; behind a proxy they talk https, and the cookies stay Secure."""
    cfg: dict = {"SYNC_DEFINITIONS_ON_START": False, "DB_POOL_SIZE": options.threads, "DB_MAX_OVERFLOW": POOL_OVERFLOW}
    if all(is_loopback(bind_host(b)) for b in options.binds) and not int(config.get("FIELDFORMS_PROXY_FIX") or 0):
        cfg["SESSION_COOKIE_SECURE"] = cfg["REMEMBER_COOKIE_SECURE"] = False
    return cfg


def unshared_state(options: ServeOptions, config: Mapping) -> list[str]:
    """What several processes of this server would not share, said at start: with more
    than one worker, failed logins are counted in Redis only when ``REDIS_URL`` is set."""
    from .throttle import shared

    if options.dev or options.workers < 2 or shared(config):
        return []
    return [f"failed logins are counted by each of the {options.workers} workers apart (at most {options.workers} × LOGIN_MAX_FAILURES per address and name): set REDIS_URL to count them once"]


class _JsonGunicornLogger(GunicornLogger):
    """gunicorn's own lines (workers booting, timeouts, signals) in the app's JSON format."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(logs.JsonFormatter())
            handler.addFilter(logs.RequestIdFilter())


class Server(BaseApplication):
    """gunicorn configured from ``settings`` (then ``GUNICORN_CMD_ARGS``), serving the app
    ``factory`` builds in each worker."""

    def __init__(self, factory: Callable[[], Flask], settings: dict):
        self._factory = factory
        self._settings = settings
        super().__init__(prog="fieldforms serve")

    def load_config(self) -> None:
        for key, value in self._settings.items():
            if key in self.cfg.settings:  # e.g. control_socket_disable, gunicorn ≥ 25.1 only
                self.cfg.set(key, value)
        env = os.environ.get("GUNICORN_CMD_ARGS")
        if env:
            parsed = self.cfg.parser().parse_args(shlex.split(env))
            for key, value in vars(parsed).items():
                if value is None or key == "args":
                    continue
                if key in OWN_SETTINGS:
                    raise ServeError(f"GUNICORN_CMD_ARGS may not set {key}: use fieldforms serve's options (FIELDFORMS_BIND, FIELDFORMS_WORKERS, FIELDFORMS_THREADS)")
                self.cfg.set(key.lower(), value)

    def load(self) -> Flask:
        return self._factory()


def gunicorn_settings(options: ServeOptions) -> dict:
    settings = {
        "bind": list(options.binds),
        "workers": options.workers,
        "threads": options.threads,
        "worker_class": "gthread",
        "proc_name": "fieldforms",
        "accesslog": None,  # the app writes one access line per request, with its id (webapp.logs)
        "errorlog": "-",
        "loglevel": os.environ.get("FIELDFORMS_LOG_LEVEL", "info").lower(),
        # gunicorn ≥ 25.1 opens a control socket at one path per user: two servers on one
        # machine (two nodes, tests) would take it from each other
        "control_socket_disable": True,
    }
    if options.log_format == "json":
        settings["logger_class"] = _JsonGunicornLogger
    if metrics.multiprocess():
        settings["child_exit"] = _child_exit
    return settings


def _child_exit(_server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class _MetricsFolder:
    """prometheus_client's multiprocess folder: ``PROMETHEUS_MULTIPROC_DIR`` when given
    (emptied first: samples of a previous run would be added up), else a temporary one,
    removed at the end. Set before any app is built, so that every worker writes there."""

    def __init__(self) -> None:
        given = os.environ.get(metrics.MULTIPROC_ENV)
        self.made = not given
        self.path = Path(given) if given else Path(tempfile.mkdtemp(prefix="fieldforms-metrics-"))
        self.path.mkdir(parents=True, exist_ok=True)
        for old in self.path.glob("*.db"):
            old.unlink()
        os.environ[metrics.MULTIPROC_ENV] = str(self.path)

    def close(self) -> None:
        if self.made:
            shutil.rmtree(self.path, ignore_errors=True)


def _start_metrics_process(bind: str) -> subprocess.Popen:
    """The metrics bind, served by a process of its own: a thread in gunicorn's master would
    be forked along with each worker."""
    return subprocess.Popen([sys.executable, "-m", "webapp.metrics_server", bind], env=os.environ.copy())


def serve(options: ServeOptions, master_app: Callable[[], Flask]) -> None:
    """Serve until stopped: SIGTERM lets the requests under way finish (gunicorn's graceful
    stop, ``--graceful-timeout``), Ctrl+C stops at once. ``master_app()`` builds the app the
    master works with once (after the metrics folder is set up: it may also create the
    database and print the logins); each worker builds its own with
    :func:`webapp.create_app`."""
    if options.metrics_bind:
        try:
            metrics.split_bind(options.metrics_bind)
        except ValueError as exc:
            raise ServeError(f"--metrics-bind {exc}") from None
    folder = _MetricsFolder() if options.metrics_bind and not options.dev else None
    metrics_process = None
    try:
        if folder is not None and "prometheus_client.values" in sys.modules and not _values_are_multiprocess():
            raise ServeError("prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set: the workers' metrics would be lost")
        app = master_app()
        # after it: the migrations it may run set up logging from alembic.ini
        logs.configure(options.log_format)
        overrides = app_config(options, app.config)
        with app.app_context():
            from .extensions import db
            from .registry import sync_on_start

            sync_on_start()
            db.session.remove()
            db.engine.dispose()  # nothing of the master's pool survives into a worker
        if options.dev:
            app.config.update({k: v for k, v in overrides.items() if k.endswith("_COOKIE_SECURE")})
            _serve_dev(app, options)
            return
        if folder is not None:
            metrics_process = _start_metrics_process(options.metrics_bind)
        from . import create_app

        print(f"Serving on {options.base_url}  (gunicorn, {options.workers} workers × {options.threads} threads; Ctrl+C to stop)", flush=True)
        for warning in unshared_state(options, app.config):
            log.warning("%s", warning)
        Server(partial(create_app, overrides), gunicorn_settings(options)).run()
    finally:
        if metrics_process is not None:
            metrics_process.terminate()
            metrics_process.wait(timeout=10)
        if folder is not None:
            folder.close()


def _values_are_multiprocess() -> bool:
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue


def _serve_dev(app: Flask, options: ServeOptions) -> None:
    """Flask's development server: one process, threads, the reloader off."""
    host = bind_host(options.binds[0])
    if host is None:
        raise ServeError("--dev serves on HOST:PORT only")
    port = int(options.binds[0].rpartition(":")[2])
    if options.metrics_bind:
        metrics.start_server(options.metrics_bind)
    print(f"Serving on http://{options.binds[0]}/  (Flask's development server; Ctrl+C to stop)", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
