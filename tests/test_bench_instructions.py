"""bench/instructions.py counts a request's instructions under callgrind, the same each time for the same code."""

import shutil

import pytest

from bench import instructions

pytestmark = pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind (Debian's package)")


def test_the_same_requests_count_the_same_instructions_twice():
    counts = [instructions.count(instructions.ROOT, "/projects/", "user", 50, 5, "", False) for _ in range(2)]
    assert counts[0] > 1  # millions: a signed-in page is some millions of instructions
    assert abs(counts[0] - counts[1]) / counts[0] < 0.01, counts


def test_a_request_that_fails_is_reported_not_counted():
    with pytest.raises(SystemExit, match="failed"):
        instructions.count(instructions.ROOT, "/no-such-page/", "user", 50, 2, "", False)
