"""The processes a rehearsal starts (build steps, app instances, the stand-ins) and their clean-up."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from . import RehearsalFailed, check


def say(message):
    """Print one line of the rehearsal's story at once (CI shows it as it happens)."""
    print(message, flush=True)


class Cleanup:
    """Undo everything the rehearsal made, newest first, even after a failure."""

    def __init__(self):
        """Start with nothing to undo."""
        self._actions = []

    def push(self, description, action):
        """Remember to run ``action`` at the end."""
        self._actions.append((description, action))

    def run(self):
        """Run every action; one failing does not stop the others."""
        while self._actions:
            description, action = self._actions.pop()
            try:
                action()
            except Exception as error:  # clean-up must go on whatever one step raised
                say(f"   ! clean-up of {description} failed: {error!r}")


def run(argv, *, cwd, env, log_path, timeout):
    """Run a command to completion, its output in ``log_path``; fail with the log's tail."""
    with open(log_path, "w") as log:
        try:
            result = subprocess.run(
                argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True
            )
        except subprocess.TimeoutExpired:
            raise RehearsalFailed(f"{argv[-1]!r} took more than {timeout} s (log: {log_path})") from None
    if result.returncode != 0:
        raise RehearsalFailed(f"{' '.join(argv)} exited {result.returncode}:\n{tail(log_path)}")


def tail(path, lines=25):
    """The last lines of a log file, indented for the report."""
    try:
        with open(path, errors="replace") as log:
            return "".join("      " + line for line in log.readlines()[-lines:])
    except FileNotFoundError:
        return "      (no log)"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_group(process, grace):
    """SIGTERM the process group, then SIGKILL whatever is left after ``grace`` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class Instance:
    """One app instance started with render.yaml's start command, as Render would start it."""

    def __init__(self, name, command, *, cwd, env, log_path, cleanup):
        """Start the instance in its own process group, its log in ``log_path``."""
        self.name = name
        self.port = int(env["PORT"])
        self.log_path = log_path
        self.started_at = time.monotonic()
        self._log = open(log_path, "w")  # noqa: SIM115  (open for the instance's whole life)
        # Render runs the start command through a shell; bash execs a lone command, so the
        # process we hold is gunicorn's master and receives the SIGTERM itself.
        self.process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        cleanup.push(f"instance {name}", lambda: stop_group(self.process, 5))

    @property
    def base_url(self):
        """Where the instance listens, bypassing the proxy (as Render's health checker does)."""
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, path, timeout):
        """Poll ``path`` like Render's health check; return seconds from start to the first 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check(
                self.process.poll() is None,
                f"instance {self.name} exited {self.process.returncode} before it was healthy:\n{tail(self.log_path)}",
            )
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - self.started_at
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise RehearsalFailed(
            f"instance {self.name} answered no 200 on {path} within {timeout} s:\n{tail(self.log_path)}"
        )

    def is_gunicorn_master(self):
        """True when the process we hold is gunicorn itself, not a shell around it."""
        with open(f"/proc/{self.process.pid}/cmdline", "rb") as cmdline:
            return b"gunicorn" in cmdline.read()

    def terminate(self, timeout):
        """Send SIGTERM as Render does at shutdown; return the exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise RehearsalFailed(f"instance {self.name} still runs {timeout} s after SIGTERM") from None

    def log_lines(self):
        """Every line the instance wrote, each parsed as JSON (production logs are JSON only)."""
        self._log.flush()
        entries = []
        with open(self.log_path) as log:
            for number, line in enumerate(log, 1):
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    raise RehearsalFailed(f"{self.name} log line {number} is not JSON: {line.rstrip()}") from None
        return entries


class Fakes:
    """The local Google and Cloudinary stand-ins, served by a helper process we talk to on its stdin."""

    def __init__(self, python, *, cwd, env, log_path, cleanup):
        """Start the helper with the fresh virtualenv's Python and read the addresses it serves."""
        self._stderr = open(log_path, "w")  # noqa: SIM115  (open for the helper's whole life)
        self.process = subprocess.Popen(
            [python, "-m", "scripts.rehearsal.fakes_server"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            start_new_session=True,
        )
        cleanup.push("the stand-ins", lambda: stop_group(self.process, 5))
        line = self.process.stdout.readline()
        check(line, f"the stand-ins did not start:\n{tail(log_path)}")
        self.settings = json.loads(line)

    def call(self, command, **arguments):
        """Send one command to the helper and return its answer."""
        self.process.stdin.write(json.dumps({"command": command, "arguments": arguments}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline() or "null")
        check(answer is not None and "error" not in answer, f"stand-in command {command} failed: {answer}")
        return answer

    def queue_login(self, email, name, hd=None):
        """Make the next Google sign-in on the local issuer come back as ``email`` (of Workspace ``hd``)."""
        return self.call("queue_login", email=email, name=name, hd=hd)
