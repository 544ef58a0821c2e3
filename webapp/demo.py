"""Demo data for local development: a few people, projects, specifications and items."""

from sqlalchemy import select

from .extensions import db
from .models import (
    AccessRequest,
    AccountStatus,
    BulletItem,
    Project,
    ProjectStatus,
    Role,
    Specification,
    User,
)

DEMO_USERS = [
    ("admin@example.com", "Ada Admin", Role.admin, AccountStatus.approved),
    ("alice@example.com", "Alice Approved", Role.user, AccountStatus.approved),
    ("bob@example.com", "Bob Builder", Role.user, AccountStatus.approved),
    ("newcomer@example.com", "Nina Newcomer", Role.user, AccountStatus.pending),
]

DEMO_PROJECTS = {
    "alice@example.com": [
        (
            "Website relaunch",
            "New marketing site with a faster checkout.",
            ProjectStatus.active,
            {
                "Goals": ["Cut page weight in half", "Checkout in three steps", "Accessible to WCAG 2.2 AA"],
                "Launch plan": ["Freeze content", "Redirect old URLs", "Announce to customers"],
            },
        ),
        (
            "Mobile app",
            "Companion app for field staff.",
            ProjectStatus.draft,
            {
                "Offline mode": ["Queue edits while offline", "Resolve conflicts on sync"],
            },
        ),
        ("Quarterly report", "Numbers and narrative for Q3.", ProjectStatus.done, {}),
    ],
    "bob@example.com": [
        (
            "Warehouse move",
            "Move stock to the new site over one weekend.",
            ProjectStatus.on_hold,
            {
                "Logistics": ["Book trucks", "Label every shelf", "Update stock locations"],
            },
        ),
    ],
}


def demo_accounts():
    """The demo people present in this database, for the development sign-in page."""
    emails = [email for email, *_ in DEMO_USERS]
    found = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    return [email for email in emails if email in found]


def seed():
    """Create whatever demo rows are missing, commit, and say what was added."""
    users = {email: _ensure_user(email, name, role, status) for email, name, role, status in DEMO_USERS}
    newcomer = users["newcomer@example.com"]
    added = 0
    if not newcomer.access_requests:
        db.session.add(
            AccessRequest(
                user=newcomer,
                reason="I joined the design team this week and need to review the project specifications.",
            )
        )
        added += 1
    for email, projects in DEMO_PROJECTS.items():
        for name, description, status, specs in projects:
            added += _ensure_project(users[email], name, description, status, specs)
    db.session.commit()
    return f"Demo data ready: {len(users)} users; {added} new record(s) added."


def _ensure_user(email, name, role, status):
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role, status=status)
        db.session.add(user)
        db.session.flush()
    return user


def _ensure_project(owner, name, description, status, specs):
    exists = db.session.scalar(select(Project.id).where(Project.owner_id == owner.id, Project.name == name))
    if exists:
        return 0
    project = Project(owner=owner, name=name, description=description, status=status)
    for title, items in specs.items():
        spec = Specification(project=project, title=title, body=f"What we need for {title.lower()}.")
        spec.items = [BulletItem(text=text, position=index) for index, text in enumerate(items)]
        project.specifications.append(spec)
    db.session.add(project)
    return 1
