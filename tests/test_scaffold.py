"""``flask scaffold``: refuses what it cannot make, and what it makes works (a round trip in a throwaway copy)."""

import pytest

from tests.conftest import app_overrides
from tests.copies import ROOT, changed_files, flask, postgres_url, run, table_names, throwaway_copy  # noqa: F401
from webapp import create_app
from webapp.projects.declarations import ITEMS, PROJECTS, SPECIFICATIONS
from webapp.resources.registry import parents_first
from webapp.scaffold import scaffolded_tests
from webapp.scaffold.code import column_line
from webapp.scaffold.migration import head_and_next
from webapp.scaffold.spec import field_classes, parse

# Every type, in a child of a new top-level resource, pointing at an existing one.
CUSTOMERS = ["scaffold", "customers", "name:text", "logo:image"]
JOBS = [
    "scaffold",
    "jobs",
    "--parent",
    "customers",
    "title:text:120",
    "notes:longtext",
    "stage:choice:open,won,lost-cause",
    "photo:image",
    "due:date",
    "starts:datetime",
    "hours:int",
    "budget:decimal",
    "done:bool",
    "owner_contact:email",
    "site:url",
    "project:relation:projects",
    "tags:tags",
    "labels:tags:red,blue",
    "brief:file:pdf,txt",
]
HEAD, NEXT = head_and_next(ROOT / "migrations" / "versions")
WRITTEN = [
    f"migrations/versions/{NEXT}_customers.py",
    f"migrations/versions/{int(NEXT) + 1:04d}_jobs.py",
    "tests/test_customers.py",
    "tests/test_jobs.py",
    "webapp/customers/__init__.py",
    "webapp/customers/declarations.py",
    "webapp/jobs/__init__.py",
    "webapp/jobs/declarations.py",
    "webapp/models/customers.py",
    "webapp/models/jobs.py",
]


@pytest.fixture
def cli(tmp_path):
    """The ``flask`` command line of an app on a throwaway SQLite file (scaffold refusals touch no database)."""
    app = create_app(app_overrides(f"sqlite:///{tmp_path / 'cli.db'}", UPLOAD_FOLDER=str(tmp_path / "uploads")))
    return app.test_cli_runner()


@pytest.mark.parametrize(
    "args, message",
    [
        (["Customers", "name:text"], "use lowercase letters"),
        (["projects", "name:text"], "already declared"),
        (["admin", "name:text"], "webapp/admin already exists"),
        (["customers"], "give at least one field"),
        (["customers", "due:date"], "give a text field to name the rows"),
        (["customers", "name"], "write a field as NAME:TYPE"),
        (["customers", "name:colour"], "unknown type 'colour'"),
        (["customers", "name:text", "name:text"], "already taken"),
        (["customers", "owner_id:int", "name:text"], "already taken"),
        (["customers", "name:text", "logo:image", "logo_asset_id:int"], "already taken"),
        (["customers", "name:text:0"], "maximum length"),
        (["customers", "name:text", "stage:choice"], "list the choices"),
        (["customers", "name:text", "stage:choice:a,A"], "distinct lowercase words"),
        (["customers", "name:text", "client:relation:nowhere"], "name the declared resource"),
        (["customers", "name:text", "brief:file:exe"], "unknown file types"),
        (["customers", "name:text", "due:date:soon"], "takes no option"),
        (["customers", "--parent", "nowhere", "name:text"], "is not a declared resource"),
        (["class", "name:text"], "use lowercase letters"),
        (["users", "name:text"], "these files exist already: webapp/models/users.py"),
        (["typed_fields", "name:text"], "these files exist already: tests/test_typed_fields.py"),
        (["static", "name:text"], "/static/<path:filename> is served already"),
        (["me", "name:text"], "/api/v1/me is served already"),
        (["invite", "name:text"], "/invite/<token> is served already"),
    ],
)
def test_what_cannot_be_scaffolded_is_refused_with_a_reason(cli, args, message):
    result = cli.invoke(args=["scaffold", *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_dry_run_names_the_files_and_writes_none(cli):
    result = cli.invoke(args=["scaffold", "customers", "name:text", "--dry-run"])
    assert result.exit_code == 0, result.output
    guessed, files = result.output.split("\n", 1)
    assert (
        guessed
        == "one customer, many customers: class Customer, table customer (--singular if that is not the singular)"
    )
    assert files.split() == [
        "model",
        "webapp/models/customers.py",
        "migration",
        f"migrations/versions/{NEXT}_customers.py",
        "feature",
        "webapp/customers/__init__.py",
        "declaration",
        "webapp/customers/declarations.py",
        "test",
        "tests/test_customers.py",
    ]


@pytest.mark.parametrize(
    ("args", "guessed"),
    [
        ([], "one statuse, many statuses: class Statuse, table statuse"),
        (["--singular", "status"], "class Status, table status"),
    ],
)
def test_a_dry_run_shows_the_singular_it_guessed_so_a_wrong_guess_is_seen_before_files_are_written(cli, args, guessed):
    result = cli.invoke(args=["scaffold", "statuses", "name:text", "--dry-run", *args])
    assert result.exit_code == 0 and guessed in result.output.splitlines()[0], result.output


def test_every_field_class_has_a_scaffold_type():
    assert sorted(field_classes()) == sorted(
        ["text", "longtext", "choice", "image", "date", "datetime", "int", "decimal", "bool", "email", "url"]
        + ["relation", "tags", "file"]
    )


def test_values_that_do_not_say_what_they_are_are_listed_after_their_label():
    spec = parse("jobs", JOBS[4:], resources=[PROJECTS, SPECIFICATIONS, ITEMS])
    lines = {f.name: column_line(f) for f in spec.fields}
    labelled = {name for name, line in lines.items() if "labelled=True" in line}
    assert labelled == {"due", "starts", "hours", "budget", "done", "project"}
    assert lines["title"] == "Column('title', 'Title', cell='link')"
    assert lines["hours"] == "Column('hours', 'Hours', cell='text', labelled=True)"


@pytest.mark.parametrize(
    ("title", "sample", "searched"), [("name:text", "Sample value", True), ("code:text:5", "Sampl", False)]
)
def test_the_written_tests_name_rows_as_the_sample_rows_are_named_and_search_when_names_fit(title, sample, searched):
    # With `code:text:5` the written tests looked for "Sample value", which a five-letter column cannot hold.
    source = scaffolded_tests(parse("tags", [title], resources=[PROJECTS, SPECIFICATIONS, ITEMS]))
    compile(source, "test_tags.py", "exec")
    assert source.count(f'"{sample}" in') == 3
    assert ("def test_the_search_finds_them_by_" in source) is searched  # "Harbour survey" needs 14 letters


def test_children_are_served_after_their_parents_whatever_their_folders():
    assert parents_first([ITEMS, SPECIFICATIONS, PROJECTS]) == [PROJECTS, SPECIFICATIONS, ITEMS]


def test_a_scaffolded_resource_migrates_passes_its_tests_and_downgrades(tmp_path, postgres_url):
    copy = throwaway_copy(tmp_path / "repo")
    flask(copy, *CUSTOMERS)
    flask(copy, *JOBS)
    assert changed_files(copy) == WRITTEN
    run(copy, "ruff", "check", *WRITTEN)
    run(copy, "ruff", "format", "--check", *WRITTEN)
    sqlite_url = f"sqlite:///{tmp_path / 'round-trip.db'}"
    for url in (sqlite_url, postgres_url):
        flask(copy, "db", "upgrade", database_url=url)
        assert {"customer", "job"} <= table_names(url)
    tests = run(
        copy,
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_customers.py",
        "tests/test_jobs.py",
        "tests/test_migrations.py::test_models_and_migrations_agree",
        "tests/test_architecture.py",
        # Their rows of the route x role matrices come from the declarations (one database is enough for who-may-what).
        "tests/test_route_matrix.py",
        "tests/test_api_matrix.py",
        "-k",
        "not matrix or (sqlite and (customers or jobs or every_route_has or every_api_route))",
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-4000:]
    for url in (sqlite_url, postgres_url):
        flask(copy, "db", "downgrade", HEAD, database_url=url)
        assert not {"customer", "job", "customer_search", "job_search"} & table_names(url)
