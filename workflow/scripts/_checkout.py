"""Imported first by every workflow script: use the hexagan package of this checkout.

Snakemake appends the workflow's folders to ``sys.path``, after site-packages, so a job would otherwise
import whatever ``hexagan`` is installed -- e.g. another checkout's editable install sharing the venv.
"""
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path[:1]:
    sys.path.insert(0, ROOT)
for name in [m for m in sys.modules if m == "hexagan" or m.startswith("hexagan.")]:
    del sys.modules[name]  # nothing of another copy may stay imported
