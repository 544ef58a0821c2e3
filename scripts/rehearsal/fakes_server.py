"""Serve the Google and Cloudinary stand-ins from tests/fakes for a rehearsal, commanded over stdin.

The first line on stdout gives the settings the app needs; each later line on stdin is a JSON
command answered by one JSON line. The helper stops when its stdin closes.
"""

import hashlib
import hmac
import json
import secrets
import sys

from tests.fakes.cloudinary import FakeCloudinary, string_to_sign
from tests.fakes.oidc import FakeOIDCIssuer


def serve(issuer, cloud):
    """Answer commands until stdin closes."""
    for line in sys.stdin:
        request = json.loads(line)
        command, arguments = request["command"], request.get("arguments", {})
        if command == "queue_login":
            answer = {"claims": issuer.queue_login(**arguments)}
        elif command == "uploads":
            answer = {
                "uploads": [
                    {
                        "public_id": record.public_id,
                        "format": record.format,
                        "width": record.width,
                        "height": record.height,
                        "folder": record.params.get("folder"),
                        "signed": signed(cloud, record.params),
                        "url": record.response["secure_url"],
                    }
                    for record in cloud.uploads.values()
                ],
                "destroyed": list(cloud.destroyed),
            }
        else:
            answer = {"error": f"unknown command {command!r}"}
        print(json.dumps(answer), flush=True)


def signed(cloud, params):
    """True when the upload carried the signature of its parameters made with the cloud's API secret."""
    signature = params.get("signature", "")
    digest = hashlib.sha256 if len(signature) == 64 else hashlib.sha1  # as Cloudinary tells them apart
    expected = digest((string_to_sign(params) + cloud.api_secret).encode()).hexdigest()
    return hmac.compare_digest(signature, expected)


def main():
    """Start both stand-ins, announce their settings, serve commands, stop."""
    issuer = FakeOIDCIssuer(client_id="rehearsal.apps.googleusercontent.com", client_secret=secrets.token_urlsafe(24))
    cloud = FakeCloudinary(cloud_name="hyperdesk-rehearsal", api_secret=secrets.token_urlsafe(24))
    with issuer, cloud:
        print(
            json.dumps(
                {
                    "GOOGLE_CLIENT_ID": issuer.client_id,
                    "GOOGLE_CLIENT_SECRET": issuer.client_secret,
                    "GOOGLE_DISCOVERY_URL": issuer.discovery_url,
                    "CLOUDINARY_URL": cloud.cloudinary_url(),
                    "cloudinary_delivery": f"{cloud.url}/{cloud.cloud_name}/image/upload/",
                    "issuer": issuer.issuer,
                }
            ),
            flush=True,
        )
        serve(issuer, cloud)


if __name__ == "__main__":
    main()
