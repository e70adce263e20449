"""Workflow steps forked from one process that has the suite imported (``fork_server: true``, the quick runs).

A workflow step is a fresh interpreter (Snakemake's ``script:``), and at the quick configuration's budgets most
of one is importing pandas, scikit-learn and torch (``bench/job_startup.py``).  With ``fork_server`` on, the
workflow starts a :class:`Server` when it starts (``onstart``, local execution only): one process that imports
the suite and the methods once, then waits on a Unix socket.  A step's script, still a fresh but light
interpreter, calls :func:`run_step`, which sends the server its step (a function, its keyword arguments, its
log), its environment, its working folder, its stdout and stderr; the server forks a child that runs the step as
the script itself would, reaps it, and answers with its exit status.  Snakemake sees what it always saw: a
script that exits 0 or not, the same log, the same atomically written outputs.  (The benchmark files time the
wall clock of the script, as ever, but their CPU and memory columns now cover only the script, not the step:
hence off by default, and on in the quick configuration only.)

Commit eecfa4f did this with multiprocessing's forkserver and lost a step in CI: its parent got no status back
(exit code 255, an empty log), cause never found.  This one is built so that each part is plainly right:

* the server is one thread: one ``select`` over the listening socket, its clients' connections, a pidfd per
  child and its stdin; no signal handlers, no helper threads.  It forks only while it has a single thread
  (checked before every fork; the import-time environment keeps BLAS and Arrow's allocator from starting any);
* a child is reaped by its pid (``wait4``, once its pidfd says it exited), so no other waiter can take its status;
* a closed connection with no status is the client's error, naming the step and the server's log; a client
  that goes away (Snakemake cancelled its job) has its child terminated;
* the server exits when the workflow closes its stdin (``onsuccess``, ``onerror``) or dies, and terminates the
  children it still has; a child dies with the server (``PR_SET_PDEATHSIG``).

A step runs in the server only where it computes what a fresh interpreter would: the same interpreter and
checkout, and the same environment variables read at import time (thread counts above all: Snakemake sets them
per job).  Otherwise the server refuses and the script runs the step itself, saying why on its stderr.
``tests/test_forkserver.py`` checks that forked steps write what fresh interpreters write, timings aside.
"""
from __future__ import annotations

import atexit
import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hexagan.suite.logs import script_log

#: Where a step's script finds the server (set by :meth:`Server.start` in the workflow's environment).
ADDRESS_ENV = "HEXAGAN_FORK_SERVER"
LOG_ENV = "HEXAGAN_FORK_SERVER_LOG"
#: The checkout whose ``hexagan`` the server imports (workflow/scripts/_checkout.py makes a script use it too).
ROOT = str(Path(__file__).resolve().parents[2])
#: Environment variables that libraries read when they are imported, which the server has done already: a step
#: runs there only if its values equal the server's.  Snakemake sets the thread counts per job (shell.py).
IMPORT_TIME_ENV = ("OMP_", "GOTO_", "OPENBLAS_", "MKL_", "VECLIB_", "NUMEXPR_", "KMP_", "PYTHON", "MPL", "TORCH",
                   "PYTORCH", "CUDA_", "LD_")
THREAD_VARS = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
#: What the server imports besides the methods' own modules (hexagan.methods' registry): the suite's step
#: modules, what the methods import only when they fit, and what torch imports when hexagan.replicas.cost sizes a
#: network on the meta device (torch.stack there goes through torch._refs: sympy and torch._dynamo, 0.8 CPU-s a job).
PRELOAD = ("hexagan.suite.job", "hexagan.suite.data", "hexagan.suite.tables", "hexagan.suite.figures",
           "hexagan.suite.significance", "hexagan.suite.report", "matplotlib.pyplot", "imblearn.over_sampling",
           "fancyimpute", "lightgbm", "miceforest", "tqdm.auto", "torch._dynamo",
           "torch.fx.experimental.symbolic_shapes")
_HEADER = struct.Struct("!Q")  # the request's length, sent with the client's stdout and stderr
_READ_TIMEOUT = 60.0  # seconds a client may take to send its request once connected


class ForkServerError(RuntimeError):
    """The server could not be reached, or the connection was lost before the step's status came back."""


class StepFailed(RuntimeError):
    """A step forked from the server failed; its traceback is in the step's log."""


def run_step(function: str, log: str, **kwargs) -> None:
    """Run one workflow step: ``function`` ("module:name") called with ``kwargs``, its output in ``log``.

    In a child of the fork server when the workflow started one (and it accepts the step), else here.

    Raises
    ------
    StepFailed
        The forked step failed (its traceback is in ``log`` and on stderr).
    ForkServerError
        The server was unreachable or went away mid-step.
    """
    address = os.environ.get(ADDRESS_ENV)
    if address:
        refused = _run_in_server(address, function, log, kwargs)
        if refused is None:
            return
        print(f"fork server: runs no step for {log} ({refused}); running it in this interpreter", file=sys.stderr)
    _call(function, log, kwargs)


def _call(function: str, log: str, kwargs: dict) -> None:
    module, name = function.split(":")
    with script_log(log):
        getattr(importlib.import_module(module), name)(**kwargs)


def _run_in_server(address: str, function: str, log: str, kwargs: dict) -> str | None:
    """The step run in a child of the server, or the server's reason for refusing it."""
    step, where = f"step {function} ({log})", f"the server's log {os.environ.get(LOG_ENV, '(unknown)')}"
    request = json.dumps(dict(function=function, log=log, kwargs=kwargs, env=dict(os.environ), cwd=os.getcwd(),
                              executable=sys.executable, root=ROOT)).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(address)
            # Descriptors 1 and 2, not sys.stdout's: the child writes where this process would, at the OS level.
            socket.send_fds(conn, [_HEADER.pack(len(request))], [1, 2])
            conn.sendall(request)
        except OSError as err:
            raise ForkServerError(f"{step}: cannot reach the fork server at {address} ({err}); see {where}") from err
        reply, lost = b"", "closed"
        try:
            while chunk := conn.recv(65536):
                reply += chunk
        except OSError as err:
            lost = repr(err)
    try:
        answer = json.loads(reply)
    except ValueError:
        raise ForkServerError(f"{step}: the connection to the fork server was lost before the step's exit status "
                              f"came back ({lost}; {len(reply)} bytes of an answer); see {where}") from None
    if "refused" in answer:
        return answer["refused"]
    code = answer["exitcode"]
    if code != 0:
        how = f"exit code {code}" if code > 0 else f"killed by {signal.Signals(-code).name}"
        raise StepFailed(f"{function} failed in a child of the fork server ({how}); its traceback is in {log}")
    return None


# -- the server ------------------------------------------------------------------------------------------


class Server:
    """The workflow's side: start the server (``onstart``) and stop it (``onsuccess``, ``onerror``).

    ``threads``: the thread count of the steps it runs (Snakemake's thread variables are set to it before the
    imports); a step of another count runs in its own interpreter.  ``preload=False``: a bare server, whose
    children import what their step needs (the tests of its protocol).
    """

    def __init__(self, log: str, threads: int, preload: bool = True):
        self.log, self.threads, self.preload = log, threads, preload
        self.process: subprocess.Popen | None = None
        self.folder: str | None = None
        self.address: str | None = None  # the socket, once started

    def start(self) -> None:
        try:
            os.close(os.pidfd_open(os.getpid()))
        except (AttributeError, OSError) as err:  # not Linux, or before 5.3
            print(f"fork_server: this system has no pidfds ({err!r}); every step starts an interpreter",
                  file=sys.stderr)
            return
        # A short private path: a Unix socket's name is limited to about 100 bytes; the folder is ours alone.
        self.folder = tempfile.mkdtemp(prefix="hexagan-fork-")
        self.address = os.path.join(self.folder, "socket")
        Path(self.log).parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **dict.fromkeys(THREAD_VARS, str(self.threads))}
        # Arrow's allocator (pandas imports pyarrow) starts a purging thread unless told not to: the server must
        # fork with one thread.  It changes when memory is returned to the system, never a number.
        env.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")
        # Bound and listening before any step starts: a step that connects while the server imports waits in the
        # backlog.  The server's stdin is a pipe only this process writes to: it closes when the workflow ends.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener, open(self.log, "w") as log:
            listener.bind(self.address)
            listener.listen(256)
            command = [sys.executable, "-m", "hexagan.suite.forkserver", str(listener.fileno())]
            self.process = subprocess.Popen(command + ([] if self.preload else ["--bare"]),
                                            stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=env,
                                            cwd=ROOT, pass_fds=[listener.fileno()], start_new_session=True)
        os.environ[ADDRESS_ENV], os.environ[LOG_ENV] = self.address, self.log

    def stop(self, timeout: float = 60.0) -> None:
        os.environ.pop(ADDRESS_ENV, None)
        os.environ.pop(LOG_ENV, None)
        if self.process is not None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


class _Pidfd:
    """A child's pidfd: readable once the child has exited."""

    def __init__(self, pid: int):
        self.pid, self.fd = pid, os.pidfd_open(pid)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        os.close(self.fd)


def _say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _refusal(request: dict, started: dict) -> str | None:
    """Why a step would not compute here what a fresh interpreter computes (None: it would).

    ``started``: the server's environment before its imports (some set variables: KMP_DUPLICATE_LIB_OK, ...).
    """
    if request["executable"] != sys.executable:
        return f"its interpreter is {request['executable']}, the server's {sys.executable}"
    if request["root"] != ROOT:
        return f"its checkout is {request['root']}, the server's {ROOT}"
    env = request["env"]
    differ = sorted(k for k in set(env) | set(started)
                    if k.startswith(IMPORT_TIME_ENV) and env.get(k) != started.get(k))
    if differ:
        return "it sets these import-time variables otherwise: " + ", ".join(
            f"{k}={env.get(k)!r} (server: {started.get(k)!r})" for k in differ)
    threads = _threads()
    if threads != 1:
        return f"the server has {threads} threads, and forks only with one"
    return None


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    """One client's request and its stdout and stderr."""
    conn.settimeout(_READ_TIMEOUT)
    data, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 2)
    try:
        if len(data) != _HEADER.size or len(fds) != 2:
            raise ValueError(f"a malformed request header ({len(data)} bytes, {len(fds)} descriptors)")
        (size,) = _HEADER.unpack(data)
        body = b""
        while len(body) < size:
            chunk = conn.recv(min(size - len(body), 1 << 20))
            if not chunk:
                raise ValueError(f"the request ended after {len(body)} of {size} bytes")
            body += chunk
        return json.loads(body), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _child(server: int, request: dict, env: dict, stdio: list[int], inherited: list) -> None:
    """A forked child: become the step's process, run it, exit.  Never returns."""
    code = 1
    try:
        # Die with the server (one thread, so the parent that counts is the process).  PR_SET_PDEATHSIG = 1.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        if os.getppid() != server:  # the server died before prctl took effect
            os._exit(1)
        for item in inherited:  # the listener, every client's connection, every pidfd
            item.close()
        # The client's stdout and stderr; stdin: nothing (the server's is the workflow's pipe, closed here).
        for target, fd in zip((1, 2), stdio):
            os.dup2(fd, target)
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        atexit._clear()  # the server's exit handlers are its own; the step's are registered from here on
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(env)
        try:
            _call(request["function"], request["log"], request["kwargs"])
            code = 0
        except SystemExit as err:
            code = err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
        except BaseException:
            traceback.print_exc()  # as an interpreter does with an uncaught exception (the log has it too)
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


class _Job:
    """A running child: its pid and pidfd, its client's connection, what it runs."""

    def __init__(self, pid: int, conn: socket.socket, request: dict):
        self.pid, self.conn, self.log, self.function = pid, conn, request["log"], request["function"]
        self.started = time.perf_counter()
        self.pidfd = _Pidfd(pid)


def _step_env(client: dict, started: dict) -> dict:
    """A step's environment: its client's, with what the server's imports changed, as they would in the step."""
    env = dict(client)
    for key in set(started) | set(os.environ):
        if started.get(key) != os.environ.get(key):
            if key in os.environ:
                env[key] = os.environ[key]
            else:
                env.pop(key, None)
    return env


def serve(listener: socket.socket, parent, started: dict) -> None:
    """Run steps until ``parent`` (the server's stdin) closes; then terminate the children still running.

    ``started``: the server's environment before its imports.
    """
    jobs: dict[_Pidfd, _Job] = {}  # every child not yet reaped
    waiting: dict[socket.socket, _Job] = {}  # the clients still waiting for their child's status
    served = 0
    while True:
        ready = select.select([listener, parent, *jobs, *waiting], [], [])[0]
        # Objects, not descriptor numbers: one closed in this round and reused by an accept is never mistaken.
        for item in ready:
            if item in jobs:
                _reap(jobs.pop(item), waiting)
            elif item in waiting:
                # A client sends nothing once it has sent its step: readable means it has gone (Snakemake killed
                # its job's script).  Its child must not go on writing the job's outputs.
                job = waiting.pop(item)
                item.close()
                os.kill(job.pid, signal.SIGTERM)
                _say(f"{job.pid} terminated: its client went away ({job.log})")
        if parent in ready and not os.read(parent.fileno(), 4096):
            break
        if listener in ready:
            job = _start(listener, started, [listener, *jobs, *waiting])
            if job is not None:
                jobs[job.pidfd], waiting[job.conn] = job, job
                served += 1
    _say(f"the workflow has ended; {served} steps served, {len(jobs)} still running")
    for job in jobs.values():
        os.kill(job.pid, signal.SIGTERM)
    for job in list(jobs.values()):
        _reap(job, waiting)


def _start(listener: socket.socket, started: dict, inherited: list) -> _Job | None:
    """Accept one client and fork its step's child (None: it was refused, or could not be served)."""
    conn, _ = listener.accept()
    try:
        request, stdio = _receive(conn)
    except (OSError, ValueError) as err:
        _say(f"dropped a connection: {err}")
        conn.close()
        return None
    try:
        refused = _refusal(request, started)
        if refused:
            _say(f"refused {request['log']}: {refused}")
            _reply(conn, dict(refused=refused))
            return None
        conn.settimeout(None)
        sys.stdout.flush()  # nothing of the server's log may be left in a buffer the child inherits
        sys.stderr.flush()
        server = os.getpid()
        try:
            pid = os.fork()
        except OSError as err:
            _say(f"could not fork for {request['log']}: {err}")
            conn.close()  # its client reports a lost connection, naming this log
            return None
        if pid == 0:
            _child(server, request, _step_env(request["env"], started), stdio, [*inherited, conn])
    finally:
        for fd in stdio:
            os.close(fd)
    try:
        job = _Job(pid, conn, request)
    except OSError as err:  # no pidfd (out of descriptors): a child that cannot be watched must not run
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _say(f"could not watch the child for {request['log']}: {err}")
        conn.close()
        return None
    _say(f"{pid} started: {job.function} {job.log}")
    return job


def _reap(job: _Job, waiting: dict) -> None:
    """Collect a child that has exited (its pidfd is readable) and answer its client, if it still waits."""
    _, status, usage = os.wait4(job.pid, 0)
    job.pidfd.close()
    code = os.waitstatus_to_exitcode(status)
    _say(f"{job.pid} exit {code} after {time.perf_counter() - job.started:.1f} s "
         f"(CPU {usage.ru_utime + usage.ru_stime:.1f} s, max RSS {usage.ru_maxrss / 1024:.0f} MB): "
         f"{job.function} {job.log}")
    if waiting.pop(job.conn, None) is not None:
        _reply(job.conn, dict(exitcode=code))


def _reply(conn: socket.socket, answer: dict) -> None:
    try:
        conn.sendall(json.dumps(answer).encode())
    except OSError:
        pass  # the client has gone: its job was cancelled
    conn.close()


def _preload() -> None:
    from hexagan import methods

    start = time.perf_counter()
    for module in (*PRELOAD, *sorted(set(methods._modules().values()))):
        try:
            importlib.import_module(module)
        except Exception as err:  # a step that needs it fails in its child, as it would in a fresh interpreter
            _say(f"could not preload {module}: {err!r}")
    _say(f"preloaded in {time.perf_counter() - start:.1f} s; {_threads()} thread(s)")


def main() -> None:
    listener = socket.socket(fileno=int(sys.argv[1]))
    started = dict(os.environ)
    _say(f"fork server {os.getpid()} for {ROOT} ({sys.executable})")
    if "--bare" not in sys.argv:
        _preload()
    try:
        serve(listener, sys.stdin, started)
    except BaseException:
        _say("failed:\n" + traceback.format_exc())
        raise


if __name__ == "__main__":
    main()
