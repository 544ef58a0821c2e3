"""Small factories: ``user(**overrides)`` and friends build and commit rows with sensible defaults."""

import itertools

from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, BulletItem, Project, Role, Specification, User

_sequence = itertools.count(1)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def user(**overrides):
    n = next(_sequence)
    fields = {
        "email": f"person{n}@example.com",
        "name": f"Person {n}",
        "status": AccountStatus.approved,
        "role": Role.user,
    }
    fields.update(overrides)
    return _save(User(**fields))


def access_request(user, reason="I need access to review our team's specifications.", **overrides):
    return _save(AccessRequest(user=user, reason=reason, **overrides))


def project(owner, **overrides):
    n = next(_sequence)
    fields = {"name": f"Project {n}", "description": f"Description {n}"}
    fields.update(overrides)
    return _save(Project(owner=owner, **fields))


def specification(project, **overrides):
    n = next(_sequence)
    fields = {"title": f"Specification {n}", "body": f"Body {n}"}
    fields.update(overrides)
    return _save(Specification(project=project, **fields))


def bullet_items(specification, *texts):
    items = [BulletItem(specification=specification, text=text, position=i) for i, text in enumerate(texts)]
    db.session.add_all(items)
    db.session.commit()
    return items
