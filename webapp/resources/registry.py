"""The resources an app serves, found in ``webapp/*/declarations.py`` (``views.register_resources`` serves them)."""

import importlib
from pathlib import Path

# The application package, whose feature folders may hold declarations (read without importing the factory).
APP_PACKAGE = Path(__file__).resolve().parents[1]


class Registry:
    """The resources an app serves, their parent/child links and their resolved templates."""

    def __init__(self, app):
        self.app = app
        self.resources = {}
        self._templates = {}

    def add(self, resource):
        if resource.name in self.resources:
            raise ValueError(f"a resource named {resource.name!r} is already registered")
        if resource.parent is not None and resource.parent.resource.name not in self.resources:
            raise ValueError(f"register {resource.parent.resource.name!r} before its child {resource.name!r}")
        self.resources[resource.name] = resource

    def children(self, resource):
        """The resources whose rows belong to a row of ``resource``, shown on its detail page."""
        return [r for r in self.resources.values() if r.parent is not None and r.parent.resource is resource]

    def template(self, resource, name):
        """The template for ``name``: the resource's own override first, then the default."""
        key = (resource.name, name)
        if key not in self._templates or self.app.jinja_env.auto_reload:
            candidates = [f"{resource.name}/{name}", f"resources/{name}"]
            self._templates[key] = self.app.jinja_env.select_template(candidates).name
        return self._templates[key]


def discover():
    """Every ``RESOURCES`` list in a ``webapp/<feature>/declarations.py`` module, parents first.

    A feature folder needs no ``__init__.py``: the declarations module is all it takes.
    """
    package = __name__.split(".")[0]
    found = []
    for path in sorted(APP_PACKAGE.glob("*/declarations.py")):
        found.extend(importlib.import_module(f"{package}.{path.parent.name}.declarations").RESOURCES)
    return parents_first(found)


def parents_first(resources):
    """``resources`` in their order, except that each comes after its parent (a feature may nest under another's)."""
    ordered, placed = [], set()

    def place(resource):
        if id(resource) in placed:
            return
        if resource.parent is not None and any(r is resource.parent.resource for r in resources):
            place(resource.parent.resource)
        placed.add(id(resource))
        ordered.append(resource)

    for resource in resources:
        place(resource)
    return ordered
