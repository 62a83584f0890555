"""The ``fieldforms`` command: lint and preview forms, and run the web app.

Thin on purpose: it parses options and calls the engine, the renderers or the web app.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine import DefinitionError, clock, load_definition
from engine.definition import read_json_file


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fieldforms")
def main() -> None:
    """fieldforms: JSON Schema forms for field-service interventions."""
    try:  # a wrong FIELDFORMS_TZ is said once, plainly, before any command runs
        clock.company_tz()
    except clock.UnknownTimeZone as exc:
        raise click.UsageError(str(exc)) from None


@main.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def lint_command(paths: tuple[Path, ...]) -> None:
    """Check form definitions, event types, report templates and the workflow.

    PATHS are files or folders (a folder like form_definitions/ is checked as a whole).
    Prints one line per problem, ``file:pointer: message``, and exits 1 if there is any;
    warnings (what a form written for react-jsonschema-form says that has no effect here)
    are printed too, ``file:pointer: warning: message``, and do not fail.
    """
    from engine.problems import errors_only
    from engine.project import lint_paths

    found = lint_paths(paths, _template_checker())
    for p in found:
        click.echo(str(p))
    problems = errors_only(found)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"no problems ({len(found)} warning(s))" if found else "no problems", err=True)


def _template_checker():
    """The renderers' report-template check, when the renderers are installed."""
    try:
        from renderers.pdf import check_template
    except ImportError:
        return None
    return check_template


def _load_or_exit(form: Path):
    try:
        return load_definition(form)
    except DefinitionError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        sys.exit(1)


def _read_answers(path: Path) -> dict:
    try:
        data = read_json_file(path)
    except DefinitionError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        sys.exit(1)
    # examples/<id>/invalid.json wraps the answers with the expected errors
    if isinstance(data, dict) and set(data) == {"data", "errors"}:
        data = data["data"]
    return data


@main.command("validate")
@click.argument("form", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="answers (JSON)")
@click.option("--lang", default="fr", type=click.Choice(["fr", "en"]), show_default=True)
def validate_command(form: Path, data_path: Path, lang: str) -> None:
    """Validate answers against a form: one ``pointer: message`` line per error, exit 1."""
    d = _load_or_exit(form)
    errors = d.validate(_read_answers(data_path), lang=lang)
    for e in errors:
        click.echo(f"{e.pointer or '/'}: {e.message}")
    if errors:
        sys.exit(1)
    click.echo("valid", err=True)


@main.group("preview")
def preview() -> None:
    """Render a form to HTML or its report to PDF, to look at."""


@preview.command("html")
@click.argument("form", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", default="fr", type=click.Choice(["fr", "en"]), show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--watch", is_flag=True, help="re-render whenever the definition or answers change")
def preview_html(form: Path, data_path: Path | None, lang: str, output: Path, watch: bool) -> None:
    """A standalone HTML page of FORM (optionally filled with answers and their errors)."""
    from renderers.preview import write_html_preview, watch_and_render

    def render() -> None:
        d = _load_or_exit(form) if not watch else load_definition(form)
        data = _read_answers(data_path) if data_path else None
        write_html_preview(d, data, output, lang=lang)
        click.echo(f"wrote {output}", err=True)

    if watch:
        watch_and_render([form] + ([data_path] if data_path else []), render, echo=lambda m: click.echo(m, err=True))
    else:
        render()


@preview.command("pdf")
@click.argument("form", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="a report template (Jinja)")
@click.option("--lang", default="fr", type=click.Choice(["fr", "en"]), show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def preview_pdf(form: Path, data_path: Path, template: Path | None, lang: str, output: Path) -> None:
    """The PDF report of FORM filled with answers, with a demo intervention context."""
    from renderers.pdf import ReportError
    from renderers.preview import write_pdf_preview

    d = _load_or_exit(form)
    try:
        write_pdf_preview(d, _read_answers(data_path), output, template=template, lang=lang)
    except ReportError as exc:  # `file: message`, what to fix and where, never a traceback
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"wrote {output}", err=True)


def _register_app_commands() -> None:
    """The web app's own commands (init-db, demo, serve, run, …) when it is installed."""
    try:
        from webapp.commands import register
    except ImportError as exc:  # the web app is optional for linting forms
        if "webapp.commands" not in str(exc) and "webapp" not in str(exc):
            raise
        return
    register(main)


_register_app_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
