"""The back office: agenda, clients, interventions, submissions, users (issue 4).

``create_app(test_config=None)`` as in Flask's tutorial. The instance folder (SQLite file,
attachments, secret key, ``config.py``) is ``instance/`` next to the package, or
``FIELDFORMS_INSTANCE`` (a folder) when set. Configuration, in order: the
defaults below, then ``instance/config.py`` if present, then the environment
(``DATABASE_URL``, ``FIELDFORMS_SECRET_KEY``, ``FIELDFORMS_DEFINITIONS``, ``FIELDFORMS_TZ``,
``FIELDFORMS_PROXY_FIX``, ``REDIS_URL``, ``MAIL_*``, ``COMPANY_*``, ``REMEMBER_COOKIE_DURATION``
in seconds, ``STORAGE_BACKEND``, ``ATTACHMENTS_DIR``, ``S3_*``), then ``test_config``.

The company's time zone, ``FIELDFORMS_TZ``, is checked here and handed to
:mod:`engine.clock`, which everything else asks: an unknown zone stops the start with
:class:`engine.clock.UnknownTimeZone`, not a request later.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask

from engine import clock

PROJECT_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def database_url(url: str) -> str:
    """SQLAlchemy URL from a 12-factor style one: PostgreSQL goes through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: str) -> str:
    """``FIELDFORMS_SECRET_KEY``, else the instance folder's ``secret_key`` file, made once.

    Every process that signs or reads a session cookie, a remember-me cookie or a CSRF token
    must have the same key: gunicorn's workers read the one file (the master makes it before
    forking); processes started together on a fresh folder agree on the first one written
    (created exclusively, never overwritten); several machines need the same
    ``FIELDFORMS_SECRET_KEY`` (README, "Deployment")."""
    key = os.environ.get("FIELDFORMS_SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _attempt in range(50):  # another process may be writing it this instant
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty: remove it, or set FIELDFORMS_SECRET_KEY") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def _default_definitions() -> str:
    cwd = Path.cwd() / "form_definitions"
    return str(cwd if cwd.is_dir() else PROJECT_ROOT / "form_definitions")


_ENV_SETTINGS = {  # name -> type, for settings the environment may give (issue 6)
    "FIELDFORMS_TZ": str, "FIELDFORMS_PROXY_FIX": int, "REDIS_URL": str, "MAIL_SERVER": str, "MAIL_PORT": int, "MAIL_USE_TLS": bool, "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str, "MAIL_PASSWORD": str, "MAIL_DEFAULT_SENDER": str, "COMPANY_NAME": str,
    "COMPANY_ADDRESS": str, "COMPANY_PHONE": str, "COMPANY_EMAIL": str, "COMPANY_LOGO": str,
    "REMEMBER_COOKIE_DURATION": int, "WORKING_HOURS": str,
    # where attachments and sent reports are kept (webapp.storage)
    "STORAGE_BACKEND": str, "ATTACHMENTS_DIR": str, "S3_BUCKET": str, "S3_ENDPOINT_URL": str, "S3_REGION": str, "S3_ACCESS_KEY_ID": str,
    "S3_SECRET_ACCESS_KEY": str, "S3_PREFIX": str, "S3_ADDRESSING_STYLE": str,
}


def _config_from_env(app: Flask) -> None:
    for name, kind in _ENV_SETTINGS.items():
        value = os.environ.get(name)
        if value is None or value == "":
            continue
        if kind is bool:
            app.config[name] = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            app.config[name] = kind(value)


def _size_pool(config) -> None:
    """Each process's database pool sized to the threads that share it (``DB_POOL_SIZE``
    and ``DB_MAX_OVERFLOW``, set by ``fieldforms serve`` from its thread count); a
    ``pool_size`` given in ``SQLALCHEMY_ENGINE_OPTIONS`` wins."""
    size = config.get("DB_POOL_SIZE")
    url = config["SQLALCHEMY_DATABASE_URI"]
    if not size or ":memory:" in url or url in ("sqlite://", "sqlite:///"):
        return
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": int(size), "max_overflow": int(config.get("DB_MAX_OVERFLOW") or 0), **config["SQLALCHEMY_ENGINE_OPTIONS"]}


def _behind_proxies(app: Flask) -> None:
    """``FIELDFORMS_PROXY_FIX=N``: N reverse proxies in front of the app, whose
    ``X-Forwarded-For/-Proto/-Host/-Port/-Prefix`` are trusted (the client's address for the
    login throttle, https for URLs and Secure cookies); 0 (the default) trusts none."""
    n = int(app.config.get("FIELDFORMS_PROXY_FIX") or 0)
    if n > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)


def create_app(test_config: dict | None = None) -> Flask:
    instance = os.environ.get("FIELDFORMS_INSTANCE")
    app = Flask(__name__, instance_relative_config=True, instance_path=str(Path(instance).expanduser().resolve()) if instance else None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    testing = bool(test_config and test_config.get("TESTING"))
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + str(Path(app.instance_path) / "fieldforms.sqlite"),
        SQLALCHEMY_ENGINE_OPTIONS={},
        DB_POOL_SIZE=None,
        DB_MAX_OVERFLOW=None,
        FIELDFORMS_PROXY_FIX=0,
        FORM_DEFINITIONS=_default_definitions(),
        # attachments and sent report PDFs (webapp.storage): the local folder, or S3
        STORAGE_BACKEND="local",
        ATTACHMENTS_DIR=str(Path(app.instance_path) / "attachments"),
        S3_BUCKET=None,
        S3_ENDPOINT_URL=None,
        S3_REGION=None,
        S3_ACCESS_KEY_ID=None,
        S3_SECRET_ACCESS_KEY=None,
        S3_PREFIX="",
        S3_ADDRESSING_STYLE=None,
        # OWASP's scrypt floor (N=2^17, r=8, p=1, or its equal cost N=2^15, r=8, p=3, which
        # needs 32 MiB a login instead of 128): a login costs ~0.25 s of CPU, once per
        # phone per REMEMBER_COOKIE_DURATION (README, "Capacity"); werkzeug's "scrypt" is
        # N=2^15, p=1, a third of it. Older hashes are made again at their next login.
        PASSWORD_HASH_METHOD="scrypt:32768:8:3",
        # Answer exports (issue 15): above EXPORT_SYNC_MAX_ROWS rows an export is a job
        # (webapp.tasks) whose file is written in EXPORTS_DIR (scratch), then kept
        # EXPORT_KEEP_HOURS in the storage (webapp.storage), which every node reads
        EXPORTS_DIR=str(Path(app.instance_path) / "exports"),
        EXPORT_SYNC_MAX_ROWS=2000,
        EXPORT_KEEP_HOURS=24,
        EXPORT_JOB_TIMEOUT=3600,
        MIN_PASSWORD_LENGTH=8,
        LOGIN_MAX_FAILURES=5,
        LOGIN_FAILURE_WINDOW_SECONDS=300,
        SYNC_DEFINITIONS_ON_START=True,
        FIELDFORMS_TZ=clock.DEFAULT_ZONE,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        LANGUAGES=("fr", "en"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        # how long a login lasts at most, remembered or not (webapp.auth): not Flask-Login's year
        REMEMBER_COOKIE_DURATION=timedelta(days=30),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        # Report delivery (issue 6): SMTP (no MAIL_SERVER: not configured), the queue (no
        # REDIS_URL: inline), retries' back-off in seconds, the PDF's company header
        MAIL_SERVER=None,
        MAIL_PORT=None,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_DEFAULT_SENDER=None,
        MAIL_TIMEOUT=20,
        REDIS_URL=None,
        RQ_QUEUE="fieldforms",
        REPORT_RETRY_INTERVALS=(30, 120, 600),
        INLINE_RETRY_MAX_WAIT=2,
        REPORT_LANGUAGE="fr",
        # when technicians work (the free slots the planning suggests): periods of each
        # working day, company time; working days Monday (0) to Friday (4)
        WORKING_HOURS="08:00-12:00,13:30-17:30",
        WORKING_DAYS=(0, 1, 2, 3, 4),
        COMPANY_NAME="Un poêle à l'heure",
        COMPANY_ADDRESS="Cesson-Sévigné (35510)",
        COMPANY_PHONE="",
        COMPANY_EMAIL="",
        COMPANY_LOGO=None,
    )
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("FIELDFORMS_DEFINITIONS"):
        app.config["FORM_DEFINITIONS"] = os.environ["FIELDFORMS_DEFINITIONS"]
    _config_from_env(app)
    if test_config:
        app.config.update(test_config)
    if testing or app.debug:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = bool(test_config and test_config.get("SESSION_COOKIE_SECURE"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    _size_pool(app.config)
    app.config["BABEL_DEFAULT_TIMEZONE"] = clock.configure(app.config["FIELDFORMS_TZ"]).key

    from . import auth, errors, guards, i18n, logs, metrics, registry, security, storage, templating, throttle
    from .extensions import csrf, db, migrate

    logs.init_app(app)
    metrics.init_app(app)
    _behind_proxies(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    auth.init_app(app)
    throttle.init_app(app)
    errors.init_app(app)
    guards.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    registry.init_app(app)
    storage.init_app(app)

    from .views import register_blueprints

    register_blueprints(app)

    # The offline technician client and its sync API (issue 5)
    from . import mobile, sync

    sync.init_app(app)
    mobile.init_app(app)

    if app.config["SYNC_DEFINITIONS_ON_START"]:
        with app.app_context():
            registry.sync_on_start()
    return app
