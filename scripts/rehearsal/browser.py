"""A browser for the rehearsal that also plays Render's TLS-terminating proxy.

Render serves ``https://<service>.onrender.com`` and passes requests to an instance over
plain HTTP with ``X-Forwarded-Proto: https``. This client does the same: a URL on the public
host goes to an instance on 127.0.0.1 with the forwarded headers. Production cookies are
``Secure``, which Python's cookie jar would never send over that plain-HTTP hop, so the
client keeps its own jar. It only ever connects to 127.0.0.1.
"""

import http.client
import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

from . import RehearsalFailed, check

CLIENT_ADDRESS = "203.0.113.7"  # a documentation address, only ever written in a header
REDIRECTS = {301, 302, 303, 307, 308}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Response:
    """What came back for one request."""

    def __init__(self, url, raw):
        """Read the whole response."""
        self.url = url
        self.status = raw.status
        self.headers = raw.headers
        self.text = raw.read().decode("utf-8", errors="replace")

    @property
    def path(self):
        """The path of the URL that answered."""
        return urlsplit(self.url).path

    def csrf_token(self):
        """The CSRF token of the first form on the page."""
        match = CSRF_FIELD.search(self.text)
        check(match is not None, f"{self.url} has no CSRF token")
        return match.group(1)


class Browser:
    """One person's browser, reaching one instance through the pretend proxy."""

    def __init__(self, public_host, port):
        """Start with no cookies; requests to ``public_host`` go to the instance on ``port``."""
        self.public_host = public_host
        self.port = port
        self.cookies = {}
        self.set_cookie_headers = []
        self.history = []

    def url(self, path):
        """The public https URL of ``path``."""
        return f"https://{self.public_host}{path}"

    def get(self, url, follow=True, headers=None):
        """GET ``url`` (a path means the public host), following redirects unless told not to."""
        return self._fetch("GET", url, None, headers or {}, follow)

    def post(self, url, form, referer, follow=True):
        """POST a form as a browser does, with the page it came from as Referer."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": referer}
        return self._fetch("POST", url, urlencode(form).encode(), headers, follow)

    def post_files(self, url, form, files, referer, headers=None, follow=True):
        """POST a multipart form as a browser sends a file input: ``files`` maps names to (file name, type, bytes)."""
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in form.items()
        ]
        parts += [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
            for name, (filename, content_type, data) in files.items()
        ]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {**(headers or {}), "Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": referer}
        return self._fetch("POST", url, body, headers, follow)

    def follow(self, response):
        """Follow the redirect ``response`` names, and any after it."""
        return self._follow(response, 10)

    def _fetch(self, method, url, body, headers, follow):
        response = self._send(method, self.url(url) if url.startswith("/") else url, body, headers)
        return self._follow(response, 10) if follow else response

    def _follow(self, response, hops):
        while response.status in REDIRECTS:
            check(hops > 0, f"too many redirects, last {response.url}")
            hops -= 1
            response = self._send("GET", urljoin(response.url, response.headers["Location"]), None, {})
        return response

    def _send(self, method, url, body, headers):
        parts = urlsplit(url)
        headers = dict(headers)
        if parts.netloc == self.public_host:
            check(parts.scheme == "https", f"the app sent the browser to {url}: public URLs must be https")
            port = self.port
            headers.update({"Host": self.public_host, "X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_ADDRESS})
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        elif parts.scheme == "http" and parts.hostname == "127.0.0.1":
            port = parts.port
        else:
            raise RehearsalFailed(f"refusing to contact {url}: the rehearsal only talks to this machine")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request(method, target or "/", body=body, headers=headers)
            response = Response(url, connection.getresponse())
        finally:
            connection.close()
        if parts.netloc == self.public_host:
            self._keep_cookies(response)
        self.history.append((method, url, response.status))
        return response

    def _keep_cookies(self, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value
