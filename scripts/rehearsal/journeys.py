"""What people do on the rehearsed deployment: sign in, ask for access, approve, and what it must look like."""

import re
import struct
import zlib
from urllib.parse import parse_qs, urlsplit

from . import check
from .database import row_counts
from .processes import say

SESSION_COOKIE = "hyperdesk_session"
APPROVE_ACTION = re.compile(r"/access/queue/(\d+)/approve")
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
HIDDEN_COVER = re.compile(r'<input type="hidden" name="cover" value="(\d+)">')
PROJECT_NAME = "Rehearsal warehouse move"


def sign_in(browser, fakes, email, name, hd=None):
    """Sign in with Google through the local issuer; return the page the person lands on."""
    fakes.queue_login(email, name, hd)
    login = browser.get("/auth/login")
    check(login.status == 200 and "Sign in with Google" in login.text, f"sign-in page: {login.status}")
    start = browser.get("/auth/google", follow=False)
    check(start.status == 302, f"/auth/google answered {start.status}, not a redirect to Google")
    authorize = urlsplit(start.headers["Location"])
    check(authorize.geturl().startswith(fakes.settings["issuer"]), f"sent to {authorize.geturl()}, not the issuer")
    redirect_uri = parse_qs(authorize.query)["redirect_uri"][0]
    expected = browser.url("/auth/google/callback")
    # The exact URI docs/deploy.md tells the operator to register with Google.
    check(redirect_uri == expected, f"OAuth redirect_uri is {redirect_uri}, expected {expected}")
    landing = browser.follow(start)
    check(landing.status == 200, f"sign-in as {email} ended on {landing.url} with {landing.status}")
    return landing


def check_security_headers(response):
    """HSTS, CSP with this page's nonce on every script, and the other headers, as served by gunicorn."""
    headers = response.headers
    check(headers.get("Strict-Transport-Security", "").startswith("max-age="), "no HSTS header")
    check(headers.get("X-Content-Type-Options") == "nosniff", "no nosniff header")
    check(headers.get("X-Frame-Options") == "DENY", "framing is not denied")
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", headers.get("Content-Security-Policy", ""))
    check(nonce is not None, "the content security policy has no script nonce")
    scripts = SCRIPT_TAG.findall(response.text)
    check(
        scripts and all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts),
        f"a <script> on {response.path} lacks this response's nonce",
    )


def check_session_cookie(browser):
    """The session cookie is Secure, HttpOnly and SameSite=Lax."""
    headers = [h for h in browser.set_cookie_headers if h.startswith(SESSION_COOKIE + "=")]
    check(headers, "no session cookie was set")
    for header in headers:
        flags = {part.strip().lower() for part in header.split(";")[1:]}
        check({"secure", "httponly", "samesite=lax"} <= flags, f"session cookie flags: {header}")


def admin_signs_in(browser, fakes, email):
    """An ADMIN_EMAILS address of the domain's Google Workspace is an approved administrator at its first sign-in."""
    landing = sign_in(browser, fakes, email, "Ada Admin", hd=email.rpartition("@")[2])
    check(landing.path == "/" and "Welcome back" in landing.text, f"admin landed on {landing.path}")
    check_session_cookie(browser)
    check_security_headers(landing)
    queue = browser.get("/access/queue")
    check(queue.status == 200 and queue.path == "/access/queue", f"admin cannot open the queue: {queue.status}")
    say(f"   ok: {email} signed in through the local Google stand-in and is an administrator")


def newcomer_asks_for_access(browser, fakes, email):
    """A first sign-in creates a pending account; the person writes why they want access."""
    landing = sign_in(browser, fakes, email, "Nina Newcomer")
    check(landing.path == "/access/", f"newcomer landed on {landing.path}, not the access page")
    page = browser.post(
        "/access/request",
        {"csrf_token": landing.csrf_token(), "reason": "I run the rehearsal team and need the specifications."},
        referer=landing.url,
    )
    check(
        page.status == 200 and "Your request is waiting for an administrator" in page.text,
        f"access request: {page.status} on {page.path}",
    )
    home = browser.get("/")
    check("Your account is pending" in home.text, "a pending newcomer sees more than their status")
    say(f"   ok: {email} signed in, is pending, and asked for access")


def admin_approves(browser, newcomer_email):
    """The administrator approves the one pending request from the queue."""
    queue = browser.get("/access/queue")
    check(newcomer_email in queue.text, f"{newcomer_email} is not in the approval queue")
    ids = sorted(set(APPROVE_ACTION.findall(queue.text)))
    check(len(ids) == 1, f"expected one pending request, the queue shows {len(ids)}")
    result = browser.post(
        f"/access/queue/{ids[0]}/approve",
        {"csrf_token": queue.csrf_token(), "note": "Welcome aboard"},
        referer=queue.url,
    )
    check(result.status == 200 and result.path == "/access/queue", f"approval: {result.status} on {result.path}")
    say(f"   ok: the administrator approved request {ids[0]}")


def newcomer_is_let_in(browser):
    """At the next request, on another instance, the approved person reaches the app."""
    home = browser.get("/")
    check(home.status == 200 and "Welcome back" in home.text, f"approved person sees {home.path} ({home.status})")
    status = browser.get("/access/")
    check(status.path == "/", "the access page still holds an approved person")
    say("   ok: the newcomer's next request shows the app")


def anonymous_is_sent_to_sign_in(browser):
    """A visitor asking for a protected page is redirected to sign in, over https."""
    response = browser.get("/access/queue", follow=False)
    location = response.headers.get("Location", "")
    check(
        response.status == 302 and "/auth/login" in location, f"anonymous /access/queue: {response.status} {location}"
    )


def picture():
    """A small valid PNG (a 64x48 teal rectangle), made without any imaging library."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x20\x90\x90" * 64 for _ in range(48))
    header = struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def upload_cover(browser, fakes, listing):
    """Upload an image as the cover field does with JavaScript; return the new asset's id and the stand-in's record."""
    form = {
        "csrf_token": listing.csrf_token(),
        "image_field_name": "cover",
        "image_field_label": "Cover image",
        "image_field_size": "card",
        "image_field_id": "projects-new-cover",
        "cover": "",
    }
    field = browser.post_files(
        "/uploads/images",
        form,
        {"cover_file": ("site.png", "image/png", picture())},
        referer=listing.url,
        headers={"HX-Request": "true"},
    )
    uploaded = HIDDEN_COVER.search(field.text)
    check(field.status == 200 and uploaded, f"cover upload answered {field.status}:\n{field.text[:300]}")
    stored = fakes.call("uploads")["uploads"]
    check(len(stored) == 1, f"the Cloudinary stand-in holds {len(stored)} uploads, expected 1")
    record = stored[0]
    check(record["signed"], "the upload reached the stand-in without a valid signature")
    check(
        record["folder"] == "hyperdesk/production" and record["public_id"].startswith("hyperdesk/production/"),
        f"uploaded to folder {record['folder']!r} as {record['public_id']}",
    )
    check((record["width"], record["height"], record["format"]) == (64, 48, "png"), f"stored {record}")
    say(f"   ok: signed upload reached the stand-in as {record['public_id']} (asset {uploaded.group(1)})")
    return uploaded.group(1), record


def check_cover_shown(browser, project_id, record, delivery):
    """The project page shows the image from Cloudinary, and that URL serves the picture."""
    page = browser.get(f"/projects/{project_id}")
    shown = re.search(r'<img src="([^"]+)" alt="Cover of ' + re.escape(PROJECT_NAME), page.text)
    check(shown is not None, f"the project page shows no cover:\n{page.text[:500]}")
    url = shown.group(1)
    check(url == record["url"] and url.startswith(delivery), f"the cover is {url}, not Cloudinary's {record['url']}")
    image = browser.get(url)
    check(image.status == 200 and image.headers["Content-Type"] == "image/png", f"{url}: {image.status}")
    say(f"   ok: the project page shows the Cloudinary delivery URL {url}")
    return page


def project_with_upload(ctx):
    """The approved newcomer creates a project with a cover through the Cloudinary stand-in, then deletes it."""
    browser, fakes = ctx.newcomer, ctx.fakes
    delivery = fakes.settings["cloudinary_delivery"]
    listing = browser.get("/projects/")
    check(
        listing.status == 200 and 'name="cover_file"' in listing.text,
        f"/projects/ has no cover field ({listing.status})",
    )
    asset_id, record = upload_cover(browser, fakes, listing)
    created = browser.post(
        "/projects/",
        {
            "csrf_token": listing.csrf_token(),
            "name": PROJECT_NAME,
            "status": "active",
            "description": "Created by the deploy rehearsal.",
            "cover": asset_id,
        },
        referer=listing.url,
    )
    row = re.search(r'href="/projects/(\d+)">' + re.escape(PROJECT_NAME) + "<", created.text)
    check(
        created.status == 200 and created.path == "/projects/" and row,
        f"creating the project: {created.status} on {created.path}",
    )
    check(f"{delivery}c_fill" in created.text, "the list shows no Cloudinary thumbnail")
    page = check_cover_shown(browser, row.group(1), record, delivery)
    deleted = browser.post(f"/projects/{row.group(1)}/delete", {"csrf_token": page.csrf_token()}, referer=page.url)
    check(
        deleted.status == 200 and deleted.path == "/projects/",
        f"deleting the project: {deleted.status} on {deleted.path}",
    )
    after = fakes.call("uploads")
    check(not after["uploads"] and record["public_id"] in after["destroyed"], f"the stand-in still holds {after}")
    assets = row_counts(ctx.database_url).get("asset")
    check(assets == 0, f"{assets} asset rows left after deleting the project")
    say("   ok: deleting the project destroyed the image at the stand-in and its row")
