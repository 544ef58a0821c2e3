"""The worker benchmark's arithmetic (bench/workers_report.py) and the requests it builds (bench/mix.py)."""

import io

import pytest
from werkzeug.wrappers import Request

from bench import mix
from bench.workers_report import median_ratios, percentile, winner


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [([], 50, None), ([7.0], 99, 7.0), ([4, 1, 3, 2], 50, 2), ([4, 1, 3, 2], 99, 4), (list(range(1, 101)), 99, 99)],
)
def test_percentile_is_the_nearest_rank(values, pct, expected):
    assert percentile(values, pct) == expected


def test_ratios_are_taken_within_each_round_then_the_median_over_rounds():
    # The machine got twice as fast in round 2: within-round ratios do not see it.
    rounds = [
        {"shipped": {"pages_rps": 100, "cpu_ms": 10}, "other": {"pages_rps": 110, "cpu_ms": 12}},
        {"shipped": {"pages_rps": 200, "cpu_ms": 5}, "other": {"pages_rps": 220, "cpu_ms": 6}},
        {"shipped": {"pages_rps": 100, "cpu_ms": 10}, "other": {"pages_rps": 50, "cpu_ms": 10}},
    ]
    ratios = median_ratios(rounds, "shipped")
    assert ratios["other"] == {"pages_rps": 1.1, "cpu_ms": 1.2}
    assert ratios["shipped"] == {"pages_rps": 1.0, "cpu_ms": 1.0}


def test_a_missing_latency_is_left_out_of_the_ratios():
    rounds = [{"shipped": {"sign_in_p99_ms": 300.0}, "other": {"sign_in_p99_ms": None}}]
    assert "other" not in median_ratios(rounds, "shipped")


FAST_AND_KIND = {"pages_rps": 1.2, "pages_p99_ms": 1.0, "sign_in_p99_ms": 1.0, "upload_p99_ms": 1.0}


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (FAST_AND_KIND, "other"),
        ({**FAST_AND_KIND, "pages_rps": 1.03}, "shipped"),  # within the noise
        ({**FAST_AND_KIND, "pages_p99_ms": 1.3}, "shipped"),  # pages' tail slower
        ({**FAST_AND_KIND, "sign_in_p99_ms": 1.5}, "shipped"),  # sign-ins wait longer
        ({k: v for k, v in FAST_AND_KIND.items() if k != "upload_p99_ms"}, "shipped"),  # no upload measured
    ],
)
def test_another_configuration_wins_only_with_more_pages_and_no_slower_tail(other, expected):
    ratios = {"shipped": dict.fromkeys(FAST_AND_KIND, 1.0), "other": other}
    assert winner(ratios, "shipped") == expected


def test_the_upload_body_is_a_form_with_the_file_werkzeug_reads():
    body, content_type = mix.multipart(
        {"image_field_name": "cover", "cover": ""}, "cover_file", "c.jpg", b"\xff\xd8jpeg"
    )
    environ = {
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": content_type,
        "REQUEST_METHOD": "POST",
    }
    with Request(environ) as request:
        upload = request.files["cover_file"]
        assert request.form.to_dict() == {"image_field_name": "cover", "cover": ""}
        assert (upload.filename, upload.read()) == ("c.jpg", b"\xff\xd8jpeg")


def test_the_wrk_script_sends_each_page_with_its_headers_in_turn(tmp_path):
    pages = [
        ("/projects/", {"Cookie": "hyperdesk_session=abc.def"}),
        ("/api/v1/projects", {"Authorization": "Bearer k"}),
    ]
    script = mix.wrk_mix_script(pages, tmp_path / "mix.lua").read_text()
    assert 'wrk.format("GET", "/projects/", {["Cookie"] = "hyperdesk_session=abc.def"})' in script
    assert 'wrk.format("GET", "/api/v1/projects", {["Authorization"] = "Bearer k"})' in script
    assert "i % #requests + 1" in script


def test_the_benchmark_report_reads_its_own_runs_and_not_the_worker_benchmarks(tmp_path):
    from bench.report import stored_runs

    (tmp_path / "sqlite-1000.json").write_text('{"backend": "sqlite", "rows": 1000}')
    (tmp_path / "postgresql-1000.json").write_text('{"backend": "postgresql", "rows": 1000}')
    (tmp_path / "workers-sqlite.json").write_text('{"configurations": {}}')
    assert sorted(run["backend"] for run in stored_runs(tmp_path)) == ["postgresql", "sqlite"]
