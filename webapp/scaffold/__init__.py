"""``flask scaffold NAME [--parent RESOURCE] FIELD:TYPE[:OPTION] ...``: a new declared resource in one command.

It writes the model (``webapp/models/<name>.py``), its Alembic revision, the declaration
(``webapp/<name>/declarations.py``) and a test module (``tests/test_<name>.py``). After
``flask db upgrade`` the resource has its pages, its back-office page and its API, and the
tests pass. See docs/extending.md.
"""

import shutil
import subprocess
import sys
import types
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..resources.registry import APP_PACKAGE
from . import code
from .spec import ScaffoldError, parse

ROOT = APP_PACKAGE.parent
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
    autoescape=False,  # Python source, not HTML
)


def paths(spec, root=ROOT):
    """Where each file goes: (what, path)."""
    from . import migration  # Alembic: only when scaffolding, never in a serving worker

    versions = root / "migrations" / "versions"
    _, number = migration.head_and_next(versions)
    return {
        "model": root / "webapp" / "models" / f"{spec.name}.py",
        "migration": versions / f"{number}_{spec.name}.py",
        "feature": root / "webapp" / spec.name / "__init__.py",
        "declaration": root / "webapp" / spec.name / "declarations.py",
        "test": root / "tests" / f"test_{spec.name}.py",
    }


def _scope(spec):
    """(column, table, relationship, class) of the owner, or of the parent."""
    if spec.parent is None:
        return "owner_id", "users", "owner", "User"
    return spec.parent_fk, spec.parent.model.__tablename__, spec.parent_name, spec.parent.model.__name__


def model_source(spec):
    columns, relationships = code.model_lines(spec)
    scope, table, relationship, cls = _scope(spec)
    return TEMPLATES.get_template("model.py.j2").render(
        spec=spec,
        imports=code.model_imports(spec),
        columns=columns,
        relationships=relationships,
        title=spec.title.name,
        scope=scope,
        scope_table=table,
        scope_relationship=relationship,
        scope_class=cls,
    )


def load_model(spec, source, path):
    """Run the model's source as ``webapp.models.<name>`` (unwritten yet), for the migration to read its table."""
    module = types.ModuleType(f"webapp.models.{spec.name}")
    module.__package__ = "webapp.models"
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102  (our own generated source)
    return getattr(module, spec.class_name)


def declaration_source(spec):
    ordered = sorted(spec.fields, key=lambda f: f.kind != "image")  # pictures lead a row
    parent = code.locate(spec.parent)[1] if spec.parent else None
    return TEMPLATES.get_template("declarations.py.j2").render(
        spec=spec,
        imports=code.declaration_imports(spec),
        fields=[code.field_line(f) for f in spec.fields],
        columns=[code.column_line(f) for f in ordered],
        filters=[f.name for f in spec.fields if f.filterable],
        title=spec.title.name,
        parent_constant=parent,
    )


def sources(spec, root=ROOT):
    """{path: source} of every file the resource takes."""
    from . import migration

    where = paths(spec, root)
    head, number = migration.head_and_next(where["migration"].parent)
    model = model_source(spec)
    table = load_model(spec, model, where["model"]).__table__
    title = f"{spec.plural_words.capitalize()}: their table (written by flask scaffold)."
    return {
        where["model"]: model,
        where["migration"]: migration.render(table, [spec.title.name], _scope(spec)[0], number, head, title),
        where["feature"]: TEMPLATES.get_template("feature.py.j2").render(spec=spec),
        where["declaration"]: declaration_source(spec),
        where["test"]: scaffolded_tests(spec),
    }


def scaffolded_tests(spec):
    """The resource's test module: a page write, a refused form, its list, search, back office and API."""
    return TEMPLATES.get_template("test.py.j2").render(
        spec=spec,
        title=spec.title.name,
        title_label=spec.title.label,
        sample="Sample value"[: spec.title.max_length],  # what tests/declared.py's sample rows are named
        admin_url=f"/admin/{spec.name}",
        statements=list_statements(spec),
    )


def refuse_clashes(name, files):
    """ScaffoldError when a file to write exists, or an address the resource would take is served already."""
    existing = [str(p.relative_to(ROOT)) for p in files if p.exists()]
    if existing:
        raise ScaffoldError(f"NAME {name!r}: these files exist already: {', '.join(existing)}")
    addresses = (f"/{name}", f"/admin/{name}", f"/api/v1/{name}")  # its pages, back office and API
    for rule in current_app.url_map.iter_rules():
        if any(rule.rule == address or rule.rule.startswith(f"{address}/") for address in addresses):
            raise ScaffoldError(f"NAME {name!r}: {rule.rule} is served already; the new pages would collide with it")


def list_statements(spec):
    """What a list page reads, one statement each."""
    found = ["the user"] + (["the parent"] if spec.parent else []) + ["the rows with their images and related rows"]
    if any(f.kind == "relation" for f in spec.fields):
        found.append("the rows a relation offers")
    return found


def tidy(files):
    """Format the written files the way the repository's linter wants them (when ruff is installed)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return
    names = [str(p) for p in files]
    subprocess.run(
        [ruff, "check", "--no-cache", "--fix", "--quiet", "--select", "I,F401", *names], check=False, cwd=ROOT
    )
    subprocess.run([ruff, "format", "--no-cache", "--quiet", *names], check=False, cwd=ROOT)


@click.command("scaffold")
@click.argument("name")
@click.argument("fields", nargs=-1, metavar="FIELD:TYPE[:OPTION]...")
@click.option("--parent", metavar="RESOURCE", help="Nest the rows inside a row of this declared resource.")
@click.option("--singular", help="The singular of NAME when adding or removing an 's' gets it wrong.")
@click.option(
    "--dry-run", is_flag=True, help="Name the singular it guessed and the files it would write; write nothing."
)
@with_appcontext
def scaffold(name, fields, parent, singular, dry_run):
    """Write the model, migration, declaration and tests of a new resource NAME (plural, e.g. customers).

    The first text field names the rows. Types: text[:LENGTH] longtext choice:A,B,C image date
    datetime int decimal bool email url relation:RESOURCE tags[:A,B] file[:pdf,txt].
    """
    try:
        spec = parse(name, fields, parent, singular)
        if spec.title is None:
            raise ScaffoldError("give a text field to name the rows, e.g. name:text")
        where = paths(spec)
        refuse_clashes(spec.name, where.values())
        if dry_run:
            click.echo(
                f"one {spec.singular.replace('_', ' ')}, many {spec.plural_words}: class {spec.class_name},"
                f" table {spec.table} (--singular if that is not the singular)"
            )
            for what, path in where.items():
                click.echo(f"{what:12} {path.relative_to(ROOT)}")
            return
        files = sources(spec)
    except (ScaffoldError, LookupError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    for path, source in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        click.echo(f"wrote {path.relative_to(ROOT)}")
    tidy(files)
    click.echo(f"Next: flask --app webapp db upgrade, then pytest tests/test_{spec.name}.py")
