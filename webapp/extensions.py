"""Extension objects, created unbound and attached to each app by the factory."""

from weakref import WeakKeyDictionary

from flask import current_app, request
from flask_htmx import HTMX
from flask_limiter import Limiter as BaseLimiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect as BaseCSRFProtect
from sqlalchemy import MetaData

# Named constraints let Alembic's batch mode drop and alter them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CSRFProtect(BaseCSRFProtect):
    """Flask-WTF's CSRF check, where a Referer it cannot parse is a refused form rather than a crash."""

    def protect(self, *args, **kwargs):
        try:
            return super().protect(*args, **kwargs)
        except ValueError:
            # The strict HTTPS Referer check reads the header's port, and urllib raises on one
            # such as "https://host:5056.evil/"; the token check itself raises CSRFError, not this.
            self._error_response("The referrer does not match the host.")


class Limiter(BaseLimiter):
    """Flask-Limiter, passing over the requests to endpoints no rate limit is declared for.

    Before every request it resolves the limits of the view, its blueprints and the defaults (7%
    of a signed-in list page's instructions) to find none for every page but sign-in, access
    requests, uploads and the API. What is declared is known once the app is built, so whether an
    endpoint has any is read from the limiter's registries once per app and endpoint. A decorated
    view's own limits are checked by its decorator, which this leaves alone.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limited = WeakKeyDictionary()  # app -> {endpoint: whether any limit is declared for it}

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and callable_name is None and request.endpoint is not None:
            app = current_app._get_current_object()
            known = self._limited.setdefault(app, {})
            if request.endpoint not in known:
                known[request.endpoint] = self._declares_limits(app, request.endpoint)
            if not known[request.endpoint]:
                return None
        return super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _declares_limits(self, app, endpoint):
        """Whether any limit the limiter holds could apply to ``endpoint`` (its registries, as it resolves them)."""
        manager = self.limit_manager
        if manager.application_limits or manager.default_limits or manager.has_hints(endpoint):
            return True
        views = {name: get_qualified_name(view) for name, view in app.view_functions.items()}
        if views.get(endpoint) in manager._decorated_limits:
            return True
        if not manager._decorated_limits.keys() <= set(views.values()):
            return True  # a limit on a function a view calls: any endpoint may reach it
        blueprints = endpoint.rpartition(".")[0].split(".")
        return any(name in manager._blueprint_limits for name in blueprints if name)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
