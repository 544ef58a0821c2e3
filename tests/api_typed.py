"""An app whose declarations include the typed-field jobs and customers, so their API exists (import ``app`` to use it)."""

import pytest

from tests.declared import app_declaring
from tests.typed_models import CUSTOMERS, JOBS, TypedBase


@pytest.fixture
def app(app_config, monkeypatch):
    """The application serving jobs and customers too, pages and API, with their tables made for this test only."""
    with app_declaring(app_config, monkeypatch, [CUSTOMERS, JOBS], TypedBase.metadata) as typed_app:
        yield typed_app
