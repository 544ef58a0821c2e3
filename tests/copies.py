"""A throwaway copy of the repository, and the commands a developer would run in it (scaffold and docs tests)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from tests.conftest import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = shutil.ignore_patterns(".venv", ".git", "instance", "__pycache__", ".pytest_cache", "bench", "node_modules")


def throwaway_copy(target):
    """Copy the repository's files (tracked and new, not ignored ones) to ``target``; returns it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout: copy everything but the bulky or local folders
        shutil.copytree(ROOT, target, ignore=SKIPPED)
        return target
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run(copy, *args, database_url=None, check=True, timeout=300):
    """Run ``python -m <args>`` in ``copy`` (its own ``webapp`` package), as a developer would."""
    env = {**os.environ, "APP_ENV": "development", "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def flask(copy, *args, **kwargs):
    return run(copy, "flask", "--app", "webapp", *args, **kwargs)


def changed_files(copy, original=ROOT):
    """Paths (relative) that differ between ``copy`` and the repository: new or changed files."""
    changed = []
    for path in sorted(copy.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".db", ".pyc"):
            continue
        relative = path.relative_to(copy)
        if relative.parts[0] == "instance" or relative.parts[0].startswith("."):
            continue
        source = original / relative
        if not source.exists() or source.read_bytes() != path.read_bytes():
            changed.append(str(relative))
    return changed


def table_names(url):
    """The tables of the database at ``url``."""
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for a copy to migrate, dropped afterwards."""
    url = create_postgres_database("hyperdesk_copy")
    yield url
    drop_postgres_database(url)
