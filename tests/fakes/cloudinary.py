"""A Cloudinary-compatible upload API and image delivery on 127.0.0.1, for the real cloudinary SDK."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import io
import os
import re
import secrets
import time
import uuid
from email import policy
from email.parser import BytesParser
from urllib.parse import urlencode

from PIL import Image

from . import LocalServer, json_response, text_response

STALE_AFTER = 3600
# Cloudinary leaves these out of the string to sign (the SDK adds api_key and file after signing).
UNSIGNED_PARAMS = frozenset({"file", "api_key", "signature", "resource_type", "cloud_name"})
# Cloudinary names formats by extension, Pillow by codec.
FORMAT_NAMES = {"JPEG": "jpg", "TIFF": "tiff"}


@dataclasses.dataclass(frozen=True)
class UploadRecord:
    """One stored asset, kept for delivery and for test assertions."""

    public_id: str
    bytes: bytes
    params: dict
    format: str
    width: int
    height: int
    content_type: str
    response: dict


class FakeCloudinary(LocalServer):
    """Signed Upload API (image upload and destroy) plus delivery of the stored images."""

    def __init__(self, cloud_name: str = "demo", api_key: str = "123456789012345", api_secret: str = "fake-secret"):
        """Create an empty cloud; call start() or use it as a context manager."""
        super().__init__()
        self.cloud_name = cloud_name
        self.api_key = api_key
        self.api_secret = api_secret
        self.uploads: dict[str, UploadRecord] = {}
        self.destroyed: list[str] = []
        self._failures: list[int] = []
        self._last_version = 0

    @property
    def url(self) -> str:
        """Prefix to give the SDK as upload_prefix."""
        return self.base_url

    def cloudinary_url(self) -> str:
        """CLOUDINARY_URL aiming API calls, and non-secure SDK-built delivery URLs, at this fake."""
        # cname makes cloudinary.utils.cloudinary_url() build http://<cname>/<cloud>/image/upload/...
        query = urlencode({"upload_prefix": self.url, "cname": self.url.split("://", 1)[1]})
        return "cloudinary://%s:%s@%s?%s" % (self.api_key, self.api_secret, self.cloud_name, query)

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        """Make the next `times` upload/destroy calls answer `status` with a Cloudinary error body."""
        with self._lock:
            self._failures.extend([status] * times)

    def reset(self) -> None:
        """Forget uploads, deletions, recorded requests and pending failures."""
        with self._lock:
            self.uploads.clear()
            self.destroyed.clear()
            self.requests.clear()
            self._failures.clear()

    def _route(self, method: str, path: str, query: dict, headers, body: bytes):
        """Dispatch API calls and delivery requests."""
        parts = path.strip("/").split("/")
        if method == "POST" and len(parts) == 4 and parts[0] == "v1_1":
            return self._api(parts[1], parts[2], parts[3], headers, body)
        if method == "GET" and len(parts) > 3 and parts[1:3] == ["image", "upload"]:
            return self._deliver(parts[0], parts[3:])
        return text_response(404, "not found: %s %s" % (method, path))

    def _api(self, cloud: str, resource_type: str, action: str, headers, body: bytes):
        """Authenticate a signed Upload API call, then run it."""
        with self._lock:
            injected = self._failures.pop(0) if self._failures else None
        if injected:
            return _error(injected, "Injected failure (HTTP %d)" % injected)
        if cloud != self.cloud_name:
            return _error(401, "Invalid cloud_name %s" % cloud)
        if resource_type not in ("image", "raw") or action not in ("upload", "destroy"):
            return _error(404, "Unsupported endpoint: %s/%s" % (resource_type, action))
        try:
            params, upload = _parse_form(headers.get("Content-Type", ""), body)
        except ValueError as exc:
            return _error(400, str(exc))
        problem = self._auth_problem(params)
        if problem:
            return _error(*problem)
        if action == "upload":
            return self._upload(params, upload, resource_type)
        return self._destroy(params, resource_type)

    def _auth_problem(self, params: dict) -> tuple[int, str] | None:
        """Check api_key, signature and timestamp the way Cloudinary does."""
        api_key = params.get("api_key")
        if not api_key:
            return 401, "Must supply api_key"
        if api_key != self.api_key:
            return 401, "Unknown API key %s" % api_key
        signature = params.get("signature", "")
        to_sign = string_to_sign(params)
        # The SDK does not say which digest it used; the length tells SHA-1 from SHA-256.
        digest = hashlib.sha256 if len(signature) == 64 else hashlib.sha1
        expected = digest((to_sign + self.api_secret).encode("utf-8")).hexdigest()
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return 401, "Invalid Signature %s. String to sign - '%s'." % (signature, to_sign)
        try:
            timestamp = int(params["timestamp"])
        except (KeyError, ValueError):
            return 400, "Missing required parameter - timestamp"
        if time.time() - timestamp > STALE_AFTER:
            reported = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(timestamp))
            return 400, "Stale request - reported time is %s which is more than 1 hour ago" % reported
        return None

    def _upload(self, params: dict, upload: tuple[str | None, bytes] | None, resource_type: str = "image"):
        """Store an image (or a raw file, kept as sent) and answer like Cloudinary's upload endpoint."""
        if upload is None:
            return _error(400, "Missing required parameter - file")
        filename, data = upload
        if resource_type == "raw":
            return self._store(params, filename, data, "raw", (0, 0, "", "application/octet-stream"))
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                width, height, codec = image.width, image.height, image.format
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            return _error(400, "Invalid image file")
        fmt = FORMAT_NAMES.get(codec, codec.lower())
        allowed = params.get("allowed_formats")
        if allowed and fmt not in allowed.split(","):
            return _error(400, "Image format %s not allowed" % fmt)
        content_type = Image.MIME.get(codec, "image/" + fmt)
        return self._store(params, filename, data, "image", (width, height, fmt, content_type))

    def _store(self, params, filename, data, resource_type, facts):
        width, height, fmt, content_type = facts
        original = os.path.splitext(os.path.basename(filename or "file"))[0]
        public_id = _public_id(params, original)
        with self._lock:
            existing = self.uploads.get(public_id)
            if existing and params.get("overwrite") in ("0", "false"):
                return json_response(200, {**existing.response, "existing": True})
            # Versions are timestamps; bumping keeps a same-second overwrite distinguishable.
            self._last_version = version = max(int(time.time()), self._last_version + 1)
            suffix = ".%s" % fmt if fmt else ""
            delivery = "%s/%s/%s/upload/v%d/%s%s" % (
                self.url,
                self.cloud_name,
                resource_type,
                version,
                public_id,
                suffix,
            )
            signed = "public_id=%s&version=%d%s" % (public_id, version, self.api_secret)
            response = {
                "asset_id": uuid.uuid4().hex,
                "public_id": public_id,
                "version": version,
                "version_id": secrets.token_hex(16),
                "signature": hashlib.sha1(signed.encode("utf-8")).hexdigest(),
                "width": width,
                "height": height,
                "format": fmt,
                "resource_type": resource_type,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "tags": [tag for tag in params.get("tags", "").split(",") if tag],
                "bytes": len(data),
                "type": "upload",
                "etag": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                "placeholder": False,
                "url": delivery,
                "secure_url": delivery,
                "original_filename": original,
            }
            self.uploads[public_id] = UploadRecord(
                public_id, data, dict(params), fmt, width, height, content_type, response
            )
        return json_response(200, response)

    def _destroy(self, params: dict, resource_type: str = "image"):
        """Delete an image (or raw file: asked for under its own resource type) like Cloudinary's destroy endpoint."""
        public_id = params.get("public_id")
        if not public_id:
            return _error(400, "Missing required parameter - public_id")
        with self._lock:
            stored = self.uploads.get(public_id)
            found = None
            if stored is not None and stored.response["resource_type"] == resource_type:
                found = self.uploads.pop(public_id)
            if found:
                self.destroyed.append(public_id)
        return json_response(200, {"result": "ok" if found else "not found"})

    def _deliver(self, cloud: str, segments: list[str]):
        """Serve stored bytes for a delivery URL, ignoring transformations."""
        if cloud == self.cloud_name:
            # Everything before the version is transformations; without one, try each split.
            versions = [i for i, seg in enumerate(segments) if re.fullmatch(r"v\d+", seg)]
            start = versions[0] + 1 if versions else 0
            for i in range(start, len(segments)):
                candidate = "/".join(segments[i:])
                stem, dot, _ = candidate.rpartition(".")
                with self._lock:
                    record = self.uploads.get(stem if dot else candidate)
                if record:
                    headers = {"Content-Type": record.content_type, "ETag": '"%s"' % record.response["etag"]}
                    return 200, headers, record.bytes
        return text_response(404, "Resource not found")


def string_to_sign(params: dict) -> str:
    """Build the string Cloudinary signs: sorted k=v pairs of signable, non-empty params."""
    # Signature version 2 (the SDK default) escapes "&" so values cannot smuggle extra pairs.
    pairs = ("%s=%s" % (key, value) for key, value in params.items() if key not in UNSIGNED_PARAMS and value)
    return "&".join(sorted(pair.replace("&", "%26") for pair in pairs))


def _parse_form(content_type: str, body: bytes) -> tuple[dict, tuple[str | None, bytes] | None]:
    """Split the SDK's multipart body into text params and the uploaded (filename, bytes)."""
    if not content_type.startswith("multipart/form-data"):
        raise ValueError("Expected multipart/form-data, got %r" % content_type)
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ValueError("Malformed multipart body")
    params: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    upload = None
    for part in message.iter_parts():
        name, data = part.get_param("name", header="content-disposition"), part.get_payload(decode=True)
        if name == "file":
            filename = part.get_filename()
            upload = (filename, data) if filename is not None else _data_uri(data.decode("utf-8"))
        elif name and name.endswith("[]"):
            lists.setdefault(name[:-2], []).append(data.decode("utf-8"))
        elif name:
            params[name] = data.decode("utf-8")
    # The SDK sends list params as repeated k[] fields but signs them comma-joined under k.
    params.update({key: ",".join(values) for key, values in lists.items()})
    return params, upload


def _data_uri(value: str) -> tuple[None, bytes]:
    """Decode a base64 data: URI file param; remote URLs cannot be fetched from this machine."""
    match = re.fullmatch(r"data:[\w/+.-]*;base64,(.*)", value, re.DOTALL)
    if not match:
        raise ValueError("FakeCloudinary only accepts file parts and base64 data URIs")
    try:
        return None, base64.b64decode(match.group(1), validate=True)
    except binascii.Error:
        raise ValueError("Invalid data URI") from None


def _public_id(params: dict, original: str) -> str:
    """Choose the public_id Cloudinary would: explicit, from the filename, or random, under folder."""
    if params.get("public_id"):
        base = params["public_id"]
    elif params.get("use_filename") in ("1", "true"):
        base = re.sub(r"[^\w-]+", "_", original)
        if params.get("unique_filename") not in ("0", "false"):
            base += "_" + secrets.token_hex(3)
    else:
        base = secrets.token_hex(10)
    folder = params.get("folder", "").strip("/")
    return "%s/%s" % (folder, base) if folder else base


def _error(status: int, message: str):
    """Build an error response in the shape the SDK turns into an exception."""
    return json_response(status, {"error": {"message": message}})
