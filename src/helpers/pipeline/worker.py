"""Execute one pipeline step in a process of its own: ``python -m helpers.pipeline.worker JOB.json``.

Light on purpose: a step's process imports this module, papermill and the renderer, not the
scheduler or the results (the scheduler imports :func:`work` from here).

The pipeline starts one such process per step, so that independent steps run at the
same time and each kernel's output stays out of the terminal. The job file names the
prepared (parameterised) notebook and where to write; on failure the process writes the
error message into ``JOB.json.error`` and exits with 1.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat

from helpers import handout
from helpers.errors import SurveyError, os_error_message
from helpers.interrupt import Terminated, terminate_like_interrupt

__all__ = ["KERNEL_START_ATTEMPTS", "StepFailed", "execute", "work", "main"]

#: Attempts to start a notebook's kernel (kernels started at the same moment can collide).
KERNEL_START_ATTEMPTS = 3


class StepFailed(SurveyError):
    """A notebook raised an error; the message names the notebook and the error."""


def execute(nb: nbformat.NotebookNode, output: Path, root: Path, name: str, km=None) -> Path:
    """Execute an already parameterised notebook with papermill into ``output`` (atomically).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The parameterised notebook.
    output : Path
        The executed notebook to write.
    root : Path
        The working directory of the kernel (the project root).
    name : str
        The step's name, for messages.
    km : jupyter_client.KernelManager, optional
        A started kernel's manager to execute in (:mod:`helpers.pipeline.pool`); None
        starts a kernel for the notebook.

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    StepFailed
        The notebook raised; the executed copy with the traceback is kept beside
        ``output`` as ``*.failed.ipynb`` for inspection.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.tmp.ipynb")
    try:
        for attempt in range(KERNEL_START_ATTEMPTS):
            try:
                papermill.execute_notebook(nb, str(tmp), cwd=str(root), kernel_name="python3",
                                           request_save_on_cell_execute=False,  # written once, at the end
                                           progress_bar=False, log_output=False, **({"km": km} if km else {}))
                break
            except RuntimeError as exc:
                # Kernels started at the same moment can pick the same free TCP port (a known
                # race in jupyter_client); the kernel that loses dies before it replies. Nothing
                # of the notebook has run then, so starting it again is safe.
                if "Kernel died before replying" not in str(exc) or attempt == KERNEL_START_ATTEMPTS - 1:
                    raise
    except PapermillExecutionError as exc:
        failed = output.with_name(f"{output.stem}.failed.ipynb")
        if tmp.exists():
            tmp.replace(failed)
        raise StepFailed(f"step {name} failed: {exc.ename}: {exc.evalue}\n"
                         f"  the executed notebook is in {failed}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(output)
    return output


def work(nb: nbformat.NotebookNode, output: Path, root: Path, name: str, lang: str | None,
         formats: tuple[str, ...], engine: str = "auto", km=None) -> Path:
    """Execute one step (and render it with ``engine``, for a handout step). :mod:`helpers.pipeline.worker` calls this.

    A handout step's notebook publishes its title block and the table card's data
    (:func:`helpers.handout.sections.publish`); they are moved into the executed notebook's
    metadata, and the handout and the table card are rendered from there.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The step's notebook, parameterised (:func:`_prepare`).
    output : Path
        The executed notebook to write.
    root : Path
        The project root (the notebook's working directory).
    name : str
        The step's name, for messages.
    lang : str or None
        For a handout step, its language.
    formats : tuple of str
        The handout formats.
    engine : {"auto", "quarto", "builtin"}
        What renders the handout (:func:`helpers.pipeline.render.render`).
    km : jupyter_client.KernelManager, optional
        A warm kernel to execute in (:mod:`helpers.pipeline.pool`); None: one of its own.

    Returns
    -------
    Path
        The executed notebook.
    """
    executed = execute(nb, output, root, name, km)
    if lang is not None:
        from helpers.pipeline.render import render

        published = _lift_metadata(executed)
        folder = output.parents[1]
        render(executed, folder / "handout", formats=formats, lang=lang, name=f"handout-{lang}",
               metadata=published["title_block"], engine=engine)
        if "pdf" in formats:
            handout.write_table_card(published["table_card"], folder / "handout" / f"table-card-{lang}.pdf")
    return executed


def _lift_metadata(executed: Path) -> dict:
    """Move what the handout notebook published (title block, table card) into the executed
    notebook's metadata (:func:`helpers.handout.published`) and return it."""
    nb = nbformat.read(executed, as_version=4)
    published = handout.published(nb)
    if not published:
        raise StepFailed(f"{executed.name} published no title block (the handout notebook's last cell)")
    nb.metadata[handout.METADATA_KEY] = published
    _write_notebook(nb, executed)
    return published


def _write_notebook(nb: nbformat.NotebookNode, target: Path) -> None:
    """Write a notebook atomically, as :func:`helpers.io.write_notebook` does (a hidden
    temporary beside it, which :func:`helpers.io.sweep` removes after a killed run), without
    importing :mod:`helpers.io` and pandas with it into the worker's own process."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            nbformat.write(nb, fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Run the job described by the JSON file given as the only argument.

    Parameters
    ----------
    argv : list of str, optional
        The job file (default: the command line).

    Returns
    -------
    int
        The exit code: 0 when the step ran, 1 when it failed (the message is written
        beside the job file).
    """
    job_file = Path((argv or sys.argv[1:])[0])
    job = json.loads(job_file.read_text(encoding="utf-8"))
    try:
        with terminate_like_interrupt():  # stopped by the pipeline: unwind, removing temporary files
            work(nbformat.read(job["notebook"], as_version=4), Path(job["output"]), Path(job["root"]), job["name"],
                 job.get("lang"), tuple(job.get("formats", ())), job.get("engine", "auto"))
    except SurveyError as exc:
        Path(f"{job_file}.error").write_text(str(exc), encoding="utf-8")
        return 1
    except OSError as exc:  # a full disk, a read-only folder: a message, not the traceback's tail
        Path(f"{job_file}.error").write_text(f"step {job['name']}: {os_error_message(exc)}", encoding="utf-8")
        return 1
    except Terminated:
        return 143
    return 0


if __name__ == "__main__":
    sys.exit(main())
