"""Send e-mail over SMTP after the work is committed; a failing mail server never undoes it."""

import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app

log = logging.getLogger(__name__)


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

    @classmethod
    def from_config(cls, config, host_url=None):
        """The mailer for an app: links go to ``PUBLIC_URL``, else the current request's host."""
        base_url = config["PUBLIC_URL"] or host_url or "http://localhost:5000"
        return cls(MailSettings.from_config(config), base_url)

    def link(self, endpoint, **values):
        """An absolute URL to ``endpoint``; works outside a request (CLI, background jobs)."""
        base = urlsplit(self.base_url)
        adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
        return adapter.build(endpoint, values, force_external=True)

    def send(self, to, subject, body):
        """Send a plain-text message; see :func:`send`."""
        send(self.settings, to, subject, body)


def build_message(settings, to, subject, body):
    """A plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = " ".join(subject.split())  # user text in a subject must not break the header
    message["Message-ID"] = make_msgid(domain="hyperdesk")
    message.set_content(body)
    return message


def send(settings, to, subject, body):
    """Send a message to the addresses in ``to``; without an SMTP server, write it to the log.

    Delivery runs in a background thread by default, so a slow or dead mail server
    costs the request nothing; failures are logged, never raised.
    """
    to = sorted({address for address in to if address})
    if not to:
        return
    message = build_message(settings, to, subject, body)
    if not settings.server:
        log.info("E-mail (no MAIL_SERVER set, not sent) to %s: %s\n%s", message["To"], subject, body)
        return
    if settings.send_async:
        threading.Thread(target=_deliver, args=(settings, message), daemon=True).start()
    else:
        _deliver(settings, message)


def _deliver(settings, message):
    smtp_class = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
    try:
        with smtp_class(settings.server, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls and not settings.use_ssl:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.error(
            "E-mail to %s failed (%s: %s); the action it reports was saved.",
            message["To"],
            error.__class__.__name__,
            error,
        )
    else:
        log.info("E-mail sent to %s: %s", message["To"], message["Subject"])
