"""docs/extending.md stays true: its by-hand steps, followed in a copy of the repository, touch exactly the files it lists and work."""

import re
import shlex

from tests.copies import ROOT, changed_files, flask, postgres_url, run, table_names, throwaway_copy  # noqa: F401
from webapp.scaffold.migration import head_and_next

GUIDE = (ROOT / "docs" / "extending.md").read_text()
HEAD, NEXT = head_and_next(ROOT / "migrations" / "versions")


def section(title, following):
    return GUIDE[GUIDE.index(title) : GUIDE.index(following)]


BY_HAND = section("### By hand", "### Afterwards")
BY_SCAFFOLD = section("### By scaffold", "### By hand")


def code_blocks(text, language):
    """The code blocks of ``language`` in ``text``, dedented."""
    blocks = re.findall(rf"^( *)```{language}\n(.*?)^\1```", text, flags=re.S | re.M)
    return ["\n".join(line[len(indent) :] for line in body.splitlines()) + "\n" for indent, body in blocks]


def files_to_write():
    """{path: source} of the guide's Python blocks that start with their file's path."""
    found = {}
    for block in code_blocks(BY_HAND, "python"):
        first, _, rest = block.partition("\n")
        if first.startswith("# ") and first.endswith(".py"):
            found[first[2:]] = rest
    return found


def commands():
    """The guide's shell commands, the next free revision number filled in."""
    lines = [line for block in code_blocks(BY_HAND, "sh") for line in block.splitlines() if line.strip()]
    return [shlex.split(line.replace("NNNN", NEXT)) for line in lines]


def listed_files():
    """The files the guide says the steps touch."""
    text = BY_HAND[BY_HAND.index("#### Files touched by hand") :]
    return sorted(re.findall(r"^- `([^`]+)`", text, flags=re.M))


def test_the_guide_gives_the_model_the_declaration_and_the_commands():
    assert sorted(files_to_write()) == ["webapp/customers/declarations.py", "webapp/models/customers.py"]
    assert [c[:4] for c in commands()] == [["flask", "--app", "webapp", "db"]] * 3
    assert len(listed_files()) == 3


def test_the_scaffold_table_names_the_files_scaffold_writes(runner):
    result = runner.invoke(args=["scaffold", "customers", "name:text", "logo:image", "--dry-run"])
    written = [line.split()[1] for line in result.output.splitlines()[1:]]  # after the guessed singular
    rows = [line.split("|")[1] for line in BY_SCAFFOLD.splitlines() if line.startswith("| `")]
    documented = [path for cell in rows for path in re.findall(r"`([^`]+\.py)`", cell)]
    assert sorted(p.replace("NNNN", NEXT) for p in documented) == sorted(written)


def test_following_the_guide_by_hand_touches_the_listed_files_and_works(tmp_path, postgres_url):
    copy = throwaway_copy(tmp_path / "repo")
    for path, source in files_to_write().items():
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_text(source)
    sqlite_url = f"sqlite:///{tmp_path / 'guide.db'}"
    for command in commands():
        flask(copy, *command[3:], database_url=sqlite_url)
    assert changed_files(copy) == [p.replace("NNNN", NEXT) for p in listed_files()]
    run(copy, "ruff", "check", *changed_files(copy))
    run(copy, "ruff", "format", "--check", *changed_files(copy))
    flask(copy, "db", "upgrade", database_url=postgres_url)
    assert {"customer", "contact"} <= table_names(postgres_url)
    tests = run(
        copy,
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_migrations.py::test_models_and_migrations_agree",
        "tests/test_architecture.py",
        # Pages, API and back office of the new resources, for every kind of visitor.
        "tests/test_route_matrix.py",
        "tests/test_api_matrix.py",
        "-k",
        "not matrix or (sqlite and (customers or contacts or every_route_has or every_api_route or back_office_opens))",
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-4000:]
    for url in (sqlite_url, postgres_url):
        flask(copy, "db", "downgrade", HEAD, database_url=url)
        assert not {"customer", "contact"} & table_names(url)
