"""After `make quick`: every table, figure and the report of the quick plan exist, and the report holds no error.

Usage: .venv/bin/python .ci/check_quick.py   (from the repository's root, with the environment make quick had)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hexagan.suite.config import load_config  # noqa: E402
from hexagan.suite.constants import REPORT_PATH  # noqa: E402
from hexagan.suite.plan import Plan  # noqa: E402

ERRORS = ("Traceback", "Error:", "Exception", "nan ± nan")


def main() -> int:
    os.chdir(ROOT)
    plan = Plan(load_config(ROOT / "config" / "quick.yaml"))
    problems = [f"missing or empty: {path}" for path in plan.targets()
                if not Path(path).is_file() or Path(path).stat().st_size == 0]
    report = Path(plan.path(REPORT_PATH))
    if report.is_file():
        text = report.read_text()
        problems += [f"the report holds {word!r}" for word in ERRORS if word in text]
    skipped = ", ".join(plan.missing_data) or "none"
    print(f"check_quick: {len(plan.targets())} outputs of {len(plan.enabled())} experiments; datasets skipped: {skipped}")
    for problem in problems:
        print(f"check_quick: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
