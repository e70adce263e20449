"""Every workflow step runs in a fresh child of a process that has already imported the suite.

A step used to be a new Python interpreter (Snakemake's ``script:``), which spends about 2 s of CPU importing
pandas, scikit-learn, SciPy and torch before it does anything: most of a quick-configuration job
(``bench/job_startup.py``).  A ``forkserver`` imports them once; each step then runs in a child forked from it.
The child is a fresh process -- nothing of one step stays for the next, so a step computes what a new
interpreter would (``tests/test_worker.py``) -- minus the imports.

The rules call :func:`run_step` from their ``run:`` blocks, which Snakemake executes in threads of its main
process (``force-use-threads``, set in ``profiles/default``), several at a time.
"""
from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import os
import signal
import sys

from hexagan.suite.logs import script_log

#: What the forkserver imports once: the main module (Snakemake's; else every child would import it again to
#: unpickle its step), the modules of every step's function and the heavy ones they import later (torch,
#: pyplot).  The methods' own modules add little and stay lazy, as the registry wants.
PRELOAD = ["__main__", "hexagan.suite.job", "hexagan.suite.data", "hexagan.suite.tables", "hexagan.suite.figures",
           "hexagan.suite.significance", "hexagan.suite.report", "hexagan.estimators", "torch", "matplotlib.pyplot"]

_context = None


def _forkserver():
    global _context
    if _context is None:
        # pyplot is imported before any step can choose its backend: no display, no GUI toolkit in a forked child.
        os.environ["MPLBACKEND"] = "Agg"
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


class StepError(RuntimeError):
    """A step's child failed; its traceback is in the step's log."""


def run_step(function: str, log: str, **kwargs) -> None:
    """Call ``function`` ("module:name") with ``kwargs`` in a fresh forked child, its output to ``log``.

    Raises
    ------
    StepError
        When the child fails or is killed; the traceback is in ``log``.
    """
    child = _forkserver().Process(target=_step, args=(function, log, kwargs))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise StepError(f"{function} failed (exit code {child.exitcode}); its traceback is in {log}")


def _die_with_parent() -> None:
    """A step must not outlive the workflow that ran it (a killed Snakemake reruns the step; an orphan would
    write the same outputs behind its back): ask Linux for SIGTERM when the forkserver, our parent, exits."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _step(function: str, log: str, kwargs: dict) -> None:
    _die_with_parent()
    module, name = function.split(":")
    with script_log(log):
        getattr(importlib.import_module(module), name)(**kwargs)
