"""The people and records every matrix case starts from."""

from types import SimpleNamespace

from tests import factories


def build_world():
    """One account per role, and records owned by ``user`` (never by ``other_user``)."""
    world = SimpleNamespace()
    world.admin = factories.user(email="admin@example.com", role="admin", status="approved")
    world.user = factories.user(email="owner@example.com", status="approved")
    world.other_user = factories.user(email="other@example.com", status="approved")
    world.pending = factories.user(email="pending@example.com", status="pending")
    world.rejected = factories.user(email="rejected@example.com", status="rejected")
    world.suspended = factories.user(email="suspended@example.com", status="suspended")
    world.access_request = factories.access_request(world.pending)
    world.project = factories.project(world.user)
    world.specification = factories.specification(world.project)
    world.items = factories.bullet_items(world.specification, "first", "second")
    return world
