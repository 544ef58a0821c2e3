"""render.yaml follows Render's Blueprint rules, agrees with check-deploy, and the README button deploys it."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from tests.conftest import app_overrides
from webapp import create_app
from webapp.config import Config
from webapp.deploy_checks import Severity, deploy_problems

ROOT = Path(__file__).resolve().parent.parent

# Field names from Render's Blueprint YAML reference; anything else is a typo Render rejects.
ROOT_KEYS = {"services", "databases", "envVarGroups", "previews", "projects", "ungrouped"}
SERVICE_TYPES = {"web", "pserv", "worker", "cron", "keyvalue"}
RUNTIMES = {"node", "python", "elixir", "go", "ruby", "rust", "docker", "image", "static"}
SERVICE_PLANS = {"free", "starter", "standard", "pro", "pro plus", "pro max", "pro ultra"}
SERVICE_KEYS = {
    "type",
    "name",
    "runtime",
    "plan",
    "region",
    "repo",
    "branch",
    "rootDir",
    "buildCommand",
    "startCommand",
    "preDeployCommand",
    "healthCheckPath",
    "envVars",
    "autoDeployTrigger",
    "numInstances",
    "scaling",
    "domains",
    "buildFilter",
    "disk",
    "maxShutdownDelaySeconds",
    "dockerfilePath",
    "dockerContext",
    "dockerCommand",
    "image",
    "schedule",
    "previews",
}
KEY_VALUE_KEYS = {"type", "name", "plan", "region", "ipAllowList", "maxmemoryPolicy"}
MAXMEMORY_POLICIES = {
    "allkeys-lru",
    "volatile-lru",
    "allkeys-lfu",
    "volatile-lfu",
    "allkeys-random",
    "volatile-random",
    "volatile-ttl",
    "noeviction",
}
DATABASE_KEYS = {
    "name",
    "plan",
    "databaseName",
    "user",
    "region",
    "postgresMajorVersion",
    "ipAllowList",
    "diskSizeGB",
    "highAvailability",
    "readReplicas",
    "previewPlan",
}
DATABASE_PLAN = re.compile(r"^(free|basic-\d+(mb|gb)|pro-\d+gb|accelerated-\d+gb)$")
DATABASE_PROPERTIES = {"connectionString", "host", "port", "user", "password", "database"}
ENV_VAR_SOURCES = {"value", "generateValue", "sync", "fromDatabase", "fromService"}
ASKED_AT_DEPLOY = {"GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "ADMIN_EMAILS", "CLOUDINARY_URL"}
RELEASE_COMMAND = "python -m webapp.startup"
BUTTON = re.compile(
    r"\[!\[Deploy to Render\]\(https://render\.com/images/deploy-to-render-button\.svg\)\]"
    r"\(https://render\.com/deploy\?repo=(https://github\.com/[A-Za-z0-9-]+/[A-Za-z0-9._-]+)\)"
)


@pytest.fixture(scope="module")
def blueprint():
    """render.yaml as Render reads it."""
    return yaml.safe_load((ROOT / "render.yaml").read_text())


@pytest.fixture(scope="module")
def web(blueprint):
    """The one web service."""
    (service,) = [s for s in blueprint["services"] if s["type"] == "web"]
    return service


def env_vars(service):
    """The service's env var entries by key."""
    return {entry["key"]: entry for entry in service["envVars"]}


def test_blueprint_sits_at_the_repository_root_with_only_known_top_level_keys(blueprint):
    assert set(blueprint) <= ROOT_KEYS
    assert blueprint["services"] and blueprint["databases"]


def test_services_and_databases_use_only_blueprint_fields(blueprint):
    for service in blueprint["services"]:
        if service["type"] == "keyvalue":
            continue  # checked below
        assert set(service) <= SERVICE_KEYS, set(service) - SERVICE_KEYS
        assert service["type"] in SERVICE_TYPES and service["runtime"] in RUNTIMES
        assert service.get("plan", "starter") in SERVICE_PLANS
    names = [database["name"] for database in blueprint["databases"]]
    assert len(names) == len(set(names))
    for database in blueprint["databases"]:
        assert set(database) <= DATABASE_KEYS, set(database) - DATABASE_KEYS
        assert DATABASE_PLAN.match(database["plan"])
        assert str(database.get("postgresMajorVersion", "16")).isdigit()


def key_value(blueprint):
    """The one Key Value instance."""
    (instance,) = [s for s in blueprint["services"] if s["type"] == "keyvalue"]
    return instance


def test_key_value_instance_is_free_internal_only_and_in_the_web_services_region(blueprint, web):
    instance = key_value(blueprint)
    assert set(instance) <= KEY_VALUE_KEYS, set(instance) - KEY_VALUE_KEYS
    # ipAllowList is required; empty means only this account's services in the region may connect.
    assert instance["ipAllowList"] == [] and instance["plan"] == "free"
    assert instance.get("maxmemoryPolicy", "allkeys-lru") in MAXMEMORY_POLICIES
    assert instance.get("region", "oregon") == web.get("region", "oregon")


def test_redis_url_comes_from_the_key_value_instance(blueprint, web):
    source = env_vars(web)["REDIS_URL"]["fromService"]
    assert source == {"type": "keyvalue", "name": key_value(blueprint)["name"], "property": "connectionString"}


def test_web_service_and_its_database_share_a_region(blueprint, web):
    # Render's default region is oregon; the internal connection string works only within one region.
    (database,) = blueprint["databases"]
    assert web.get("region", "oregon") == database.get("region", "oregon")


def test_web_service_runs_python_on_the_free_plan_without_a_pre_deploy_command(web):
    assert (web["runtime"], web["plan"]) == ("python", "free")
    # preDeployCommand exists only on paid plans: the start command migrates instead.
    assert "preDeployCommand" not in web


def test_build_command_installs_requirements_and_nothing_else(web):
    assert web["buildCommand"] == "pip install -r requirements.txt"


def test_start_command_runs_gunicorn_with_its_config_file_and_the_app_factory(web):
    assert shlex.split(web["startCommand"]) == ["gunicorn", "--config", "gunicorn.conf.py", "webapp:create_app()"]
    assert (ROOT / "gunicorn.conf.py").is_file()


def test_every_env_var_has_a_key_and_exactly_one_source(blueprint, web):
    keys = [entry["key"] for entry in web["envVars"]]
    assert len(keys) == len(set(keys))
    databases = {database["name"] for database in blueprint["databases"]}
    for entry in web["envVars"]:
        sources = set(entry) & ENV_VAR_SOURCES
        assert set(entry) == {"key"} | sources and len(sources) == 1, entry
        if "value" in entry:
            assert isinstance(entry["value"], str), f"quote {entry['key']}'s value"
        if "generateValue" in entry:
            assert entry["generateValue"] is True
        if "sync" in entry:
            assert entry["sync"] is False
        if "fromDatabase" in entry:
            assert entry["fromDatabase"]["name"] in databases
            assert entry["fromDatabase"]["property"] in DATABASE_PROPERTIES
        if "fromService" in entry:
            names = {service["name"] for service in blueprint["services"]}
            assert entry["fromService"]["name"] in names


def test_secrets_are_generated_or_asked_for_never_committed(web):
    variables = env_vars(web)
    assert variables["DATABASE_URL"]["fromDatabase"]["property"] == "connectionString"
    assert variables["SECRET_KEY"] == {"key": "SECRET_KEY", "generateValue": True}
    assert {key for key, entry in variables.items() if entry.get("sync") is False} == ASKED_AT_DEPLOY
    assert variables["APP_ENV"]["value"] == "production"
    assert re.fullmatch(r"3\.11\.\d+", variables["PYTHON_VERSION"]["value"])
    assert variables["WEB_CONCURRENCY"]["value"].isdigit()


def test_health_check_path_answers_200_without_signing_in(web):
    app = create_app(app_overrides("sqlite://"))
    assert app.test_client().get(web["healthCheckPath"]).status_code == 200


def test_blueprint_environment_passes_check_deploy(web, monkeypatch, tmp_path):
    for key in ("DEV_LOGIN", "PUBLIC_URL", "PROXY_FIX_HOPS", "MAIL_USE_SSL", "REDIS_URL", "GOOGLE_DISCOVERY_URL"):
        monkeypatch.delenv(key, raising=False)
    for entry in web["envVars"]:
        if "value" in entry:
            value = entry["value"]
        elif "fromDatabase" in entry:
            value = "postgres://hyperdesk:pw@dpg-example-a/hyperdesk"
        elif "fromService" in entry:
            value = "redis://red-example:6379"
        elif entry["key"] == "CLOUDINARY_URL":
            value = "cloudinary://123456789012345:cloud-secret@hyperdesk"
        else:
            value = "set-by-render-or-the-operator-0123456789abcdef@example.com"
        monkeypatch.setenv(entry["key"], value)
    # Render sets this on every web service; PUBLIC_URL defaults to it.
    monkeypatch.setenv("RENDER_EXTERNAL_URL", "https://hyperdesk.onrender.com")
    errors = [p.message for p in deploy_problems(Config(str(tmp_path)).as_dict()) if p.severity == Severity.error]
    assert errors == []


def test_procfile_runs_the_render_start_command_and_the_release_command(web):
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert lines == {"web": web["startCommand"], "release": RELEASE_COMMAND}


def test_readme_button_deploys_the_blueprint_at_the_repository_root():
    match = BUTTON.search((ROOT / "README.md").read_text())
    assert match, "README has no Deploy to Render button"
    # Render reads render.yaml from the root of the repository the button names.
    assert match.group(1).count("/") == 4
    assert (ROOT / "render.yaml").is_file()


def test_deploy_guide_names_the_exact_google_redirect_uri():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert "https://<service>.onrender.com/auth/google/callback" in guide
    assert RELEASE_COMMAND in guide
