"""gunicorn settings for the benchmark's servers: the served code's own gunicorn.conf.py, minus its preparation.

Loaded with ``--config`` (by path) for today's app and for the pre-issue checkout alike, so both run
as their deploy file ships them: preloaded, with its memory settings, worker hooks and logging. The
start-up hook's preparation (deploy checks and migration) is left out: the benchmark migrated and
seeded its databases itself, and the checks refuse SQLite and the benchmark's stand-in secrets by
design. What the hook does after preparing (today: freezing the preloaded objects) still runs. The
command line's bind, workers, worker class, threads and timeout win over the file's, as gunicorn
gives command-line options priority.
"""

import os
import runpy
from pathlib import Path

# The served code's root is what bench/load.py puts on PYTHONPATH.
_shipped = runpy.run_path(str(Path(os.environ["PYTHONPATH"]) / "gunicorn.conf.py"))
globals().update(
    {name: value for name, value in _shipped.items() if not name.startswith("_") and name != "on_starting"}
)


def on_starting(server):
    """Only the hook's work after preparing, when the served code has it (fa1d413's had none)."""
    freeze = _shipped.get("_freeze_preloaded_app")
    if freeze is not None:
        freeze()
