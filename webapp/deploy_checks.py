"""What a production deployment needs, checked like Django's ``check --deploy``."""

import enum
import os
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import make_url

from .config import production_problems


class Severity(enum.Enum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Problem:
    severity: Severity
    message: str


def _error(message):
    return Problem(Severity.error, message)


def _warning(message):
    return Problem(Severity.warning, message)


def deploy_problems(config):
    """Every problem with ``config`` for a production deployment, errors first."""
    problems = [_error(message) for message in production_problems(config)]
    if config.get("APP_ENV") != "production":
        problems.append(_error(f"APP_ENV is {config.get('APP_ENV')!r}; production needs APP_ENV=production."))
    problems += _database_problems(config)
    problems += _sign_in_problems(config)
    problems += _storage_problems(config)
    problems += _mail_problems(config)
    problems += _service_problems(config)
    return sorted(problems, key=lambda problem: problem.severity != Severity.error)


def _database_problems(config):
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return [_error("DATABASE_URL is not set: SQLite on Render's ephemeral disk loses every change at each deploy.")]
    if url.get_backend_name() != "postgresql":
        return [
            _warning(f"DATABASE_URL uses {url.get_backend_name()}; Hyperdesk is tested on PostgreSQL and SQLite only.")
        ]
    return _pool_problems(config["SQLALCHEMY_ENGINE_OPTIONS"])


def _pool_problems(options):
    """A pool too small for gunicorn's threads (read from the environment gunicorn.conf.py reads).

    A request holds its connection while a session's or an API key's once-a-minute "last used"
    write takes a second one; with the outbox thread's, the pool must let one more in than that,
    or every thread can end up holding one connection and waiting for another until the timeout.
    """
    sync = os.environ.get("GUNICORN_WORKER_CLASS", "gthread") == "sync"
    threads = 1 if sync else int(os.environ.get("GUNICORN_THREADS", "4"))
    pool = options["pool_size"] + options["max_overflow"]
    if pool < threads + 2:
        return [
            _error(
                f"DB_POOL_SIZE + DB_MAX_OVERFLOW is {pool}, below GUNICORN_THREADS + 2 ({threads + 2}): when every "
                "request thread needs a second connection at once, requests wait DB_POOL_TIMEOUT and fail with 503."
            )
        ]
    return []


def _sign_in_problems(config):
    problems = []
    if not (config.get("GOOGLE_CLIENT_ID") and config.get("GOOGLE_CLIENT_SECRET")):
        problems.append(_error("GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are required: nobody could sign in."))
    discovery = config.get("GOOGLE_DISCOVERY_URL") or ""
    if discovery and urlsplit(discovery).scheme != "https":
        problems.append(
            _warning(f"GOOGLE_DISCOVERY_URL is not https ({discovery}): sign-in keys would travel unprotected.")
        )
    admins = config.get("ADMIN_EMAILS") or []
    if not admins:
        problems.append(
            _warning(
                "ADMIN_EMAILS is empty: nobody becomes an administrator at sign-in (use `flask create-admin EMAIL`)."
            )
        )
    malformed = [email for email in admins if not _looks_like_email(email)]
    if malformed:
        problems.append(_error(f"ADMIN_EMAILS has entries that are not e-mail addresses: {', '.join(malformed)}."))
    return problems + _web_problems(config)


def _looks_like_email(value):
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain and " " not in value


def _web_problems(config):
    problems = []
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append(_error("SESSION_COOKIE_SECURE is off: session cookies would travel over plain HTTP."))
    hops = config.get("PROXY_FIX_HOPS") or 0
    if not hops:
        problems.append(
            _warning("PROXY_FIX_HOPS is 0: behind Render's proxy, OAuth callback URLs would be built as http://.")
        )
    elif hops > 1:
        problems.append(
            _warning(f"PROXY_FIX_HOPS is {hops}: Render has one proxy; trusting more lets clients forge their address.")
        )
    problems += _address_problems(config)
    if not config.get("RATELIMIT_ENABLED", True):
        problems.append(_warning("RATELIMIT_ENABLED is off: sign-in and access requests have no rate limit."))
    return problems


def _address_problems(config):
    """The public address e-mail links use, and which host names the app believes."""
    problems = []
    public_url = config.get("PUBLIC_URL")
    if not public_url:
        problems.append(
            _error(
                "PUBLIC_URL is not set: links in e-mails need the site's https:// address "
                "(on Render it defaults to RENDER_EXTERNAL_URL, which Render sets)."
            )
        )
    elif urlsplit(public_url).scheme != "https" or not urlsplit(public_url).hostname:
        problems.append(_error(f"PUBLIC_URL must be an https:// address, not {public_url!r}."))
    if config.get("PROXY_FIX_X_HOST") and not config.get("TRUSTED_HOSTS"):
        problems.append(
            _error(
                "PROXY_FIX_X_HOST is on without TRUSTED_HOSTS: any client could choose the host name "
                "the app builds its links from."
            )
        )
    return problems


def _storage_problems(config):
    url = config.get("CLOUDINARY_URL")
    if not url:
        return [
            _error(
                "CLOUDINARY_URL is not set: uploads would go to Render's ephemeral disk and vanish at the next deploy."
            )
        ]
    parts = urlsplit(url)
    if parts.scheme != "cloudinary" or not (parts.username and parts.password and parts.hostname):
        return [_error("CLOUDINARY_URL must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME.")]
    prefix = parse_qs(parts.query).get("upload_prefix", [""])[0]
    if prefix and urlsplit(prefix).scheme != "https":
        return [_warning(f"CLOUDINARY_URL sends uploads to {prefix}, not over https.")]
    return []


def _mail_problems(config):
    if not config.get("MAIL_SERVER"):
        return [_warning("MAIL_SERVER is not set: notification e-mails are only written to the log.")]
    problems = []
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        problems.append(_error("MAIL_USE_TLS and MAIL_USE_SSL are both on: choose STARTTLS (587) or TLS (465)."))
    if "@localhost" in (config.get("MAIL_SENDER") or ""):
        problems.append(_warning("MAIL_SENDER is a localhost address: most mail servers refuse or bin such messages."))
    return problems


def _service_problems(config):
    redis_url = config.get("REDIS_URL")
    if not redis_url:
        return [_warning("REDIS_URL is not set: rate limits are counted per worker process, not shared.")]
    if urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        return [_error(f"REDIS_URL must start with redis://, rediss:// or unix://, not {redis_url.split(':', 1)[0]}:.")]
    return []
