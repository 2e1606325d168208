"""Execute a short notebook in the run's own process, without a kernel.

For a forum-sized wave the ingest, network and departments steps take a few tenths of a
second each, while a worker of their own costs seconds of CPU time for its process, its
kernel and its imports (:mod:`helpers.pipeline.pool`): on a busy machine the time the
forum's other steps wait for. The run's process has imported pandas and networkx to
validate the data anyway, so :func:`execute` runs such a notebook there.

The notebook runs in an IPython shell of its own, as in a kernel: a fresh namespace,
magics, IPython's display formatting of a cell's last value (``text/plain`` and
``text/html`` as a kernel sends them), ``display()``, printed text, errors with their
traceback, the project root as working directory. The executed notebook carries
papermill's metadata (start, end and duration of the notebook and of every cell, the
execution counts), so that it reads like one papermill executed: only the kernel's own
metadata (``language_info``) is that of this interpreter. A figure is not captured (no
inline backend in this process): the steps run here draw none
(:data:`helpers.pipeline.scheduler.IN_PROCESS`). Ctrl-C and SIGTERM stop the notebook
and the run as they stop the run itself.
"""

from __future__ import annotations

import atexit
import builtins
import os
import platform
import sys
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from helpers.pipeline.worker import StepFailed

__all__ = ["KERNEL_MAX_COLUMNS", "available", "execute"]


#: pandas' ``display.max_columns`` in a kernel. Imported outside one, pandas chooses 0
#: (fit the table to the terminal, eliding columns), so a table's ``text/plain`` would
#: differ from a kernel's.
KERNEL_MAX_COLUMNS = 20


def _pandas_columns(value: int | None) -> int | None:
    """Set pandas' ``display.max_columns`` (if pandas is imported, and ``value`` is not
    None); return what it was."""
    pandas = sys.modules.get("pandas")
    if pandas is None or value is None:
        return None
    was = pandas.get_option("display.max_columns")
    pandas.set_option("display.max_columns", value)
    return was


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class _Stream:
    """A file that appends what is written to the current cell's outputs, in order."""

    def __init__(self, name: str, outputs: list):
        self.name, self.outputs = name, outputs

    def write(self, text: str) -> int:
        if text:
            last = self.outputs[-1] if self.outputs else None
            if last is not None and last.output_type == "stream" and last.name == self.name:
                last.text += text
            else:
                self.outputs.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _shell(outputs: list):
    """An IPython shell whose displays, results and errors go into ``outputs``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    class Hook(DisplayHook):
        """A cell's last value as an ``execute_result`` (ipykernel's hook, without the socket)."""

        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            outputs.append(nbformat.v4.new_output("execute_result", data=format_dict, metadata=md_dict or {},
                                                  execution_count=self.shell.execution_count))

        def finish_displayhook(self):
            pass

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, *args, **kwargs):
            outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

        def clear_output(self, wait=False):
            outputs.clear()

    class Shell(InteractiveShell):
        displayhook_class = Type(Hook)
        display_pub_class = Type(Publisher)

        def _showtraceback(self, etype, evalue, stb):
            outputs.append(nbformat.v4.new_output("error", ename=etype.__name__, evalue=str(evalue),
                                                  traceback=list(stb)))

    config = Config()
    config.HistoryManager.enabled = False  # no history database
    # the singleton, as a kernel's shell is: display() and get_ipython() look for it
    # (:func:`execute` clears it after the notebook)
    return Shell.instance(config=config, user_module=types.ModuleType("__notebook__"))


def available() -> bool:
    """Whether notebooks can run in this process: not when it already has an IPython shell.

    A run started from JupyterLab or IPython (a researcher calling
    :func:`helpers.pipeline.scheduler.run` in a notebook) has the kernel's shell as
    IPython's singleton; a second shell of another class cannot be made beside it, and the
    kernel's own must not be used (its namespace is the researcher's). Such a run gives
    every step to its workers.
    """
    if "IPython" not in sys.modules:
        return True
    from IPython.core.interactiveshell import InteractiveShell

    return not InteractiveShell.initialized()


def execute(nb: nbformat.NotebookNode, output: Path, root: Path, name: str) -> Path:
    """Execute an already parameterised notebook in this process into ``output`` (atomically).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The parameterised notebook (not changed).
    output : Path
        The executed notebook to write.
    root : Path
        The working directory while the notebook runs (the project root).
    name : str
        The step's name, for messages.

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    StepFailed
        A cell raised; the executed copy with the traceback is kept beside ``output`` as
        ``*.failed.ipynb`` (as :func:`helpers.pipeline.worker.execute` keeps it).
    KeyboardInterrupt
        Ctrl-C or SIGTERM while the notebook ran (nothing is written).
    """
    from helpers import io
    from helpers.interrupt import raise_if_terminated

    nb = nbformat.from_dict(nb)
    outputs: list = []
    added = [n for n in ("__IPYTHON__", "display") if not hasattr(builtins, n)]
    shell = _shell(outputs)
    cwd, streams = os.getcwd(), (sys.stdout, sys.stderr)
    started, failed = time.perf_counter(), None
    nb.metadata.setdefault("papermill", {})
    nb.metadata.papermill.update(start_time=_now(), exception=False, output_path=str(output))
    pandas_columns = _pandas_columns(KERNEL_MAX_COLUMNS)
    try:
        os.chdir(root)
        for cell in nb.cells:
            cell.metadata["papermill"] = {"exception": False, "start_time": None, "end_time": None,
                                          "duration": None, "status": "pending"}
            if cell.cell_type != "code" or failed is not None:
                continue
            outputs.clear()
            t0, cell.metadata.papermill["start_time"] = time.perf_counter(), _now()
            cell.execution_count = shell.execution_count
            sys.stdout, sys.stderr = _Stream("stdout", outputs), _Stream("stderr", outputs)
            try:
                result = shell.run_cell(cell.source, store_history=True)
            finally:
                sys.stdout, sys.stderr = streams
            raise_if_terminated()
            error = result.error_before_exec or result.error_in_exec
            if error is not None and not isinstance(error, Exception):  # Ctrl-C, SIGTERM: the run stops
                raise error
            cell.outputs = list(outputs)
            cell.metadata.papermill.update(end_time=_now(), duration=time.perf_counter() - t0,
                                           status="failed" if error else "completed", exception=error is not None)
            if error is not None:
                failed = error
    finally:
        os.chdir(cwd)
        _pandas_columns(pandas_columns)
        sys.stdout, sys.stderr = streams
        atexit.unregister(shell.atexit_operations)
        type(shell).clear_instance()
        for n in added:  # the shell's marks in builtins: this process is not IPython
            if hasattr(builtins, n):
                delattr(builtins, n)
    nb.metadata.papermill.update(end_time=_now(), duration=time.perf_counter() - started,
                                 exception=failed is not None)
    nb.metadata["language_info"] = {"name": "python", "version": platform.python_version()}
    if failed is not None:
        path = io.write_notebook(nb, output.with_name(f"{output.stem}.failed.ipynb"))
        raise StepFailed(f"step {name} failed: {type(failed).__name__}: {failed}\n  the executed notebook is in {path}")
    output.parent.mkdir(parents=True, exist_ok=True)
    io.write_notebook(nb, output)
    return output
