"""The benchmark's CPU accounting: per-process readings compared before and after a load."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from bench.load import cpu_spent, process_cpu_seconds, settle


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


def busy_child(busy_seconds):
    """A process that spins for ``busy_seconds`` (forever when None), then sleeps."""
    spin = (
        "while True: pass"
        if busy_seconds is None
        else f"end = time.monotonic() + {busy_seconds}\nwhile time.monotonic() < end: pass"
    )
    return subprocess.Popen([sys.executable, "-c", f"import time\n{spin}\ntime.sleep(60)"])


def server_of(process):
    return SimpleNamespace(workers_cpu=lambda: {str(process.pid): process_cpu_seconds(process.pid)})


def test_settle_waits_until_what_a_load_left_running_has_finished():
    worker = busy_child(1.5)
    try:
        settle(server_of(worker), "sqlite:///unused.db", interval=0.2)
        state = Path(f"/proc/{worker.pid}/stat").read_text().rpartition(")")[2].split()[0]
        assert state == "S"  # past its busy second and a half, asleep
    finally:
        worker.kill()
        worker.wait()


def test_settle_gives_up_after_its_limit():
    worker = busy_child(None)
    try:
        waited = settle(server_of(worker), "sqlite:///unused.db", interval=0.2, limit=1.0)
        assert 1.0 <= waited < 30
        assert worker.poll() is None
    finally:
        worker.kill()
        worker.wait()
