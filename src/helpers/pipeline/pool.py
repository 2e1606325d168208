"""Workers with warm kernels: the pipeline's steps without a process and a kernel start each.

A run used to start a worker process, a Jupyter kernel and every import anew for each
step: about 3 s of fixed cost per step before any analysis ran, most of a forum's run.
:class:`Pool` starts its workers (``python -m helpers.pipeline.pool``) when the run
begins, before the raw data is validated; each starts one kernel and imports in it what
the notebooks use (:data:`WARM_IMPORTS`) while the run is still preparing. A worker then
executes the steps it is given one after the other in that kernel, clearing the
kernel's namespace between notebooks (``%reset -f``, figures closed; right after a step,
while the run prepares the next one, unless the job said it was the last): every notebook
starts with no variable of another one, only the imported modules stay loaded. So the
kernel is reused, never a notebook's state; a step's output depends only on its inputs,
which is what the cache (:mod:`helpers.pipeline.cache`) keys on. A notebook that fails
leaves its kernel behind: the worker starts a new one for the next step.

Crash safety is that of one process per step: once the run holds its build folder's
lock (:func:`helpers.io.run_lock`), the lock's descriptor is passed to every worker (over
a Unix socket), so workers still finishing a step of a killed run keep the folder held;
a worker whose run dies reads the end of its job stream and exits, and its kernel
follows its parent. Jobs and results travel as files: the parent writes ``<job>.json``
and its path on the worker's standard input; the worker writes ``<job>.json.done`` (and
``<job>.json.error`` with the message of a :class:`~helpers.errors.SurveyError`) when it
is through.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["WARM_IMPORTS", "FREEZE", "Pool", "Worker", "serve", "start"]

#: Imported in every worker's kernel before its first step: the libraries every notebook
#: uses and the modules every step reads its data with (``tests/test_pipeline_pool.py``
#: checks that they still import). What only one step needs (cdlib for the groupings,
#: the handout's sections) is imported by that step: a warm-up import that a worker never
#: uses costs CPU time that the other worker's steps wait for on a busy machine.
WARM_IMPORTS = (
    "import matplotlib.pyplot, numpy, pandas, networkx, scipy.stats, scipy.optimize, igraph\n"
    "import helpers.io, helpers.ingest.wave, helpers.results.tidy\n"
)
#: Run after the warm-up: the objects the imports made (modules, functions, classes: they
#: stay as long as the kernel) move to the garbage collector's permanent generation, so
#: that a full collection (two in every ``%reset``, others while a step runs) no longer
#: walks them: 0.3 s less per reset on a busy machine. No collection first: it would walk
#: them all once more on the way to the first step, for the little garbage of importing.
FREEZE = "import gc as _gc\n_gc.freeze()\ndel _gc\n"
#: Seconds a stopped worker gets to unwind before it is killed.
STOP_SECONDS = 5
#: Run between two notebooks in the same kernel.
RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\n"


class Worker:
    """One worker process, seen from the run: give it a job, see whether it is done."""

    def __init__(self, root: Path, scratch: Path, index: int, env: dict | None = None):
        self.index = index
        self.scratch = scratch
        self.progress_file = scratch / f"worker-{index}.progress"
        parent, child = socket.socketpair()
        self._sock = parent
        self.log = open(scratch / f"worker-{index}.log", "wb")
        environment = {**os.environ, **(env or {}), "FORUM_NETWORK_PROGRESS": str(self.progress_file)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helpers.pipeline.pool", str(root), str(child.fileno())],
            cwd=root, stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT,
            pass_fds=(child.fileno(),), env=environment,
        )
        child.close()
        self.job: Path | None = None
        self.started = 0.0

    def hand_lock(self, fd: int) -> None:
        """Give the worker a duplicate of the run's lock descriptor (see the module docstring)."""
        socket.send_fds(self._sock, [b"L"], [fd])

    @property
    def idle(self) -> bool:
        return self.job is None

    def submit(self, job: dict, job_file: Path) -> None:
        job_file.write_text(json.dumps(job), encoding="utf-8")
        Path(f"{job_file}.done").unlink(missing_ok=True)
        self.progress_file.unlink(missing_ok=True)
        self.job, self.started = job_file, time.perf_counter()
        self.process.stdin.write(f"{job_file}\n".encode())
        self.process.stdin.flush()

    def finished(self) -> bool:
        """Whether the current job is through (or the worker died)."""
        if self.job is None:
            return False
        return Path(f"{self.job}.done").exists() or self.process.poll() is not None

    def outcome(self) -> tuple[int, str | None]:
        """``(0, None)`` when the job succeeded, else ``(code, message or None)``; frees the worker."""
        job, self.job = self.job, None
        done = Path(f"{job}.done")
        error = Path(f"{job}.error")
        message = error.read_text(encoding="utf-8") if error.exists() else None
        if done.exists():
            return int(done.read_text() or 1), message
        return (self.process.returncode if self.process.returncode is not None else 1), message

    def log_tail(self, lines: int = 5) -> list[str]:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]

    def release(self) -> None:
        """Close the worker's job stream: it ends after its current job, its kernel with it
        (:meth:`stop` then only waits for it)."""
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def stop(self, kill: bool = False) -> None:
        """Let the worker end: after its current job (close its job stream), or at once
        (``kill``: SIGTERM, on which it unwinds as on Ctrl-C, removing its temporary files;
        SIGKILL if it has not ended after ``STOP_SECONDS``)."""
        if self.process.poll() is None:
            if kill:
                self.process.terminate()
                try:
                    self.process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    self.process.kill()
            else:
                try:
                    self.process.stdin.close()
                except OSError:
                    pass
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
            self.process.wait()
        self._sock.close()
        self.log.close()


def start(root: Path, size: int = 1) -> "Pool":
    """A pool of ``size`` workers with a scratch folder of its own (removed by
    :meth:`Pool.close`): the run's, or started ahead of the run by the command line,
    before it imports the scheduler, so that the first kernel warms up meanwhile."""
    import tempfile

    return Pool(root, Path(tempfile.mkdtemp(prefix="forum-network-")), size)


class Pool:
    """``size`` workers with warm kernels for one run; close it when the run ends."""

    def __init__(self, root: Path, scratch: Path, size: int, env: dict | None = None):
        self.root, self.scratch, self.env = root, scratch, env
        self.lock: int | None = None
        self.workers = [Worker(root, scratch, i, env) for i in range(max(1, size))]

    def hand_lock(self, fd: int) -> None:
        self.lock = fd
        for w in self.workers:
            w.hand_lock(fd)

    def grow(self, size: int) -> None:
        """Start workers until there are ``size`` (a worker handed the lock is given it too)."""
        while len(self.workers) < size:
            worker = Worker(self.root, self.scratch, len(self.workers), self.env)
            if self.lock is not None:
                worker.hand_lock(self.lock)
            self.workers.append(worker)

    def idle(self) -> list[Worker]:
        return [w for w in self.workers if w.idle]

    def busy(self) -> list[Worker]:
        return [w for w in self.workers if not w.idle]

    def close(self, kill: bool = False) -> None:
        """Let every worker end (see :meth:`Worker.stop`) and remove the scratch folder; a
        second call does nothing more."""
        import shutil

        if not kill:  # every idle worker starts to end at once; then each is waited for
            for w in self.idle():
                w.release()
        for w in self.workers:
            w.stop(kill=kill or not w.idle)
        shutil.rmtree(self.scratch, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# the worker process
# ------------------------------------------------------------------------------------------


class _Kernel:
    """A started, warmed kernel.

    Code is run in it through ``nbclient``, the same client papermill executes notebooks
    with (a second kind of client on the same kernel gets no replies once papermill has
    used it).
    """

    def __init__(self, root: Path, meanwhile=None):
        from jupyter_client.manager import KernelManager

        from helpers.pipeline.worker import KERNEL_START_ATTEMPTS

        for attempt in range(KERNEL_START_ATTEMPTS):
            self.km = KernelManager(kernel_name="python3")
            try:
                self.km.start_kernel(cwd=str(root))
                if meanwhile is not None:  # the worker's own imports, while the kernel starts
                    meanwhile()
                    meanwhile = None
                self.run(WARM_IMPORTS + FREEZE)
                break
            except RuntimeError:  # two kernels took the same port (see worker.execute); try again
                self.close()
                if attempt == KERNEL_START_ATTEMPTS - 1:
                    raise

    def run(self, code: str) -> bool:
        """Execute ``code``; whether it ran without an error."""
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(code)]
        try:
            NotebookClient(nb, km=self.km, kernel_name="python3", timeout=600, startup_timeout=60).execute()
        except CellExecutionError:
            return False
        return True

    def close(self) -> None:
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a kernel that is already gone
            pass


def serve(root: Path, sock_fd: int) -> int:
    """The worker's loop: warm a kernel, then run the jobs named on standard input.

    SIGTERM unwinds it as Ctrl-C does (temporary files removed); it then exits with 143.
    """
    from helpers.interrupt import Terminated, terminate_like_interrupt

    try:
        with terminate_like_interrupt():
            return _serve(root, sock_fd)
    except Terminated:
        return 143


def _preload() -> None:
    """What the worker process itself needs to run a step (papermill, nbformat)."""
    import papermill  # noqa: F401

    import helpers.pipeline.worker  # noqa: F401


def _serve(root: Path, sock_fd: int) -> int:
    import nbformat

    from helpers.errors import SurveyError, os_error_message

    sock = socket.socket(fileno=sock_fd)
    lock = None
    # the kernel is started first: the worker's own imports then run while it starts
    kernel = _Kernel(root, meanwhile=_preload)
    from helpers.pipeline.worker import work

    used = False
    try:
        for line in sys.stdin:
            job_file = Path(line.strip())
            if lock is None:  # the run holds the lock by the time it gives the first job
                _, fds, _, _ = socket.recv_fds(sock, 1, 1)
                lock = fds[0] if fds else None
            job = json.loads(job_file.read_text(encoding="utf-8"))
            status = "1"
            try:
                if used and not kernel.run(RESET):
                    kernel.close()
                    kernel = _Kernel(root)
                used = True
                work(nbformat.read(job["notebook"], as_version=4), Path(job["output"]), Path(job["root"]),
                     job["name"], job.get("lang"), tuple(job.get("formats", ())), job.get("engine", "auto"),
                     km=kernel.km)
                status = "0"
            except OSError as exc:  # a full disk, a read-only folder: a message, not a traceback
                Path(f"{job_file}.error").write_text(f"step {job['name']}: {os_error_message(exc)}",
                                                     encoding="utf-8")
                kernel.close()
                kernel = _Kernel(root)
                used = False
            except SurveyError as exc:
                Path(f"{job_file}.error").write_text(str(exc), encoding="utf-8")
                kernel.close()  # the notebook failed: the next one gets a fresh kernel
                kernel = _Kernel(root)
                used = False
            except Exception as exc:  # noqa: BLE001 - reported to the run, which shows it
                Path(f"{job_file}.error").write_text(f"step {job['name']} stopped: {type(exc).__name__}: {exc}",
                                                     encoding="utf-8")
                kernel.close()
                kernel = _Kernel(root)
                used = False
            tmp = Path(f"{job_file}.done.tmp")
            tmp.write_text(status)
            tmp.replace(f"{job_file}.done")
            if used and not job.get("last"):  # cleared now, while the run prepares the next step
                used = False
                if not kernel.run(RESET):
                    kernel.close()
                    kernel = _Kernel(root)
    finally:
        if lock is not None:  # first let go of the build folder, then of the kernel
            os.close(lock)
        if kernel is not None:
            kernel.close()
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1]), int(sys.argv[2])))
