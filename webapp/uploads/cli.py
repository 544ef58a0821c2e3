"""``flask purge-orphan-assets``: delete stored images nothing refers to (run it from a cron job)."""

from datetime import timedelta

import click


@click.command("purge-orphan-assets")
@click.option(
    "--older-than",
    "minutes",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Only delete images orphaned at least this many minutes ago (uploads waiting for a form to be saved are orphans too).",
)
def purge_orphan_assets(minutes):
    """Delete orphaned images and their rows; exit 1 when some could not be deleted (they are retried next time)."""
    from .service import purge_orphans

    report = purge_orphans(older_than=timedelta(minutes=minutes))
    click.echo(
        f"{report.deleted} orphaned image(s) deleted, {report.failed} could not be deleted; "
        f"{report.marked} newly orphaned, {report.restored} back in use."
    )
    if report.failed:
        raise SystemExit(1)
