"""The benchmark's comparison with the commit issue 17 was filed against (bench/pre_issue.py, bench/report.py)."""

import subprocess
import sys

import pytest

from bench import pre_issue
from bench.load import LoadResult
from bench.report import RATIO_TARGETS, pre_issue_check, pre_issue_comparison, pre_issue_lines
from bench.run import Workload, round_order, selected_workloads, workloads

PATHS = {
    "list": "/projects/",
    "search": "/projects/?q=quartz",
    "all": "/projects/?scope=all",
    "all_search": "/projects/?scope=all&q=quartz",
    "all_deep": "/projects/?scope=all&after=90000",
    "admin_deep": "/admin/projects/?page=400&after=90000",
    "api_list": "/api/v1/projects",
    "api_search": "/api/v1/projects?q=quartz",
    "api_all_deep": "/api/v1/projects?scope=all&after=90000",
}


def measured(name, *rounds):
    """A workload with one result per round: (req/s, CPU ms per request)."""
    workload = Workload(name, "app", "/")
    workload.results = [LoadResult(rps, 10.0, 20.0, 0, requests=100, cpu_ms=cpu) for rps, cpu in rounds]
    return workload


def test_today_over_the_pre_issue_commit_is_taken_within_each_round():
    # Round 2 ran on a machine twice as busy: within-round ratios do not see it.
    today = measured("W1 projects list", (200, 4.0), (100, 8.0), (210, 4.2))
    before = measured(f"{pre_issue.LABEL} W1 projects list", (100, 10.0), (50, 20.0), (100, 7.0))
    (row,) = pre_issue_comparison([today, before])
    assert row["workload"] == "W1 projects list"
    assert row["cpu_ratio"] == pytest.approx(0.4)
    assert row["rps_ratio"] == pytest.approx(2.0)
    assert (row["cpu_ms"], row["pre_issue_cpu_ms"]) == (4.2, 10.0)
    assert row["ok"]


def test_a_page_over_half_the_pre_issue_cpu_misses_the_target_and_names_the_worst_page():
    rows = pre_issue_comparison(
        [
            measured("W1 projects list", (200, 4.0)),
            measured("W4 admin list", (100, 6.0)),
            measured(f"{pre_issue.LABEL} W1 projects list", (100, 10.0)),
            measured(f"{pre_issue.LABEL} W4 admin list", (100, 10.0)),
            measured("W6 filtered by status", (100, 6.0)),  # no pre-issue copy: not compared
        ]
    )
    assert [(r["workload"], r["ok"]) for r in rows] == [("W1 projects list", True), ("W4 admin list", False)]
    check = pre_issue_check(rows)
    assert not check["ok"]
    assert check["value"] == "max 0.60× (W4 admin list)"


def test_a_page_without_cpu_figures_is_not_counted_as_met():
    (row,) = pre_issue_comparison(
        [measured("W2 search", (100, None)), measured(f"{pre_issue.LABEL} W2 search", (100, 5.0))]
    )
    assert row["cpu_ratio"] is None
    assert not row["ok"]
    assert pre_issue_check([row])["value"] == "max not measured"


def test_the_report_shows_the_table_and_older_runs_without_it():
    rows = pre_issue_comparison(
        [measured("W1 projects list", (200, 4.0)), measured(f"{pre_issue.LABEL} W1 projects list", (100, 10.0))]
    )
    lines = pre_issue_lines({"facts": {"pre_issue_commit": "fa1d4133efff9"}, "pre_issue": rows})
    assert f"### today ÷ {pre_issue.LABEL} (the pre-issue commit)" in lines
    assert "| W1 projects list | 4.00 | 10.00 | 0.40× | yes | – | 200 | 100 | 2.00× |" in lines
    assert pre_issue_lines({"facts": {}}) == []


def test_the_pre_issue_copies_are_todays_list_pages_at_the_same_urls():
    today = workloads({"paths": PATHS, "user_id": 2})
    copies = pre_issue.workloads(today)
    by_name = {w.name: w for w in today}
    assert [w.name.removeprefix(f"{pre_issue.LABEL} ") for w in copies] == list(pre_issue.LIST_WORKLOADS)
    for copy in copies:
        original = by_name[copy.name.removeprefix(f"{pre_issue.LABEL} ")]
        assert (copy.server, copy.path, copy.as_user, copy.htmx) == (
            "pre_issue",
            original.path,
            original.as_user,
            original.htmx,
        )
        assert not copy.bearer and copy.results == [] and copy.results is not original.results


def test_picking_a_list_page_by_name_brings_its_pre_issue_copy():
    today = workloads({"paths": PATHS, "user_id": 2})
    names = [w.name for w in selected_workloads(today, "W4,B stock admin list")]
    assert names == ["W4 admin list", "B stock admin list", f"{pre_issue.LABEL} W4 admin list"]


def test_a_round_runs_each_page_beside_what_it_is_compared_with():
    measured = selected_workloads(workloads({"paths": PATHS, "user_id": 2}))
    first, second = round_order(measured, 0), round_order(measured, 1)
    assert sorted(w.name for w in first) == sorted(w.name for w in measured)  # each once
    assert second == first[::-1]  # neither side of a pair always goes first
    position = {w.name: n for n, w in enumerate(first)}
    for copy in (w for w in measured if w.server == "pre_issue"):
        assert position[copy.name] == position[copy.name.removeprefix(f"{pre_issue.LABEL} ")] + 1
    for label, ours, theirs, *_ in RATIO_TARGETS:
        assert abs(position[ours] - position[theirs]) <= 4, label


def test_the_checkout_is_the_old_code_and_is_reused(tmp_path):
    try:
        sha = pre_issue.resolve()
    except RuntimeError as error:
        pytest.skip(str(error))
    source = pre_issue.checkout(tmp_path)
    assert source == tmp_path / f"pre-issue-{sha[:12]}"
    assert (source / "webapp" / "__init__.py").is_file() and (source / "migrations" / "versions").is_dir()
    assert not (source / "webapp" / "api").exists()  # the API came after the issue
    # Served from elsewhere (gunicorn runs in bench/work/run) with its environment, the old package is imported.
    imported = subprocess.run(
        [sys.executable, "-c", "import webapp; print(webapp.__file__)"],
        cwd=tmp_path,
        env=pre_issue.environment(source),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert imported == str(source / "webapp" / "__init__.py")
    (source / "webapp" / "marker").write_text("kept")
    assert pre_issue.checkout(tmp_path) == source
    assert (source / "webapp" / "marker").exists()  # a complete checkout is reused, not extracted again


def test_a_half_extracted_checkout_is_replaced(tmp_path):
    try:
        sha = pre_issue.resolve()
    except RuntimeError as error:
        pytest.skip(str(error))
    half = tmp_path / f"pre-issue-{sha[:12]}"
    (half / "webapp").mkdir(parents=True)  # stopped before its marker was written
    assert pre_issue.checkout(tmp_path) == half
    assert (half / pre_issue.MARKER).read_text().strip() == sha
    assert (half / "webapp" / "__init__.py").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [half.name]  # nothing left aside
