"""``flask outbox``: list undelivered mail, deliver what is due (for a scheduler), retry and purge."""

from datetime import timedelta

import click
from flask import current_app

from ..ids import parse_ids
from ..services import outbox
from .delivery import deliver_now

outbox_group = click.Group("outbox", help="The e-mail outbox: list, deliver, retry, purge.")


@outbox_group.command("list")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
def list_undelivered(limit):
    """Show messages not yet sent (pending or given up on), oldest first."""
    messages = outbox.undelivered(limit=limit)
    for message in messages:
        click.echo(
            f"{message.id:>6} {message.status:<7} attempts={message.attempts} "
            f"created={message.created_at:%Y-%m-%d %H:%M:%S} next={message.next_attempt_at:%Y-%m-%d %H:%M:%S} "
            f"to={','.join(message.recipients)} subject={message.subject!r}"
            + (f" error={message.last_error!r}" if message.last_error else "")
        )
    count, _ = outbox.backlog()
    click.echo(f"{count} undelivered message(s).")


@outbox_group.command("deliver")
def deliver():
    """Deliver every message that is due now, then exit (for a cron job); exit 1 when some failed."""
    report = deliver_now(current_app._get_current_object())
    if report is None:
        raise click.ClickException("MAIL_SERVER is not set: nothing can be delivered.")
    click.echo(f"{len(report.sent)} sent, {len(report.retrying)} to retry later, {len(report.failed)} given up on.")
    if report.retrying or report.failed:
        raise SystemExit(1)


@outbox_group.command("retry")
@click.argument("ids", nargs=-1)
def retry(ids):
    """Make messages given up on due again now (all of them, or the IDS given)."""
    wanted = parse_ids(ids)
    if ids and not wanted:
        raise click.BadParameter("give message ids as numbers", param_hint="IDS")
    count = outbox.retry(wanted or None)
    click.echo(f"{count} message(s) will be sent again.")


@outbox_group.command("purge")
@click.option("--older-than", "days", default=30, show_default=True, type=click.IntRange(min=0), help="Days.")
@click.option("--failed", is_flag=True, help="Also delete messages given up on.")
def purge(days, failed):
    """Delete sent messages older than the given number of days."""
    count = outbox.purge(timedelta(days=days), include_failed=failed)
    click.echo(f"{count} message(s) deleted.")
