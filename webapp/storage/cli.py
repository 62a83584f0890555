"""``fieldforms storage …``: where attachments and sent reports are kept.

``fieldforms storage copy --to s3`` copies the local folder (``ATTACHMENTS_DIR``) to the
bucket the ``S3_*`` settings name, whatever ``STORAGE_BACKEND`` says now: run it, switch
``STORAGE_BACKEND=s3``, run it once more (it sends only what was uploaded meanwhile), restart.
``--to local`` goes the other way (a copy of the bucket on a disk, a backup). See
:mod:`.copy` for what is skipped and how a copy is verified.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from . import BACKENDS, StorageError, StorageUnavailable, build
from .copy import copy_all


def register(group: click.Group, make_app: Callable) -> None:
    @group.group("storage")
    def storage_group() -> None:
        """Attachments and sent report PDFs: the local folder or S3 (STORAGE_BACKEND)."""

    @storage_group.command("copy")
    @click.option("--to", "target", type=click.Choice(BACKENDS), required=True, help="where to copy to: s3 (from the local folder) or local (from S3)")
    def copy_command(target: str) -> None:
        """Copy every object of the other backend to TARGET, verified by sha256.

        Objects already there with the same sha256 are skipped: run it again at will. The
        source is left as it is. Exits 1 naming each object that could not be copied."""
        app = make_app()
        try:
            source = build(app.config, "s3" if target == "local" else "local")
            dest = build(app.config, target)
            dest.check()
            keys = list(source.keys())
        except (StorageError, StorageUnavailable) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{len(keys)} object(s) from {source.describe()} to {dest.describe()}")
        with click.progressbar(length=len(keys), label="copying", show_pos=True) as bar:
            report = copy_all(source, dest, keys, on_done=lambda _key, _outcome: bar.update(1))
        click.echo(f"{len(report.copied)} copied, {len(report.skipped)} already there, {len(report.failed)} failed")
        for key, why in report.failed:
            click.echo(f"failed: {source.locate(key)}: {why}", err=True)
        if report.failed:
            sys.exit(1)
