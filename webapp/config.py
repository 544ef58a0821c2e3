"""Configuration read from the environment, and the checks production must pass."""

import collections
import itertools
import math
import os

from sqlalchemy.engine import make_url

ENVIRONMENTS = ("development", "production", "testing")
DEV_SECRET_KEY = "dev-only-not-secret"
# Values copied from tutorials and example files: a production app must never run on them.
KNOWN_DEFAULT_SECRETS = {
    DEV_SECRET_KEY,
    "change-me",
    "changeme",
    "secret",
    "dev",
    "development",
    "you-will-never-guess",
    "replace-with-a-long-random-string",
}
MIN_SECRET_LENGTH = 32
# A random key of 32 hexadecimal characters (128 bits) scores about 115 bits by the estimate
# below, never less than 95 in 20,000 draws; typed or patterned keys score far lower.
MIN_SECRET_BITS = 90
MIN_SECRET_DISTINCT = 6
GENERATE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
# The same values as webapp/services/site_settings.py's MODES (configuration imports no service).
REGISTRATION_MODES = ("approval", "open", "invite_only", "closed")
GOOGLE_DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"


class ConfigError(RuntimeError):
    """The configuration cannot run; the message lists every problem."""

    def __init__(self, problems):
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"Hyperdesk cannot start with this configuration:\n{lines}")


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _optional_int(name):
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


def _optional_flag(name):
    value = os.environ.get(name, "").strip()
    return _flag(name) if value else None


def _list(name):
    return [item.strip().lower() for item in os.environ.get(name, "").split(",") if item.strip()]


def normalise_database_url(url):
    """Accept Render's ``postgres://`` form and pin PostgreSQL URLs to psycopg2."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which we do not ship.
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


def engine_options(url):
    """Pool settings that suit the database behind ``url`` (docs/operations.md has the arithmetic).

    No ``pool_pre_ping``: a round trip before every request costs 5-8% of a page's CPU. A
    PostgreSQL connection is checked only after sitting idle (``DB_PING_AFTER_IDLE``,
    webapp/database.py); a SQLite file has no server to drop its connections.
    """
    options = {}
    parsed = make_url(url)
    in_memory = parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    if parsed.get_backend_name() == "sqlite" and not in_memory:
        # Each pooled SQLite connection keeps its own page cache (up to ~2 MiB). Handed out oldest first,
        # the second connection a request opens now and then (the once-a-minute "last seen" write) takes
        # turns serving pages and fills a second cache; newest first, it stays idle and small
        # (bench/footprint.py: 2 MiB less per worker). In-memory databases get a pool without this setting
        # (SQLAlchemy's pysqlite rule, mirrored above).
        options["pool_use_lifo"] = True
    if parsed.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": _int("DB_CONNECT_TIMEOUT", 2), "application_name": "hyperdesk"}
        # Per gunicorn worker: one connection per request thread (GUNICORN_THREADS, 4), plus
        # two for the outbox thread and health checks.
        options["pool_size"] = _int("DB_POOL_SIZE", 4)
        options["max_overflow"] = _int("DB_MAX_OVERFLOW", 2)
        # A request waits this long for a free connection, then gets a 503 instead of hanging.
        options["pool_timeout"] = _int("DB_POOL_TIMEOUT", 3)
        options["pool_recycle"] = _int("DB_POOL_RECYCLE", 300)
    return options


class Config:
    """Every setting the app reads, taken from the environment when the app is created."""

    def __init__(self, instance_path):
        env = os.environ.get("APP_ENV", "production").strip().lower()
        self.APP_ENV = env
        self.TESTING = env == "testing"
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or (DEV_SECRET_KEY if env != "production" else None)
        default_db = "sqlite:///" + os.path.join(instance_path, "hyperdesk.db")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL", "").strip() or default_db)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.DB_CONNECT_TIMEOUT = _int("DB_CONNECT_TIMEOUT", 2)
        # Inside a request each database round trip may take this long: a frozen database is a 503, not a hang.
        self.DB_QUERY_TIMEOUT = _int("DB_QUERY_TIMEOUT", 5)
        # A pooled PostgreSQL connection idle this long is checked with a round trip before use (0: always).
        self.DB_PING_AFTER_IDLE = _int("DB_PING_AFTER_IDLE", 1)
        # At start, wait this long for the database (with back-off) before refusing to serve.
        self.DB_START_WAIT_SECONDS = _int("DB_START_WAIT_SECONDS", 30)

        self.GOOGLE_CLIENT_ID = os.environ.get("GOOGLE_CLIENT_ID", "").strip()
        self.GOOGLE_CLIENT_SECRET = os.environ.get("GOOGLE_CLIENT_SECRET", "").strip()
        self.GOOGLE_DISCOVERY_URL = os.environ.get("GOOGLE_DISCOVERY_URL", "").strip() or GOOGLE_DISCOVERY_URL
        self.GOOGLE_HOSTED_DOMAIN = os.environ.get("GOOGLE_HOSTED_DOMAIN", "").strip().lower()
        google_configured = bool(self.GOOGLE_CLIENT_ID and self.GOOGLE_CLIENT_SECRET)
        self.DEV_LOGIN = _flag("DEV_LOGIN", default=env == "development" and not google_configured)

        self.ADMIN_EMAILS = _list("ADMIN_EMAILS")
        # Site settings (docs/access.md): administrators change these in the back office; the
        # environment gives the value used until they do (None: the setting's own default).
        self.AUTO_APPROVE_DOMAINS = _list("AUTO_APPROVE_DOMAINS")
        self.ACCESS_REQUEST_COOLDOWN_DAYS = _optional_int("ACCESS_REQUEST_COOLDOWN_DAYS")
        self.REGISTRATION_MODE = os.environ.get("REGISTRATION_MODE", "").strip().lower() or None
        self.ACCESS_REASON_REQUIRED = _optional_flag("ACCESS_REASON_REQUIRED")
        self.ACCESS_REASON_MIN_LENGTH = _optional_int("ACCESS_REASON_MIN_LENGTH")
        self.ACCESS_REMINDER_AFTER_HOURS = _optional_int("ACCESS_REMINDER_AFTER_HOURS")
        self.SITE_NAME = os.environ.get("SITE_NAME", "").strip() or None
        # How stale a process's copy of the site settings may be: the bound on "applies everywhere".
        self.SITE_SETTINGS_MAX_AGE = float(os.environ.get("SITE_SETTINGS_MAX_AGE", "").strip() or 2)

        self.CLOUDINARY_URL = os.environ.get("CLOUDINARY_URL", "").strip()
        # Empty: hyperdesk/<APP_ENV>, so environments sharing one Cloudinary account never mix files.
        self.CLOUDINARY_FOLDER = os.environ.get("CLOUDINARY_FOLDER", "").strip().strip("/")
        self.MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 5)
        # Checking an image costs about 4 bytes per pixel (bench/upload_memory.py): 16 MP is ~65 MB,
        # what a 512 MB instance with two workers can spare for each (docs/uploads.md).
        self.MAX_UPLOAD_MEGAPIXELS = _int("MAX_UPLOAD_MEGAPIXELS", 16)
        # Images decoded at once per process, and how long an upload waits for its turn before a 503.
        self.UPLOAD_DECODES = max(1, _int("UPLOAD_DECODES", 1))  # 0 would refuse every upload
        self.UPLOAD_DECODE_WAIT = float(os.environ.get("UPLOAD_DECODE_WAIT", "").strip() or 3)
        # The whole request may carry a little form data beside the largest allowed file.
        self.MAX_CONTENT_LENGTH = (self.MAX_UPLOAD_MB + 1) * 1024 * 1024
        self.UPLOAD_FOLDER = os.path.join(instance_path, "uploads")

        self.REDIS_URL = os.environ.get("REDIS_URL", "").strip()
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # A Redis that accepts connections and never answers would hold every rate-limited request:
        # the limiter's client gives up after this long (to connect, and for each reply), and the
        # limits are then counted in memory, as when Redis is down.
        self.REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "").strip() or 0.5)
        self.RATELIMIT_STORAGE_OPTIONS = (
            {"socket_connect_timeout": self.REDIS_TIMEOUT, "socket_timeout": self.REDIS_TIMEOUT}
            if self.REDIS_URL
            else {}
        )
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", default=True)
        # When Redis is unreachable, count in memory rather than fail every limited request.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_SIGN_IN = os.environ.get("RATELIMIT_SIGN_IN", "").strip() or "20 per minute"
        self.RATELIMIT_ACCESS_REQUEST = os.environ.get("RATELIMIT_ACCESS_REQUEST", "").strip() or "5 per hour"
        # Each upload may decode tens of megapixels: bound what one account can make the server do.
        self.RATELIMIT_UPLOAD = os.environ.get("RATELIMIT_UPLOAD", "").strip() or "30 per minute"
        # Per API key or token; refused credentials count per address, so guessing keys is slow.
        self.RATELIMIT_API = os.environ.get("RATELIMIT_API", "").strip() or "600 per minute"
        self.RATELIMIT_API_REFUSED = os.environ.get("RATELIMIT_API_REFUSED", "").strip() or "30 per minute"

        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "").strip()
        self.MAIL_PORT = _int("MAIL_PORT", 587)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "").strip()
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", default=True)
        self.MAIL_USE_SSL = _flag("MAIL_USE_SSL", default=False)
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "Hyperdesk <no-reply@localhost>").strip()
        self.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
        self.MAIL_ASYNC = _flag("MAIL_ASYNC", default=True)
        # The outbox (docs/operations.md): how often each worker looks for mail to retry, how long a
        # delivery holds a message, the back-off between attempts and when to give up.
        self.OUTBOX_POLL_SECONDS = _int("OUTBOX_POLL_SECONDS", 15)
        self.OUTBOX_LEASE_SECONDS = _int("OUTBOX_LEASE_SECONDS", 120)
        self.OUTBOX_RETRY_BASE_SECONDS = _int("OUTBOX_RETRY_BASE_SECONDS", 30)
        self.OUTBOX_RETRY_MAX_SECONDS = _int("OUTBOX_RETRY_MAX_SECONDS", 3600)
        self.OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 8)

        # /metrics and /health/detailed answer a request bearing this token (no token: /metrics is off).
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
        self.REDIS_HEALTH_TIMEOUT = float(os.environ.get("REDIS_HEALTH_TIMEOUT", "").strip() or 1)

        # Links that leave the request (e-mail) start with this; required in production. Render sets
        # RENDER_EXTERNAL_URL (https://<service>.onrender.com) on every web service.
        public_url = os.environ.get("PUBLIC_URL", "").strip() or os.environ.get("RENDER_EXTERNAL_URL", "").strip()
        self.PUBLIC_URL = public_url.rstrip("/")
        self.PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 1)
        # X-Forwarded-Host is believed only when the proxy in front is known to overwrite it; Render's
        # passes on whatever the client sent.
        self.PROXY_FIX_X_HOST = _flag("PROXY_FIX_X_HOST", default=False)
        # Flask's own setting: requests for any other host name are answered 400. Empty: any host.
        self.TRUSTED_HOSTS = _list("TRUSTED_HOSTS") or None
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if env == "production" else "text")

        self.WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: long-open pages keep working
        self.SESSION_COOKIE_NAME = "hyperdesk_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env == "production"
        self.PREFERRED_URL_SCHEME = "https" if env == "production" else "http"
        # Server-side sessions (docs/configuration.md#sessions): ended at sign-out, after this many hours
        # unused, and this many days after sign-in whatever happens.
        self.SESSION_IDLE_HOURS = _int("SESSION_IDLE_HOURS", 72)
        self.SESSION_LIFETIME_DAYS = _int("SESSION_LIFETIME_DAYS", 14)
        self.PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * self.SESSION_LIFETIME_DAYS
        # The cookie is set when the session changes (sign-in, flashed message, CSRF token), not re-signed on
        # every response: it lives as long as the session's lifetime anyway, and idleness is tracked in the
        # database. Re-signing it cost about 3% of a list page's CPU.
        self.SESSION_REFRESH_EACH_REQUEST = False

    def as_dict(self):
        """The settings as a mapping for ``app.config.update``."""
        return {key: value for key, value in vars(self).items() if key.isupper()}


def estimated_bits(secret):
    """The secret's length times the entropy of its character frequencies: a generous upper bound."""
    counts = collections.Counter(secret)
    length = len(secret)
    return -sum(count * math.log2(count / length) for count in counts.values())


def _repeats_a_pattern(secret):
    """True when ``secret`` is a shorter string repeated (``Passw0rd!Passw0rd!``)."""
    return any(
        secret == (secret[:period] * (len(secret) // period + 1))[: len(secret)]
        for period in range(1, len(secret) // 2 + 1)
    )


def _mostly_runs(secret):
    """True when three in four neighbouring characters repeat or count up or down (``aaaa``, ``abcd``, ``4321``).

    Random hexadecimal has such a neighbour about once in six: at one in two, one generated key in
    30,000 was refused."""
    steps = [abs(ord(b) - ord(a)) for a, b in itertools.pairwise(secret)]
    return sum(step <= 1 for step in steps) * 4 >= len(steps) * 3


def secret_key_problem(secret):
    """Why ``secret`` cannot sign production sessions, or None; never quotes the secret itself."""
    if not secret:
        return f"SECRET_KEY is not set (generate one: {GENERATE_SECRET})."
    if secret.strip().lower() in KNOWN_DEFAULT_SECRETS:
        return "SECRET_KEY is a well-known default value; set a random one."
    if len(secret) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY is too short ({len(secret)} characters; at least {MIN_SECRET_LENGTH})."
    why = None
    if len(set(secret)) < MIN_SECRET_DISTINCT:
        distinct = len(set(secret))
        why = f"it uses only {distinct} different character{'s' if distinct > 1 else ''}"
    elif _repeats_a_pattern(secret):
        why = "it repeats a shorter pattern"
    elif _mostly_runs(secret):
        why = "it is mostly runs or sequences of characters"
    elif estimated_bits(secret) < MIN_SECRET_BITS:
        why = f"its estimated entropy is about {estimated_bits(secret):.0f} bits (at least {MIN_SECRET_BITS})"
    if why:
        return f"SECRET_KEY is too easy to guess: {why}; set a random one ({GENERATE_SECRET})."
    return None


def production_problems(config):
    """Every reason a production app must refuse to start with ``config``."""
    problems = []
    secret_problem = secret_key_problem(config.get("SECRET_KEY") or "")
    if secret_problem:
        problems.append(secret_problem)
    if config.get("DEV_LOGIN"):
        problems.append("DEV_LOGIN is on: the development sign-in must never run in production.")
    if config.get("DEBUG"):
        problems.append("DEBUG is on: the debugger would let anyone run code on the server.")
    if config.get("APP_ENV") not in ENVIRONMENTS:
        problems.append(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}.")
    return problems


def validate(config):
    """Raise ConfigError when the app must not start with ``config``."""
    if config.get("APP_ENV") not in ENVIRONMENTS:
        raise ConfigError([f"APP_ENV={config.get('APP_ENV')!r} is not one of {', '.join(ENVIRONMENTS)}."])
    for name in ("SESSION_IDLE_HOURS", "SESSION_LIFETIME_DAYS"):
        if name in config and config[name] < 1:
            raise ConfigError([f"{name}={config[name]} would end every session at once: it must be at least 1."])
    if config.get("REGISTRATION_MODE") not in (None, *REGISTRATION_MODES):
        raise ConfigError(
            [f"REGISTRATION_MODE={config['REGISTRATION_MODE']!r} is not one of {', '.join(REGISTRATION_MODES)}."]
        )
    if config.get("APP_ENV") == "production":
        problems = production_problems(config)
        if problems:
            raise ConfigError(problems)
