"""The people and records every matrix case starts from."""

from types import SimpleNamespace

from tests import factories
from tests.declared import sample_form
from webapp.models import Role
from webapp.resources import writes
from webapp.resources.registry import discover
from webapp.services import invitations


def build_world():
    """One account per role, and records owned by ``user`` (never by ``other_user``)."""
    world = SimpleNamespace()
    world.admin = factories.user(email="admin@example.com", role="admin", status="approved")
    world.user = factories.user(email="owner@example.com", status="approved")
    world.other_user = factories.user(email="other@example.com", status="approved")
    world.approver = factories.user(email="approver@example.com", role="approver", status="approved")
    world.auditor = factories.user(email="auditor@example.com", role="auditor", status="approved")
    world.pending = factories.user(email="pending@example.com", status="pending")
    world.rejected = factories.user(email="rejected@example.com", status="rejected")
    world.suspended = factories.user(email="suspended@example.com", status="suspended")
    world.access_request = factories.access_request(world.pending)
    world.project = factories.project(world.user)
    world.specification = factories.specification(world.project)
    world.items = factories.bullet_items(world.specification, "first", "second")
    world.invitation, world.invitation_token = invitations.create_link(Role.user, 14, 100, world.admin)
    return world


def declared_rows(w):
    """{resource name: id} of one row of every declared resource, owned by the world's user (parents first)."""
    if not hasattr(w, "declared_rows"):
        w.declared_rows = {}
        for resource in discover():
            parent = None
            if resource.parent is not None:
                parent_resource = resource.parent.resource
                parent = factories.db.session.get(parent_resource.model, w.declared_rows[parent_resource.name])
            w.declared_rows[resource.name] = writes.create(resource, sample_form(resource), w.user, parent).id
    return w.declared_rows
