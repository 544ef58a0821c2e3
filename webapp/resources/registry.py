"""Registering declared resources on an app: one blueprint each, found in ``webapp/*/declarations.py``."""

import importlib
import importlib.util
import pkgutil

from ..templating import add_nav_item


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
    """Every ``RESOURCES`` list in a ``webapp/<feature>/declarations.py`` module, parents first."""
    import webapp

    found = []
    for module in sorted(pkgutil.iter_modules(webapp.__path__), key=lambda m: m.name):
        name = f"webapp.{module.name}.declarations"
        if module.ispkg and importlib.util.find_spec(name) is not None:
            found.extend(importlib.import_module(name).RESOURCES)
    return found


def register_resources(app, resources=None):
    """Serve each declared resource (all discovered ones by default): blueprint, routes, navigation."""
    from .views import make_blueprint

    registry = app.extensions.setdefault("resources", Registry(app))
    for resource in discover() if resources is None else resources:
        registry.add(resource)
        app.register_blueprint(make_blueprint(resource, registry))
        if resource.nav is not None:
            add_nav_item(app, f"{resource.name}.index", resource.nav.label, resource.nav.description)
    return registry
