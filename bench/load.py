"""Serve an app with gunicorn and measure it: wrk throughput and latency, RSS, cold start."""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
RUN_DIR = ROOT / "bench" / "work" / "run"
# The served code's own deploy settings, without its start-up preparation (see that file).
AS_SHIPPED = Path(__file__).resolve().with_name("served_as_shipped.py")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What the environment may set to change how gunicorn.conf.py serves (cleared to read what it ships).
SERVING_KEYS = ("GUNICORN_WORKER_CLASS", "GUNICORN_THREADS", "WEB_CONCURRENCY", "DB_POOL_SIZE", "PORT")


def shipped_configuration():
    """The name of what gunicorn.conf.py runs when the environment chooses nothing (``gthread-4``, ``sync``)."""
    env = {key: value for key, value in os.environ.items() if key not in SERVING_KEYS}
    env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hyperdesk-bench-metrics-")
    code = "import runpy; s = runpy.run_path('gunicorn.conf.py'); print(s['worker_class'], s['threads'])"
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    worker_class, threads = output.split()
    return "sync" if worker_class == "sync" else f"{worker_class}-{threads}"


def worker_options(serving):
    """gunicorn's options for ``serving``: ``sync``, or a worker class and its threads (``gthread-4``)."""
    worker_class, _, threads = serving.partition("-")
    return ["--worker-class", worker_class, *(["--threads", threads] if threads else [])]


@dataclass
class Server:
    """A gunicorn master serving ``app_spec`` on 127.0.0.1 (imported from ``root``: today's code, or an old checkout)."""

    app_spec: str
    env: dict
    workers: int = 2
    root: Path = ROOT
    serving: str = "sync"  # the worker class, and its threads for gthread: "sync", "gthread-4"
    config: Path = None  # a gunicorn settings file (AS_SHIPPED for the apps), or gunicorn's defaults
    process: subprocess.Popen = None
    log_path: Path = None
    port: int = 0
    started_at: float = 0.0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        command = [
            GUNICORN,
            *(["--config", str(self.config)] if self.config else []),
            "--no-control-socket",
            "--workers",
            str(self.workers),
            *worker_options(self.serving),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
            self.app_spec,
        ]
        env = {**os.environ, **self.env, "PYTHONPATH": str(self.root)}
        self.started_at = time.perf_counter()
        # Run outside the project root so gunicorn does not pick up the deploy gunicorn.conf.py
        # by itself (its start-up hook migrates and checks a production deployment): AS_SHIPPED serves as it does.
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = RUN_DIR / f"gunicorn-{self.port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115  (open for the server's whole life)
        self.process = subprocess.Popen(command, cwd=RUN_DIR, env=env, stdout=self.log, stderr=self.log)
        return self

    def wait_until_serving(self, path, headers=None, timeout=60):
        """Seconds from process start until ``path`` answered 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app_spec} exited: {self.log_path.read_text()[-2000:]}")
            try:
                request = urllib.request.Request(self.url + path, headers=headers or {})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started_at
            except (OSError, urllib.error.URLError):
                time.sleep(0.01)
        raise TimeoutError(f"{self.app_spec} did not serve {path} within {timeout}s")

    def worker_rss_mib(self):
        """Resident memory of each worker process, in MiB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            kib = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
            sizes.append(kib / 1024)
        return sizes

    def workers_cpu(self):
        """Each worker's CPU time (user + system) so far, by process id: ``cpu_spent`` compares two readings."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return {pid: process_cpu_seconds(pid) for pid in children}

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


def process_cpu_seconds(pid):
    """utime + stime of process ``pid`` from /proc (0 when it is gone or not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command's closing parenthesis: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_spent(before, after):
    """CPU seconds spent between two readings of processes' CPU by id, never negative.

    A process that ended in between (a PostgreSQL backend whose connection the pool replaced)
    can no longer be read: subtracting the whole of the first reading from the second would
    take its earlier CPU off the others'. Only processes present at the end count, from zero
    if they started in between.
    """
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def database_backends_cpu(url):
    """Each PostgreSQL backend's CPU time by process id, for the database at ``url`` (None for SQLite,
    or when the server's processes cannot be read: another host). The app's pooled connections keep their
    backends."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).scalars()
            pids = list(pids)
    finally:
        engine.dispose()
    if pids and not Path(f"/proc/{pids[0]}/stat").exists():
        return None
    return {pid: process_cpu_seconds(pid) for pid in pids}


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_ms: float | None = None  # the workers' CPU per request served (the database's too on SQLite)
    db_cpu_ms: float | None = None  # PostgreSQL backends' CPU per request served


WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url, headers, duration, connections, threads, script=None):
    """Drive ``url`` with wrk for ``duration`` seconds; parse throughput and latency.

    A Lua ``script`` may choose each request (bench/mix.py: several pages in turn); ``url`` then gives the server.
    """
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["--script", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {pct: float(value) * UNITS_MS[unit] for pct, value, unit in WRK_LATENCY.findall(output)}
    errors = 0
    for pattern in (
        r"Non-2xx or 3xx responses:\s+(\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    ):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(n) for n in match.groups())
    served = re.search(r"(\d+) requests in", output)
    return LoadResult(
        rps, latency.get("50", 0.0), latency.get("99", 0.0), errors, int(served.group(1)) if served else 0
    )


def measured_load(server, database_url, url, headers, duration, connections, threads):
    """``run_wrk`` with the CPU the server's workers (and the database's backends) spent per request."""
    app_before, db_before = server.workers_cpu(), database_backends_cpu(database_url)
    result = run_wrk(url, headers, duration, connections, threads)
    app_after, db_after = server.workers_cpu(), database_backends_cpu(database_url)
    if result.requests:
        result.cpu_ms = round(cpu_spent(app_before, app_after) / result.requests * 1000, 3)
        if db_before is not None and db_after is not None:
            result.db_cpu_ms = round(cpu_spent(db_before, db_after) / result.requests * 1000, 3)
    return result


def settle(server, database_url, interval=0.5, quiet=0.05, limit=60.0):
    """Wait until ``server``'s workers and ``database_url``'s backends are idle (at most ``limit`` s); the seconds waited.

    wrk stops sending when its time is up, but requests already accepted run on: a page that
    cannot keep up (a baseline taking seconds per request on a million rows) leaves its workers
    and its database busy for seconds after, on the two cores the next workload is measured on.
    Idle means under ``quiet`` of one core over ``interval``.
    """
    started = time.monotonic()
    before = _processes_cpu(server, database_url)
    while time.monotonic() - started < limit:
        time.sleep(interval)
        now = _processes_cpu(server, database_url)
        if cpu_spent(before, now) < quiet * interval:
            break
        before = now
    return time.monotonic() - started


def _processes_cpu(server, database_url):
    return {**server.workers_cpu(), **(database_backends_cpu(database_url) or {})}


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect itself is the answer (urlopen raises it as an HTTPError)


def cookie_after_visit(url, cookie):
    """``cookie`` as a browser holds it after opening ``url`` once: with whatever the page's Set-Cookie changed.

    wrk sends the same Cookie header on every request; a browser sends back what it was last given (the
    session with its form token, say). Replaying a cookie from before that first page would make every
    request store the session anew, which no browser causes.
    """
    response = urllib.request.build_opener(_KeepRedirects).open(
        urllib.request.Request(url, headers={"Cookie": cookie}), timeout=30
    )
    with response:
        given = [header.split(";", 1)[0] for header in response.headers.get_all("Set-Cookie") or []]
    held = dict(part.strip().split("=", 1) for part in cookie.split(";") if "=" in part)
    held.update(dict(pair.split("=", 1) for pair in given))
    return "; ".join(f"{name}={value}" for name, value in held.items())


def fetch(url, headers, follow_redirects=True):
    """GET ``url`` once; (status, body bytes). Without ``follow_redirects`` a redirect is returned as it is."""
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener() if follow_redirects else urllib.request.build_opener(_KeepRedirects)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        if follow_redirects or not 300 <= error.code < 400:
            raise
        return error.code, error.read()
