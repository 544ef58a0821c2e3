"""Throwaway servers for the reliability suite: a PostgreSQL and a Redis of its own, on 127.0.0.1, removed after.

Faults are made on these only (stop, freeze, restart), never on the machine's shared servers.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} is not installed (apt-get install postgresql)")
    return str(candidates[-1])


def _as_postgres(argv):
    """PostgreSQL refuses to run as root: run its tools as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _children(pid):
    """Every process whose parent is ``pid`` (the postmaster's backends and helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="hyperdesk-reliability-pg-"))
        self.data = self.root / "data"
        os.chmod(self.root, 0o777)
        self.frozen = []

    @property
    def url(self):
        return self.url_for("postgres")

    def url_for(self, database):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        """An empty database on this server."""
        import psycopg2

        connection = psycopg2.connect(self.url, connect_timeout=5)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    def _ctl(self, *args, timeout=60):
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self):
        """Create the cluster on first start, then start the server and wait until it answers."""
        if not self.data.exists():
            subprocess.run(
                _as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
                check=True,
                timeout=120,
                stdout=subprocess.DEVNULL,
            )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=200 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.root / "server.log"), "-w", "start")
        return self

    def stop(self, mode="fast"):
        """Stop the server (connections are cut)."""
        self.thaw()
        self._ctl("-m", mode, "-w", "stop")

    def postmaster_pid(self):
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def freeze(self):
        """Stop every server process (SIGSTOP): connections stay open and nothing answers, like a hung host."""
        pid = self.postmaster_pid()
        self.frozen = [pid, *_children(pid)]
        for each in self.frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(each, signal.SIGSTOP)

    def thaw(self):
        """Let the frozen processes run again."""
        for each in self.frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(each, signal.SIGCONT)
        self.frozen = []

    def remove(self):
        """Stop the server if it runs and delete its files."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class ThrowawayRedis:
    """A redis-server on 127.0.0.1 without persistence; can be killed, restarted and frozen."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        """Start the server and wait until it answers PING."""
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        """Stop the server at once (SIGKILL)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)

    def freeze(self):
        """SIGSTOP: connections are accepted by the kernel and never answered."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)

    def remove(self):
        self.kill()
