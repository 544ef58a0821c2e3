"""An app whose declarations include the typed-field jobs and customers, so their API exists (import ``app`` to use it)."""

import pytest

from tests.plugins.client import TestClient
from tests.typed_models import CUSTOMERS, JOBS, TypedBase
from webapp.extensions import db


@pytest.fixture
def app(app_config, monkeypatch):
    """The application serving jobs and customers too, pages and API, with their tables made for this test only."""
    from tests.conftest import empty_all_tables
    from webapp import create_app
    from webapp.resources import views

    discovered = views.discover()
    monkeypatch.setattr(views, "discover", lambda: [*discovered, CUSTOMERS, JOBS])
    typed_app = create_app(app_config)
    typed_app.test_client_class = TestClient
    with typed_app.app_context():
        TypedBase.metadata.create_all(db.engine)
        yield typed_app
        db.session.remove()
        TypedBase.metadata.drop_all(db.engine)
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()
