"""The benchmark's CPU accounting: per-process readings compared before and after a load."""

import os
import subprocess
import sys

from bench.load import cpu_spent, process_cpu_seconds


def test_a_process_that_ended_meanwhile_takes_nothing_off_the_others():
    # Backend 11's connection was replaced during the load: its earlier 5 s must not be subtracted.
    before = {"10": 2.0, "11": 5.0}
    after = {"10": 2.5, "12": 0.25}  # 12 started during the load and counts from zero
    assert cpu_spent(before, after) == 0.75


def test_cpu_is_read_from_proc_for_a_live_process_and_zero_once_it_is_gone():
    child = "sum(range(5_000_000)); print('counted', flush=True); input()"
    busy = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert busy.stdout.readline() == b"counted\n"
        assert process_cpu_seconds(busy.pid) > 0
    finally:
        busy.communicate(b"\n")
    assert process_cpu_seconds(busy.pid) == 0.0
    assert process_cpu_seconds(os.getpid()) > 0
