"""Bounded load on 127.0.0.1: people reading and writing through the pages, every acknowledged write kept in a ledger."""

import collections
import http.client
import statistics
import threading
import time
import urllib.parse
import uuid

import psycopg2

from .app import session_cookie

WRITE_OK = {302, 303}


class Ledger:
    """What the app acknowledged (so must be stored) and what it may or may not have stored."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = set()
        self.items = set()
        self.deleted = set()
        self.edit_acked = {}  # project id -> highest acknowledged version
        self.edits = 0
        self.statuses = collections.Counter()
        self.latencies = []
        self.cut = 0

    def note(self, status, seconds):
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)


class Person(threading.Thread):
    """One signed-in person on one keep-alive connection, looping over reads and writes until told to stop."""

    def __init__(self, number, person, port, ledger, stop):
        super().__init__(daemon=True, name=f"person-{number}")
        self.number, self.person, self.port, self.ledger, self.stop_event = number, person, port, ledger, stop
        self.headers = session_cookie(person["session"])
        self.connection = None
        self.seeded = list(person["items"])

    def request(self, method, path, form=None):
        """One request; the status, or None when the connection was cut (counted apart from HTTP answers)."""
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.connection = None
            with self.ledger.lock:
                self.ledger.cut += 1
            return None
        self.ledger.note(status, time.monotonic() - started)
        return status

    def run(self):
        n = 0
        while not self.stop_event.is_set():
            n += 1
            self.one_round(n)

    def one_round(self, n):
        ledger, person = self.ledger, self.person
        self.request("GET", "/projects/")
        name = f"r-{self.number}-{n}-{uuid.uuid4().hex[:6]}"
        if self.request("POST", "/projects/", {"name": name, "status": "active", "description": "new"}) in WRITE_OK:
            with ledger.lock:
                ledger.created.add(name)
        form = {"name": f"Seed project {self.number}", "status": "active", "description": f"v{n}"}
        if self.request("POST", f"/projects/{person['project']}/edit", form) in WRITE_OK:
            with ledger.lock:
                ledger.edit_acked[person["project"]] = n
                ledger.edits += 1
        text = f"i-{self.number}-{n}"
        if self.request("POST", f"/specifications/{person['spec']}/items/", {"text": text}) in WRITE_OK:
            with ledger.lock:
                ledger.items.add(text)
        if self.seeded:
            self.request("POST", f"/items/{self.seeded[0]}/move", {"direction": "down" if n % 2 else "up"})
        if n % 4 == 0 and len(self.seeded) > 3:
            item = self.seeded.pop()
            self.person["items"].remove(item)  # later scenarios must not ask for it again
            if self.request("POST", f"/items/{item}/delete", {}) in WRITE_OK:
                with ledger.lock:
                    ledger.deleted.add(item)


class Probe(threading.Thread):
    """Polls a path every ``interval`` seconds, recording (time, status or None, seconds taken)."""

    def __init__(self, port, path, stop, interval=0.5, timeout=15):
        super().__init__(daemon=True, name=f"probe{path}")
        self.port, self.path, self.stop_event, self.interval, self.timeout = port, path, stop, interval, timeout
        self.samples = []

    def run(self):
        while not self.stop_event.is_set():
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                connection.request("GET", self.path)
                status = connection.getresponse().status
                connection.close()
            except (OSError, http.client.HTTPException):
                status = None
            self.samples.append((started, status, time.monotonic() - started))
            self.stop_event.wait(self.interval)


def run_load(port, people, seconds, connections, during=None):
    """``connections`` people for ``seconds``; ``during(started)`` runs the fault meanwhile. Returns the ledger."""
    ledger, stop = Ledger(), threading.Event()
    threads = [Person(n, people[n % len(people)], port, ledger, stop) for n in range(connections)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    if during is not None:
        during(started)
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    for thread in threads:
        thread.join(40)
    ledger.seconds = time.monotonic() - started
    return ledger


def verify(database_url, ledger, people):
    """Every acknowledged write is in the database; positions are gapless. Returns the list of problems."""
    connection = psycopg2.connect(database_url)
    problems = []
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT name FROM project")
        names = {row[0] for row in cursor.fetchall()}
        problems += [f"acknowledged project {name} is missing" for name in ledger.created - names]
        cursor.execute("SELECT text FROM bullet_item")
        texts = {row[0] for row in cursor.fetchall()}
        problems += [f"acknowledged item {text} is missing" for text in ledger.items - texts]
        if ledger.deleted:
            cursor.execute("SELECT id FROM bullet_item WHERE id = ANY(%s)", (list(ledger.deleted),))
            problems += [f"acknowledged deletion of item {row[0]} was undone" for row in cursor.fetchall()]
        for project, acked in ledger.edit_acked.items():
            cursor.execute("SELECT description FROM project WHERE id = %s", (project,))
            stored = int(cursor.fetchone()[0].lstrip("v") or 0)
            if stored < acked:
                problems.append(f"project {project} shows v{stored}, but v{acked} was acknowledged")
        cursor.execute(
            "SELECT specification_id, array_agg(position ORDER BY position) FROM bullet_item GROUP BY specification_id"
        )
        for spec, positions in cursor.fetchall():
            if positions != list(range(len(positions))):
                problems.append(f"specification {spec} has positions {positions}")
    connection.close()
    return problems


def summary(ledger):
    """The figures of a load run, as one dictionary."""
    statuses = ledger.statuses
    latencies = sorted(ledger.latencies) or [0.0]
    return {
        "requests": sum(statuses.values()),
        "per_second": round(sum(statuses.values()) / ledger.seconds, 1),
        "status_500_and_other_5xx": sum(v for k, v in statuses.items() if k >= 500 and k != 503),
        "status_503": statuses.get(503, 0),
        "status_4xx": {str(k): v for k, v in sorted(statuses.items()) if 400 <= k < 500},
        "connections_cut": ledger.cut,
        "acknowledged_writes": len(ledger.created) + len(ledger.items) + len(ledger.deleted) + ledger.edits,
        "latency_median_ms": round(statistics.median(latencies) * 1000, 1),
        "latency_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "latency_max_ms": round(latencies[-1] * 1000, 1),
    }
