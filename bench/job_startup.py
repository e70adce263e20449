"""What a workflow job's process costs before it trains: imports, and torch.optim's import of torch._dynamo.

Every ``run`` job is a fresh Python process (Snakemake's ``script:``), so at the quick configuration's budgets
(well under a second of training) start-up is most of a job.  This starts fresh interpreters, in one run and
interleaved over rounds, each doing one more thing than the last, and prints the median CPU (user + sys) and
wall seconds of each, and each CPU time as a ratio of the job's unavoidable imports (the second line).

    python bench/job_startup.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

PARAMS = "p = [torch.nn.Parameter(torch.zeros(3))]; p[0].grad = torch.ones(3)"
STAGES = {
    "python": "pass",
    "import hexagan.suite.job (every job)": "import hexagan.suite.job",
    "  + import torch (neural methods)": "import hexagan.suite.job, torch",
    "  + torch.optim.Adam, one step": f"import hexagan.suite.job, torch; {PARAMS}; torch.optim.Adam(p).step()",
    "  + hexagan.replicas.training.make_optimizer('adam'), one step":
        f"import hexagan.suite.job, torch; from hexagan.replicas.training import make_optimizer; {PARAMS}; "
        "make_optimizer('adam', p, 1e-3).step()",
}


def measure(statement: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one fresh interpreter running ``statement``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in STAGES}
    for _ in range(args.rounds):
        for name, statement in STAGES.items():
            times[name].append(measure(statement))
    cpu = {name: statistics.median(c for c, _ in runs) for name, runs in times.items()}
    wall = {name: statistics.median(w for _, w in runs) for name, runs in times.items()}
    base = cpu["import hexagan.suite.job (every job)"]
    print(f"{'stage':55s} {'CPU s':>6s} {'wall s':>7s} {'CPU / imports':>14s}   (median of {args.rounds})")
    for name in STAGES:
        print(f"{name:55s} {cpu[name]:6.2f} {wall[name]:7.2f} {cpu[name] / base:13.2f}x")


if __name__ == "__main__":
    main()
