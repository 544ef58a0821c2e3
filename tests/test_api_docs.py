"""docs/api.md stays true: every operation of the API is listed there, and the README links to it."""

import re
from pathlib import Path

from tests.api_support import document
from webapp.api.envelope import CODES
from webapp.api.lists import parameter_names
from webapp.resources.registry import discover

ROOT = Path(__file__).resolve().parents[1]


def test_every_operation_is_listed_in_the_api_guide(app):
    guide = (ROOT / "docs" / "api.md").read_text()
    missing = [
        f"{method.upper()} {path}"
        for path, item in document(app)["paths"].items()
        for method in item
        if f"`{method.upper()} {path}`" not in guide
    ]
    assert missing == []


def test_the_readme_links_the_api_guide():
    assert "docs/api.md" in (ROOT / "README.md").read_text()


def guide_reads():
    """The GET requests the guide's curl examples make (no -X, no body), as paths with their query strings."""
    guide = (ROOT / "docs" / "api.md").read_text()
    reads = []
    for command in re.findall(r"^curl [^\n]*(?:\\\n[^\n]*)*", guide, flags=re.M):
        if not re.search(r" -(X|d|F) ", command):
            reads += re.findall(r"\$HD(/api/[^\"\s]*)", command)
    return reads


def test_the_guides_list_examples_are_answered_as_it_says(api, admin):
    reads = guide_reads()
    assert "/api/v1/projects?status=active&sort=name&limit=20" in reads
    caller = api(admin)
    for path in reads:
        response = caller.get(path)
        assert response.status_code == 200, f"{path}: {response.get_json()}"


def test_the_guides_filter_table_names_every_declared_filter_and_sort(app):
    guide = (ROOT / "docs" / "api.md").read_text()
    for resource in discover():
        for name in parameter_names(resource):
            assert f"`{name}`" in guide, f"{resource.name}: {name}"
        for sort in resource.sorts:
            assert f"`{sort.key}`" in guide, f"{resource.name}: sort {sort.key}"


def test_the_guides_error_table_lists_each_status_with_its_code():
    guide = (ROOT / "docs" / "api.md").read_text()
    for status, code in CODES.items():
        if status == 502:  # the API answers an unreachable Google as 503 (webapp/api/views.py), never 502
            continue
        assert re.search(rf"^\| {status} \| `{code}`", guide, flags=re.M), f"{status} {code}"


def test_the_guides_refused_query_examples_are_refused(api, admin):
    guide = (ROOT / "docs" / "api.md").read_text()
    assert "a parameter given twice (`?limit=1&limit=2`" in guide
    for path in ("/api/v1/projects", "/api/v1/users", "/api/v1/access-requests"):
        response = api(admin).get(f"{path}?limit=1&limit=2")
        assert response.status_code == 422 and list(response.get_json()["error"]["details"]) == ["limit"], path
