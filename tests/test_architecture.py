"""The dependency rule of docs/architecture.md, checked on the real import graph of ``webapp/``.

views → services / resources / uploads → models → extensions; nothing imports a views module
but the factory (or the package that owns it); no service imports the web layer.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "webapp"

# Modules without web imports that every layer may use.
BASE = {"webapp.extensions", "webapp.exceptions", "webapp.config", "webapp.ids", "webapp.text", "webapp.html"}
# What each inner layer may import from the application (anything else in webapp/ is refused).
ALLOWED = {
    "webapp.models": BASE | {"webapp.models"},
    "webapp.services": BASE | {"webapp.models", "webapp.services"},
    "webapp.uploads": BASE | {"webapp.models", "webapp.services", "webapp.uploads"},
    "webapp.resources": BASE
    | {"webapp.models", "webapp.services", "webapp.uploads", "webapp.resources", "webapp.urls"},
    "webapp.exceptions": set(),
    "webapp.extensions": set(),
    "webapp.ids": set(),
    "webapp.text": set(),
    "webapp.html": set(),
}
# Modules made of view code as a whole, besides every module named ``views``.
VIEW_PACKAGES = ("webapp.admin",)
FACTORY = "webapp"


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(importer, path, node):
    """The webapp modules an ``import`` / ``from ... import`` statement reaches."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name.split(".")[0] == "webapp"}
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != "webapp":
        return set()
    reached = set()
    for alias in node.names:
        candidate = f"{target}.{alias.name}"
        is_module = (PACKAGE.parent / f"{candidate.replace('.', '/')}.py").exists() or (
            PACKAGE.parent / candidate.replace(".", "/")
        ).is_dir()
        reached.add(candidate if is_module else target)
    return reached


def import_graph():
    """{module: {modules it imports}} for every module of the package, lazy imports inside functions included."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[name] = set().union(
            *(resolve(name, path, n) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        )
    return graph


GRAPH = import_graph()


def is_views(module):
    return module.rpartition(".")[2] == "views" or module.startswith(VIEW_PACKAGES)


def package_of(module):
    return module.rpartition(".")[0] if module.count(".") > 1 else module


def layer_of(module):
    return next((layer for layer in ALLOWED if module == layer or module.startswith(layer + ".")), None)


def test_the_graph_is_read():
    assert "webapp.uploads.service" in GRAPH["webapp.resources.fields"]
    assert "webapp.exceptions" in GRAPH["webapp.errors"]
    assert len(GRAPH) > 50


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_inner_layers_import_only_what_is_beneath_them(module):
    layer = layer_of(module)
    if layer is None or is_views(module):
        return
    allowed = ALLOWED[layer]
    refused = sorted(
        t for t in GRAPH[module] if not any(t == a or t.startswith(a + ".") for a in allowed) or is_views(t)
    )
    assert refused == [], (
        f"{module} ({layer}) may not import {refused}: see the dependency rule in docs/architecture.md"
    )


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_only_the_factory_imports_views(module):
    foreign = sorted(
        t
        for t in GRAPH[module]
        if is_views(t)
        and module != FACTORY
        and package_of(t) != package_of(module)
        and not t.startswith(package_of(module) + ".")
        and not (module.startswith(VIEW_PACKAGES) and t.startswith(VIEW_PACKAGES))
    )
    assert foreign == [], f"{module} imports views modules {foreign}; only the factory (webapp/__init__.py) may"


def test_no_two_parts_of_the_app_import_each_other():
    def part(module):
        return ".".join(module.split(".")[:2])

    edges = {
        (part(a), part(b))
        for a, targets in GRAPH.items()
        for b in targets
        if part(a) != part(b) and FACTORY not in (part(a), part(b))
    }
    cycles = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert cycles == [], f"these parts of webapp/ import each other: {cycles}"
