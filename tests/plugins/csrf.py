"""A test client that sends a valid CSRF token with every state-changing request, like the pages do."""

import hashlib
import os

from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


class CSRFClient(FlaskClient):
    """Adds ``X-CSRFToken`` to POST/PUT/PATCH/DELETE unless called with ``csrf=False``."""

    def open(self, *args, csrf=True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method in STATE_CHANGING:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self):
        """A token valid for this client's session, made the way Flask-WTF makes it."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)
