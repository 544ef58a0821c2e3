"""The traffic beside the page reads: Google sign-ins and cover uploads at a fixed arrival rate.

Both go through the local stand-ins of tests/fakes, slowed down to the latency of the real
services: the outbound waits that gunicorn's threads exist for.
"""

import http.client
import io
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.fakes.cloudinary import FakeCloudinary
from tests.fakes.oidc import FakeOIDCIssuer

BOUNDARY = "hyperdesk-bench-" + secrets.token_hex(8)


class SlowIssuer(FakeOIDCIssuer):
    """The OpenID Connect stand-in, answering its token and key endpoints after ``latency`` seconds, as Google does."""

    def __init__(self, latency, **kwargs):
        super().__init__(**kwargs)
        self.latency = latency

    def _route(self, method, path, query, headers, body):
        if path in ("/token", "/jwks"):
            time.sleep(self.latency)
        return super()._route(method, path, query, headers, body)


class SlowCloudinary(FakeCloudinary):
    """The Cloudinary stand-in, answering an upload after ``latency`` seconds (sending the file and storing it)."""

    def __init__(self, latency, **kwargs):
        super().__init__(**kwargs)
        self.latency = latency

    def _route(self, method, path, query, headers, body):
        if method == "POST":
            time.sleep(self.latency)
        return super()._route(method, path, query, headers, body)


def cover_image(width=1200, height=800):
    """A photo-like JPEG (about 100 KB): smooth shading with grain, so decoding and re-encoding cost what a photo costs."""
    from PIL import Image, ImageFilter

    shading = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 40).filter(ImageFilter.GaussianBlur(1))
    image = Image.merge("RGB", (shading, grain, Image.blend(shading, grain, 0.5)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def multipart(fields, file_field, filename, data, content_type="image/jpeg"):
    """A multipart/form-data body with text ``fields`` and one file; returns (body, content type header)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def session_from(response):
    """The session cookie a response sets (``name=value``), or None."""
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith("hyperdesk_session="):
            return header.partition(";")[0]
    return None


class Visitor:
    """One browser: a keep-alive connection to the app (reopened when a sync worker closes it)."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.requests = 0

    def send(self, method, path, headers, body=None):
        """One request to the app; the response with its body read."""
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        self.requests += 1
        return response


def provider_redirect(location):
    """Follow the app's redirect at the provider (the person picks an account): the callback path it sends back."""
    parts = urlsplit(location)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    back = urlsplit(response.headers.get("Location", ""))
    return f"{back.path}?{back.query}" if response.status == 302 else None


def sign_in(port, issuer, email):
    """A full Google sign-in: start, the provider's page (not timed), callback, landing page.

    Returns (seconds spent waiting on the app, requests made to it, final status: 200 when signed in).
    """
    # The seeded accounts were made in advance: Google must vouch for their Workspace domain.
    issuer.queue_login(email, name=email.partition("@")[0].title(), hd=email.rpartition("@")[2])
    visitor, waited = Visitor(port), 0.0
    try:
        started = time.perf_counter()
        start = visitor.send("GET", "/auth/google", {})
        waited += time.perf_counter() - started
        callback = provider_redirect(start.headers.get("Location", "")) if start.status == 302 else None
        if callback is None:
            return waited, visitor.requests, start.status
        started = time.perf_counter()
        answer = visitor.send("GET", callback, {"Cookie": session_from(start) or ""})
        if answer.status == 302:
            answer = visitor.send(
                "GET", urlsplit(answer.headers["Location"]).path, {"Cookie": session_from(answer) or ""}
            )
        waited += time.perf_counter() - started
        return waited, visitor.requests, answer.status
    finally:
        visitor.connection.close()


def upload_cover(port, headers, image):
    """Upload a project cover through the image field's form endpoint, as htmx posts it; (seconds, requests, status)."""
    fields = {"image_field_name": "cover", "image_field_label": "Cover image", "cover": ""}
    body, content_type = multipart(fields, "cover_file", "cover.jpg", image)
    visitor = Visitor(port)
    try:
        started = time.perf_counter()
        answer = visitor.send(
            "POST", "/uploads/images", {**headers, "Content-Type": content_type, "HX-Request": "true"}, body=body
        )
        return time.perf_counter() - started, visitor.requests, answer.status
    finally:
        visitor.connection.close()


@dataclass
class Arrivals:
    """Calls ``action()`` every 1/``rate`` seconds on its own thread, at most ``bound`` at once (the rest are dropped)."""

    name: str
    rate: float
    action: object
    bound: int = 16
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    requests: int = 0
    dropped: int = 0

    def run(self, stop):
        """Arrive on schedule until ``stop`` is set; then wait for the calls in flight. A rate of 0 sends nothing."""
        if self.rate <= 0:
            return
        lock, slots, threads = threading.Lock(), threading.BoundedSemaphore(self.bound), []
        next_at = time.perf_counter()
        while not stop.is_set():
            if slots.acquire(blocking=False):
                thread = threading.Thread(target=self._one, args=(lock, slots), daemon=True)
                thread.start()
                threads.append(thread)
            else:
                self.dropped += 1
            next_at += 1 / self.rate
            stop.wait(max(0.0, next_at - time.perf_counter()))
        for thread in threads:
            thread.join(60)

    def _one(self, lock, slots):
        try:
            try:
                seconds, requests, status = self.action()
            except (OSError, http.client.HTTPException):
                seconds, requests, status = 0.0, 1, "connection error"
            except Exception as error:  # noqa: BLE001  (a broken driver is reported as a failure, never lost)
                seconds, requests, status = 0.0, 0, f"driver error {error!r}"
            with lock:
                self.requests += requests
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200:
                    self.latencies.append(seconds)
        finally:
            slots.release()

    @property
    def failures(self):
        """Arrivals that did not end on a 200 page."""
        return sum(count for status, count in self.statuses.items() if status != 200)

    @property
    def server_errors(self):
        return sum(count for status, count in self.statuses.items() if isinstance(status, int) and status >= 500)


def wrk_mix_script(requests, path):
    """Write a wrk Lua script sending ``requests`` [(path, headers)] in turn on every connection."""
    lines = ["local requests = {}", "local i = 0", "init = function(args)"]
    for number, (target, headers) in enumerate(requests, 1):
        table = ", ".join(f'["{name}"] = "{value}"' for name, value in headers.items())
        lines.append(f'  requests[{number}] = wrk.format("GET", "{target}", {{{table}}})')
    lines += [
        "end",
        "request = function()",
        "  i = i % #requests + 1",
        "  return requests[i]",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path
