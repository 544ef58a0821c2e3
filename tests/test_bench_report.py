"""bench/RESULTS.md's target table: each ratio of requests per second beside the same pair's CPU per request."""

import pytest

from bench.load import LoadResult
from bench.report import cpu_capacity_ratio, evaluate, render_markdown, scale_checks
from bench.run import Workload


def measured(name, rps, cpu_ms, db_cpu_ms=None):
    """A workload measured in three identical rounds."""
    workload = Workload(name, "app", "/")
    workload.results = [
        LoadResult(rps, 10.0, 20.0, 0, requests=100, cpu_ms=cpu_ms, db_cpu_ms=db_cpu_ms) for _ in range(3)
    ]
    return workload


def record(backend, rows, workloads):
    facts = {"rows": rows, "rss_mib": {"app": [70.0, 70.0]}, "cold_start": {"health_s": 0.5, "first_page_s": 0.9}}
    result = evaluate({"backend": backend, "facts": facts, "workloads": workloads})
    result.update(measured_at="2026-12-05T00:00:00+00:00", settings={"rounds": 3, "duration": 5, "warmup": 1})
    result["settings"].update(connections=16, threads=2, workers=2, serving="gthread-4")
    return result


def test_a_ratio_missed_by_throughput_is_shown_beside_what_the_pair_costs_in_cpu():
    # The hand-written page happened to run while the machine was fast: half our req/s, the same CPU.
    ours = measured("W1 projects list", 200, 4.4, db_cpu_ms=0.7)
    theirs = measured("B hand-written page", 400, 4.5, db_cpu_ms=0.9)
    page = render_markdown([record("postgresql", 100_000, [ours, theirs])])
    assert "| W1 user list vs hand-written page ≥ 2.0× | 0.50× | **no** | 1.06× |" in page
    assert "the two cost 5.10 and 5.40 ms in this run (1.06×); the hand-written page is" in page
    assert "| RSS ≤ 80 MiB per worker | 70.0 MiB | yes |  |" in page  # not a pair: no CPU figure


def test_sqlite_counts_the_workers_alone_and_a_page_without_cpu_figures_shows_none():
    summary = {
        "ours": {"cpu_ms": 2.0, "db_cpu_ms": None},
        "theirs": {"cpu_ms": 5.0, "db_cpu_ms": None},
        "unread": {"cpu_ms": None, "db_cpu_ms": None},
    }
    assert cpu_capacity_ratio(summary, "ours", "theirs") == pytest.approx(2.5)
    assert cpu_capacity_ratio(summary, "ours", "unread") is None
    assert cpu_capacity_ratio(summary, "unread", "theirs") is None
    assert cpu_capacity_ratio(summary, "ours", "not measured") is None


def test_a_run_stored_before_checks_named_their_pages_finds_them_by_label():
    stored = record("sqlite", 100_000, [measured("W4 admin list", 300, 5.0), measured("B stock admin list", 100, 12.5)])
    for check in stored["checks"]:
        check.pop("pair", None)
    assert "| W4 admin list vs stock Flask-Admin ≥ 2.0× | 3.00× | yes | 2.50× |" in render_markdown([stored])


def test_a_scale_miss_shows_the_cpu_per_request_at_both_sizes():
    small = record("sqlite", 100_000, [measured("W7 sorted by name", 300, 3.0)])
    big = record("sqlite", 1_000_000, [measured("W7 sorted by name", 100, 4.5)])
    big["summary"]["W7 sorted by name"]["p50_ms"] = 25.0
    (check,) = scale_checks([small, big])
    assert not check["ok"] and check["cpu_ms"] == (3.0, 4.5)
    assert (
        "Missed: *W7 sorted by name* on sqlite, 2.50× (CPU per request 3.00 ms at 100,000 rows, 4.50 at 1,000,000)"
        in render_markdown([small, big])
    )
