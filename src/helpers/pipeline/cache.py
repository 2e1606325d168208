"""Reuse notebook runs whose inputs have not changed.

A pipeline step (a notebook) is reused only when all of these are unchanged:

- the notebook's code (jupyter-cache hashes its code cells);
- the parameters the notebook actually uses (names read outside its parameters cell);
- the content (SHA-256) of every data file the step declares it reads;
- the source of every ``helpers`` module the notebook imports, followed through the
  modules' own imports, and the ``helpers`` version;
- and the outputs the step wrote last time are still there, byte for byte.

All of that except the notebook's own code goes into a key that is written as a comment
into the notebook's injected-parameters cell, so that jupyter-cache's notebook hash
covers it. A run is recorded in the cache only after it finished and its outputs were
written, so an interrupted run is never reused. Runs of several waves may share one
cache: every access holds a lock file beside it (``.jupyter_cache.lock``), and a
database left damaged by a killed run is started afresh. Quarto's own freeze and cache
do not see data files; this does.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import nbformat

from helpers import __version__
from helpers.paths import HELPERS

__all__ = ["KEY_PREFIX", "file_hashes", "code_modules", "code_version", "parameters_used", "run_key", "with_key",
           "notebook_key", "RunCache"]

try:
    import fcntl
except ImportError:  # Windows: no lock (runs sharing a cache must not overlap there)
    fcntl = None

KEY_PREFIX = "# cache key: "


def file_hashes(paths: Iterable[Path], base: Path) -> dict[str, str]:
    """SHA-256 of every file under ``paths`` (folders recursively), keyed by path relative to ``base``.

    Paths outside ``base`` (a previous wave's results, a file beside its raw data) are
    keyed as ``../``-relative paths. Hidden files inside a folder (temporary files of
    atomic writes) are skipped; a missing path is recorded as ``"missing"``, so that the
    file's appearing later changes the result.

    Examples
    --------
    >>> file_hashes([Path("build/w/../v/visits.csv")], Path("build/w"))
    {'../v/visits.csv': 'missing'}
    """
    out: dict[str, str] = {}
    for path in paths:
        path = Path(os.path.normpath(path))
        if path.is_dir():
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            files = [path]
        for file in files:
            rel = Path(os.path.relpath(file, base)).as_posix()
            out[rel] = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "missing"
    return out


def _parse(source: str) -> ast.Module:
    """Parse notebook code, leaving out IPython magics and shell lines."""
    return ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))


@lru_cache(maxsize=4096)
def _module_imports(source: str, package_modules: frozenset[str], here: str = "") -> frozenset[str]:
    """The ``helpers`` modules a piece of code imports, as dotted names below ``helpers``.

    ``here`` is the dotted name of the module the code belongs to (for relative imports).
    A package's ``__init__`` counts as the module named after the package. Remembered per
    source text: a run asks for the same modules once per step.
    """
    found: set[str] = set()

    def add(dotted: str, names: Iterable[str] = ()) -> None:
        for name in names:
            if f"{dotted}.{name}".strip(".") in package_modules:
                found.add(f"{dotted}.{name}".strip("."))
        while dotted:
            if dotted in package_modules:
                found.add(dotted)
            dotted = dotted.rpartition(".")[0]

    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "helpers":
                    add(alias.name.partition(".")[2])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: -node.level] if here else []
                dotted = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "helpers":
                dotted = node.module.partition(".")[2]
            else:
                continue
            add(dotted, [a.name for a in node.names])
    return frozenset(found)


def _module_file(name: str) -> Path:
    """The source file of the ``helpers`` module ``name`` (dotted, below ``helpers``)."""
    path = HELPERS.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


@lru_cache(maxsize=None)
def _package_modules() -> frozenset[str]:
    names = set()
    for path in HELPERS.rglob("*.py"):
        parts = path.relative_to(HELPERS).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            names.add(".".join(parts))
    return frozenset(names)


def code_modules(sources: Iterable[str]) -> list[str]:
    """The ``helpers`` modules that code imports, followed through their own imports.

    Modules are named by their dotted path below ``helpers``.

    Examples
    --------
    >>> code_modules(["from helpers.analysis import network"])
    ['analysis', 'analysis.network']
    """
    modules = _package_modules()
    todo = set().union(*(_module_imports(s, modules) for s in sources))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo |= _module_imports(_module_file(name).read_text(encoding="utf-8"), modules, name) - seen
    return sorted(seen)


def code_version(modules: Iterable[str]) -> str:
    """SHA-256 over the helpers version and the source of ``modules`` (and ``__init__``).

    Parameters
    ----------
    modules : iterable of str
        ``helpers`` modules as dotted names below ``helpers`` (:func:`code_modules`).

    Returns
    -------
    str
        The hex digest.
    """
    h = hashlib.sha256(__version__.encode())
    for name in ["__init__", *sorted(modules)]:
        path = HELPERS / "__init__.py" if name == "__init__" else _module_file(name)
        h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def parameters_used(nb: nbformat.NotebookNode, parameters: dict) -> dict:
    """The parameters a notebook reads outside its ``parameters`` cell.

    A notebook that never reads ``seed`` (say) is not rerun when only the seed changes.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    parameters : dict
        Every parameter of the run.

    Returns
    -------
    dict
        The parameters whose names the notebook's other code cells use, sorted by name.
    """
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        names |= {n.id for n in ast.walk(_parse(cell.source)) if isinstance(n, ast.Name)}
    return {k: v for k, v in sorted(parameters.items()) if k in names}


def run_key(nb: nbformat.NotebookNode, parameters: dict, inputs: dict[str, str], extra: dict | None = None) -> str:
    """The key of one run: used parameters, input hashes, code version and ``extra`` settings.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The step's notebook.
    parameters : dict
        Every parameter of the run (only those the notebook uses count).
    inputs : dict of str to str
        Input file -> SHA-256 (:func:`file_hashes`).
    extra : dict, optional
        Further settings that change the result (formats, render engine, key fingerprint).

    Returns
    -------
    str
        The hex digest.
    """
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    payload = {
        "parameters": parameters_used(nb, parameters),
        "inputs": inputs,
        "code": code_version(code_modules(code)),
        "extra": extra or {},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def with_key(nb: nbformat.NotebookNode, key: str) -> nbformat.NotebookNode:
    """Write the run key into the injected-parameters cell (or a cell of its own), so the notebook hash covers it.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The parameterised notebook; changed in place.
    key : str
        The run key (:func:`run_key`).

    Returns
    -------
    nbformat.NotebookNode
        ``nb``.
    """
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = f"{KEY_PREFIX}{key}\n{cell.source}"
            return nb
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"{KEY_PREFIX}{key}"))
    return nb


def notebook_key(path: Path) -> str | None:
    """The run key written into a notebook file by :func:`with_key`.

    Parameters
    ----------
    path : Path
        The executed notebook.

    Returns
    -------
    str or None
        The key; None if the file is missing, unreadable (half-written) or carries no key.
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # missing, truncated or not a notebook
        return None
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(KEY_PREFIX):
            return cell.source.splitlines()[0][len(KEY_PREFIX):].strip()
    return None


class RunCache:
    """Executed notebooks kept by jupyter-cache, with the hashes of what each run wrote.

    Parameters
    ----------
    folder : Path
        Where jupyter-cache keeps its database and notebooks.
    """

    def __init__(self, folder: Path):
        from jupyter_cache import get_cache

        self.folder = Path(folder)
        self.lock_file = self.folder.with_name(f"{self.folder.name}.lock")
        with self._locked():
            self.cache = get_cache(self.folder)
            try:
                records = self.cache.list_cache_records()
            except Exception:  # a database left half-created or damaged (a killed run): start afresh
                shutil.rmtree(self.folder, ignore_errors=True)
                self.cache = get_cache(self.folder)
            else:
                self._drop_unwritten(records)

    def _drop_unwritten(self, records) -> None:
        """Remove the entries whose notebook was never written: jupyter-cache records an
        entry, then makes its folder, then writes the notebook, so a run killed in between
        leaves a record without a notebook (:meth:`lookup` never serves it) or an empty
        folder (in which storing the same step again fails). Runs hold the lock while
        they store, so an entry being written by another run is never seen half-way."""
        from jupyter_cache.cache.db import NbCacheRecord

        executed = Path(self.cache.path) / "executed"
        unwritten = [r.pk for r in records if not (executed / r.hashkey / "base.ipynb").is_file()]
        if unwritten:
            NbCacheRecord.remove_records(unwritten, self.cache.db)
        for folder in executed.iterdir() if executed.is_dir() else ():
            if folder.is_dir() and not (folder / "base.ipynb").is_file():
                shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the cache alone: runs of other waves share it, and jupyter-cache's database
        is not safe to create or write from two processes at once."""
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a") as fh:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def lookup(self, nb: nbformat.NotebookNode, outputs: dict[str, str]) -> nbformat.NotebookNode | None:
        """The cached executed notebook for ``nb``, if its recorded outputs equal ``outputs``.

        Returns None on a miss: no record, a record without its notebook (an interrupted
        write), or outputs that changed or went missing since.
        """
        try:
            with self._locked():
                record = self.cache.match_cache_notebook(nb)
                if record.data.get("outputs") != outputs:
                    return None
                _, merged = self.cache.merge_match_into_notebook(nb)
            return merged
        except Exception:  # KeyError on a miss; RetrievalError etc. on a broken entry
            return None

    def store(self, prepared: nbformat.NotebookNode, executed: nbformat.NotebookNode, uri: str,
              outputs: dict[str, str]) -> None:
        """Record a finished run of ``prepared`` and the hashes of the outputs it wrote.

        The executed cells carry run-time metadata (timings) that would change the
        notebook's hash, so the cells are stored with the prepared notebook's metadata.
        """
        import copy

        from jupyter_cache.base import CacheBundleIn

        stored = copy.deepcopy(executed)
        for cell, source in zip(stored.cells, prepared.cells, strict=True):
            cell.metadata = copy.deepcopy(source.metadata)
        with self._locked():
            self.cache.cache_notebook_bundle(CacheBundleIn(stored, uri, data={"outputs": outputs}),
                                             check_validity=False, overwrite=True)
