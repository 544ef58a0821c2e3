"""The pages Hyperdesk is measured against, over the same rows and served the same way.

- ``bare``: the stack's ceiling, a Flask page rendering rows from a constant;
- ``handwritten``: the usual minimal Flask + SQLAlchemy list (COUNT(*) + OFFSET paging,
  ILIKE search), anonymous, a bare table;
- ``handwritten_page``: the same page as Hyperdesk's projects list (same sign-in, layout and
  row templates) from a view written the usual way: Flask-SQLAlchemy's ``paginate``
  (COUNT(*) + OFFSET) and ILIKE search. Only how the rows are found differs;
- ``stock_admin``: an unmodified Flask-Admin ModelView of the project table.

The benchmark serves these from a database holding the same rows as the app's, with the
schema of the first migration only (primary and foreign keys, the owner index): the table
as a hand-written app would have it, without Hyperdesk's list and search indexes.

Serve with ``gunicorn 'bench.baselines:create_app("handwritten")'``; DATABASE_URL picks the database.
"""

import os

from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import func, select

from webapp.config import normalise_database_url

PAGE_SIZE = 25

TABLE = """<!doctype html><html><head><title>Projects</title></head><body>
<h1>Projects</h1><p>{{ total }} projects</p>
<form><input name="q" value="{{ q }}"></form>
<table><tr><th>Name</th><th>Status</th><th>Created</th></tr>
{% for p in rows %}<tr><td><a href="/projects/{{ p.id }}">{{ p.name }}</a></td><td>{{ p.status }}</td><td>{{ p.created_at }}</td></tr>{% endfor %}
</table>
{% if page > 1 %}<a href="?page={{ page - 1 }}&q={{ q }}">Previous</a>{% endif %}
<a href="?page={{ page + 1 }}&q={{ q }}">Next</a> Page {{ page }} of {{ (total // 25) + 1 }}
</body></html>"""


def create_app(kind):
    """A baseline app of ``kind``: 'bare', 'handwritten' or 'stock_admin'."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "bench"
    # A template from a loader is compiled once, as with templates/ files in a real app.
    app.jinja_loader = DictLoader({"projects.html": TABLE})
    if kind == "bare":
        _add_bare(app)
        return app
    if kind == "handwritten_page":
        return _handwritten_page_app()
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    db = SQLAlchemy()
    db.init_app(app)
    with app.app_context():
        db.reflect()
    project = db.metadata.tables["project"]
    if kind == "handwritten":
        _add_handwritten(app, db, project)
    elif kind == "stock_admin":
        _add_stock_admin(app, db, project)
    else:
        raise ValueError(kind)
    return app


def _add_bare(app):
    rows = [
        {"id": i, "name": f"Amber Falcon website relaunch {i}", "status": "active", "created_at": "2024-01-01 00:00:00"}
        for i in range(PAGE_SIZE)
    ]

    @app.get("/projects")
    def projects():
        return render_template("projects.html", rows=rows, total=100, page=1, q="")


def _add_handwritten(app, db, project):
    @app.get("/projects")
    def projects():
        owner = request.args.get("owner", type=int)
        page = request.args.get("page", 1, type=int)
        q = request.args.get("q", "")
        query = select(project)
        if owner:
            query = query.where(project.c.owner_id == owner)
        if q:
            query = query.where(project.c.name.ilike(f"%{q}%"))
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = db.session.execute(
            query.order_by(project.c.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        return render_template("projects.html", rows=rows, total=total, page=page, q=q)


def _add_stock_admin(app, db, project):
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView
    from sqlalchemy.orm import declarative_base

    Base = declarative_base(metadata=db.metadata)

    class Project(Base):
        __table__ = project

    class ProjectView(ModelView):
        # Stock settings, except that search needs a searchable column.
        column_searchable_list = ("name",)

    admin = Admin(app, name="Stock")
    admin.add_view(ProjectView(Project, db, endpoint="project"))


def _handwritten_page_app():
    """Hyperdesk itself (configured from the environment) plus a projects list written by hand."""
    from flask import Blueprint
    from flask_login import current_user
    from sqlalchemy import or_
    from sqlalchemy.orm import joinedload

    import webapp
    from webapp.extensions import db
    from webapp.models import Project
    from webapp.resources.forms import FormState
    from webapp.resources.listing import ListQuery
    from webapp.resources.queries import Listing

    app = webapp.create_app()
    projects = app.extensions["resources"].resources["projects"]
    bp = Blueprint("handwritten", __name__)

    @bp.get("/handwritten/projects/")
    def project_list():
        everyone = request.args.get("scope") == "all" and current_user.is_admin
        q = request.args.get("q", "").strip()
        query = select(Project).options(joinedload(Project.cover))
        if everyone:
            query = query.options(joinedload(Project.owner))
        else:
            query = query.where(Project.owner_id == current_user.id)
        if q:
            query = query.where(or_(Project.name.ilike(f"%{q}%"), Project.description.ilike(f"%{q}%")))
        page = db.paginate(query.order_by(Project.id.desc()), per_page=PAGE_SIZE, error_out=False)
        listing = Listing(page.items, None, q, None, everyone, ListQuery(q=q, sort=projects.default_sort))
        return render_template(
            "resources/list.html",
            resource=projects,
            parent=None,
            listing=listing,
            form=FormState.blank(projects, "projects-new"),
            trail=[],
            here=request.full_path,
        )

    app.register_blueprint(bp)
    return app
