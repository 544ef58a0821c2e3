"""Fill a scratch database with N projects for 1,000 owners, fast, with realistic text.

One owner (``bench-user@example.com``) owns exactly 100 projects, the workload user;
``bench-admin@example.com`` is an approved administrator. About 1% of names contain
the search term ``SEARCH_TERM`` and no other name does.
"""

import io
import itertools
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

SEARCH_TERM = "quartz"
OWNERS = 1000
USER_PROJECTS = 100
USER_EMAIL = "bench-user@example.com"
ADMIN_EMAIL = "bench-admin@example.com"

ADJECTIVES = [
    "Amber",
    "Brisk",
    "Cobalt",
    "Daring",
    "Eager",
    "Fabled",
    "Gentle",
    "Hidden",
    "Ivory",
    "Jolly",
    "Keen",
    "Lucid",
    "Mellow",
    "Nimble",
    "Opal",
    "Polar",
    "Radiant",
    "Silent",
    "Tidal",
    "Upbeat",
    "Vivid",
    "Wild",
    "Young",
    "Zesty",
    "Autumn",
    "Boreal",
    "Crimson",
    "Dusty",
    "Emerald",
    "Frosty",
]
NOUNS = [
    "Falcon",
    "Harbor",
    "Meadow",
    "Summit",
    "Canyon",
    "Prairie",
    "Glacier",
    "Orchard",
    "Lantern",
    "Beacon",
    "Compass",
    "Anchor",
    "Bridge",
    "Cascade",
    "Delta",
    "Ember",
    "Forge",
    "Garden",
    "Haven",
    "Island",
    "Jungle",
    "Kestrel",
    "Lagoon",
    "Mosaic",
    "Nebula",
    "Oasis",
    "Pioneer",
]
THEMES = [
    "website relaunch",
    "billing migration",
    "mobile app",
    "data warehouse",
    "onboarding flow",
    "support portal",
    "pricing page",
    "security review",
    "API gateway",
    "search revamp",
    "design system",
    "analytics dashboard",
    "partner program",
    "checkout redesign",
    "inventory sync",
    "release train",
]
SENTENCES = (
    "Scope agreed with the stakeholders.",
    "Needs a review from the security team before launch.",
    "Budget approved for the next two quarters.",
    "Depends on the platform upgrade landing first.",
    "Tracks the work of three squads across two sites.",
    "The first milestone is a clickable prototype.",
    "Customer interviews shaped the requirements.",
    "Performance targets are written in the specification.",
)
STATUSES = ("draft", "active", "on_hold", "done")


def project_name(index, rng):
    """A readable name; every 100th one contains the search term."""
    words = [rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(THEMES)]
    if index % 100 == 7:
        words.insert(1, SEARCH_TERM.capitalize())
    return " ".join(words) + f" {index % 97 + 1}"


def project_rows(count, user_id, first_owner_id, rng):
    """(owner_id, name, description, status, created_at) for ``count`` projects."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    others = OWNERS - 1
    for index in range(count):
        # The workload user's 100 projects are spread through the table, not clustered.
        if index % (count // USER_PROJECTS) == 0 and index // (count // USER_PROJECTS) < USER_PROJECTS:
            owner = user_id
        else:
            owner = first_owner_id + index % others
        description = " ".join(rng.sample(SENTENCES, 2))
        created = start + timedelta(minutes=index)
        yield owner, project_name(index, rng), description, STATUSES[index % 4], created


def seed(url, rows, seed_value=42):
    """Create the owners and ``rows`` projects in the migrated database at ``url``."""
    rng = random.Random(seed_value)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (email, name, role, status) VALUES (:e, :n, :r, 'approved')"),
            [{"e": ADMIN_EMAIL, "n": "Bench Admin", "r": "admin"}, {"e": USER_EMAIL, "n": "Bench User", "r": "user"}]
            + [{"e": f"owner{i}@example.com", "n": f"Owner {i}", "r": "user"} for i in range(1, OWNERS)],
        )
        ids = dict(connection.execute(text("SELECT email, id FROM users")).all())
    user_id, first_owner = ids[USER_EMAIL], ids["owner1@example.com"]
    projects = project_rows(rows, user_id, first_owner, rng)
    if engine.dialect.name == "postgresql":
        _copy_postgres(engine, projects)
    else:
        _insert_sqlite(engine, projects)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return {"user_id": user_id, "admin_id": ids[ADMIN_EMAIL]}


def _copy_postgres(engine, projects, chunk=100_000):
    from webapp.database import blocking_io

    # COPY cannot run under the app's psycopg2 wait callback, installed when this process built an app.
    with blocking_io():
        _copy_rows(engine, projects, chunk)


def _copy_rows(engine, projects, chunk):
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        while True:
            buffer = io.StringIO()
            written = 0
            for owner, name, description, status, created in projects:
                buffer.write(
                    f"{owner}\t{name}\t{description}\t{status}\t{created.isoformat()}\t{created.isoformat()}\n"
                )
                written += 1
                if written == chunk:
                    break
            if not written:
                break
            buffer.seek(0)
            cursor.copy_expert(
                "COPY project (owner_id, name, description, status, created_at, updated_at) FROM STDIN", buffer
            )
        raw.commit()
    finally:
        raw.close()


def _insert_sqlite(engine, projects, chunk=50_000):
    insert = (
        "INSERT INTO project (owner_id, name, description, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
    )
    with engine.begin() as connection:
        while True:
            batch = [
                (owner, name, description, status, stamp, stamp)
                for owner, name, description, status, created in itertools.islice(projects, chunk)
                for stamp in [created.strftime("%Y-%m-%d %H:%M:%S.%f")]
            ]
            if not batch:
                break
            connection.exec_driver_sql(insert, batch)


def api_keys(url, facts):
    """A read-only API key for the workload user and one for the administrator; returns {who: whole key}."""
    import hashlib
    import secrets

    keys = {}
    engine = create_engine(url)
    with engine.begin() as connection:
        for who in ("user", "admin"):
            prefix = "hdk_" + secrets.token_hex(4)
            keys[who] = f"{prefix}_{secrets.token_urlsafe(32)}"
            connection.execute(
                text(
                    "INSERT INTO api_key (user_id, name, prefix, key_hash, scope) VALUES (:u, 'bench', :p, :h, 'read')"
                ),
                {"u": facts[f"{who}_id"], "p": prefix, "h": hashlib.sha256(keys[who].encode()).hexdigest()},
            )
    engine.dispose()
    return keys
