"""The web app's fixtures, as in Flask's tutorial: ``app`` -> ``client`` -> ``runner``, an
``auth`` helper, and ``factory`` for model rows.

``app`` runs on SQLite, and on PostgreSQL too when ``TEST_DATABASE_URL`` is set (``.ci/run``
sets it when ``pg_isready`` answers): each database is migrated once per session (Alembic,
the real migrations), in a private schema on PostgreSQL so that concurrent runs do not
collide, and the form definitions are stored in it once. Every test then runs inside one
transaction that is rolled back at its end: what the services commit are savepoints of it,
so each test starts from the same empty tables and stored form versions without deleting
anything. A test whose data must be seen by another connection (threads racing, a forked
RQ worker) is marked ``committed``: it commits for real and the tables are emptied after it.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

TEST_PASSWORD = "secret-pass"
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _pg_url(url: str) -> str:
    from webapp import database_url

    return database_url(url)


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """kind -> base config of a migrated database, made on first use."""
    from flask_migrate import upgrade

    from webapp import PROJECT_ROOT, create_app

    made: dict[str, dict] = {}
    pg_schemas: list[tuple[str, str]] = []

    def get(kind: str) -> dict:
        if kind in made:
            return made[kind]
        if kind == "sqlite":
            path = tmp_path_factory.mktemp("db") / "test.sqlite"
            cfg = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLALCHEMY_ENGINE_OPTIONS": {}}
        else:
            cfg = new_pg_schema("ff_test")
            pg_schemas.append((cfg["SQLALCHEMY_DATABASE_URI"], cfg["PG_SCHEMA"]))
        app = create_app({**_base_config(tmp_path_factory.mktemp("inst")), **cfg})
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            from webapp.extensions import db
            from webapp.registry import get_registry

            get_registry().sync()
            db.session.remove()
            db.engine.dispose()
        made[kind] = cfg
        return cfg

    yield get
    for url, schema in pg_schemas:
        drop_pg_schema(url, schema)


def new_pg_schema(prefix: str) -> dict:
    """The configuration of an empty PostgreSQL schema of its own (``TEST_DATABASE_URL``),
    so that concurrent runs do not collide; drop it with :func:`drop_pg_schema`."""
    url = _pg_url(os.environ["TEST_DATABASE_URL"])
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    return {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c search_path={schema}"}}, "PG_SCHEMA": schema}


def drop_pg_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def _base_config(tmp) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SYNC_DEFINITIONS_ON_START": False,
        "ATTACHMENTS_DIR": str(tmp / "attachments"),
    }


def _empty_tables(db) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        else:
            for t in reversed(tables):
                conn.exec_driver_sql(f'DELETE FROM "{t}"')


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on loopback, for the whole session (tests/storage_server.py)."""
    from tests.storage_server import MOTO_SERVER, running_s3_server

    if not MOTO_SERVER.exists():
        pytest.skip(f"{MOTO_SERVER.name} is not installed next to this Python: pip install -e '.[test]' installs moto[server]")
    with running_s3_server() as server:
        yield server


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh bucket of the session's S3 server, dropped after the test."""
    name = s3_server.new_bucket()
    yield name
    s3_server.drop_bucket(name)


@pytest.fixture
def storage_kind(request):
    """The storage backend of ``app``: ``local`` unless the test is parametrized with
    ``on_both_storages`` (tests/storage_server.py)."""
    return getattr(request, "param", "local")


@pytest.fixture
def storage_config(request, storage_kind):
    """The storage settings of ``app``: its own folder, or a fresh bucket on moto."""
    if storage_kind == "s3":
        return request.getfixturevalue("s3_server").config(request.getfixturevalue("s3_bucket"))
    return {}


@pytest.fixture(params=[pytest.param(k, marks=[pytest.mark.postgres] if k == "postgresql" else []) for k in DATABASES])
def app_config(request, databases, tmp_path, storage_config):
    """The configuration of ``app``; a test may override keys with ``app_config.update``."""
    return {**_base_config(tmp_path), **databases(request.param), "DB_KIND": request.param, **storage_config}


def _sqlite_savepoints(engine) -> None:
    """pysqlite begins transactions itself, too late for SAVEPOINT: let SQLAlchemy emit
    BEGIN (SQLAlchemy's documented recipe for SQLite savepoints)."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


@contextmanager
def _rolled_back(app):
    """Every session of ``app`` works in savepoints of one outer transaction, rolled back
    at the end."""
    from flask_sqlalchemy.session import _app_ctx_id
    from sqlalchemy import orm

    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    engine.dispose()
    if engine.dialect.name == "sqlite":
        _sqlite_savepoints(engine)
    connection = engine.connect()
    outer = connection.begin()
    shared = db.session
    db.session = orm.scoped_session(orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", query_cls=db.Query), _app_ctx_id)
    try:
        yield
    finally:
        orm.close_all_sessions()  # each app context removed its own; any left over goes too
        db.session = shared
        outer.rollback()
        connection.close()
        engine.dispose()


@contextmanager
def _committed(app):
    """Real commits, seen by every connection; the tables are emptied and the form
    versions stored again afterwards, for the next test."""
    from webapp.extensions import db
    from webapp.registry import get_registry

    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            _empty_tables(db)
            get_registry().sync()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(request, app_config):
    from webapp import create_app
    from webapp.extensions import db

    app = create_app(app_config)
    isolation = _committed if request.node.get_closest_marker("committed") else _rolled_back
    with isolation(app):
        yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    """The ``fieldforms`` command line (click's runner)."""
    from click.testing import CliRunner

    return CliRunner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str = "office", password: str = TEST_PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


class Factory:
    """Rows for tests, committed. Users get the password ``TEST_PASSWORD``."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role: str = "technician", username: str | None = None, **kw):
        from webapp.auth import hash_password
        from webapp.extensions import db
        from webapp.models import User

        with self.app.test_request_context():
            u = User(username=username or f"{role}{self._next()}", display_name=kw.pop("display_name", None) or (username or role).title(), role=role,
                     password_hash=hash_password(kw.pop("password", TEST_PASSWORD)), active=kw.pop("active", True), **kw)
            db.session.add(u)
            db.session.commit()
            return db.session.get(User, u.id).id

    def client(self, name: str | None = None, **kw):
        from webapp.extensions import db
        from webapp.models import Client

        with self.app.app_context():
            c = Client(name=name or f"Client {self._next()}", address=kw.pop("address", "1 rue de la Paix"), postcode=kw.pop("postcode", "35000"), city=kw.pop("city", "Rennes"), **kw)
            db.session.add(c)
            db.session.commit()
            return c.id

    def equipment(self, client_id=None, kind: str = "poele_granules", **kw):
        """A piece of equipment (no audit row: what the services write is theirs to test)."""
        from webapp.extensions import db
        from webapp.models import Equipment

        if client_id is None:
            client_id = self.client()
        with self.app.app_context():
            eq = Equipment(client_id=client_id, kind=kind, fields=kw.pop("fields", {}), **kw)
            db.session.add(eq)
            db.session.commit()
            return eq.id

    def intervention(self, technician_ids, client_id=None, *, start: datetime | None = None, minutes: int = 60, status: str = "planned",
                     event_type_id: str = "entretien-poele", tags=(), closed: bool = False, title: str | None = None, equipment_id: int | None = None):
        from webapp.extensions import db
        from webapp.models import Intervention, InterventionWork, Tag, User
        from engine.clock import UTC

        if client_id is None:
            client_id = self.client()
        start = start or datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        with self.app.app_context():
            tag_rows = []
            for name in tags:
                t = db.session.scalar(sa.select(Tag).where(Tag.name == name)) or Tag(name=name)
                tag_rows.append(t)
            iv = Intervention(
                event_type_id=event_type_id, title=title or f"Intervention {self._next()}", client_id=client_id, start_at=start,
                end_at=start + timedelta(minutes=minutes), status=status,
                technicians=[db.session.get(User, i) for i in technician_ids], tags=tag_rows, equipment_id=equipment_id,
            )
            db.session.add(iv)
            db.session.flush()
            if closed:  # the lock is the work row's closed_at
                db.session.add(InterventionWork(intervention_id=iv.id, closed_at=start - timedelta(days=1)))
            db.session.commit()
            return iv.id


@pytest.fixture
def factory(app):
    return Factory(app)


@pytest.fixture
def users(factory):
    """The demo's cast: manager, office, tech1, tech2 (password TEST_PASSWORD) -> ids."""
    return {
        "manager": factory.user("manager", "manager"),
        "office": factory.user("office", "office"),
        "tech1": factory.user("technician", "tech1"),
        "tech2": factory.user("technician", "tech2"),
    }


#: What the rolled-back transaction of each test adds around the application's own SQL.
_HARNESS_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...; q.count`` — SQL statements sent meanwhile."""
    from webapp.extensions import db

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine

        def listener(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(_HARNESS_STATEMENTS):
                counter.statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return counting
