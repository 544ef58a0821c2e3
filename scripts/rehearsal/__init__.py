"""A local rehearsal of a Render deployment: what `scripts/rehearse-deploy` runs."""


class RehearsalFailed(Exception):
    """A step of the rehearsal found the deployment broken; the message says what and where."""


def check(condition, message):
    """Fail the rehearsal with ``message`` unless ``condition`` holds."""
    if not condition:
        raise RehearsalFailed(message)
