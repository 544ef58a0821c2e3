"""Hyperdesk: an admin-driven Flask app. ``create_app()`` builds one application."""

import os
from functools import cached_property
from types import FunctionType

from flask import Flask
from flask.cli import AppGroup
from werkzeug.middleware.proxy_fix import ProxyFix

# Not imported as `settings`: that name is the webapp.settings package (the settings page).
from . import config as configuration
from . import extensions
from .cookies import SessionInterface

__version__ = "0.1.0"
SYNC_FUNCTIONS_KEPT = 4096


class Hyperdesk(Flask):
    """Flask, answering OPTIONS (for every route, pages and API) with 204 No Content."""

    session_interface = SessionInterface()

    def ensure_sync(self, func):
        """Flask's answer, kept per function: it asks for every hook and view on every request (15 a page)
        and inspects the function's code each time, though a function's answer never changes."""
        if type(func) is not FunctionType:  # a bound method or partial may be made per request: not kept
            return super().ensure_sync(func)
        known = self._sync_functions.get(func)
        if known is None:
            known = super().ensure_sync(func)
            if len(self._sync_functions) < SYNC_FUNCTIONS_KEPT:  # hooks and views: a few hundred
                self._sync_functions[func] = known
        return known

    @cached_property
    def _sync_functions(self):
        return {}

    def make_default_options_response(self):
        """The methods the URL allows, in ``Allow``, and nothing else.

        Flask's own answer is a 200 with an empty text/html body, which is not JSON under
        /api. There is no body to describe (no CORS: the API is same-origin or bearer-only),
        so there is no content type either.
        """
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


def create_app(overrides=None):
    """Build the app from the environment (and ``.env`` in development), then ``overrides``."""
    app = Hyperdesk(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    configure(app, overrides)
    register_extensions(app)
    register_request_hooks(app)
    register_templating(app)
    register_blueprints(app)
    register_admin(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure(app, overrides):
    """Read the configuration, apply overrides, and refuse to start when it is unsafe."""
    if os.environ.get("APP_ENV", "").strip().lower() not in ("production", "testing"):
        # A .env file is a development convenience; production and tests read only the real environment
        # (and production workers do not import python-dotenv at all).
        from dotenv import load_dotenv

        load_dotenv(os.path.join(app.root_path, os.pardir, ".env"))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(configuration.Config(app.instance_path).as_dict())
    app.config.update(overrides or {})
    url = configuration.normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if "SQLALCHEMY_ENGINE_OPTIONS" not in (overrides or {}):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = configuration.engine_options(url)
    app.config["VERSION"] = __version__
    configuration.validate(app.config)
    from .api.body import JSONProvider

    app.json = JSONProvider(app)  # request bodies nested too deeply are malformed JSON, not a crash
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        x_host = hops if app.config["PROXY_FIX_X_HOST"] else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=x_host)


def register_extensions(app):
    """Bind the shared extension objects to this app."""
    from . import outbox, uploads
    from .auth import session  # noqa: F401  (registers the user loader)
    from .database import enable_sqlite_foreign_keys, ping_connections_after_idle, release_session
    from .logs import configure_logging

    configure_logging(app)
    extensions.db.init_app(app)
    app.teardown_appcontext(release_session)  # runs before Flask-SQLAlchemy's (teardowns run last-in first)
    with app.app_context():
        enable_sqlite_foreign_keys(extensions.db.engine)
        if extensions.db.engine.dialect.name == "postgresql":
            from .postgres_waits import install_deadlines  # only PostgreSQL apps load psycopg2

            install_deadlines(app.config)
            ping_connections_after_idle(extensions.db.engine, app.config["DB_PING_AFTER_IDLE"])
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    extensions.limiter.init_app(app)
    extensions.login_manager.init_app(app)
    uploads.init_app(app)
    outbox.init_app(app)


def register_request_hooks(app):
    """Request id and log line, the access gate, security headers, htmx response headers."""
    from . import metrics
    from .database import limit_request_round_trips
    from .htmx import finish_response
    from .logs import finish_request, start_request
    from .permissions import enforce_audience
    from .security import add_security_headers, assign_csp_nonce

    app.before_request(start_request)
    app.before_request(limit_request_round_trips)
    app.before_request(assign_csp_nonce)
    app.before_request(enforce_audience)
    app.after_request(finish_response)
    app.after_request(add_security_headers)
    app.after_request(finish_request)
    metrics.init_app(app)  # request counts and durations, pool and statement-cache figures


def register_templating(app):
    """Template globals: theme, navigation, CSP nonce."""
    from .templating import register_templating as register

    register(app)


def register_blueprints(app):
    """Attach each feature's views under its URL prefix."""
    from .access.views import bp as access_bp
    from .api.keys import bp as api_keys_bp
    from .api.views import init_api
    from .auth.views import bp as auth_bp
    from .health.views import bp as health_bp
    from .ids import IdConverter
    from .invitations.views import bp as invitations_bp
    from .main.views import bp as main_bp
    from .metrics.views import bp as metrics_bp
    from .resources.views import register_resources
    from .settings.views import bp as settings_bp
    from .share.views import bp as share_bp
    from .uploads.views import bp as uploads_bp

    app.url_map.converters["id"] = IdConverter  # <id:...>: ASCII digits within 64 bits, else 404
    app.register_blueprint(main_bp)
    app.register_blueprint(health_bp, url_prefix="/health")
    app.register_blueprint(metrics_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(access_bp, url_prefix="/access")
    app.register_blueprint(uploads_bp, url_prefix="/uploads")
    register_resources(app)  # every model declared in webapp/*/declarations.py
    init_api(app)  # /api: after the resources, whose API it serves too
    app.register_blueprint(settings_bp, url_prefix="/settings")
    app.register_blueprint(api_keys_bp, url_prefix="/settings/api-keys")
    app.register_blueprint(share_bp, url_prefix="/share")
    app.register_blueprint(invitations_bp, url_prefix="/invite")


def register_admin(app):
    """Mount the back office at /admin."""
    from .admin import init_admin

    init_admin(app)


def register_errorhandlers(app):
    """Friendly error pages and partials."""
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app):
    """Add the ``flask`` commands (and, under the ``flask`` CLI, Flask-Migrate's ``db`` group's setup)."""
    import click

    app.cli = CommandGroup(app)
    if click.get_current_context(silent=True) is not None:
        from .database import ensure_migrations

        ensure_migrations(app)


class CommandGroup(AppGroup):
    """``app.cli``, whose commands are imported when a command line first lists or looks one up.

    A gunicorn worker never runs a command: importing them (the scaffold generator, the deploy
    checks) at start cost each worker ~0.5 MiB and ~10 ms of cold start (bench/footprint.py).
    """

    def __init__(self, app):
        super().__init__(app.cli.name)
        self.commands.update(app.cli.commands)  # any a blueprint added
        self.app = app
        self.loaded = False

    def load(self):
        """Import and add the app's commands, once."""
        if not self.loaded:
            self.loaded = True
            from .cli import register_commands
            from .outbox.cli import outbox_group

            register_commands(self.app)
            self.add_command(outbox_group)

    def list_commands(self, ctx):
        self.load()
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        self.load()
        return super().get_command(ctx, name)
