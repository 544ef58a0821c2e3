"""What people do on the rehearsed deployment: sign in, ask for access, approve, and what it must look like."""

import re
from urllib.parse import parse_qs, urlsplit

from . import check
from .processes import say

SESSION_COOKIE = "hyperdesk_session"
APPROVE_ACTION = re.compile(r'/access/queue/(\d+)/approve')
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")


def sign_in(browser, fakes, email, name):
    """Sign in with Google through the local issuer; return the page the person lands on."""
    fakes.queue_login(email, name)
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
    check(scripts and all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts),
          f"a <script> on {response.path} lacks this response's nonce")


def check_session_cookie(browser):
    """The session cookie is Secure, HttpOnly and SameSite=Lax."""
    headers = [h for h in browser.set_cookie_headers if h.startswith(SESSION_COOKIE + "=")]
    check(headers, "no session cookie was set")
    for header in headers:
        flags = {part.strip().lower() for part in header.split(";")[1:]}
        check({"secure", "httponly", "samesite=lax"} <= flags, f"session cookie flags: {header}")


def admin_signs_in(browser, fakes, email):
    """An ADMIN_EMAILS address is an approved administrator at its first sign-in."""
    landing = sign_in(browser, fakes, email, "Ada Admin")
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
    page = browser.post("/access/request", {"csrf_token": landing.csrf_token(),
                                             "reason": "I run the rehearsal team and need the specifications."},
                        referer=landing.url)
    check(page.status == 200 and "Your request is waiting for an administrator" in page.text,
          f"access request: {page.status} on {page.path}")
    home = browser.get("/")
    check("Your account is pending" in home.text, "a pending newcomer sees more than their status")
    say(f"   ok: {email} signed in, is pending, and asked for access")


def admin_approves(browser, newcomer_email):
    """The administrator approves the one pending request from the queue."""
    queue = browser.get("/access/queue")
    check(newcomer_email in queue.text, f"{newcomer_email} is not in the approval queue")
    ids = sorted(set(APPROVE_ACTION.findall(queue.text)))
    check(len(ids) == 1, f"expected one pending request, the queue shows {len(ids)}")
    result = browser.post(f"/access/queue/{ids[0]}/approve",
                          {"csrf_token": queue.csrf_token(), "note": "Welcome aboard"}, referer=queue.url)
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
    check(response.status == 302 and "/auth/login" in location, f"anonymous /access/queue: {response.status} {location}")


def project_with_upload(context):
    """An approved user creates a project and gives it a cover image through the Cloudinary stand-in.

    To be written once the project pages (issue 5) and uploads (issue 6) are merged: sign in
    ``context.newcomer`` (already approved), create a project through its form, upload an image,
    then check ``context.fakes.call("uploads")`` lists it and the project page shows it.
    """
    say("   PENDING: project with an upload waits for the project pages and uploads to be merged")
