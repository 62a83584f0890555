"""The web app's commands, added to the ``fieldforms`` click group by ``register``.

They build the app with :func:`webapp.create_app` and work inside its app context.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import click


def _app(**config):
    """The app the command works on: the one of a Flask ``ScriptInfo`` when the caller
    gave one (``app.test_cli_runner()`` in tests), else one built from the environment."""
    from flask.cli import ScriptInfo

    ctx = click.get_current_context(silent=True)
    info = ctx.find_object(ScriptInfo) if ctx is not None else None
    if info is not None and info.create_app is not None:
        return info.load_app()
    from engine.clock import UnknownTimeZone

    from . import create_app
    from .storage import StorageError

    try:
        return create_app({"SYNC_DEFINITIONS_ON_START": False, **config})
    except (UnknownTimeZone, StorageError) as exc:  # instance/config.py's FIELDFORMS_TZ, STORAGE_BACKEND: one plain line
        raise click.ClickException(str(exc)) from None


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


def _demo(app, reset: bool, today: date | None = None) -> bool:
    """Create the demo data around ``today`` (default: the company's today) if the database
    is empty; True if it did."""
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
        counts = demo.create_demo(today=today)
        click.echo("Demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return True


def _logins(app, base_url: str = "http://127.0.0.1:5000") -> str:
    """The demo logins and tech1's calendar feed address (when the demo made one)."""
    from .demo import calendar_feed_url, logins_text

    url = None
    with app.app_context():
        try:
            url = calendar_feed_url(base_url)
        except Exception:  # noqa: BLE001 - a database without the demo (or the table): just the logins
            from .extensions import db

            db.session.rollback()
    return logins_text(url)


def _serving_options(f):
    """The options of ``serve`` and ``run`` (each with its environment variable)."""
    from .logs import FORMATS
    from .server import DEFAULT_THREADS

    for opt in reversed([
        click.option("--host", default="127.0.0.1", show_default=True, help="with --port: the address to serve on (ignored when --bind is given)"),
        click.option("--port", default=5000, show_default=True, type=int),
        click.option("--bind", "binds", multiple=True, envvar="FIELDFORMS_BIND", metavar="ADDRESS",
                     help="HOST:PORT or unix:PATH, repeatable (env FIELDFORMS_BIND, space-separated)  [default: HOST:PORT]"),
        click.option("--workers", type=click.IntRange(1), envvar="FIELDFORMS_WORKERS", show_envvar=True,
                     help="gunicorn worker processes  [default: the number of CPUs, at least 2]"),
        click.option("--threads", type=click.IntRange(1), default=DEFAULT_THREADS, show_default=True, envvar="FIELDFORMS_THREADS", show_envvar=True,
                     help="threads per worker; each worker's database pool is this many connections (+2)"),
        click.option("--metrics-bind", envvar="FIELDFORMS_METRICS_BIND", show_envvar=True, metavar="HOST:PORT",
                     help="serve Prometheus metrics there (keep it private, e.g. 127.0.0.1:9100)"),
        click.option("--log-format", type=click.Choice(FORMATS), envvar="FIELDFORMS_LOG_FORMAT", show_envvar=True,
                     help="one JSON object per line, or text  [default: json for serve, text for run and --dev]"),
        click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn (one process)"),
    ]):
        f = opt(f)
    return f


def _serve_options(default_log_format: str, host: str, port: int, binds: tuple[str, ...], workers: int | None, threads: int,
                   metrics_bind: str | None, log_format: str | None, dev: bool):
    from .server import ServeOptions, default_workers

    return ServeOptions(binds=list(binds) or [f"{host}:{port}"], workers=workers or default_workers(), threads=threads,
                        metrics_bind=metrics_bind, log_format=log_format or ("text" if dev else default_log_format), dev=dev)


def _serve(options, master_app) -> None:
    """Serve until stopped (:func:`webapp.server.serve`): ``master_app()`` builds the app
    the serving process works with once."""
    from .server import ServeError, serve

    try:
        serve(options, master_app)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None


def register(group: click.Group) -> None:
    from .storage.cli import register as register_storage

    _register_intervention_commands(group)
    register_storage(group, _app)
    _register_export_command(group)

    @group.command("init-db")
    def init_db_command() -> None:
        """Create or upgrade the database schema (migrations) and store the form versions."""
        _init_db(_app())
        click.echo("database ready")

    @group.command("demo")
    @click.option("--reset", is_flag=True, help="drop everything first")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="build the demo as seen at 11:00 on this day (YYYY-MM-DD)  [default: now]")
    def demo_command(reset: bool, today: datetime | None) -> None:
        """Fill an empty database with demo data and print the logins."""
        app = _app()
        _demo(app, reset, today.date() if today else None)
        click.echo(_logins(app))

    @group.command("serve")
    @_serving_options
    def serve_command(**kw) -> None:
        """Serve the web app with gunicorn (gthread workers); Flask's server with --dev.

        SIGTERM stops it once the requests under way are answered; Ctrl+C at once."""
        _serve(_serve_options("json", **kw), _app)

    @group.command("run")
    @_serving_options
    def run_command(**kw) -> None:
        """init-db, demo data if the database is empty, print the logins, then serve."""
        options = _serve_options("text", **kw)

        def master_app():
            app = _app()
            _init_db(app)
            _demo(app, reset=False)
            click.echo(_logins(app, options.base_url.rstrip("/")))
            return app

        _serve(options, master_app)

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
        """Send the report sendings left pending (no mail configuration then) or due for a
        retry, and say how each went; exits 1 when one failed."""
        from .services.errors import MailNotConfigured
        from .services.reports import send_pending

        app = _app()
        with app.app_context():
            try:
                taken, left = send_pending()
            except MailNotConfigured as exc:
                click.echo(exc.message, err=True)
                sys.exit(1)
            sent = [s for s in taken if s.status == "sent"]
            failed = [s for s in taken if s.status == "failed"]
            waiting = len(taken) - len(sent) - len(failed)  # queued for the worker, or retrying
            click.echo(f"{len(sent)} sent, {len(failed)} failed, {waiting} queued for the worker, {len(left)} left pending (no recipient)")
            for s in failed:
                click.echo(f"  intervention {s.intervention_id}: {s.last_error}", err=True)
            for s in left:
                click.echo(f"  intervention {s.intervention_id}: no e-mail address; send it from the back office with a recipient", err=True)
        if failed:
            sys.exit(1)

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


# --- fieldforms intervention …: the workflow's verbs with a named actor (issue 6) -------------
#
# The same services as the back office and the sync API, so the same rules: the actor is
# the account named by ``--as``, the audit rows say ``source: "cli"``, and a refusal prints
# the service's own message (French by default, ``--lang en``) and exits 1.

LANGS = click.Choice(["fr", "en"])

#: The command's own words (the services' messages come translated from the services).
_WORDS = {
    "no_user": {"fr": "Aucun compte actif « {name} ».", "en": "No active account “{name}”."},
    "db": {"fr": "La base de données n'est pas prête ({error}) : lancez « fieldforms init-db ».", "en": "The database is not ready ({error}): run “fieldforms init-db”."},
    "closed": {"fr": "clôturée", "en": "closed"},
    "by": {"fr": "par", "en": "by"},
    "start_end": {"fr": "Début – fin", "en": "Start – end"},
    "started": {"fr": "Démarrée", "en": "Started"},
    "done_at": {"fr": "Terminée", "en": "Done"},
    "running": {"fr": "en cours", "en": "running"},
    "timer": {"fr": "Chronomètre", "en": "Timer"},
    "transitions": {"fr": "Statuts possibles pour {user}", "en": "Statuses {user} may set"},
    "may": {"fr": "Commandes possibles pour {user}", "en": "Commands {user} may run"},
    "refused": {"fr": "Refusé à {user}", "en": "Refused to {user}"},
    "none": {"fr": "aucun", "en": "none"},
    "missing": {"fr": "Manque pour terminer", "en": "Missing to finish"},
    "sendings": {"fr": "Envois du rapport", "en": "Report sendings"},
    "sig_valid": {"fr": "valide", "en": "valid"},
    "sig_invalid": {"fr": "n'est plus valide (réponses modifiées après la signature)", "en": "no longer valid (answers changed after signing)"},
    "technician": {"fr": "technicien", "en": "technician"},
    "client": {"fr": "client", "en": "client"},
    "sent": {"fr": "Rapport envoyé à {to}.", "en": "Report sent to {to}."},
    "queued": {"fr": "Envoi du rapport en file d'attente (n° {id}) : le worker l'enverra.", "en": "Report sending queued (no. {id}): the worker will send it."},
    "not_sent": {"fr": "Le rapport n'a pas pu être envoyé ({status}) : {error}", "en": "The report could not be sent ({status}): {error}"},
}
_OPTION_OF = {"duration_minutes": "--duration", "travel_minutes": "--travel", "actual_minutes": "--duration", "recipients": "--to",
              "subject": "FORM", "date_from": "--from", "date_to": "--to", "technician_id": "--technician", "client_id": "--client", "format": "--format"}


def _w(lang: str, key: str, **kw) -> str:
    return _WORDS[key][lang].format(**kw)


class _Stop(Exception):
    """Printed on stderr, exit 1."""


def _run_as(username: str | None, lang: str, fn) -> None:
    """Call ``fn(user)`` in the app with the account ``username`` (None: no actor) and the
    language ``lang``; a refusal prints its message on stderr and exits 1."""
    import sqlalchemy as sa
    from flask_babel import force_locale, gettext

    from .extensions import db
    from .models import User
    from .services.errors import Incomplete, InvalidInput, ServiceError

    app = _app()
    failed = False
    with app.app_context(), force_locale(lang):
        try:
            user = None
            if username is not None:
                user = db.session.scalar(sa.select(User).where(User.username == username))
                if user is None or not user.active:
                    raise _Stop(_w(lang, "no_user", name=username))
            fn(user)
        except Incomplete as exc:
            failed = True
            click.echo(gettext("The intervention cannot be finished yet:"), err=True)
            for m in exc.missing:
                click.echo(f"  - {m['message']}", err=True)
        except InvalidInput as exc:
            failed = True
            for field, messages in exc.errors.items():
                click.echo(f"{_OPTION_OF.get(field, field)}: {' '.join(messages)}", err=True)
        except ServiceError as exc:
            failed = True
            click.echo(exc.message, err=True)
        except _Stop as exc:
            failed = True
            click.echo(str(exc), err=True)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            failed = True
            click.echo(_w(lang, "db", error=str(getattr(exc, "orig", exc)).splitlines()[0]), err=True)
        finally:
            db.session.remove()
    if failed:
        sys.exit(1)


def _status_line(iv, lang: str) -> str:
    from .registry import get_registry

    closed = f" [{_w(lang, 'closed')}]" if iv.closed else ""
    colon = " :" if lang == "fr" else ":"
    return f"#{iv.id} {iv.title}{colon} {get_registry().status(iv.status).label_in(lang)}{closed}"


def _reload(intervention_id: int):
    from .services.reports import _load_full

    return _load_full(intervention_id)


def _show(iv, user, lang: str) -> None:
    from flask_babel import gettext

    from engine import display

    from .extensions import db
    from .models import User
    from .registry import get_registry
    from .services import policy, workflow
    from .services.reports import sendings_of
    from .services.signatures import signature_states
    from .services.work import segments_of, state_of, work_of

    reg = get_registry()
    w = work_of(iv)
    c = iv.client

    def when(at):
        return display.datetime(at, lang) if at else "—"

    def dur(m):
        return display.duration(m, lang) if m is not None else "—"

    echo = click.echo
    colon = " :" if lang == "fr" else ":"  # French puts a space before the colon
    echo(f"#{iv.id} {iv.title}")
    status = reg.status(iv.status).label_in(lang)
    if iv.closed:
        who = db.session.get(User, w.closed_by_id) if w and w.closed_by_id else None
        status += f"  [{_w(lang, 'closed')}" + (f" {when(w.closed_at)}" if w and w.closed_at else "") + (f" {_w(lang, 'by')} {who.display_name}" if who else "") + "]"
        if w and w.closed_reason:
            status += f" « {w.closed_reason} »" if lang == "fr" else f" “{w.closed_reason}”"
    echo(f"{gettext('Status')}{colon} {status}")
    echo(f"{gettext('Type')}{colon} {reg.event_type_title(iv.event_type_id, lang)}")
    address = ", ".join(x for x in [c.address or "", " ".join(x for x in [c.postcode or "", c.city or ""] if x)] if x)
    echo(f"{gettext('Client')}{colon} {c.name}" + (f", {address}" if address else "") + (f", {c.phone}" if c.phone else "") + (f", {c.email}" if c.email else ""))
    echo(f"{gettext('Technicians')}{colon} {', '.join(t.display_name for t in iv.technicians) or '—'}")
    echo(f"{_w(lang, 'start_end')}{colon} {display.period(iv.start_at, iv.end_at, lang)}")
    echo(f"{gettext('Planned duration')}{colon} {dur(iv.duration_minutes)} · {gettext('Actual duration')}{colon} {dur(w.actual_minutes if w else None)} · {gettext('Travel time')}{colon} {dur(w.travel_minutes if w else None)}")
    if w and (w.started_at or w.done_at):
        echo(f"{_w(lang, 'started')}{colon} {when(w.started_at)}" + (f" · {_w(lang, 'done_at')}{colon} {when(w.done_at)}" if w.done_at else ""))
    segs = segments_of(iv.id)
    if segs:
        echo(f"{_w(lang, 'timer')}{colon}")
        for s in segs:
            end = display.time(s.ended_at, lang) if s.ended_at else _w(lang, "running")
            echo(f"  {when(s.started_at)} – {end}  {dur(s.minutes) if s.minutes is not None else '…'}")
    if user is not None:
        facts = policy.facts_of(user, iv, source="cli", work=w, timer_running=any(s.ended_at is None for s in segs))
        allowed = [s.label_in(lang) + f" ({s.key})" for s in policy.allowed_transitions(facts)]
        echo(f"{_w(lang, 'transitions', user=user.username)}{colon} {', '.join(allowed) or _w(lang, 'none')}")
        may = {command: policy.decide(facts, action) for command, action in _COMMAND_ACTIONS.items()}
        echo(f"{_w(lang, 'may', user=user.username)}{colon} {', '.join(c for c, d in may.items() if d.allowed) or _w(lang, 'none')}")
        refused = {c: d for c, d in may.items() if not d.allowed and d.code != "already"}
        if refused:
            echo(f"{_w(lang, 'refused', user=user.username)}{colon}")
            for command, d in refused.items():
                echo(f"  - {command}{colon} {d.message}")
    if state_of(iv) == "in_progress":
        missing = workflow.completion_missing(iv, lang)
        if missing:
            echo(f"{_w(lang, 'missing')}{colon}")
            for m in missing:
                echo(f"  - {m['message']}")
    sendings = sendings_of(iv.id)
    if sendings:
        echo(f"{_w(lang, 'sendings')}{colon}")
        for s in sendings:
            status = {"pending": gettext("pending"), "queued": gettext("queued"), "sending": gettext("sending"), "retrying": gettext("will retry"),
                      "sent": gettext("sent"), "failed": gettext("failed")}.get(s.status, s.status)
            line = f"  {when(s.sent_at or s.last_attempt_at or s.requested_at)}  {status:<10} {', '.join(s.recipients) or '—'}  ({s.attempts}/{s.max_attempts})"
            if s.last_error:
                line += f"  {s.last_error}"
            echo(line)
    sigs = signature_states(iv.id)
    if sigs:
        echo(f"{gettext('Signatures')}{colon}")
        for s in sigs:
            echo(f"  {_w(lang, s.signer if s.signer in ('technician', 'client') else 'client')} {s.signer_name or '—'}{colon} {_w(lang, 'sig_valid' if s.valid else 'sig_invalid')}")


#: The commands of ``fieldforms intervention`` that change it -> the policy's question.
_COMMAND_ACTIONS = {
    "start": "start", "pause": "pause", "resume": "resume", "finish": "finish", "close": "close", "reopen": "reopen",
    "send-report": "send_report",
}


def _register_intervention_commands(group: click.Group) -> None:
    as_option = click.option("--as", "username", required=True, metavar="USER", help="the account that acts (its role's rights apply)")
    lang_option = click.option("--lang", default="fr", type=LANGS, show_default=True, help="language of the messages")

    @group.group("intervention")
    def intervention() -> None:
        """Statuses, times, close/reopen and report sending of an intervention, with the
        same rules as the back office and the devices (audit source "cli")."""

    @intervention.command("show")
    @click.argument("intervention_id", type=int)
    @click.option("--as", "username", metavar="USER", help="also list the statuses this account may set")
    @lang_option
    def show_command(intervention_id: int, username: str | None, lang: str) -> None:
        """Status, lock, times, timer, what is missing to finish, sendings and signatures."""
        from .services import load_intervention

        def do(user):
            iv = load_intervention(intervention_id, user) if user is not None else _reload(intervention_id)
            _show(iv, user, lang)

        _run_as(username, lang, do)

    def verb(name: str, help_text: str, call, ok_msgid: str, extra_options=()):
        def command(intervention_id: int, username: str, lang: str, **kw) -> None:
            from flask_babel import gettext

            def do(user):
                call(user, intervention_id, **kw)
                click.echo(gettext(ok_msgid))
                click.echo(_status_line(_reload(intervention_id), lang))

            _run_as(username, lang, do)

        command.__doc__ = help_text
        command.__name__ = f"{name.replace('-', '_')}_command"
        f = lang_option(as_option(command))
        for opt in reversed(extra_options):
            f = opt(f)
        f = click.argument("intervention_id", type=int)(f)
        intervention.command(name)(f)

    verb("start", "Start (\"Démarrer\"): in progress, the timer opens in automatic mode.",
         lambda u, i: _wf().start_intervention(u, i, source="cli"), "Intervention started.")
    verb("pause", "Pause the timer (automatic time tracking).",
         lambda u, i: _wf().pause_intervention(u, i, source="cli"), "Timer paused.")
    verb("resume", "Resume the timer (automatic time tracking).",
         lambda u, i: _wf().resume_intervention(u, i, source="cli"), "Timer resumed.")
    verb("finish", "Finish (\"Terminer\"): refused with the list of what is missing.",
         lambda u, i, duration, travel: _wf().finish_intervention(u, i, duration_minutes=duration, travel_minutes=travel, source="cli"),
         "Intervention done.",
         (click.option("--duration", type=int, metavar="MIN", help="actual duration, in minutes"),
          click.option("--travel", type=int, metavar="MIN", help="travel time, in minutes")))
    verb("close", "Close (\"Clôturer\"): no change from devices until reopened.",
         lambda u, i, reason: _wf().close_intervention(u, i, reason=reason, source="cli"),
         "Intervention closed: devices can no longer change it.",
         (click.option("--reason", metavar="TEXT", help="why (shown to the technicians)"),))
    verb("reopen", "Reopen (\"Ré-ouvrir\").", lambda u, i: _wf().reopen_intervention(u, i, source="cli"), "Intervention reopened.")

    @intervention.command("status")
    @click.argument("intervention_id", type=int)
    @click.argument("to_key", metavar="TO_KEY")
    @as_option
    @lang_option
    def status_command(intervention_id: int, to_key: str, username: str, lang: str) -> None:
        """Move to the status TO_KEY (a key of workflow.json, or its label) if the workflow
        lets the account's role take that transition."""
        from flask_babel import gettext

        from .registry import get_registry

        def do(user):
            key = _status_key(get_registry().workflow, to_key)
            _wf().transition(user, intervention_id, key, source="cli")
            click.echo(gettext("Status changed."))
            click.echo(_status_line(_reload(intervention_id), lang))

        _run_as(username, lang, do)

    @intervention.command("send-report")
    @click.argument("intervention_id", type=int)
    @as_option
    @click.option("--to", "recipients", multiple=True, metavar="EMAIL", help="a recipient (repeat it); default: the client's e-mail")
    @lang_option
    def send_report_command(intervention_id: int, username: str, recipients: tuple[str, ...], lang: str) -> None:
        """E-mail the report PDF (needs MAIL_SERVER and MAIL_DEFAULT_SENDER)."""
        from .services import reports

        def do(user):
            s = reports.request_report_sending(user, intervention_id, recipients=list(recipients) or None, source="cli")
            if s.status == "sent":
                click.echo(_w(lang, "sent", to=", ".join(s.recipients)))
            elif s.status in ("queued", "sending"):
                click.echo(_w(lang, "queued", id=s.id))
            else:
                from flask_babel import gettext

                status = {"pending": gettext("pending"), "retrying": gettext("will retry"), "failed": gettext("failed")}.get(s.status, s.status)
                raise _Stop(_w(lang, "not_sent", status=status, error=s.last_error or ""))

        _run_as(username, lang, do)


def _wf():
    """The workflow services, imported when a command runs (not when the CLI starts)."""
    from .services import workflow

    return workflow


def _status_key(wf, wanted: str) -> str:
    """A status key from its key or its label in any language (case-insensitive); an
    unknown one is passed on (the service refuses it)."""
    w = wanted.strip()
    for s in wf.statuses:
        labels = s.label.values() if isinstance(s.label, dict) else [s.label]
        if w == s.key or w.casefold() in {str(v).casefold() for v in labels if v}:
            return s.key
    return w


# --- fieldforms export: the back office's export, from the server (issue 15) ----------------


def _register_export_command(group: click.Group) -> None:
    @group.command("export")
    @click.argument("subject", metavar="FORM")
    @click.option("--event-type", "is_type", is_flag=True, help="FORM is an event type: its forms side by side, one row per intervention")
    @click.option("--from", "date_from", required=True, metavar="YYYY-MM-DD", help="first day (company time) of the interventions' start")
    @click.option("--to", "date_to", required=True, metavar="YYYY-MM-DD", help="last day, included")
    @click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="the file to write")
    @click.option("--technician", metavar="USER", help="only this technician's interventions (username)")
    @click.option("--status", metavar="KEY", help="only this status (a key of workflow.json)")
    @click.option("--client", "client_id", type=int, metavar="ID", help="only this client's interventions")
    @click.option("--raw", is_flag=True, help="raw values (codes, true/false, ISO dates) instead of labels")
    @click.option("--lang", default="fr", type=LANGS, show_default=True, help="language of the headers and labels")
    @click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, envvar="FIELDFORMS_BASE_URL", show_envvar=True,
                  help="the back office's address, for the links to photos and signatures")
    def export_command(subject: str, is_type: bool, date_from: str, date_to: str, fmt: str, output: str, technician: str | None,
                       status: str | None, client_id: int | None, raw: bool, lang: str, base_url: str) -> None:
        """Export the answers to FORM over a period as XLSX or CSV (a zip of CSVs when the
        form has lists of items), with a progress bar. Same columns as the back office's
        Exports page; the file is written whatever its size, in bounded memory."""
        from .exports.request import parse_request
        from .services import exports

        def do(_user):
            import sqlalchemy as sa

            from .extensions import db
            from .models import User

            values = {"subject": f"{'type' if is_type else 'form'}:{subject}", "date_from": date_from, "date_to": date_to, "format": fmt, "raw": raw,
                      "status": status, "client_id": client_id}
            if technician:
                tech = db.session.scalar(sa.select(User).where(User.username == technician))
                if tech is None:
                    raise _Stop(_w(lang, "no_user", name=technician))
                values["technician_id"] = tech.id
            req = parse_request({k: v for k, v in values.items() if v is not None}, lang=lang, base_url=base_url)
            plan, forms, total = exports.prepare(None, req)
            name = exports.file_name(req, plan)
            path = output
            if name.endswith(".zip") and not output.endswith(".zip"):
                path = output + ".zip"
            with click.progressbar(length=total, label=name, file=sys.stderr, show_pos=True) as bar:
                seen = [0]

                def progress(done: int) -> None:
                    bar.update(done - seen[0])
                    seen[0] = done

                exports.write_export(plan, forms, path, progress)
            click.echo(f"{path}: {total} " + ("ligne(s)" if lang == "fr" else "row(s)"))

        _run_as(None, lang, do)
