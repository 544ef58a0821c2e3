"""gunicorn settings for Render and any platform that sets PORT.

Start: gunicorn --config gunicorn.conf.py "webapp:create_app()"
Before the port opens, a child of the master checks the configuration and migrates the database
(webapp/startup.py); workers are forked from the preloaded app.
"""

import ctypes
import gc
import os
import shutil
import sys
import tempfile

from gunicorn import glogging


def _return_large_blocks_to_the_os(threshold=1024 * 1024):
    """Have glibc serve every allocation over ``threshold`` with its own mmap, released when freed.

    By default glibc raises that threshold to the size of any large block freed (up to 32 MiB), so
    after the first upload, decoded images come from the heap and their memory stays with the
    worker: four 12-megapixel uploads on four threads left a process 172 MiB larger; with a fixed
    threshold, 0.9 MiB, for the same CPU time. Set here, in the master, every worker inherits it.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): its allocator has no such setting
        return
    m_mmap_threshold = -3  # from glibc's malloc.h
    libc.mallopt(m_mmap_threshold, threshold)


def _one_heap_for_all_threads():
    """Have glibc serve every thread from the main heap instead of an arena per thread.

    Each request thread (and the outbox's) otherwise gets an arena of its own, whose freed blocks
    only that thread reuses: a worker under load was ~4 MiB larger (bench/footprint.py, 100,000
    rows, 16 requests in flight). The threads take the GIL to allocate most of their memory anyway.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_arena_max = -8  # from glibc's malloc.h
    libc.mallopt(m_arena_max, 1)


_return_large_blocks_to_the_os()
_one_heap_for_all_threads()

# /metrics adds up every worker's figures from files in this directory (prometheus_client's
# multiprocess mode). It must be set before anything imports prometheus_client, and start empty.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hyperdesk-metrics-")
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Render routes traffic to $PORT (10000 unless told otherwise) on every interface;
# GUNICORN_HOST narrows that (the local rehearsal listens on 127.0.0.1 only).
bind = [f"{os.environ.get('GUNICORN_HOST', '0.0.0.0')}:{os.environ.get('PORT', '10000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads keep a worker useful while one request waits on Google or Cloudinary; the class and the
# thread count were chosen by measurement (`make bench-workers`, docs/performance.md#worker-configuration).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# gunicorn quietly runs gthread for "sync" with more than one thread: sync means one thread.
threads = 1 if worker_class == "sync" else int(os.environ.get("GUNICORN_THREADS", "4"))

timeout = 30
# Render sends SIGTERM, then SIGKILL 30 s later: finish requests in flight before that.
graceful_timeout = 25
keepalive = 5

# Load the app once in the master: one import per start (cold starts matter on the free
# plan), copy-on-write memory for the workers, and configuration errors stop the master.
preload_app = True
proc_name = "hyperdesk"

# Two masters on one host would collide on gunicorn 27's default ~/.gunicorn/gunicorn.ctl.
control_socket_disable = True

# The instance is only reachable through Render's proxy, whose addresses are not fixed.
# The app itself trusts PROXY_FIX_HOPS hops of X-Forwarded-* (webapp/config.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# The app writes one log line per request with its request id (webapp/logs.py).
accesslog = None
errorlog = "-"


class AppLogger(glogging.Logger):
    """gunicorn's own messages go through the app's log handler, so every line has one format."""

    def setup(self, cfg):
        """Set up as usual, then hand gunicorn's error log to the app's root handler."""
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


logger_class = AppLogger


def on_starting(server):
    """Check the configuration and migrate under the advisory lock; exit 1 instead of serving.

    The work runs in a forked child: Alembic and the deploy checks (~11 MiB) then never load into
    the master, whose memory every worker is forked from and counts in its RSS.
    """
    child = os.fork()
    if child == 0:
        _prepare_and_exit(server.app.wsgi())
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(1)  # the child logged why
    _freeze_preloaded_app()


def _freeze_preloaded_app():
    """Move the preloaded app's objects out of the collector's reach before the workers fork.

    They live as long as the workers: so a worker's collections do not write to (and so copy) the
    pages it shares with the master. (No gc.collect() first: it finds a handful of objects and costs
    ~60 ms of cold start.) The benchmark's servers call this too (bench/served_as_shipped.py).
    """
    gc.freeze()


def _prepare_and_exit(app):
    """In the forked child: prepare, then leave without running the master's exit handlers."""
    import logging

    status = 1
    try:
        from webapp.startup import prepare_or_exit

        prepare_or_exit(app)
        status = 0
    except SystemExit as stop:  # prepare_or_exit's refusal, already logged
        status = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        logging.getLogger("webapp.startup").critical("Refusing to start: preparing the start failed.", exc_info=True)
    finally:
        logging.shutdown()  # flush the log lines before _exit
        os._exit(status)


def post_fork(server, worker):
    """Each worker delivers the outbox from a thread of its own (threads do not survive the fork)."""
    from webapp.outbox import start_delivery

    start_delivery(server.app.wsgi())


def worker_exit(server, worker):
    """On SIGTERM, let the outbox thread finish the message in hand, so nothing is sent twice."""
    from webapp.outbox import stop_delivery

    stop_delivery(server.app.wsgi(), timeout=graceful_timeout - 5)


def child_exit(server, worker):
    """A dead worker's live gauges (connections in use) must stop counting in /metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this start made (an operator's own directory stays)."""
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
