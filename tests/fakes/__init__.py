"""Local stand-ins for Google sign-in and Cloudinary, served on 127.0.0.1 for tests."""

from __future__ import annotations

import json
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class LocalServer:
    """Base for the fakes: an HTTP server on an ephemeral 127.0.0.1 port, run in a daemon thread."""

    def __init__(self) -> None:
        """Set up shared state; nothing listens until start()."""
        self._lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None

    def start(self):
        """Listen on a fresh ephemeral port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("%s is already running" % type(self).__name__)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._address = self._server.server_address[:2]
        # A short poll interval keeps stop() (which waits for the next poll) from slowing every test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True, name=type(self).__name__
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket, so the old address refuses connections."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self):
        """Start the server for the duration of a with-block."""
        return self.start()

    def __exit__(self, *exc_info) -> None:
        """Stop the server when the with-block ends."""
        self.stop()

    @property
    def base_url(self) -> str:
        """Root URL; it stays readable after stop() so tests can aim at a dead server."""
        if self._address is None:
            raise RuntimeError("%s has not been started" % type(self).__name__)
        return "http://%s:%d" % self._address

    def _handle(self, method: str, path: str, query: dict, headers, body: bytes):
        """Record the request, then let the subclass answer it with (status, headers, body)."""
        with self._lock:
            self.requests.append((method, path))
        return self._route(method, path, query, headers, body)

    def _route(self, method: str, path: str, query: dict, headers, body: bytes):
        """Answer one request; each fake implements its own endpoints."""
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    """Hands each HTTP request to the LocalServer that owns the listening socket."""

    def do_GET(self):
        """Serve a GET request."""
        self._dispatch("GET")

    def do_POST(self):
        """Serve a POST request."""
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        """Read the request, let the fake answer it, and write the response."""
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, headers, payload = self.server.fake._handle(
                method, url.path, dict(parse_qsl(url.query)), self.headers, body
            )
        except Exception:
            # A bug in a fake must reach the test as a loud 500, not a silently dropped connection.
            status, headers, payload = text_response(500, traceback.format_exc())
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        """Stay silent: tests assert on LocalServer.requests instead of reading logs."""


def json_response(status: int, obj, **headers):
    """Build a JSON (status, headers, body) response."""
    return status, {"Content-Type": "application/json", **headers}, json.dumps(obj).encode("utf-8")


def text_response(status: int, message: str):
    """Build a plain-text response, used where a browser would see an error page."""
    return status, {"Content-Type": "text/plain; charset=utf-8"}, message.encode("utf-8")
