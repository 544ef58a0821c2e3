"""The signed-in session: the server-side row behind the cookie, and how it starts and ends."""

import ipaddress

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user

from ..database import retried_if_dropped
from ..extensions import db, login_manager
from ..models import UserSession
from ..security import safe_next
from ..services import sessions
from ..services.sessions import SessionPolicy

# Flask-Login's key in the cookie. It holds the session's token, not the account's id.
SESSION_KEY = "_user_id"
NEXT_KEY = "next_after_sign_in"
INVITATION_KEY = "invitation_link"  # the link a newcomer opened, used at the end of their sign-in

# (marker in the User-Agent, name shown), first match wins: Edge and Opera also say "Chrome".
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def policy():
    """The idle timeout and lifetime in force (read per request, so tests can change them)."""
    return SessionPolicy.from_config(current_app.config)


@login_manager.user_loader
def load_user(token):
    """The user behind the cookie's session token, while that session is live."""
    found = retried_if_dropped(lambda: sessions.find(token, policy()))
    if found is None:
        return None
    g.user_session_id = found.id
    return found.user


def current_session():
    """This browser's session row, when someone is signed in (loaded when asked: few pages need it)."""
    session_id = g.get("user_session_id") if current_user.is_authenticated else None
    return None if session_id is None else db.session.get(UserSession, session_id)


def describe_device(user_agent):
    """``"Firefox on Linux"``: a name from a fixed list, so nothing a client sends is stored or shown."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "A browser")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), None)
    return f"{browser} on {system}" if system else browser


def network_of(address):
    """The network an address belongs to (IPv4 /24, IPv6 /48): enough to recognise, not to locate."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def start_session(user, method):
    """Sign ``user`` in on a fresh session (nothing from before sign-in carries over) and audit it."""
    previous = current_session()  # reads the cookie's session, if it has one
    if previous is not None:
        sessions.end_quietly(previous)  # signing in again in this browser replaces its session
    session.clear()
    session.permanent = True
    device = describe_device(request.user_agent.string)
    token = sessions.sign_in(user, policy(), method, device, network_of(request.remote_addr))
    login_user(user)
    session[SESSION_KEY] = token  # login_user stored user.get_id(); the loader reads the token instead


def end_session():
    """Sign out: end this browser's session on the server and forget everything the cookie held."""
    row = current_session()
    if row is not None:
        sessions.sign_out(current_user._get_current_object(), row)
    logout_user()
    session.clear()


def sign_out_everywhere_else(user):
    """End every other session and API token of ``user``; this browser stays signed in. How many sessions ended."""
    return sessions.sign_out_everywhere_else(_unwrapped(user), current_session())


def _unwrapped(user):
    """The model object behind ``current_user``'s proxy (the audit log names its table)."""
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def live_sessions(user):
    """``user``'s sessions still usable, the most recently used first."""
    return sessions.live_sessions(user, policy())


def record_sign_in_failure(reason, method, email=None):
    """Audit a refused sign-in: ``reason`` is a fixed code (never the provider's words), ``email`` when known."""
    sessions.record_failure(reason, method, email)


def session_value_for(user, device="Script"):
    """Start a session for ``user`` and return what goes under ``SESSION_KEY`` in a signed cookie.

    The one way tests, benchmarks and scripts sign someone in without a sign-in: they write
    this value into the cookie they sign. Not audited: no one signed in.
    """
    token, _ = sessions.open_session(user, SessionPolicy.from_config(current_app.config), device)
    db.session.commit()
    return token


def remember_next(target):
    """Keep a validated return path across the round trip to the identity provider."""
    session[NEXT_KEY] = safe_next(target, None)


def pop_next(default):
    """The remembered return path, once."""
    return session.pop(NEXT_KEY, None) or default


def remember_invitation(token):
    """Keep the invitation link's token across the round trip to the identity provider."""
    session[INVITATION_KEY] = token


def pop_invitation():
    """The invitation link opened before signing in, once."""
    return session.pop(INVITATION_KEY, None)
