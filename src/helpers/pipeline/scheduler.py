"""Run a wave from raw export to handout: notebooks in dependency order, in parallel, cached.

Each step is a parameterised notebook that declares what it reads and writes (paths in the
wave's build folder; ``raw`` stands for the wave's own input files). The order is derived
from those declarations: a step runs once every step that writes something it reads has
finished, and steps that do not depend on each other run at the same time, up to the
number of cores. A step whose notebook, used parameters, input files and helpers code are
unchanged, and whose outputs are still in place, is taken from the cache
(:mod:`helpers.pipeline.cache`) instead of being executed. The handout notebook is one step per
language; its step also renders the handout (:mod:`helpers.pipeline.render`).

A run holds its wave's build folder with a lock (:func:`helpers.io.run_lock`): a second
run of the same wave is refused while the first is writing, and a run first removes
what killed runs left behind (:func:`helpers.io.sweep`). Every output is written
atomically, and a step is recorded in the cache only after it finished, so a run killed
at any moment leaves the previous outputs and cache entries usable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import nbformat

from helpers import paths
from helpers.handout import context as handout
from helpers import io
from helpers.pipeline.render import engine_info
from helpers.pipeline.cache import RunCache, file_hashes, notebook_key, parameters_used, run_key, with_key
from helpers.errors import SurveyError
from helpers.lang import check_lang
from helpers.ingest.keycheck import check_previous
from helpers.ingest.pseudonym import fingerprint, load_secret
from helpers.ingest.validate import tidy_wave
from helpers.ingest.wave import AUTO_PREVIOUS, VISIT_PAIRS_FILE, previous_by_date

DEFAULT_SEED = 20190222
KERNEL_START_ATTEMPTS = 3
FORMATS = ("html", "pdf")
CACHE_FOLDER = ".jupyter_cache"
STOP_SECONDS = 5
"""How long a stopped step may take to clean up before it is killed."""


@dataclass(frozen=True)
class Step:
    """One notebook of the pipeline and what it reads and writes.

    Attributes
    ----------
    name : str
        Shown in progress lines.
    notebook : str
        The notebook, relative to the project root.
    reads, writes : tuple of str
        Paths relative to the wave's build folder (``raw``: the wave's input files).
    project_reads : tuple of str
        Files of the project, relative to its root, that the step also reads.
    lang : str or None
        For a handout step: its language (the step then also renders).
    """

    name: str
    notebook: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    project_reads: tuple[str, ...] = ()
    lang: str | None = None


STEPS = (
    Step("ingest", "notebooks/10-ingest.ipynb", ("raw",), ("tidy",)),
    Step("network", "notebooks/20-network.ipynb", ("tidy",), ("results/network.json",)),
    Step("core-periphery", "notebooks/30-core-periphery.ipynb", ("tidy",),
         ("results/structure.json", "results/members.csv", "results/key_players.csv",
          "results/core_composition.csv", "results/community_departments.csv", "results/contrasts.csv", "exports")),
    Step("departments", "notebooks/40-departments.ipynb", ("tidy",),
         tuple(f"results/{name}.csv" for name in ("department_densities", "role_densities", "ei_tests", "ei_rescaled",
                                                  "crossing_shares", "bridging_members", "unlinked_pairs"))),
    Step("external", "notebooks/50-external.ipynb", ("tidy", "results/structure.json"),
         tuple(f"results/{name}.csv" for name in ("external_means", "external_tests", "external_ratings"))),
)
COMPARE = Step("compare", "notebooks/60-compare.ipynb", ("tidy", "results/structure.json", "results/external_means.csv"),
               ("results/compare.json", *(f"results/compare_{n}.csv" for n in
                                          ("ties", "transitions", "movers", "crossing", "blocks", "external"))))
HANDOUT_NOTEBOOK = "report/handout.ipynb"
HANDOUT_READS = ("tidy", "results")
HANDOUT_PROJECT_READS = ("report/i18n", "report/discussion.yml", "_quarto.yml", "report/filters", "report/templates")


def handout_step(lang: str, formats: tuple[str, ...]) -> Step:
    """The handout step of one language: execute the handout notebook, then render it."""
    card = (f"handout/table-card-{lang}.pdf",) if "pdf" in formats else ()
    return Step(f"handout ({lang})", HANDOUT_NOTEBOOK, HANDOUT_READS,
                tuple(f"handout/handout-{lang}.{fmt}" for fmt in formats) + card, HANDOUT_PROJECT_READS, lang)


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def dependencies(steps: tuple[Step, ...]) -> dict[str, set[str]]:
    """Step name -> names of the steps it waits for (those writing something it reads).

    Raises
    ------
    ValueError
        Two steps write the same path, or the declarations form a cycle.
    """
    deps = {s.name: {o.name for o in steps if o is not s and any(_overlaps(r, w) for r in s.reads for w in o.writes)}
            for s in steps}
    for s in steps:
        for o in steps:
            if o is not s and any(_overlaps(a, b) for a in s.writes for b in o.writes):
                raise ValueError(f"steps {s.name!r} and {o.name!r} write the same path")
    done: set[str] = set()
    while len(done) < len(deps):
        ready = {n for n, d in deps.items() if n not in done and d <= done}
        if not ready:
            raise ValueError(f"the steps' reads and writes form a cycle: {sorted(set(deps) - done)}")
        done |= ready
    return deps


class StepFailed(SurveyError):
    """A notebook raised an error; the message names the notebook and the error."""


@dataclass
class StepResult:
    """How one step went: ``executed`` or ``cached``, and how long it took."""

    name: str
    status: str
    seconds: float


@dataclass
class RunReport:
    """What a run wrote and how each step went."""

    handouts: dict[str, Path] = field(default_factory=dict)
    steps: list[StepResult] = field(default_factory=list)

    def executed(self) -> list[str]:
        """Names of the steps that were executed (not taken from the cache)."""
        return [s.name for s in self.steps if s.status == "executed"]


def execute(nb: nbformat.NotebookNode, output: Path, root: Path, name: str, km=None) -> Path:
    """Execute an already parameterised notebook with papermill into ``output`` (atomically).

    ``km``: a started kernel's manager to execute in (:mod:`helpers.pipeline.pool`);
    None starts a kernel for the notebook.

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
    """Execute one step (and render it with ``engine``, for a handout step).

    :mod:`helpers.pipeline.pool` calls this with its warm kernel's manager ``km``;
    :mod:`helpers.pipeline.worker` without (a kernel of the step's own).
    """
    executed = execute(nb, output, root, name, km)
    if lang is not None:
        from helpers.pipeline.render import render

        folder = output.parents[1]
        render(executed, folder / "handout", formats=formats, lang=lang, name=f"handout-{lang}",
               metadata=handout.Handout(folder, lang).title_block(), engine=engine)
        if "pdf" in formats:
            from helpers.handout.tablecard import write_table_card

            seed = nb.metadata.get("papermill", {}).get("parameters", {}).get("seed", DEFAULT_SEED)
            write_table_card(folder, lang, seed, folder / "handout" / f"table-card-{lang}.pdf")
    return executed


class _Process:
    """One step executing in a process of its own (see :mod:`helpers.pipeline.worker`)."""

    def __init__(self, step: Step, nb: nbformat.NotebookNode, output: Path, root: Path, formats, scratch: Path,
                 lock: int | None = None, engine: str = "auto"):
        self.step, self.nb, self.output, self.started = step, nb, output, time.perf_counter()
        stem = scratch / (Path(step.notebook).stem + (f".{step.lang}" if step.lang else ""))
        self.job = Path(f"{stem}.job.json")
        nbformat.write(nb, f"{stem}.ipynb")
        self.job.write_text(json.dumps({"notebook": f"{stem}.ipynb", "output": str(output), "root": str(root),
                                        "name": step.name, "lang": step.lang, "formats": list(formats),
                                        "engine": engine}))
        self.log = open(f"{stem}.log", "wb")
        # the worker inherits the build folder's lock: should this process die, the folder
        # stays held until the step has finished writing
        self.process = subprocess.Popen([sys.executable, "-m", "helpers.pipeline.worker", str(self.job)], cwd=root,
                                        stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                        pass_fds=() if lock is None else (lock,))

    def result(self) -> Path:
        """The executed notebook; raises StepFailed with the step's own message if it failed."""
        self.log.close()
        if self.process.returncode == 0:
            return self.output
        error = Path(f"{self.job}.error")
        if error.exists():
            raise StepFailed(error.read_text(encoding="utf-8"))
        tail = Path(self.log.name).read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise StepFailed(f"step {self.step.name} stopped (exit code {self.process.returncode}):\n  "
                         + "\n  ".join(tail))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the worker unwinds as on Ctrl-C, removing its temporary files
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _executed_name(step: Step) -> str:
    return f"handout-{step.lang}.ipynb" if step.lang else Path(step.notebook).name


def _prepare(step: Step, params: dict, folder: Path, root: Path, spec, formats,
             engine: dict | None = None) -> tuple[nbformat.NotebookNode, str]:
    """The step's notebook, parameterised and keyed; and the key. A handout step's key and
    metadata (``forum_network.render``) carry the render ``engine`` and its version."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(root / step.notebook))  # as papermill reads it: every cell has metadata.tags
    if step.lang is not None:
        nb = handout.localise_cell_options(nb, step.lang)
        params = {**params, "lang": step.lang}
    files = [p for r in step.reads for p in (spec.input_files() if r == "raw" else [folder / r])]
    inputs = file_hashes(files, folder) | file_hashes([root / p for p in step.project_reads], root)
    extra = {"formats": list(formats), "render": engine} if step.lang else None
    if "raw" in step.reads:  # pseudonyms follow from the key: under another key, ingest runs again
        extra = {"key_fingerprint": fingerprint(load_secret())}
    key = run_key(nb, params, inputs, extra)
    if step.lang is not None:
        nb.metadata["forum_network"] = {"render": engine}
    # inject only what the notebook reads, so that another value of an unused parameter
    # leaves the notebook (and its cache entry) as it was
    nb = parameterize_notebook(nb, parameters_used(nb, params), kernel_name="python3", language="python")
    return with_key(nb, key), key


def previous_wave(spec, previous: str | Path | None = None, build: str | Path = "build"):
    """The wave to compare with, as ``(WaveSpec, build folder)``; None if there is none.

    ``previous`` if given, else the one ``wave.yml`` names. A name is looked up beside
    the wave's own folder first, then as :func:`helpers.paths.find_wave` does;
    ``"auto"`` means the latest earlier wave beside this one
    (:func:`helpers.ingest.wave.previous_by_date`), and none when there is no earlier one.

    Raises
    ------
    SurveyError
        The wave named cannot be found, or did not close before this one.
    """
    name = previous if previous is not None else spec.previous
    if name is None:
        return None
    if str(name) == AUTO_PREVIOUS:
        found = previous_by_date(spec)
        return None if found is None else io.locate(found, build)
    beside = spec.folder.parent / str(name)
    try:
        spec_a, folder_a = io.locate(beside if (beside / "wave.yml").is_file() else name, build)
    except SurveyError as exc:
        raise SurveyError(f"{spec.id} names {name!r} as its previous wave, but: {exc}") from exc
    if spec_a.date >= spec.date:
        raise SurveyError(f"{spec.id} (closed {spec.date}) cannot be compared with {spec_a.id} as its previous wave: "
                          f"that wave closed {spec_a.date}, not before")
    return spec_a, folder_a


def run(wave: str | Path, *, langs: tuple[str, ...] = ("da",), formats: tuple[str, ...] = FORMATS,
        build: str | Path = "build", seed: int = DEFAULT_SEED, use_cache: bool = True,
        jobs: int | None = None, previous: str | Path | None = None,
        progress: Callable[[StepResult], None] | None = None, engine: str = "auto") -> RunReport:
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
    use_cache : bool
        Reuse unchanged runs (see :mod:`helpers.pipeline.cache`); False executes every step (and
        still records the runs, so the next run can reuse them).
    jobs : int, optional
        Steps run at the same time (default: the number of cores).
    previous : str or Path, optional
        The wave to compare with (default: ``previous`` in ``wave.yml``). Its analysis is
        run first (from the cache if unchanged) and the handout gains "since last time".
    progress : callable, optional
        Called with each :class:`StepResult` as it finishes.
    engine : {"auto", "quarto", "builtin"}
        What renders the handout (:mod:`helpers.pipeline.render`); ``auto``: Quarto when
        it is on ``PATH``. The engine and its version are part of the handout steps'
        cache key and of the executed handout notebook's metadata.

    Returns
    -------
    RunReport

    Raises
    ------
    ValidationError
        The raw data has problems (nothing is written).
    StepFailed
        A notebook failed (outputs of other steps are left as they were).
    SurveyError
        Another run of the same wave is writing its build folder.
    """
    for lang in langs:
        check_lang(lang)
    if not formats and langs:
        raise SurveyError("no format given; choose from " + ", ".join(FORMATS))
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise SurveyError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    root = paths.project_root()
    renderer = engine_info(engine) if langs else None
    spec, folder = io.locate(wave, build)
    started = time.perf_counter()
    jobs = max(1, jobs or os.cpu_count() or 1)
    params = {"wave": str(spec.folder), "build": str(folder.parent), "seed": seed, "lang": (langs or ("da",))[0]}
    cache = _LazyCache(folder.parent / CACHE_FOLDER)  # --no-cache still records, so the next run can reuse
    # workers and their kernels start now, while the data is checked, unless nothing is to be
    # executed (then a pool is only started if a step turns out to need one after all)
    pools: list = []

    def pool():
        if not pools:
            from helpers.pipeline.pool import Pool

            pools.append(Pool(root, Path(tempfile.mkdtemp(prefix="forum-network-")), jobs))
        return pools[0]

    known = _all_cached(STEPS + tuple(handout_step(lang, tuple(formats)) for lang in langs), params, folder, root,
                        spec, formats, cache, renderer) if use_cache and cache.folder.is_dir() else None
    if known is None:
        pool()
    try:
        tidy = tidy_wave(spec)  # fail fast, with every problem listed, before any notebook starts
        report = RunReport()
        _note(report, progress, StepResult("validate", "checked", time.perf_counter() - started))
        steps = STEPS
        before = previous_wave(spec, previous, build)
        if before is not None:
            spec_a, folder_a = before
            run(spec_a.folder, langs=(), formats=formats, build=build, seed=seed, use_cache=use_cache, jobs=jobs,
                progress=lambda r: _note(report, progress, StepResult(f"{spec_a.id} {r.name}", r.status, r.seconds)))
            check_previous(folder_a / "tidy", spec_a.folder, load_secret(), spec_a.id)
            previous_reads = [folder_a / r for r in COMPARE.reads] + [spec_a.folder / VISIT_PAIRS_FILE]
            steps += (Step(COMPARE.name, COMPARE.notebook,
                           COMPARE.reads + tuple(os.path.relpath(r, folder) for r in previous_reads), COMPARE.writes),)
            params["previous"] = str(spec_a.folder)
        steps += tuple(handout_step(lang, tuple(formats)) for lang in langs)
        deps = dependencies(steps)
        _execute_steps(steps, deps, params, folder, root, spec, formats, cache, use_cache, pool, tidy,
                       report, progress, known or {}, renderer)
    except BaseException:
        for p in pools:  # a failed or stopped run does not wait for its workers' kernels
            p.close(kill=True)
        raise
    finally:
        for p in pools:
            p.close()
            shutil.rmtree(p.scratch, ignore_errors=True)
    for lang in langs:
        report.handouts.update({f"{lang}.{fmt}": folder / "handout" / f"handout-{lang}.{fmt}" for fmt in formats})
        if "pdf" in formats:
            report.handouts[f"{lang}.card"] = folder / "handout" / f"table-card-{lang}.pdf"
    return report


class _LazyCache:
    """The run cache, opened (and created) at first use, so a run refused on bad data writes nothing."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._cache = None

    def __getattr__(self, name):
        if self._cache is None:
            self._cache = RunCache(self.folder)
        return getattr(self._cache, name)


#: Ready steps start in this order: the longest chain first, the ingest notebook (whose
#: tables the run writes itself) last.
PRIORITY = ("core-periphery", "external", "departments", "network", "compare")


def _priority(name: str) -> tuple[int, str]:
    if name in PRIORITY:
        return PRIORITY.index(name), name
    return (len(PRIORITY) + 1 if name == "ingest" else len(PRIORITY)), name


def _all_cached(steps, params, folder, root, spec, formats, cache, renderer=None) -> dict | None:
    """Step name -> ``(notebook, key, cached notebook)`` if every step would be taken from the
    cache (the run then starts no worker and uses these look-ups), else None."""
    found = {}
    try:
        for step in steps:
            nb, key = _prepare(step, params, folder, root, spec, formats, renderer)
            hit = cache.lookup(nb, file_hashes([folder / w for w in step.writes], folder))
            if hit is None:
                return None
            found[step.name] = (nb, key, hit)
    except (OSError, SurveyError):
        return None
    return found


def _execute_steps(steps, deps, params, folder, root, spec, formats, cache, use_cache, pool, tidy,
                   report, progress, known, renderer=None) -> None:
    """Take steps from the cache or give them to the workers of ``pool()``, in dependency order.

    The ingest notebook's tables are written here from ``tidy`` (validated by the run), so
    the steps reading them start at once; the notebook itself runs last, for its tables.
    """
    from helpers.progress import Bars

    pending = {s.name: s for s in steps}
    running: dict[str, tuple] = {}  # step name -> (worker, step, nb, output)
    done: set[str] = set()
    bars = Bars()
    ingest = pending.get("ingest")
    if ingest is not None and "tidy" in ingest.writes and "ingest" not in known:
        nb, _ = _prepare(ingest, params, folder, root, spec, formats, renderer)
        if not (use_cache and cache.lookup(nb, file_hashes([folder / w for w in ingest.writes], folder))):
            # the run validated the data already: it writes the tidy tables itself, so the
            # steps that read them need not wait for the ingest notebook
            tidy_written = True
        else:
            tidy_written = False
    else:
        tidy_written = False
    with _hold(folder) as (lock, scratch):
        if tidy_written:
            io.write_tidy(tidy, folder / "tidy")
            deps = {n: d - {"ingest"} for n, d in deps.items()}
        workers = []  # the pool, once it holds the lock too

        def idle():
            if not workers:
                workers.append(pool())
                workers[0].hand_lock(lock)
            return workers[0].idle()

        try:
            while pending or running:
                ready = sorted((n for n, s in pending.items() if deps[n] <= done), key=_priority)
                for name in ready:
                    step = pending[name]
                    t0 = time.perf_counter()
                    if name in known:
                        nb, key, hit = known[name]
                    else:
                        nb, key = _prepare(step, params, folder, root, spec, formats, renderer)
                        hit = (cache.lookup(nb, file_hashes([folder / w for w in step.writes], folder))
                               if use_cache else None)
                    output = folder / "notebooks" / _executed_name(step)
                    if hit is not None:
                        pending.pop(name)
                        if notebook_key(output) != key:  # missing, half-written, or of another run
                            io.write_notebook(hit, output)
                        done.add(name)
                        _note(report, progress, StepResult(name, "cached", time.perf_counter() - t0))
                        continue
                    free = idle()
                    if not free:
                        break
                    pending.pop(name)
                    worker = free[0]
                    stem = scratch / (Path(step.notebook).stem + (f".{step.lang}" if step.lang else ""))
                    nbformat.write(nb, f"{stem}.ipynb")
                    worker.submit({"notebook": f"{stem}.ipynb", "output": str(output), "root": str(root),
                                   "name": step.name, "lang": step.lang, "formats": list(formats),
                                   "engine": renderer["engine"] if renderer else "auto"},
                                  Path(f"{stem}.job.json"))
                    running[name] = (worker, step, nb, output)
                finished = [n for n, (w, *_) in running.items() if w.finished()]
                if not finished:
                    for n, (w, *_) in running.items():
                        bars.update(n, w.started, w.progress_file)
                    time.sleep(0.05)
                    continue
                for name in finished:
                    worker, step, nb, output = running.pop(name)
                    bars.close(name)
                    code, message = worker.outcome()
                    if code != 0:
                        if message:
                            raise StepFailed(message)
                        raise StepFailed(f"step {step.name} stopped (exit code {code}):\n  "
                                         + "\n  ".join(worker.log_tail()))
                    cache.store(nb, nbformat.read(output, as_version=4), step.notebook,
                                file_hashes([folder / w for w in step.writes], folder))
                    done.add(name)
                    _note(report, progress, StepResult(name, "executed", time.perf_counter() - worker.started))
        finally:
            bars.close_all()
            if running:
                workers[0].close(kill=True)


@contextmanager
def _hold(folder: Path) -> Iterator[tuple[int, Path]]:
    """Hold a wave's build folder for one run: lock it, remove what killed runs left there,
    and give a scratch folder for the steps' job files; yields the lock's descriptor and
    the scratch folder."""
    with io.run_lock(folder) as lock:
        io.sweep(folder)
        try:
            with tempfile.TemporaryDirectory(prefix=".run-", dir=folder) as scratch:
                yield lock, Path(scratch)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the steps are stopped; leave no scratch behind
            io.sweep(folder)
            raise


def _note(report: RunReport, progress, result: StepResult) -> None:
    report.steps.append(result)
    if progress is not None:
        progress(result)
