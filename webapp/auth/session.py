"""The signed-in session: who it belongs to, and how it starts and ends."""

from flask import session
from flask_login import login_user, logout_user

from ..extensions import db, login_manager
from ..models import User
from ..security import safe_next

NEXT_KEY = "next_after_sign_in"


@login_manager.user_loader
def load_user(session_id):
    """The user behind a session, unless their session version moved on since it started."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def start_session(user):
    """Sign ``user`` in on a fresh session (nothing from before sign-in carries over)."""
    session.clear()
    session.permanent = True
    login_user(user)


def end_session():
    """Sign out and forget everything the session held."""
    logout_user()
    session.clear()


def remember_next(target):
    """Keep a validated return path across the round trip to the identity provider."""
    session[NEXT_KEY] = safe_next(target, None)


def pop_next(default):
    """The remembered return path, once."""
    return session.pop(NEXT_KEY, None) or default
