"""Worker memory and cold start, measured as ``make bench`` does, in a minute: ``python -m bench.footprint``.

Seeds a small SQLite (or PostgreSQL) database, then starts gunicorn with bench/load.py's ``Server`` as the
benchmark runs it (2 workers as gunicorn.conf.py ships them, bench/served_as_shipped.py) several times.
Each start reports the seconds until /health and the first signed-in projects page answer (the benchmark's
cold start), then every worker's VmRSS (the benchmark's figure), PSS and USS after ``--requests`` requests
spread over the benchmark's app workloads (list pages, searches, deep pages, the back office and the API),
``--concurrency`` at a time as wrk sends them (so every request thread works and holds its connection).
``--config gunicorn.conf.py`` serves with the whole deploy file instead (its start-up checks and migration too).
Prints one line per start and the medians; nothing is written to bench/RESULTS.md.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .load import AS_SHIPPED, Server, fetch, shipped_configuration
from .run import SERVERS, app_environment, app_paths, headers_for, prepare_database, session_cookie, workloads
from .seed import api_keys


def memory_of(pid):
    """(RSS, PSS, USS) of process ``pid`` in MiB, from /proc/<pid>/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0])
    uss = fields["Private_Clean"] + fields["Private_Dirty"]
    return fields["Rss"] / 1024, fields["Pss"] / 1024, uss / 1024


def cpu_seconds(pid):
    """User and system CPU of process ``pid`` and of its children that have ended (the master's forked
    start-up work under the deploy config), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def workers_of(server):
    pid = server.process.pid
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def one_start(env, cookies, pages, args):
    """Start, time the first answers, load the list pages, read memory; returns a dict of figures."""
    config = Path(args.config).resolve() if args.config else AS_SHIPPED
    server = Server(SERVERS["app"], env, workers=args.workers, serving=args.serving, config=config).start()
    try:
        health = server.wait_until_serving("/health")
        page = server.wait_until_serving("/projects/", headers={"Cookie": cookies["user"]})
        # CPU seconds the master and one worker spent to get there: a cold start's cost on a busy machine,
        # where the wall-clock figures wander.
        boot_cpu = cpu_seconds(server.process.pid) + max(map(cpu_seconds, workers_of(server)))

        def one(number):
            workload = pages[number % len(pages)]
            status, _ = fetch(server.url + workload.path, headers_for(workload, cookies), follow_redirects=False)
            if status != 200:
                raise RuntimeError(f"{workload.path} answered {status}")

        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(one, range(args.requests)))
        time.sleep(0.2)
        memory = [memory_of(pid) for pid in workers_of(server)]
        master = memory_of(server.process.pid)
    finally:
        server.stop()
    return {"health_s": health, "first_page_s": page, "boot_cpu_s": boot_cpu, "workers": memory, "master": master}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--starts", type=int, default=5, help="gunicorn starts (medians over them)")
    parser.add_argument("--requests", type=int, default=200, help="requests to the list pages per start")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight at once (wrk's -c)")
    parser.add_argument("--serving", default="", help="sync, gthread-2, ... (default: what gunicorn.conf.py ships)")
    parser.add_argument("--config", default="", help="a gunicorn config file, e.g. gunicorn.conf.py")
    args = parser.parse_args(argv)
    args.serving = args.serving or shipped_configuration()

    import secrets

    url, facts, cleanup = prepare_database(args.db, args.rows)
    try:
        secret = secrets.token_urlsafe(48)
        cookies = {"user": session_cookie(secret, url, facts["user_id"])}
        cookies["admin"] = session_cookie(secret, url, facts["admin_id"])
        cookies.update({f"{who}_key": key for who, key in api_keys(url, facts).items()})
        facts["paths"] = app_paths(url, facts)
        # The benchmark's own workloads on the app (lists, searches, deep pages, admin, API), in turn.
        pages = [workload for workload in workloads(facts) if workload.server == "app"]
        env = app_environment(url, secret)
        if args.config:
            # What the deploy checks in the master's start-up hook demand of a production start (never called here).
            env.update(
                {
                    "PUBLIC_URL": "https://bench.example.com",
                    "GUNICORN_HOST": "127.0.0.1",
                    "GOOGLE_CLIENT_ID": "bench-client",
                    "GOOGLE_CLIENT_SECRET": "bench-secret",
                    "CLOUDINARY_URL": "cloudinary://bench-key:bench-secret@bench-cloud",
                }
            )
        runs = []
        for number in range(args.starts):
            run = one_start(env, cookies, pages, args)
            runs.append(run)
            memory = "  ".join(f"rss {r:5.1f} pss {p:5.1f} uss {u:5.1f}" for r, p, u in run["workers"])
            print(
                f"start {number + 1}: health {run['health_s']:.3f} s, first page {run['first_page_s']:.3f} s, "
                f"boot CPU {run['boot_cpu_s']:.2f} s | master rss {run['master'][0]:5.1f} | {memory}",
                flush=True,
            )
    finally:
        cleanup()
    worker_figures = [w for run in runs for w in run["workers"]]
    print(
        f"median of {args.starts} starts ({args.db}, {args.rows:,} rows, {args.requests} requests, "
        f"{args.workers} {args.serving} workers{', config ' + args.config if args.config else ''}): "
        f"health {statistics.median(r['health_s'] for r in runs):.3f} s, "
        f"first page {statistics.median(r['first_page_s'] for r in runs):.3f} s, "
        f"boot CPU {statistics.median(r['boot_cpu_s'] for r in runs):.2f} s, "
        f"worker RSS {statistics.median(w[0] for w in worker_figures):.1f} MiB, "
        f"PSS {statistics.median(w[1] for w in worker_figures):.1f} MiB, "
        f"USS {statistics.median(w[2] for w in worker_figures):.1f} MiB; "
        f"master RSS {statistics.median(r['master'][0] for r in runs):.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
