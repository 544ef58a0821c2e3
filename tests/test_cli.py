"""The operator's commands: ``flask create-admin`` and ``flask seed-demo``, on both databases."""

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AccessRequest, AuditEvent, BulletItem, Project, Role, Specification, User
from webapp.services.accounts import Identity, SignInPolicy, sign_in


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_admin_makes_a_new_approved_administrator(runner):
    result = runner.invoke(args=["create-admin", " Ops@Example.org ", "--name", "Olive Ops"])
    assert result.exit_code == 0, result.output
    assert result.output == "ops@example.org is an approved administrator (new account).\n"
    ops = db.session.scalar(select(User))
    assert (ops.email, ops.name, ops.is_admin, ops.google_sub) == ("ops@example.org", "Olive Ops", True, None)
    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.actor_id, event.details) == ("user.made_admin", None, {"via": "cli", "created": True})


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended", "approved"])
def test_create_admin_promotes_an_existing_account(runner, make, status):
    person = make.user(email="ops@example.org", status=status)
    result = runner.invoke(args=["create-admin", "ops@example.org"])
    assert result.exit_code == 0 and result.output == "ops@example.org is an approved administrator.\n"
    db.session.expire_all()
    assert db.session.get(User, person.id).is_admin and count(User) == 1


@pytest.mark.parametrize(
    "email", ["not-an-email", "two@@example.org", "spa ce@example.org", "nodot@localhost", "@example.org"]
)
def test_create_admin_refuses_a_bad_email(runner, email):
    result = runner.invoke(args=["create-admin", email])
    assert result.exit_code == 2
    assert "is not an e-mail address" in result.output
    assert count(User) == 0


def test_created_admin_signs_in_with_google_into_the_same_account(app, runner):
    """The account is linked by e-mail at the first Google sign-in (tested end to end in test_google_sign_in)."""
    runner.invoke(args=["create-admin", "ops@example.org"])
    user = sign_in(Identity(email="ops@example.org", sub="42", hosted_domain="example.org"), SignInPolicy())
    assert (user.google_sub, user.role, count(User)) == ("42", Role.admin, 1)


def test_seed_demo_adds_the_demo_data(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "admin@example.com")).is_admin
    assert count(User) == 4 and count(Project) == 4 and count(AccessRequest) == 1
    assert count(Specification) > 0 and count(BulletItem) > 0


def test_seed_demo_can_run_again_without_duplicating_anything(runner):
    runner.invoke(args=["seed-demo"])
    before = [count(model) for model in (User, AccessRequest, Project, Specification, BulletItem)]
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "0 new record(s) added" in result.output
    assert [count(model) for model in (User, AccessRequest, Project, Specification, BulletItem)] == before
