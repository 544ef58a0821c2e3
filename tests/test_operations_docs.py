"""docs/operations.md and docs/configuration.md name every metric, outbox command and operations setting the app has."""

import re
from pathlib import Path

from webapp.config import Config
from webapp.outbox.cli import outbox_group

DOCS = Path(__file__).resolve().parent.parent / "docs"
TOKEN = "metrics-token-for-docs-0123456789"


def test_every_outbox_command_is_documented():
    guide = (DOCS / "operations.md").read_text()
    for name in outbox_group.commands:
        assert f"flask --app webapp outbox {name}" in guide, name


def test_every_metric_the_app_exports_is_documented(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    client.get("/health")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    names = set(re.findall(r"^# TYPE (\S+) ", text, re.MULTILINE))
    # prometheus_client adds *_created series outside multiprocess mode, and its own process_/python_ ones.
    ours = {n for n in names if not n.startswith(("process_", "python_")) and not n.endswith("_created")}
    guide = (DOCS / "operations.md").read_text()
    assert ours and all(f"`{name}" in guide for name in ours), sorted(n for n in ours if f"`{n}" not in guide)


def test_every_database_outbox_and_metrics_setting_is_in_the_configuration_guide(tmp_path):
    guide = (DOCS / "configuration.md").read_text()
    keys = [key for key in Config(str(tmp_path)).as_dict() if key.startswith(("DB_", "OUTBOX_", "METRICS_", "REDIS_"))]
    assert keys and all(f"`{key}`" in guide for key in keys), [key for key in keys if f"`{key}`" not in guide]
