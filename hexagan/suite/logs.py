"""A workflow step's log file."""
from __future__ import annotations

import contextlib
import traceback
from pathlib import Path


@contextlib.contextmanager
def script_log(path):
    """Send a workflow step's output to its log file; a failure's traceback goes there too, then re-raises."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
        try:
            yield
        except BaseException:
            traceback.print_exc()
            raise

