"""The home page: a welcome for visitors, the dashboard for approved users."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..permissions import public

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    """Welcome visitors; show signed-in people where to go next."""
    return render_template("main/home.html", user=current_user)
