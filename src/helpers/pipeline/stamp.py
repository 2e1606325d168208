"""The unchanged rerun's shortcut: a run's stamp, checked before anything heavy is imported.

A run that finished records a stamp beside the run cache
(``<build>/.jupyter_cache/stamps/<wave>.json``): what was asked for (parameters,
languages, formats, the render engine and its version, the pseudonym key's fingerprint,
the previous wave), and for every step the SHA-256 of everything its cache key depends
on (its notebook file, the files it reads, the project files it reads, the source of every
``helpers`` module its notebook imports, followed through their imports) and of
everything it wrote (its outputs and its executed notebook).

:func:`unchanged` compares a new request and the files as they are now with the stamp.
When everything is byte for byte the same, every step would be taken from the cache, so
the run has nothing to do and the command can say so without importing the scheduler,
papermill, jupyter-cache or pandas (an unchanged rerun from the command line in a few
tenths of a second). Any difference (a file, a setting, a missing stamp, another run
holding the wave's folder, an unreadable stamp) answers None, and the ordinary run
decides step by step from the cache, as before. The stamp never decides that something
is unchanged that the cache key would call changed: it covers the same inputs, keyed by
the same module discovery (:func:`helpers.pipeline.cache.code_modules`), plus the outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

from helpers.pipeline.defaults import CACHE_FOLDER

__all__ = ["STAMP_VERSION", "LOCK_FILE", "stamp_path", "request", "run_parameters", "unchanged", "write_stamp",
           "recorded_request", "forget", "StepFiles"]

STAMP_VERSION = 1
LOCK_FILE = ".lock"
"""The name of a wave folder's lock file (:data:`helpers.io.LOCK_FILE`; a test keeps them equal)."""


def stamp_path(folder: Path) -> Path:
    """Where the stamp of the wave built in ``folder`` is kept (beside the shared run cache).

    Parameters
    ----------
    folder : Path
        The wave's build folder.

    Returns
    -------
    Path
    """
    folder = Path(folder)
    return folder.parent / CACHE_FOLDER / "stamps" / f"{folder.name}.json"


def request(spec, folder: Path, params: dict, langs: Iterable[str], formats: Iterable[str],
            renderer: dict | None, previous: dict | None) -> dict:
    """What a run was asked for, as recorded in its stamp and compared by :func:`unchanged`.

    Parameters
    ----------
    spec : WaveSpec
        The wave (:func:`helpers.ingest.wave.locate`).
    folder : Path
        Its build folder.
    params : dict
        The notebooks' parameters.
    langs, formats : iterable of str
        Handout languages and formats.
    renderer : dict or None
        The render engine and its version (:func:`helpers.pipeline.render.engine_info`);
        None without a handout.
    previous : dict or None
        The request of the previous wave's run (compared as well), or None.

    Returns
    -------
    dict
    """
    from helpers import __version__
    from helpers.ingest.pseudonym import fingerprint, load_secret

    return {"stamp": STAMP_VERSION, "helpers": __version__, "wave": str(spec.folder), "folder": str(folder),
            "params": {k: params[k] for k in sorted(params)}, "langs": list(langs), "formats": list(formats),
            "renderer": renderer, "key": fingerprint(load_secret()), "previous": previous}


def _hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return "missing"


def _files(paths: Iterable[str], base: Path) -> dict[str, str]:
    """SHA-256 of every file under ``paths`` (relative to ``base``; folders recursively, hidden
    files inside them skipped, a missing path as ``"missing"``), as the cache hashes them."""
    from helpers.pipeline.cache import file_hashes

    return file_hashes([base / p for p in paths], base)


def _modules(names: Iterable[str]) -> dict[str, str]:
    """SHA-256 of the source of ``helpers`` modules (dotted names below ``helpers``; ``__init__``:
    the package's own), found where the cache looks for them."""
    from helpers.pipeline import cache

    return {name: _hash(cache.HELPERS / "__init__.py" if name == "__init__" else cache._module_file(name))
            for name in names}


class StepFiles:
    """What one step's result depends on and what it wrote, as recorded in the stamp.

    Parameters
    ----------
    name : str
        The step.
    root : Path
        The project root; paths are kept relative to it.
    inputs : iterable of Path
        The step's notebook, the files and folders it reads and the project files it reads.
    modules : iterable of str
        The ``helpers`` modules its notebook imports (:func:`helpers.pipeline.cache.code_modules`).
    outputs : iterable of Path
        What it writes, and its executed notebook.
    """

    def __init__(self, name: str, root: Path, inputs: Iterable[Path], modules: Iterable[str],
                 outputs: Iterable[Path]):
        self.name, self.root = name, Path(root)
        rel = lambda p: os.path.relpath(os.path.normpath(p), self.root)  # noqa: E731
        self.input_paths = sorted({rel(p) for p in inputs})
        self.output_paths = sorted({rel(p) for p in outputs})
        self.modules = sorted({"__init__", *modules})
        self.inputs = _files(self.input_paths, self.root)  # as the step was prepared
        self.code = _modules(self.modules)
        self.outputs: dict[str, str] = {}

    def finish(self) -> None:
        """Hash the outputs, once the step's outputs are in place."""
        self.outputs = _files(self.output_paths, self.root)

    def record(self) -> dict:
        """The step's entry in the stamp."""
        return {"name": self.name, "input_paths": self.input_paths, "inputs": self.inputs, "code": self.code,
                "output_paths": self.output_paths, "outputs": self.outputs}


def write_stamp(folder: Path, req: dict, steps: Iterable[StepFiles]) -> Path:
    """Record a finished run (atomically: a reader sees the previous stamp or this one).

    Parameters
    ----------
    folder : Path
        The wave's build folder.
    req : dict
        What the run was asked for (:func:`request`).
    steps : iterable of StepFiles
        Every step of the run, finished.

    Returns
    -------
    Path
        The stamp.
    """
    target = stamp_path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"request": req, "steps": [s.record() for s in steps]}, fh, sort_keys=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def recorded_request(folder: Path) -> dict | None:
    """The request recorded in the stamp of the wave built in ``folder``; None without a stamp.

    Parameters
    ----------
    folder : Path
        The wave's build folder.

    Returns
    -------
    dict or None
    """
    try:
        return json.loads(stamp_path(folder).read_text(encoding="utf-8"))["request"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget(folder: Path) -> None:
    """Remove the stamp of the wave built in ``folder`` (a run is about to change its outputs)."""
    stamp_path(folder).unlink(missing_ok=True)


def _held(folder: Path) -> bool:
    """Whether another run holds the wave's build folder (its lock is taken)."""
    try:
        import fcntl
    except ImportError:  # no locks (Windows): take no shortcut
        return True
    try:
        fd = os.open(Path(folder) / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return False  # never locked: no run holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _still(folder: Path, req: dict, root: Path) -> list[str] | None:
    """The steps of the stamp of ``folder`` if it matches ``req`` and every file as recorded, else None."""
    path = stamp_path(folder)
    if not path.is_file() or _held(folder):
        return None
    stamp = json.loads(path.read_text(encoding="utf-8"))
    if stamp.get("request") != json.loads(json.dumps(req)):
        return None
    names = []
    for step in stamp["steps"]:
        if (_modules(step["code"]) != step["code"] or _files(step["input_paths"], root) != step["inputs"]
                or _files(step["output_paths"], root) != step["outputs"]):
            return None
        names.append(step["name"])
    return names


def unchanged(wave, *, langs: tuple[str, ...] = ("da",), formats: tuple[str, ...] = ("html", "pdf"),
              build="build", seed: int | None = None, engine: str = "auto", previous=None,
              renderer: dict | None = None) -> list[str] | None:
    """The steps of a run that would take every step from the cache, or None if any may run.

    Takes the same arguments as :func:`helpers.pipeline.scheduler.run`. Steps of the previous
    wave's run come first, named ``"<wave id> <step>"`` as the run's progress names them.

    Parameters
    ----------
    wave : str or Path
        Wave id or folder.
    langs, formats : tuple of str
        Handout languages and formats.
    build : str or Path
        The build folder.
    seed : int, optional
        The seed (default: the pipeline's).
    engine : {"auto", "quarto", "builtin"}
        The render engine asked for.
    previous : str or Path, optional
        The wave to compare with (default: ``previous`` in ``wave.yml``).
    renderer : dict, optional
        The engine's :func:`helpers.pipeline.render.engine_info`, if already known.

    Returns
    -------
    list of str or None
        The step names, in the order they were recorded; None when anything differs or
        cannot be checked (the ordinary run then decides).
    """
    try:
        return _unchanged(wave, tuple(langs), tuple(formats), build, seed, engine, previous, renderer)
    except Exception:  # anything unexpected: no shortcut, the ordinary run decides (and reports)
        return None


def _unchanged(wave, langs, formats, build, seed, engine, previous, renderer) -> list[str] | None:
    from helpers import paths
    from helpers.pipeline.defaults import DEFAULT_SEED

    if renderer is None and langs:
        from helpers.pipeline.render import engine_info

        renderer = engine_info(engine)
    checked = _check(wave, langs, formats, build, DEFAULT_SEED if seed is None else seed,
                     renderer if langs else None, previous, paths.project_root())
    return None if checked is None else checked[0]


def _check(wave, langs, formats, build, seed, renderer, previous, root) -> tuple[list[str], dict] | None:
    """The recorded steps (the previous wave's first) and the request of one run, if unchanged."""
    from helpers.ingest.wave import locate, previous_wave

    spec, folder = locate(wave, build)
    before = previous_wave(spec, previous, build)
    names: list[str] = []
    prev_req = None
    params = run_parameters(spec, folder, seed, langs)
    if before is not None:  # the run first runs the previous wave's analysis (no handout)
        checked = _check(before[0].folder, (), formats, build, seed, None, None, root)
        if checked is None:
            return None
        names += [f"{before[0].id} {n}" for n in checked[0]]
        prev_req = checked[1]
        params["previous"] = str(before[0].folder)
    req = request(spec, folder, params, langs, formats, renderer, prev_req)
    steps = _still(folder, req, root)
    if steps is None:
        return None
    return names + steps, req


def run_parameters(spec, folder: Path, seed: int, langs: tuple[str, ...]) -> dict:
    """The notebooks' parameters of a run (as :func:`helpers.pipeline.scheduler.run` sets them).

    Parameters
    ----------
    spec : WaveSpec
        The wave.
    folder : Path
        Its build folder.
    seed : int
        The seed.
    langs : tuple of str
        Handout languages.

    Returns
    -------
    dict
    """
    return {"wave": str(spec.folder), "build": str(Path(folder).parent), "seed": seed, "lang": (langs or ("da",))[0]}
