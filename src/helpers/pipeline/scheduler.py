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
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

import nbformat

from helpers import handout, io, paths
from helpers.results.base import Result
from helpers.results.comparison import Comparison
from helpers.results.departments import Departments
from helpers.results.external import External
from helpers.results.network import Network
from helpers.results.structure import Structure
from helpers.results.tidy import Tidy
from helpers.errors import SurveyError
from helpers.ingest.keycheck import check_previous
from helpers.ingest.pseudonym import fingerprint, load_secret
from helpers.ingest.wave import VISIT_PAIRS_FILE, locate, previous_wave
from helpers.interrupt import raise_if_terminated
from helpers.lang import check_lang
from helpers.pipeline.worker import StepFailed, work  # noqa: F401  (work: what each step's process runs)
from helpers.pipeline import stamp
from helpers.pipeline.cache import RunCache, code_modules, file_hashes, notebook_key, parameters_used, run_key, with_key
from helpers.pipeline.defaults import CACHE_FOLDER, DEFAULT_SEED, FORMATS
from helpers.pipeline.render import engine_info

__all__ = ["DEFAULT_SEED", "FORMATS", "CACHE_FOLDER", "Step", "STEPS", "COMPARE",
           "HANDOUT_NOTEBOOK", "HANDOUT_READS", "HANDOUT_PROJECT_READS", "handout_step", "dependencies",
           "StepFailed", "StepResult", "RunReport", "run"]

STOP_SECONDS = 5
"""How long a stopped step may take to clean up before it is killed."""

#: Steps that take a few tenths of a second for a forum and draw no figure: for a wave of at
#: most :data:`IN_PROCESS_MEMBERS` members they run in the run's own process
#: (:mod:`helpers.pipeline.here`), which has imported pandas and networkx to validate the
#: data anyway, instead of costing a worker and its kernel seconds of CPU time.
IN_PROCESS = ("ingest", "network", "departments")
#: The largest wave whose :data:`IN_PROCESS` steps run in the run's own process (at 400
#: members the departments step takes about 0.3 s; at 5,000 members 6 s, for which the
#: run would not look at its workers).
IN_PROCESS_MEMBERS = 300


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


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

    @classmethod
    def of(cls, name: str, notebook: str, *results) -> "Step":
        """The step whose notebook computes and saves ``results`` (classes of :mod:`helpers.results`):
        it reads what the results' computations read, except what the step writes itself
        (a later result may read an earlier one's files), and writes the results' files.

        Parameters
        ----------
        name : str
            Shown in progress lines.
        notebook : str
            The notebook, relative to the project root.
        *results : type
            Result classes with ``reads()`` and ``files()``, in the order the notebook
            computes them.

        Returns
        -------
        Step
        """
        writes = tuple(f for result in results for f in result.files())
        reads = tuple(dict.fromkeys(r for result in results for r in result.reads()
                                    if not any(_overlaps(r, w) for w in writes)))
        return cls(name, notebook, reads, writes)


#: The analysis steps. The external ratings of core and periphery are computed by the
#: core-periphery step, which holds the core (:class:`External` reads it): a step of their
#: own cost a worker round, a kernel reset and imports after core-periphery, on the way to
#: the handout, for 0.2 s of work. ``notebooks/50-external.ipynb`` explores the saved tables.
STEPS = (
    Step.of("ingest", "notebooks/10-ingest.ipynb", Tidy),
    Step.of("network", "notebooks/20-network.ipynb", Network),
    Step.of("core-periphery", "notebooks/30-core-periphery.ipynb", Structure, External),
    Step.of("departments", "notebooks/40-departments.ipynb", Departments),
)
COMPARE = Step.of("compare", "notebooks/60-compare.ipynb", Comparison)
HANDOUT_NOTEBOOK = "report/handout.ipynb"
HANDOUT_READS = (Tidy.FOLDER, Result.FOLDER)
HANDOUT_PROJECT_READS = ("report/i18n", "report/discussion.yml", "_quarto.yml", "report/filters", "report/templates")


def handout_step(lang: str, formats: tuple[str, ...]) -> Step:
    """The handout step of one language: execute the handout notebook, then render it.

    Parameters
    ----------
    lang : {"da", "en"}
        The handout's language.
    formats : tuple of {"html", "pdf"}
        The formats rendered (with PDF also the table card).

    Returns
    -------
    Step
    """
    card = (f"handout/table-card-{lang}.pdf",) if "pdf" in formats else ()
    return Step(f"handout ({lang})", HANDOUT_NOTEBOOK, HANDOUT_READS,
                tuple(f"handout/handout-{lang}.{fmt}" for fmt in formats) + card, HANDOUT_PROJECT_READS, lang)


def dependencies(steps: tuple[Step, ...]) -> dict[str, set[str]]:
    """Step name -> names of the steps it waits for (those writing something it reads).

    Parameters
    ----------
    steps : tuple of Step
        The run's steps.

    Returns
    -------
    dict of str to set of str
        Step name -> the names of the steps it depends on.

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
    request: dict | None = None  # what the run was asked for, as its stamp records it (:mod:`helpers.pipeline.stamp`)

    def executed(self) -> list[str]:
        """Names of the steps that were executed (not taken from the cache)."""
        return [s.name for s in self.steps if s.status == "executed"]


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


def run(wave: str | Path, *, langs: tuple[str, ...] = ("da",), formats: tuple[str, ...] = FORMATS,
        build: str | Path = "build", seed: int = DEFAULT_SEED, use_cache: bool = True,
        jobs: int | None = None, previous: str | Path | None = None,
        progress: Callable[[StepResult], None] | None = None, engine: str = "auto", pool=None) -> RunReport:
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
        Most workers, each with a kernel, running steps at the same time (default: the
        number of cores). For a forum-sized wave the run starts one, and a second only
        for a second handout language on a machine with a core to spare: the short
        steps run in the run's own process (:data:`IN_PROCESS`).
    previous : str or Path, optional
        The wave to compare with (default: ``previous`` in ``wave.yml``). Its analysis is
        run first (from the cache if unchanged) and the handout gains "since last time".
    progress : callable, optional
        Called with each :class:`StepResult` as it finishes.
    engine : {"auto", "quarto", "builtin"}
        What renders the handout (:mod:`helpers.pipeline.render`); ``auto``: Quarto when
        it is on ``PATH``. The engine and its version are part of the handout steps'
        cache key and of the executed handout notebook's metadata.
    pool : helpers.pipeline.pool.Pool, optional
        Workers started ahead by the caller (:func:`helpers.pipeline.pool.start`, before
        importing this module): the run takes them over and closes them.

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
    _check_options(langs, formats)
    root = paths.project_root()
    spec, folder = locate(wave, build)
    report = RunReport()
    note = lambda result: _note(report, progress, result)  # noqa: E731
    params = stamp.run_parameters(spec, folder, seed, tuple(langs))
    plan = _Plan(spec, folder, root, params, tuple(formats), folder.parent / CACHE_FOLDER, use_cache,
                 max(1, jobs or os.cpu_count() or 1), engine_info(engine) if langs else None)
    if pool is not None:
        plan.__dict__["pool"] = pool  # the cached property's value
    if use_cache:  # nothing changed since the last run: every step would come from the cache
        unchanged = stamp.unchanged(wave, langs=tuple(langs), formats=tuple(formats), build=build, seed=seed,
                                    previous=previous, renderer=plan.renderer)
        if unchanged is not None:
            for name in unchanged:
                note(StepResult(name, "cached", 0.0))
            report.request = stamp.recorded_request(folder)
            report.handouts.update(_handouts(folder, langs, formats))
            plan.close()
            return report
    if not (use_cache and plan.cache_folder.is_dir()):
        plan.pool  # a cold run: the first worker and its kernel start now, while the data is checked
    try:
        tidy = _validate(plan, note)  # fail fast, with every problem listed, before anything is written
        with _hold(folder) as (lock, scratch):
            plan.lock = lock
            if tidy is not None:
                tidy.save(folder)  # the ingest notebook reads these instead of ingesting again
                plan.tidy_saved = True
            steps = STEPS + _compare_steps(plan, previous, build, note) + tuple(handout_step(lang, plan.formats)
                                                                                for lang in langs)
            _arrange(plan, steps, tidy)
            _run_steps(plan, steps, note, lock, scratch)
            report.request = stamp.request(spec, folder, plan.params, langs, plan.formats, plan.renderer,
                                           plan.previous_request)
            stamp.write_stamp(folder, report.request, plan.records.values())
    except BaseException:
        plan.close(kill=True)  # a failed or stopped run does not wait for its workers' kernels
        raise
    finally:
        plan.close()
    report.handouts.update(_handouts(folder, langs, formats))
    return report


@dataclass
class _Plan:
    """What every step of one run shares: the wave, its folders, parameters, formats and cache."""

    spec: object
    folder: Path
    root: Path
    params: dict
    formats: tuple[str, ...]
    cache_folder: Path
    use_cache: bool
    jobs: int
    renderer: dict | None = None  # the render engine and its version (:func:`helpers.pipeline.render.engine_info`)
    lock: int | None = None  # the build folder's lock, once held
    tidy_saved: bool = False  # the run wrote the tidy tables itself
    records: dict = field(default_factory=dict)  # step name -> stamp.StepFiles
    previous_request: dict | None = None  # the request of the previous wave's run, when compared
    workers: int = 1  # workers the run's steps get (:func:`_arrange`)
    here: frozenset = frozenset()  # names of the steps run in this process (:data:`IN_PROCESS`)

    @cached_property
    def pool(self):
        """Workers with warm kernels (:mod:`helpers.pipeline.pool`), started at first use."""
        from helpers.pipeline.pool import start

        pool = start(self.root, self.workers)
        if self.lock is not None:
            pool.hand_lock(self.lock)
        return pool

    def close(self, kill: bool = False) -> None:
        """Let the workers go (if any were started)."""
        if "pool" in self.__dict__:
            self.__dict__["pool"].close(kill=kill)

    @cached_property
    def cache(self) -> RunCache:
        """The run cache, opened (and created) at first use; ``--no-cache`` still records."""
        return RunCache(self.cache_folder)

    def prepare(self, step: Step) -> tuple[nbformat.NotebookNode, str]:
        """The step's notebook, parameterised and keyed; and the key."""
        return _prepare(step, self.params, self.folder, self.root, self.spec, self.formats, self.renderer)

    def cached(self, step: Step, nb: nbformat.NotebookNode):
        """The step's cached run if it can be reused, else None."""
        if not self.use_cache:
            return None
        return self.cache.lookup(nb, file_hashes([self.folder / w for w in step.writes], self.folder))


def _check_options(langs: tuple[str, ...], formats: tuple[str, ...]) -> None:
    """Refuse an unknown language or format, and languages without a format."""
    for lang in langs:
        check_lang(lang)
    if not formats and langs:
        raise SurveyError("no format given; choose from " + ", ".join(FORMATS))
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise SurveyError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")


def _validate(plan: _Plan, note) -> Tidy | None:
    """Validate and tidy the raw export, once; None when the ingest step can be taken from the cache.

    Every problem of the raw data is listed (ValidationError) before anything is written
    or any notebook starts. The run then writes the tidy tables, and the ingest notebook
    reads them (:meth:`helpers.results.tidy.Tidy.ingest`) instead of ingesting again.
    """
    if plan.use_cache and plan.cache_folder.is_dir():  # else nothing can be cached, and nothing is created
        step = STEPS[0]
        nb, _ = plan.prepare(step)
        if plan.cached(step, nb) is not None:
            return None
    started = time.perf_counter()
    tidy = Tidy.compute(plan.spec)
    note(StepResult("validate", "checked", time.perf_counter() - started))
    return tidy


def _compare_steps(plan: _Plan, previous, build, note) -> tuple[Step, ...]:
    """The compare step when the wave has a previous one, after running that wave's analysis
    (from the cache if unchanged); none otherwise."""
    before = previous_wave(plan.spec, previous, build)
    if before is None:
        return ()
    spec_a, folder_a = before
    report_a = run(spec_a.folder, langs=(), formats=plan.formats, build=build, seed=plan.params["seed"],
                   use_cache=plan.use_cache, jobs=plan.jobs,
                   progress=lambda r: note(StepResult(f"{spec_a.id} {r.name}", r.status, r.seconds)))
    plan.previous_request = report_a.request
    tidy_a = Tidy.load(folder_a)
    check_previous(tidy_a.meta, tidy_a.members["member_id"], spec_a.folder, load_secret(), spec_a.id)
    # the previous wave's own compared layout (when it was compared) continues into this one's Figure 1
    previous_reads = ([folder_a / r for r in COMPARE.reads] + [folder_a / Comparison.file("compare_layout")]
                      + [spec_a.folder / VISIT_PAIRS_FILE])
    plan.params["previous"] = str(spec_a.folder)
    return (Step(COMPARE.name, COMPARE.notebook,
                 COMPARE.reads + tuple(os.path.relpath(r, plan.folder) for r in previous_reads), COMPARE.writes),)


def _members(folder: Path, tidy: Tidy | None) -> int | None:
    """The wave's number of members, from its tidy tables (None if they cannot be read)."""
    if tidy is None:
        try:
            tidy = Tidy.load(folder)
        except (SurveyError, OSError):
            return None
    return len(tidy.members)


def _load() -> float:
    """The load average of the last minute (0 where the system does not tell)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def _arrange(plan: _Plan, steps: tuple[Step, ...], tidy: Tidy | None) -> None:
    """Decide where the steps run: which in this process, and how many workers the others get.

    A wave of at most :data:`IN_PROCESS_MEMBERS` members runs its :data:`IN_PROCESS`
    steps here and gets one worker, for the chain core-periphery -> (compare ->) handout;
    a second only when two handout steps can run side by side and the machine has a core
    to spare (load average at most the number of cores less one): on a busy machine a
    second kernel's start and imports cost more CPU time than the steps it would take.
    A larger wave gets ``plan.jobs`` workers. A pool already started grows to the number.
    A run inside an IPython shell (JupyterLab) runs no step here (:func:`here.available`)
    and gets ``plan.jobs`` workers, as a larger wave does.
    """
    from helpers.pipeline import here

    members = _members(plan.folder, tidy)
    small = members is not None and members <= IN_PROCESS_MEMBERS and here.available()
    plan.here = frozenset(s.name for s in steps if small and s.name in IN_PROCESS)
    if small:
        handouts = sum(1 for s in steps if s.lang is not None)
        cores = os.cpu_count() or 1
        spare = handouts >= 2 and _load() <= cores - 1
        plan.workers = min(plan.jobs, 2 if spare else 1)
    else:
        plan.workers = plan.jobs
    if "pool" in plan.__dict__:
        plan.pool.grow(plan.workers)


def _run_steps(plan: _Plan, steps: tuple[Step, ...], note, lock: int, scratch: Path) -> None:
    """Run the steps in dependency order, up to ``plan.workers`` at once in workers (and those
    of ``plan.here`` one at a time in this process), each from the cache if it can be."""
    from helpers.progress import Bars

    deps = dependencies(steps)
    if plan.tidy_saved:  # the run wrote the tidy tables: nobody waits for the ingest notebook
        deps = {n: d - {STEPS[0].name} for n, d in deps.items()}
    if "pool" in plan.__dict__ and plan.pool.lock is None:
        plan.pool.hand_lock(lock)
    pending = {s.name: s for s in steps}
    running: list[_Job] = []
    finished: list[_Job] = []  # through, not yet recorded in the cache
    done: set[str] = set()
    bars = Bars()
    try:
        while pending or running or finished:
            raise_if_terminated()  # a SIGTERM whose exception a finaliser swallowed
            ready = sorted((n for n in pending if deps[n] <= done), key=_priority)
            # the workers' steps first; then one step here, after which the workers are looked at again
            for name in [n for n in ready if n not in plan.here] + [n for n in ready if n in plan.here][:1]:
                if name not in plan.here and len(running) >= plan.workers:
                    continue
                step = pending.pop(name)
                job = _start(plan, step, note, lock, scratch,
                             last=not any(n not in plan.here for n in pending))
                if job is None:
                    done.add(name)
                else:
                    running.append(job)
            if not pending and "pool" in plan.__dict__:  # workers with nothing left to do go now
                for worker in plan.pool.idle():
                    worker.release()
            # recorded after the steps they made ready were started: the cache's writing
            # is not on the critical path
            for job in finished:
                _finish(plan, job, note)
            finished = [j for j in running if j.worker.finished()]
            if not finished and not running:  # steps served from the cache made others ready
                continue
            if not finished:
                for j in running:
                    bars.update(j.step.name, j.started, j.worker.progress_file)
                time.sleep(0.05)
                continue
            failed = None
            for job in finished:
                running.remove(job)
                bars.close(job.step.name)
                try:
                    job.executed = job.result()
                except StepFailed as exc:
                    failed = failed or exc
                    continue
                job.seconds = time.perf_counter() - job.started
                plan.records[job.step.name].finish()
                done.add(job.step.name)
            if failed is not None:  # the steps that finished with it are kept in the cache
                for job in finished:
                    if job.executed is not None:
                        _finish(plan, job, note)
                raise failed
    finally:
        bars.close_all()
        if running:
            plan.close(kill=True)


#: Ready steps start in this order: the longest chain first, the ingest notebook (whose
#: tables the run writes itself) last.
PRIORITY = ("core-periphery", "compare", "departments", "network")


def _priority(name: str) -> tuple[int, str]:
    if name in PRIORITY:
        return PRIORITY.index(name), name
    return (len(PRIORITY) + 1 if name == STEPS[0].name else len(PRIORITY)), name


@dataclass
class _Job:
    """A step given to a worker of the run's pool."""

    step: Step
    nb: nbformat.NotebookNode
    output: Path
    worker: object
    started: float
    executed: Path | None = None  # the executed notebook, once the step finished
    seconds: float = 0.0  # from giving it to a worker until it finished

    def result(self) -> Path:
        """The executed notebook; raises StepFailed with the step's own message if it failed."""
        code, message = self.worker.outcome()
        if code == 0:
            return self.output
        if message:
            raise StepFailed(message)
        raise StepFailed(f"step {self.step.name} stopped (exit code {code}):\n  " + "\n  ".join(self.worker.log_tail()))


class _Here:
    """A step executed in the run's own process (:mod:`helpers.pipeline.here`), seen as a
    worker that has finished its job."""

    progress_file = None

    def __init__(self, nb: nbformat.NotebookNode, output: Path, root: Path, name: str):
        from helpers.pipeline import here

        self.started = time.perf_counter()
        self.message = None
        try:
            here.execute(nb, output, root, name)
        except StepFailed as exc:
            self.message = str(exc)

    def finished(self) -> bool:
        return True

    def outcome(self) -> tuple[int, str | None]:
        return (0, None) if self.message is None else (1, self.message)

    def log_tail(self) -> list[str]:
        return []


def _start(plan: _Plan, step: Step, note, lock: int, scratch: Path, last: bool = False) -> "_Job | None":
    """Serve a step from the cache (None), execute it here (``plan.here``), or give it to an
    idle worker of the pool (``last``: no other step will follow it there)."""
    t0 = time.perf_counter()
    nb, key = plan.prepare(step)
    output = plan.folder / "notebooks" / _executed_name(step)
    plan.records[step.name] = _step_files(plan, step, nb, output)
    hit = plan.cached(step, nb)
    if hit is None and step.name in plan.here:
        here = _Here(nb, output, plan.root, step.name)
        return _Job(step, nb, output, here, here.started)
    if hit is None:
        worker = plan.pool.idle()[0]
        stem = scratch / (Path(step.notebook).stem + (f".{step.lang}" if step.lang else ""))
        nbformat.write(nb, f"{stem}.ipynb")
        worker.submit({"notebook": f"{stem}.ipynb", "output": str(output), "root": str(plan.root),
                       "name": step.name, "lang": step.lang, "formats": list(plan.formats),
                       "engine": plan.renderer["engine"] if plan.renderer else "auto", "last": last},
                      Path(f"{stem}.job.json"))
        return _Job(step, nb, output, worker, worker.started)
    if notebook_key(output) != key:  # missing, half-written, or of another run
        io.write_notebook(hit, output)
    plan.records[step.name].finish()
    note(StepResult(step.name, "cached", time.perf_counter() - t0))
    return None


def _finish(plan: _Plan, proc: "_Job", note) -> None:
    """Record a step that finished (:meth:`_Job.result` checked it) in the cache."""
    plan.cache.store(proc.nb, nbformat.read(proc.executed, as_version=4), proc.step.notebook,
                     file_hashes([plan.folder / w for w in proc.step.writes], plan.folder))
    note(StepResult(proc.step.name, "executed", proc.seconds))


def _step_files(plan: _Plan, step: Step, nb: nbformat.NotebookNode, output: Path) -> stamp.StepFiles:
    """What the step's result depends on and what it writes, for the run's stamp."""
    reads = [p for r in step.reads for p in (plan.spec.input_files() if r == "raw" else [plan.folder / r])]
    inputs = [plan.root / step.notebook, *reads, *(plan.root / p for p in step.project_reads)]
    modules = code_modules([c.source for c in nb.cells if c.cell_type == "code"])
    return stamp.StepFiles(step.name, plan.root, inputs, modules, [*(plan.folder / w for w in step.writes), output])


def _handouts(folder: Path, langs: tuple[str, ...], formats: tuple[str, ...]) -> dict[str, Path]:
    """The handout files a run wrote, keyed ``<lang>.<format>`` (and ``<lang>.card``)."""
    out = {}
    for lang in langs:
        out.update({f"{lang}.{fmt}": folder / "handout" / f"handout-{lang}.{fmt}" for fmt in formats})
        if "pdf" in formats:
            out[f"{lang}.card"] = folder / "handout" / f"table-card-{lang}.pdf"
    return out


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
