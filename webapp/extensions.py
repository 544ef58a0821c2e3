"""Extension objects, created unbound and attached to each app by the factory."""

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
