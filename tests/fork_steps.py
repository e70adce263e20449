"""Steps for tests/test_forkserver.py: what a step's process is, where its output goes, how it ends."""
import json
import os
import sys
import time


def describe(path: str) -> None:
    """Write down this process's identity and surroundings; print one line to each stream, at both levels."""
    with open(path, "w") as fh:
        json.dump(dict(pid=os.getpid(), ppid=os.getppid(), cwd=os.getcwd(), env=dict(os.environ),
                       threads=len(os.listdir("/proc/self/task"))), fh)
    print("print to the log")
    os.write(1, b"descriptor 1\n")
    os.write(2, b"descriptor 2\n")


def fail(message: str) -> None:
    raise RuntimeError(message)


def sleep(pidfile: str, seconds: float) -> None:
    with open(pidfile + ".tmp", "w") as fh:
        fh.write(str(os.getpid()))
    os.replace(pidfile + ".tmp", pidfile)
    time.sleep(seconds)
    sys.exit(3)  # never reached in the tests: they end the step first
