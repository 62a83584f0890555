"""The web app's commands, added to the ``fieldforms`` click group by ``register``.

They build the app with :func:`webapp.create_app` and work inside its app context.
"""

from __future__ import annotations

import ipaddress
import sys

import click


def _app(**config):
    from . import create_app

    return create_app({"SYNC_DEFINITIONS_ON_START": False, **config})


def _upgrade(app) -> None:
    from flask_migrate import upgrade

    from . import PROJECT_ROOT

    upgrade(directory=str(PROJECT_ROOT / "migrations"))


def _print_sync(result) -> None:
    for fv in result.added:
        click.echo(f"stored {fv.form_id} version {fv.version} ({fv.content_hash[:12]})")
    if result.unchanged:
        click.echo(f"unchanged: {', '.join(result.unchanged)}")
    for p in result.problems:
        click.echo(f"refused: {p}", err=True)


def _init_db(app) -> None:
    from .registry import get_registry

    with app.app_context():
        _upgrade(app)
        _print_sync(get_registry().sync())


def _demo(app, reset: bool) -> bool:
    """Create the demo data if the database is empty; True if it did."""
    from . import demo
    from .extensions import db

    with app.app_context():
        if reset:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        _upgrade(app)
        if demo.has_data():
            click.echo("The database already has data: nothing created (use --reset to start again).")
            return False
        counts = demo.create_demo()
        click.echo("Demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(app, host: str, port: int) -> None:
    if _is_loopback(host):
        # Browsers do not all keep Secure cookies over plain http://127.0.0.1; behind TLS
        # (any other host) the cookies stay Secure.
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = False
    with app.app_context():
        from .registry import sync_on_start

        sync_on_start()
    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


def register(group: click.Group) -> None:
    @group.command("init-db")
    def init_db_command() -> None:
        """Create or upgrade the database schema (migrations) and store the form versions."""
        _init_db(_app())
        click.echo("database ready")

    @group.command("demo")
    @click.option("--reset", is_flag=True, help="drop everything first")
    def demo_command(reset: bool) -> None:
        """Fill an empty database with demo data and print the logins."""
        from .demo import logins_text

        _demo(_app(), reset)
        click.echo(logins_text())

    @group.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def serve_command(host: str, port: int) -> None:
        """Serve the web app."""
        _serve(_app(), host, port)

    @group.command("run")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def run_command(host: str, port: int) -> None:
        """init-db, demo data if the database is empty, then serve."""
        from .demo import logins_text

        app = _app()
        _init_db(app)
        _demo(app, reset=False)
        click.echo(logins_text())
        _serve(app, host, port)

    @group.command("sync-definitions")
    def sync_command() -> None:
        """Store new versions of the form definitions; list refused ones (exit 1)."""
        from .registry import get_registry

        app = _app()
        with app.app_context():
            result = get_registry().sync()
        _print_sync(result)
        if result.problems:
            sys.exit(1)

    @group.command("worker")
    @click.option("--burst", is_flag=True, help="run the queued jobs, then stop")
    def worker_command(burst: bool) -> None:
        """Run an RQ worker for report rendering and sending (needs REDIS_URL)."""
        from .tasks import run_worker

        app = _app()
        if not app.config.get("REDIS_URL"):
            click.echo("REDIS_URL is not set: jobs run inline in the web process, no worker is needed.", err=True)
            sys.exit(1)
        click.echo(f"RQ worker on {app.config['REDIS_URL']} queue {app.config['RQ_QUEUE']}")
        run_worker(app, burst=burst, with_scheduler=not burst)

    @group.command("send-pending")
    def send_pending_command() -> None:
        """Queue the report sendings left pending (no mail configuration then) or due for a retry."""
        from .services.errors import MailNotConfigured
        from .services.reports import send_pending

        app = _app()
        with app.app_context():
            try:
                n = send_pending()
            except MailNotConfigured as exc:
                click.echo(exc.message, err=True)
                sys.exit(1)
        click.echo(f"{n} sending(s) queued")

    @group.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(["manager", "office", "technician"]), required=True)
    @click.option("--name", "display_name", help="display name (default: the username)")
    @click.option("--email")
    @click.password_option(help="asked for when not given")
    def create_user_command(username: str, role: str, display_name: str | None, email: str | None, password: str) -> None:
        """Create an account (the first account manager, typically)."""
        from .services import create_user
        from .services.errors import InvalidInput

        app = _app()
        with app.app_context():
            try:
                user = create_user(None, {"username": username, "display_name": display_name or username, "role": role, "email": email, "password": password})
            except InvalidInput as exc:
                for field, messages in exc.errors.items():
                    click.echo(f"{field}: {' '.join(messages)}", err=True)
                sys.exit(1)
            click.echo(f"created {user.username} ({user.role})")
