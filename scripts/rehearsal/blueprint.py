"""What render.yaml tells Render to do: build command, start command, and each instance's environment."""

import re
import secrets
import shutil
from pathlib import Path

import yaml

from . import RehearsalFailed, check


class Blueprint:
    """The web service and its database as render.yaml declares them."""

    def __init__(self, path):
        """Read render.yaml and pick out the one web service."""
        self.path = Path(path)
        document = yaml.safe_load(self.path.read_text())
        self.document = document
        services = [s for s in document.get("services", []) if s.get("type") == "web"]
        check(len(services) == 1, f"{path}: expected one web service, found {len(services)}")
        self.service = services[0]
        self.databases = {database["name"] for database in document.get("databases", [])}
        # Render generates a value once per service: every instance shares it.
        self._generated = {}

    @property
    def build_command(self):
        """The shell command Render runs in the checkout to build."""
        return self.service["buildCommand"]

    @property
    def start_command(self):
        """The shell command Render runs to start each instance."""
        return self.service["startCommand"]

    @property
    def health_check_path(self):
        """The path Render polls before routing traffic to an instance."""
        return self.service["healthCheckPath"]

    def python(self):
        """The local interpreter matching PYTHON_VERSION's major.minor, as Render would install it."""
        version = self._values().get("PYTHON_VERSION", "")
        match = re.fullmatch(r"(\d+)\.(\d+)(\.\d+)?", version)
        check(match is not None, f"render.yaml: PYTHON_VERSION {version!r} is not a version number")
        executable = shutil.which(f"python{match.group(1)}.{match.group(2)}")
        check(executable is not None, f"python{match.group(1)}.{match.group(2)} is not installed here")
        return executable

    def _values(self):
        return {entry["key"]: entry["value"] for entry in self.service["envVars"] if "value" in entry}

    @property
    def key_value_names(self):
        """The Key Value (Redis-compatible) instances the Blueprint declares."""
        return {s["name"] for s in self.document.get("services", []) if s.get("type") == "keyvalue"}

    def environment(self, database_url, asked, redis_url=None):
        """The variables Render sets for the service; ``asked`` answers the ``sync: false`` prompts."""
        env = {}
        for entry in self.service.get("envVars", []):
            key = entry["key"]
            if "value" in entry:
                env[key] = str(entry["value"])
            elif entry.get("generateValue"):
                env[key] = self._generated.setdefault(key, secrets.token_urlsafe(32))
            elif "fromDatabase" in entry:
                source = entry["fromDatabase"]
                check(source["name"] in self.databases, f"render.yaml: {key} names unknown database {source['name']}")
                check(source["property"] == "connectionString", f"rehearsal only knows connectionString, not {source}")
                env[key] = database_url
            elif "fromService" in entry:
                source = entry["fromService"]
                check(
                    source.get("type") == "keyvalue" and source["name"] in self.key_value_names,
                    f"render.yaml: {key} names no Key Value instance: {source}",
                )
                check(source["property"] == "connectionString", f"rehearsal only knows connectionString, not {source}")
                check(redis_url is not None, f"render.yaml: {key} needs a Key Value instance")
                env[key] = redis_url
            elif entry.get("sync") is False:
                if key not in asked:
                    raise RehearsalFailed(
                        f"render.yaml asks the operator for {key}, but the rehearsal has no value for it"
                    )
                env[key] = asked[key]
            else:
                raise RehearsalFailed(f"render.yaml: {key} has a source the rehearsal does not know: {entry}")
        return env
