"""The pages Hyperdesk is measured against, over the same table and served the same way.

- ``bare``: the stack's ceiling, a Flask page rendering rows from a constant;
- ``handwritten``: the usual Flask + SQLAlchemy list (COUNT(*) + OFFSET paging, ILIKE search);
- ``stock_admin``: an unmodified Flask-Admin ModelView of the project table.

Serve with ``gunicorn 'bench.baselines:create_app("handwritten")'``; DATABASE_URL picks the database.
"""

import os

from flask import Flask, render_template, request
from jinja2 import DictLoader
from flask_sqlalchemy import SQLAlchemy
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
    rows = [{"id": i, "name": f"Amber Falcon website relaunch {i}", "status": "active", "created_at": "2024-01-01 00:00:00"} for i in range(PAGE_SIZE)]

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
