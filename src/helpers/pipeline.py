"""Run a wave from raw export to handout: notebooks in order, then the render.

Each step is a parameterised notebook executed by papermill with the wave, language,
seed and build folder as parameters; the executed copies land in
``build/<wave>/notebooks/``. The handout notebook is executed once per language and
rendered by :mod:`helpers.render` (Quarto when it is on PATH, otherwise pandoc and Typst).
"""

from __future__ import annotations

import contextlib
import io as _io
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from . import handout, io
from .errors import SurveyError
from .lang import check_lang
from .validate import tidy_wave

DEFAULT_SEED = 20190222
FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class Step:
    """One notebook of the pipeline."""

    name: str
    notebook: str


STEPS = (
    Step("ingest", "notebooks/10-ingest.ipynb"),
    Step("network", "notebooks/20-network.ipynb"),
    Step("core-periphery", "notebooks/30-core-periphery.ipynb"),
    Step("departments", "notebooks/40-departments.ipynb"),
    Step("external", "notebooks/50-external.ipynb"),
)
HANDOUT = Step("handout", "report/handout.ipynb")


class StepFailed(SurveyError):
    """A notebook raised an error; the message names the notebook and the error."""


def execute(step: Step, output: Path, parameters: dict, root: Path, source: Path | None = None) -> Path:
    """Execute one notebook with papermill into ``output`` (atomically).

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
        with _quiet():
            papermill.execute_notebook(
                str(source or root / step.notebook), str(tmp), parameters=parameters, cwd=str(root),
                kernel_name="python3", progress_bar=False, log_output=False,
            )
    except PapermillExecutionError as exc:
        failed = output.with_name(f"{output.stem}.failed.ipynb")
        if tmp.exists():
            tmp.replace(failed)
        raise StepFailed(f"step {step.name} ({step.notebook}) failed: {exc.ename}: {exc.evalue}\n"
                         f"  the executed notebook is in {failed}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(output)
    return output


@contextlib.contextmanager
def _quiet():
    """Keep papermill's and the kernel's chatter (the kernel writes to the inherited file
    descriptor 2) off the terminal; the notebooks themselves keep every output."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            with contextlib.redirect_stdout(_io.StringIO()), contextlib.redirect_stderr(_io.StringIO()):
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def run(wave: str | Path, *, langs: tuple[str, ...] = ("da",), formats: tuple[str, ...] = FORMATS,
        build: str | Path = "build", seed: int = DEFAULT_SEED,
        progress: Callable[[str, float], None] | None = None) -> dict[str, Path]:
    """Run the whole pipeline for one wave.

    Parameters
    ----------
    wave : str or Path
        Wave id (under ``data/raw`` or ``data/example``) or wave folder.
    langs : tuple of {"da", "en"}
        Handout languages.
    formats : tuple of {"html", "pdf"}
        Handout formats.
    build : str or Path
        Build folder (relative paths are taken from the project root).
    seed : int
        Seed of every random step.
    progress : callable, optional
        Called as ``progress(step_name, seconds)`` after each step.

    Returns
    -------
    dict
        ``"<lang>.<format>"`` -> path of each handout file written.

    Raises
    ------
    ValidationError
        The raw data has problems (nothing is written).
    StepFailed
        A notebook failed (earlier outputs are left as they were).
    """
    from .render import render

    for lang in langs:
        check_lang(lang)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise SurveyError(f"unknown format {unknown[0] if unknown else '(none)'!r}; choose from {', '.join(FORMATS)}")
    root = io.project_root()
    spec, folder = io.locate(wave, build)
    started = time.perf_counter()
    tidy_wave(spec)  # fail fast, with every problem listed, before any notebook starts
    _report(progress, "validate", started)
    params = {"wave": str(spec.folder), "build": str(folder.parent), "seed": seed, "lang": langs[0]}
    for step in STEPS:
        started = time.perf_counter()
        execute(step, folder / "notebooks" / Path(step.notebook).name, params, root)
        _report(progress, step.name, started)
    written: dict[str, Path] = {}
    for lang in langs:
        started = time.perf_counter()
        source = folder / "notebooks" / f".handout-{lang}.source.ipynb"
        nbformat.write(handout.localise_cell_options(nbformat.read(root / HANDOUT.notebook, 4), lang), source)
        executed = execute(HANDOUT, folder / "notebooks" / f"handout-{lang}.ipynb", {**params, "lang": lang}, root,
                           source)
        source.unlink()
        _report(progress, f"handout ({lang})", started)
        started = time.perf_counter()
        paths = render(executed, folder / "handout", formats=tuple(formats), lang=lang,
                       title=handout.text(lang)("title"), name=f"handout-{lang}")
        written.update({f"{lang}.{fmt}": Path(p) for fmt, p in paths.items()})
        _report(progress, f"render ({lang}: {', '.join(formats)})", started)
    return written


def _report(progress, name: str, started: float) -> None:
    if progress is not None:
        progress(name, time.perf_counter() - started)
