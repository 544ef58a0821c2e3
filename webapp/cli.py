"""``flask`` commands: seed-demo, create-admin, access remind, check-deploy, scaffold (database commands: Flask-Migrate)."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from .deploy_checks import Severity, deploy_problems
from .extensions import db
from .models import AccountStatus, Role, User
from .scaffold import scaffold
from .services.accounts import is_email_address
from .uploads.cli import purge_orphan_assets


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Display name for a new account.")
def create_admin(email, name):
    """Create EMAIL as an approved administrator, or promote the existing account."""
    from .services import access, audit

    email = email.strip().lower()
    if not is_email_address(email):
        raise click.BadParameter(f"{email!r} is not an e-mail address", param_hint="EMAIL")
    user = db.session.scalar(select(User).where(User.email == email))
    created = user is None
    if created:
        user = User(email=email, name=name)
        db.session.add(user)
    user.role = Role.admin
    user.status = AccountStatus.approved
    audit.record("user.made_admin", target=user, details={"via": "cli", "created": created})
    if not created:
        access.close_open_requests(user, "made an administrator with flask create-admin")
    db.session.commit()
    click.echo(f"{email} is an approved administrator{' (new account)' if created else ''}.")


access_group = click.Group("access", help="Access requests: remind the deciders of those waiting too long.")


@access_group.command("remind")
def remind():
    """E-mail administrators and approvers one digest of requests waiting too long (for a scheduler)."""
    from .outbox import deliver_now, stop_delivery
    from .services import reminders
    from .services.mail import current_mailer

    app = current_app._get_current_object()
    report = reminders.remind(current_mailer())
    if report.waiting_without_deciders:
        raise click.ClickException(
            f"{report.waiting_without_deciders} request(s) wait, and there is no approved administrator or approver."
        )
    if not report.request_ids:
        click.echo("No request has waited longer than the reminder time since its last reminder.")
        return
    # A scheduled run ends when this command does: send the digest now rather than leave it to a web worker.
    stop_delivery(app, timeout=app.config["MAIL_TIMEOUT"] * 2)
    deliver_now(app)
    state = reminders.delivery_state(report)
    where = {"sent": "sent", "failed": "refused by the mail server (flask outbox list)"}.get(state, "in the outbox")
    click.echo(
        f"Reminded {len(report.recipients)} decider(s) of {len(report.request_ids)} request(s); the digest is {where}."
    )


@click.command("seed-demo")
def seed_demo():
    """Add demo users, projects, specifications and items (safe to run again)."""
    from .demo import seed

    summary = seed()
    click.echo(summary)


@click.command("check-deploy")
@with_appcontext
def check_deploy():
    """List every configuration problem for production; exit 1 when any is an error."""
    problems = deploy_problems(current_app.config)
    for problem in problems:
        click.echo(f"{problem.severity.value.upper():7} {problem.message}")
    errors = [p for p in problems if p.severity == Severity.error]
    if errors:
        click.echo(f"{len(errors)} error(s): this configuration must not run in production.", err=True)
        raise SystemExit(1)
    click.echo(
        "No errors: the configuration is fit for production." + (" (See the warnings above.)" if problems else "")
    )


def register_commands(app):
    """Make the commands available as ``flask --app webapp <command>``."""
    for command in (create_admin, access_group, seed_demo, check_deploy, purge_orphan_assets, scaffold):
        app.cli.add_command(command)
