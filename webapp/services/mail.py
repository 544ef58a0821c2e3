"""E-mail: ``Mailer.send`` writes to the outbox in the caller's transaction; ``transmit`` hands one message to SMTP.

Services call ``mailer.send(to, subject, body)`` before they commit, so the message is stored
exactly when the change it reports is; delivery happens after the commit (webapp/outbox/).
"""

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app

from . import outbox, site_settings

log = logging.getLogger(__name__)
# Where `make run` serves: e-mail links outside production when PUBLIC_URL is not set.
LOCAL_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server, read once from the app config."""

    server: str
    port: int
    username: str
    password: str
    use_tls: bool
    use_ssl: bool
    sender: str
    timeout: int
    send_async: bool

    @classmethod
    def from_config(cls, config):
        return cls(
            server=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            use_tls=config["MAIL_USE_TLS"],
            use_ssl=config["MAIL_USE_SSL"],
            sender=config["MAIL_SENDER"],
            timeout=config["MAIL_TIMEOUT"],
            send_async=config["MAIL_ASYNC"],
        )


@dataclass(frozen=True)
class Mailer:
    """Sends the app's e-mail and builds absolute links for it."""

    settings: MailSettings
    base_url: str
    site_name: str = "Hyperdesk"
    # The From display name; None keeps MAIL_SENDER's (the site name is still the default one).
    sender_name: str | None = None

    @classmethod
    def from_config(cls, config):
        """The mailer for an app: links go to ``PUBLIC_URL`` (required in production), else the local server.

        Never the request's host: a client chooses ``Host`` and ``X-Forwarded-Host``, and
        a newcomer's request would otherwise send every administrator a link to any site.
        The site's name is the one the administrators set.
        """
        site = site_settings.current()
        chosen = site.source("site_name") != "default"
        base_url = config["PUBLIC_URL"] or LOCAL_URL
        return cls(MailSettings.from_config(config), base_url, site.site_name, site.site_name if chosen else None)

    def link(self, endpoint, **values):
        """An absolute URL to ``endpoint``; works outside a request (CLI, background jobs)."""
        base = urlsplit(self.base_url)
        adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
        return adapter.build(endpoint, values, force_external=True)

    def send(self, to, subject, body):
        """Put a plain-text message in the outbox, in the caller's transaction (sent after its commit)."""
        return outbox.enqueue(to, subject, body, sender_name=self.sender_name)


def current_mailer():
    """The current app's mailer."""
    return Mailer.from_config(current_app.config)


def sender(settings, message):
    """The From line: MAIL_SENDER's address, under the site's name when the message carries one."""
    if not message.sender_name:
        return settings.sender
    return formataddr((message.sender_name, parseaddr(settings.sender)[1]))


def build_message(settings, message):
    """The e-mail for outbox row ``message``, with its own Message-ID (the same at every attempt)."""
    email = EmailMessage()
    email["From"] = sender(settings, message)
    email["To"] = ", ".join(message.recipients)
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email.set_content(message.body)
    return email


def transmit(settings, message):
    """Hand outbox row ``message`` to the SMTP server; raises OSError or SMTPException when it is not accepted."""
    smtp_class = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
    with smtp_class(settings.server, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls and not settings.use_ssl:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(build_message(settings, message))


def log_unsent(recipients, subject, body):
    """Without an SMTP server, show a message in the log; it stays in the outbox until one is set."""
    log.info(
        "E-mail (no MAIL_SERVER set, not sent; kept in the outbox) to %s: %s\n%s", ", ".join(recipients), subject, body
    )
