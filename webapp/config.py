"""Configuration read from the environment, and the checks production must pass."""

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


def _list(name):
    return [item.strip().lower() for item in os.environ.get(name, "").split(",") if item.strip()]


def normalise_database_url(url):
    """Accept Render's ``postgres://`` form and pin PostgreSQL URLs to psycopg2."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which we do not ship.
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


def engine_options(url):
    """Pool settings that suit the database behind ``url``."""
    options = {"pool_pre_ping": True}
    if make_url(url).get_backend_name() == "postgresql":
        timeout = _int("DB_CONNECT_TIMEOUT", 2)
        options["connect_args"] = {"connect_timeout": timeout}
        options["pool_recycle"] = 300
    return options


class Config:
    """Every setting the app reads, taken from the environment when the app is created."""

    def __init__(self, instance_path):
        env = os.environ.get("APP_ENV", "production").strip().lower()
        self.APP_ENV = env
        self.TESTING = env == "testing"
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or (
            DEV_SECRET_KEY if env != "production" else None
        )
        default_db = "sqlite:///" + os.path.join(instance_path, "hyperdesk.db")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL", "").strip() or default_db
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)

        self.GOOGLE_CLIENT_ID = os.environ.get("GOOGLE_CLIENT_ID", "").strip()
        self.GOOGLE_CLIENT_SECRET = os.environ.get("GOOGLE_CLIENT_SECRET", "").strip()
        self.GOOGLE_DISCOVERY_URL = (
            os.environ.get("GOOGLE_DISCOVERY_URL", "").strip() or GOOGLE_DISCOVERY_URL
        )
        self.GOOGLE_HOSTED_DOMAIN = os.environ.get("GOOGLE_HOSTED_DOMAIN", "").strip().lower()
        google_configured = bool(self.GOOGLE_CLIENT_ID and self.GOOGLE_CLIENT_SECRET)
        self.DEV_LOGIN = _flag("DEV_LOGIN", default=env == "development" and not google_configured)

        self.ADMIN_EMAILS = _list("ADMIN_EMAILS")
        self.AUTO_APPROVE_DOMAINS = _list("AUTO_APPROVE_DOMAINS")
        self.ACCESS_REQUEST_COOLDOWN_DAYS = _int("ACCESS_REQUEST_COOLDOWN_DAYS", 7)

        self.CLOUDINARY_URL = os.environ.get("CLOUDINARY_URL", "").strip()
        # Empty: hyperdesk/<APP_ENV>, so environments sharing one Cloudinary account never mix files.
        self.CLOUDINARY_FOLDER = os.environ.get("CLOUDINARY_FOLDER", "").strip().strip("/")
        self.MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 5)
        # Decoding costs about 4 bytes per pixel: 40 MP is ~160 MB of memory for one upload.
        self.MAX_UPLOAD_MEGAPIXELS = _int("MAX_UPLOAD_MEGAPIXELS", 40)
        # The whole request may carry a little form data beside the largest allowed file.
        self.MAX_CONTENT_LENGTH = (self.MAX_UPLOAD_MB + 1) * 1024 * 1024
        self.UPLOAD_FOLDER = os.path.join(instance_path, "uploads")

        self.REDIS_URL = os.environ.get("REDIS_URL", "").strip()
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", default=True)
        # When Redis is unreachable, count in memory rather than fail every limited request.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_SIGN_IN = os.environ.get("RATELIMIT_SIGN_IN", "").strip() or "20 per minute"
        self.RATELIMIT_ACCESS_REQUEST = (
            os.environ.get("RATELIMIT_ACCESS_REQUEST", "").strip() or "5 per hour"
        )
        # Each upload may decode tens of megapixels: bound what one account can make the server do.
        self.RATELIMIT_UPLOAD = os.environ.get("RATELIMIT_UPLOAD", "").strip() or "30 per minute"

        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "").strip()
        self.MAIL_PORT = _int("MAIL_PORT", 587)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "").strip()
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", default=True)
        self.MAIL_USE_SSL = _flag("MAIL_USE_SSL", default=False)
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "Hyperdesk <no-reply@localhost>").strip()
        self.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
        self.MAIL_ASYNC = _flag("MAIL_ASYNC", default=True)

        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "").strip().rstrip("/")
        self.PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 1)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if env == "production" else "text")

        self.WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: long-open pages keep working
        self.SESSION_COOKIE_NAME = "hyperdesk_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env == "production"
        self.PREFERRED_URL_SCHEME = "https" if env == "production" else "http"
        self.PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14

    def as_dict(self):
        """The settings as a mapping for ``app.config.update``."""
        return {key: value for key, value in vars(self).items() if key.isupper()}


def production_problems(config):
    """Every reason a production app must refuse to start with ``config``."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        problems.append("SECRET_KEY is not set (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))').")
    elif secret.strip().lower() in KNOWN_DEFAULT_SECRETS:
        problems.append("SECRET_KEY is a well-known default value; set a random one.")
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is too short ({len(secret)} characters; at least {MIN_SECRET_LENGTH}).")
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
    if config.get("APP_ENV") == "production":
        problems = production_problems(config)
        if problems:
            raise ConfigError(problems)
