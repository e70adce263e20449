"""The fork server (hexagan/suite/forkserver.py): a forked step writes what a fresh interpreter writes, each way
it can go wrong is a clear error, and nothing it starts outlives the workflow.

Each client is a fresh, light interpreter, as a workflow script is (this process has imported libraries that set
environment variables, which the server would rightly count as another environment).
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hexagan.suite.config import load_config
from hexagan.suite.forkserver import ADDRESS_ENV, LOG_ENV, THREAD_VARS, ForkServerError, Server, run_step
from hexagan.suite.plan import Plan

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="the fork server needs Linux's pidfds")

CLIENT = "import json, sys; from hexagan.suite.forkserver import run_step; run_step(*json.loads(sys.argv[1]), " \
         "**json.loads(sys.argv[2]))"


def job_env(threads: int = 1) -> dict:
    """What Snakemake gives a job's script: the thread variables; and this folder on the path (tests/fork_steps.py)."""
    return {**os.environ, **dict.fromkeys(THREAD_VARS, str(threads)), "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}"}


def started(log: Path, preload: bool = True) -> Server:
    """A server started in the environment of a one-thread job."""
    saved = dict(os.environ)
    os.environ.update(job_env())
    try:
        server = Server(str(log), threads=1, preload=preload)
        server.start()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return server


def client(server: Server | None, function: str, log: Path, env: dict | None = None, cwd: Path = ROOT,
           wait: bool = True, **kwargs):
    """A step run by a fresh interpreter, as a workflow script runs it (no server: in that interpreter)."""
    env = {**(env or job_env()), **({ADDRESS_ENV: server.address, LOG_ENV: server.log} if server else {})}
    if not server:
        env.pop(ADDRESS_ENV, None)
    command = [sys.executable, "-c", CLIENT, json.dumps([function, str(log)]), json.dumps(kwargs)]
    if wait:
        return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def gone(pid: int, within: float = 20.0) -> bool:
    """Whether process ``pid`` has ended within ``within`` seconds (a zombie has: only its status is left)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def pid_in(path: Path, within: float = 60.0) -> int:
    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return int(path.read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = started(tmp_path_factory.mktemp("server") / "server.log")
    yield server
    server.stop()


def without_timing(path: Path) -> list[list[str]]:
    """A run file's (TSV) or a summary's (CSV) rows but the timings: a wall_seconds column, the fit_seconds rows."""
    with open(path, newline="") as fh:
        header, *rows = csv.reader(fh, delimiter="\t" if path.suffix == ".tsv" else ",")
    metric = header.index("metric")
    keep = [i for i, name in enumerate(header) if name != "wall_seconds"]
    return [[row[i] for i in keep] for row in [header, *rows] if row[metric] != "fit_seconds"]


def same_arrays(a: Path, b: Path) -> None:
    with np.load(a) as x, np.load(b) as y:
        assert sorted(x.files) == sorted(y.files)
        for name in x.files:
            np.testing.assert_array_equal(x[name], y[name], err_msg=name)


def test_a_forked_step_writes_what_a_fresh_interpreter_writes(server, tmp_path):
    """Masks, then a torch job and a LightGBM one: the same bytes but the wall time (npz: the same arrays)."""
    plan = Plan(load_config(ROOT / "config" / "quick.yaml", overrides={"output_dir": str(tmp_path)}), check_data=False)
    masks = [Path(p) for p in plan.mask_paths(plan.job("breast", "mcar", "0.2", "mean"))]
    assert len(masks) == 1
    spec = {**plan.mask_spec("breast", "mcar", "0.2", "0"), "data_dir": None}
    for how, via in (("forked", server), ("fresh", None)):
        made = client(via, "hexagan.suite.data:write_masks", tmp_path / f"{how}.masks.log", spec=spec,
                      path=str(tmp_path / f"{how}.npz"))
        assert made.returncode == 0, made.stderr
    same_arrays(tmp_path / "forked.npz", tmp_path / "fresh.npz")
    masks[0].parent.mkdir(parents=True)
    os.replace(tmp_path / "fresh.npz", masks[0])
    for label in ("hexagan", "mice"):
        spec = plan.job_spec(plan.job("breast", "mcar", "0.2", label))
        for how, via in (("forked", server), ("fresh", None)):
            ran = client(via, "hexagan.suite.job:run_job_to_files", tmp_path / f"{how}.{label}.log", spec=spec,
                         mask_files=[str(masks[0])], tsv=str(tmp_path / f"{how}.{label}.tsv"),
                         extras=str(tmp_path / f"{how}.{label}.npz"), threads=1)
            assert ran.returncode == 0, ran.stderr
        assert without_timing(tmp_path / f"forked.{label}.tsv") == without_timing(tmp_path / f"fresh.{label}.tsv")
        same_arrays(tmp_path / f"forked.{label}.npz", tmp_path / f"fresh.{label}.npz")
    log = Path(server.log).read_text()
    assert "refused" not in log and log.count("run_job_to_files") == 4  # two forked jobs: started, exit 0


def test_a_step_is_a_child_of_the_server_in_its_scripts_place(server, tmp_path):
    """Its script's folder, environment and stdout/stderr descriptors; one thread; its output in its log."""
    env = {**job_env(), "A_STEPS_OWN": "variable"}
    ran = client(server, "fork_steps:describe", tmp_path / "step.log", env=env, cwd=tmp_path,
                 path=str(tmp_path / "described.json"))
    assert ran.returncode == 0, ran.stderr
    seen = json.loads((tmp_path / "described.json").read_text())
    assert seen["ppid"] == server.process.pid and seen["cwd"] == str(tmp_path) and seen["threads"] == 1
    assert seen["env"]["A_STEPS_OWN"] == "variable" and ADDRESS_ENV in seen["env"]
    assert ran.stdout == "descriptor 1\n" and ran.stderr == "descriptor 2\n"
    assert (tmp_path / "step.log").read_text() == "print to the log\n"


def test_a_failing_step_fails_its_script_with_its_traceback_in_its_log(server, tmp_path):
    ran = client(server, "fork_steps:fail", tmp_path / "step.log", message="a step that fails")
    assert ran.returncode != 0
    assert "failed in a child of the fork server (exit code 1); its traceback is in" in ran.stderr
    assert "RuntimeError: a step that fails" in ran.stderr  # the child's, as an interpreter prints it
    assert "RuntimeError: a step that fails" in (tmp_path / "step.log").read_text()


def test_a_step_of_another_thread_count_runs_in_its_own_interpreter(server, tmp_path):
    """The server's libraries read their thread counts when it imported them: a two-thread step is not its."""
    ran = client(server, "fork_steps:describe", tmp_path / "step.log", env=job_env(threads=2),
                 path=str(tmp_path / "described.json"))
    assert ran.returncode == 0, ran.stderr
    assert "fork server: runs no step for" in ran.stderr and "OMP_NUM_THREADS='2' (server: '1')" in ran.stderr
    assert json.loads((tmp_path / "described.json").read_text())["ppid"] != server.process.pid


def test_a_cancelled_step_is_terminated(server, tmp_path):
    """Snakemake kills a cancelled job's script; the step it handed over must not go on writing."""
    waiting = client(server, "fork_steps:sleep", tmp_path / "step.log", wait=False, pidfile=str(tmp_path / "pid"),
                     seconds=120)
    step = pid_in(tmp_path / "pid")
    waiting.kill()
    waiting.communicate()
    assert gone(step)
    assert f"{step} terminated: its client went away" in Path(server.log).read_text()


def test_a_lost_server_is_a_clear_error_and_takes_its_steps_along(tmp_path):
    server = started(tmp_path / "server.log", preload=False)
    try:
        waiting = client(server, "fork_steps:sleep", tmp_path / "step.log", wait=False,
                         pidfile=str(tmp_path / "pid"), seconds=120)
        step = pid_in(tmp_path / "pid")
        server.process.kill()
        _, stderr = waiting.communicate(timeout=60)
        assert waiting.returncode != 0
        assert (f"ForkServerError: step fork_steps:sleep ({tmp_path / 'step.log'}): the connection to the fork server "
                f"was lost before the step's exit status came back (closed; 0 bytes of an answer); see the server's "
                f"log {tmp_path / 'server.log'}") in stderr
        assert gone(step)
    finally:
        server.stop()
    assert not Path(server.address).parent.exists()


def test_an_unreachable_server_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(ADDRESS_ENV, str(tmp_path / "no-server"))
    with pytest.raises(ForkServerError, match=r"fork_steps:fail \(.*step.log\): cannot reach the fork server at .*no-"):
        run_step("fork_steps:fail", str(tmp_path / "step.log"), message="never runs")


def test_the_server_ends_with_the_workflow(tmp_path):
    """onsuccess/onerror stop it; a workflow that dies without either (killed) closes its stdin all the same."""
    server = started(tmp_path / "stopped.log", preload=False)
    server_process = server.process
    server.stop()
    assert server_process.returncode == 0 and ADDRESS_ENV not in os.environ
    assert "0 steps served" in (tmp_path / "stopped.log").read_text()

    workflow = ("import os, sys; from hexagan.suite.forkserver import Server; "
                "s = Server(sys.argv[1], 1, preload=False); s.start(); print(s.process.pid, flush=True); os._exit(0)")
    ran = subprocess.run([sys.executable, "-c", workflow, str(tmp_path / "orphan.log")], capture_output=True,
                         text=True, timeout=60, cwd=ROOT)
    assert ran.returncode == 0, ran.stderr
    assert gone(int(ran.stdout))


def test_the_workflow_with_forked_steps_writes_what_it_writes_without(tmp_path):
    """fork_server (the quick configuration's) on a small slice: started and ended by the workflow, every step
    served (none refused: Snakemake's job environment is the server's), every output as without it but the timings."""
    import yaml

    from test_workflow import SMOKE, snakemake

    for fork in (False, True):
        config = tmp_path / f"{fork}.yaml"
        config.write_text(yaml.safe_dump({**SMOKE, "output_dir": f"fork_{fork}", "fork_server": fork}))
        snakemake("--cores", "2", "--configfile", str(config), cwd=tmp_path)
    fresh, forked = tmp_path / "fork_False", tmp_path / "fork_True"
    log = (forked / "logs" / "fork_server.log").read_text()
    files = [p.relative_to(fresh) for p in sorted(fresh.rglob("*")) if p.is_file()]
    files = [name for name in files if name.parts[:2] != ("results", "benchmarks")]  # CPU and memory: the script's
    steps = [f for f in files if f.parts[0] == "logs"]
    assert "refused" not in log and log.count(" exit 0 after ") == len(steps) and "still running" in log
    assert not (fresh / "logs" / "fork_server.log").exists()
    for name in files:
        if name.suffix == ".npz":
            same_arrays(fresh / name, forked / name)
        elif name.suffix in (".tsv", ".csv") and name.parts[:2] in (("results", "runs"), ("results", "tables")):
            assert without_timing(fresh / name) == without_timing(forked / name), name
        else:
            assert (fresh / name).read_bytes() == (forked / name).read_bytes(), name
