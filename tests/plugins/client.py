"""The test client: each request in its own app context, with a CSRF token like the pages send."""

import contextvars
import hashlib
import os

from flask import has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from tests.api_support import check_api_response
from webapp.extensions import db

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


class TestClient(FlaskClient):
    """Sends ``X-CSRFToken`` on POST/PUT/PATCH/DELETE (unless ``csrf=False``), and isolates requests.

    Tests keep an app context open for their own database work. Flask would reuse it for
    the client's requests, sharing ``g`` (and Flask-Login's cached user) between them;
    running each request in an empty context gives it a fresh app context, as in production.
    """

    __test__ = False  # not a test class, despite the name

    def open(self, *args, csrf=True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method in STATE_CHANGING:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the request may have changed rows the test holds
        # Every answer under /api is checked against its OpenAPI description (tests/api_support.py).
        check_api_response(self.application, response)
        return response

    def csrf_token(self):
        """A token valid for this client's session, made the way Flask-WTF makes it."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)
