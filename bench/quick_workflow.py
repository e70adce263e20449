"""Wall and CPU time of the quick workflow (or a slice of it) in this checkout against another, in one run.

Each round runs the same Snakemake command from each checkout into a fresh output folder, alternating, so a
busy machine slows both alike; it prints every run's wall time and CPU time (user + sys of Snakemake and every
process it waited for) and the median ratios.  E.g. against the commit before the fork server
(hexagan/suite/forkserver.py), in a clone of its own (its .snakemake/ goes there):

    git clone --quiet . /tmp/before && git -C /tmp/before checkout --quiet <commit>
    python bench/quick_workflow.py --baseline /tmp/before --rounds 2 \
        --config "run_experiments=[table1,table2]" "run_datasets=[breast,wine]"

Every checkout runs with this interpreter (its workflow imports its own hexagan: workflow/rules/common.smk).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(checkout: Path, out: Path, cores: int, config: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one quick run from ``checkout`` into the new folder ``out``."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty: a run into it would not redo its jobs")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(checkout / "Snakefile"), "--directory",
           str(checkout), "--cores", str(cores), "--configfile", str(checkout / "config" / "quick.yaml"),
           "--quiet", "all", "--config", f"output_dir={out}", *config]
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    ran = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if ran.returncode != 0:
        raise SystemExit(f"the run from {checkout} into {out} failed (exit {ran.returncode}):\n{ran.stderr[-5000:]}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--config", nargs="*", default=[], help="extra --config key=value (e.g. a slice)")
    parser.add_argument("--keep", type=Path, help="keep each run's outputs in KEEP/<this|baseline>-<round> (a new "
                                                    "folder) instead of a temporary one, to compare or read the logs")
    args = parser.parse_args()
    times: dict[str, list[tuple[float, float]]] = {"this": [], "baseline": []}
    for r in range(args.rounds):
        for name, checkout in (("baseline", args.baseline.resolve()), ("this", ROOT)):
            with tempfile.TemporaryDirectory(prefix="quick-bench-") as scratch:
                out = Path(scratch) if args.keep is None else args.keep.resolve() / f"{name}-{r + 1}"
                wall, cpu = run_once(checkout, out, args.cores, args.config)
            times[name].append((wall, cpu))
            print(f"round {r + 1}: {name:8s} {wall:7.1f} s wall {cpu:7.1f} s CPU", flush=True)
    for i, what in enumerate(("wall", "CPU")):
        this, base = (statistics.median(t[i] for t in times[name]) for name in ("this", "baseline"))
        print(f"median {what}: this {this:.1f} s, baseline {base:.1f} s, this / baseline = {this / base:.2f}")


if __name__ == "__main__":
    main()
