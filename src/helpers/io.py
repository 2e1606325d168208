"""Where a wave's files live, and reading and writing them safely.

Layout (relative to the project root)::

    data/example/<wave>/     synthetic example waves (raw export + wave.yml), in git
    data/raw/<wave>/         real waves as exported, never in git
    build/<wave>/tidy/       validated, pseudonymised tables (helpers.results.tidy)
    build/<wave>/results/    tables and JSON the handout reads
    build/<wave>/notebooks/  the executed notebooks
    build/<wave>/handout/    handout-<lang>.html and .pdf

Every write goes to a temporary file or folder beside its target and is then moved into
place with an atomic rename, so an interrupted or failed run leaves the previous outputs
as they were. Temporary files and folders are hidden (their names start with a dot); a
run holds its wave's build folder (:func:`run_lock`) and first removes what killed runs
left behind (:func:`sweep`).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from helpers.errors import SurveyError

__all__ = ["atomic_dir", "atomic_file", "LOCK_FILE", "run_lock", "sweep", "write_notebook", "json_float", "dumps",
           "write_json", "read_json", "write_table", "write_tables", "read_table"]

try:
    import fcntl
except ImportError:  # Windows: runs are not locked
    fcntl = None

@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Write a whole folder at once.

    Yields a fresh temporary folder beside ``target``; when the block ends without an
    error the temporary folder replaces ``target``, otherwise it is removed and
    ``target`` is left as it was.

    Parameters
    ----------
    target : Path
        The folder to write; its parent is created if missing.

    Yields
    ------
    Path
        The temporary folder to fill.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # now holds the previous version
        return
    # no atomic exchange here: two renames, with a moment in which ``target`` is missing
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where the system or the file system cannot; raises OSError on any
    other failure. A folder replaced this way is never missing, not even for a moment,
    so a run killed while it writes leaves the previous or the new folder, whole.
    """
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), ctypes.c_uint(rename_exchange)) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextmanager
def atomic_file(target: Path, mode: str = "w", **kwargs) -> Iterator[Any]:
    """Open a temporary file beside ``target`` and move it into place when the block succeeds.

    Parameters
    ----------
    target : Path
        The file to write.
    mode : str
        ``"w"`` (text) or ``"wb"`` (bytes).
    **kwargs
        Passed to :func:`open` (``encoding``, ``newline``).

    Yields
    ------
    file
        The open temporary file; on an error it is removed and ``target`` left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


LOCK_FILE = ".lock"


@contextmanager
def run_lock(folder: Path) -> Iterator[int]:
    """Hold a wave's build folder for one run (an exclusive ``flock`` on ``folder/.lock``).

    Yields the lock file's descriptor: a child process that inherits it keeps the
    folder held until it ends, so the steps of a run that was stopped, and are still
    finishing, hold it too. The system releases the lock when the last holder dies,
    however it died.

    Parameters
    ----------
    folder : Path
        The build folder; it is created if missing.

    Yields
    ------
    int
        The lock file's descriptor, closed when the block ends.

    Raises
    ------
    SurveyError
        Another run holds the folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SurveyError(f"{folder}: another run of this wave is writing here (or the steps of a "
                                  "stopped run are still finishing); wait for it to end, then run again") from None
        yield fd
    finally:
        os.close(fd)


def sweep(folder: Path) -> list[Path]:
    """Remove what killed runs left in a wave's build folder; call it only under :func:`run_lock`.

    Everything hidden below ``folder`` (a name starting with a dot) is a temporary of an
    atomic write, a step's scratch folder or a render's work folder; only the lock file
    is kept. Returns what was removed.

    Parameters
    ----------
    folder : Path
        The wave's build folder.

    Returns
    -------
    list of Path
        The files and folders removed.
    """
    removed = []
    for parent, dirs, files in os.walk(folder):
        for name in sorted(dirs + files):
            path = Path(parent) / name
            if not name.startswith(".") or (name == LOCK_FILE and path.parent == Path(folder)):
                continue
            if name in dirs:
                dirs.remove(name)
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_notebook(nb, target: Path) -> Path:
    """Write a notebook atomically.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    target : Path
        The file to write.

    Returns
    -------
    Path
        ``target``.
    """
    import nbformat

    with atomic_file(target, encoding="utf-8") as fh:
        nbformat.write(nb, fh)
    return target


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value)
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_float(value) -> float | None:
    """A number for JSON: a float, or None for NaN (JSON has no NaN).

    Parameters
    ----------
    value : float or None
        The number.

    Examples
    --------
    >>> json_float(0.5), json_float(float("nan"))
    (0.5, None)
    """
    value = float(value)
    return None if value != value else value


def dumps(data: Any) -> str:
    """JSON text with sorted keys and a trailing newline, so reruns are byte-identical.

    Parameters
    ----------
    data : object
        JSON-serialisable data; numpy scalars, sets, tuples and paths are converted.

    Returns
    -------
    str
    """
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=_json_default) + "\n"


def write_json(data: Any, target: Path) -> Path:
    """Write JSON atomically, keys sorted (:func:`dumps`).

    Parameters
    ----------
    data : object
        JSON-serialisable data.
    target : Path
        The file to write.

    Returns
    -------
    Path
        ``target``.
    """
    with atomic_file(target, encoding="utf-8") as fh:
        fh.write(dumps(data))
    return target


def read_json(path: Path) -> Any:
    """Read a JSON file written by :func:`write_json`.

    Parameters
    ----------
    path : str
        Keys into ``wave.yml``'s settings, e.g. ``"relations", "question"``.
    """
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and header that a spreadsheet would take for a formula
    quoted (:func:`helpers.escape.csv_cell`)."""
    from helpers.escape import csv_cell

    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(csv_cell)
    out.columns = [csv_cell(str(c)) for c in out.columns]
    return out


def write_table(frame: pd.DataFrame, target: Path) -> Path:
    """Write a results table as CSV (UTF-8, comma, point decimals), atomically.

    Text that a spreadsheet would read as a formula (``=...``, ``+...``, ``-...``,
    ``@...``) gets a leading ``'`` (:func:`helpers.escape.csv_cell`); :func:`read_table`
    takes it off again, so the table reads back as written.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (its index is not written).
    target : Path
        The file to write.

    Returns
    -------
    Path
        ``target``.
    """
    with atomic_file(target, encoding="utf-8", newline="") as fh:
        _neutralised(frame).to_csv(fh, index=False, lineterminator="\n")
    return target


SHEET_SEPARATOR = ";"
"""Separator of the CSV files meant for people: Danish Excel's list separator."""


def write_sheet(frame: pd.DataFrame, target: Path) -> Path:
    """Write a CSV file meant for people (a key, a mail merge, visit pairs), atomically.

    Written so that Excel with Danish settings opens it as columns by a double click:
    UTF-8 with a byte-order mark (else æ, ø and å come out garbled), ``;`` between cells
    (Danish Excel's list separator; a comma-separated file opens as one column), decimal
    commas and Windows line ends. Text that a spreadsheet would read as a formula gets a
    leading ``'`` (:func:`helpers.escape.csv_cell`). :func:`helpers.ingest.readers.read_sheet` reads it back.

    Examples
    --------
    >>> import codecs, tempfile
    >>> frame = pd.DataFrame({"name": ["Bo Bæk", '=HYPERLINK("http://x","y")'], "score": [1.5, 2.0]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_sheet(frame, Path(d) / "x.csv")
    ...     raw = path.read_bytes()
    ...     back = pd.read_csv(path, sep=SHEET_SEPARATOR, decimal=",", encoding="utf-8-sig", dtype=str)
    >>> lines = raw.decode("utf-8-sig").splitlines()
    >>> lines[:2], lines[2].startswith('"' + "'=HYPERLINK")
    (['name;score', 'Bo Bæk;1,5'], True)
    >>> raw.startswith(codecs.BOM_UTF8), back["name"].tolist()[1].startswith("'=")
    (True, True)
    """
    with atomic_file(target, encoding="utf-8-sig", newline="") as fh:
        _neutralised(frame).to_csv(fh, index=False, sep=SHEET_SEPARATOR, decimal=",", lineterminator="\r\n")
    return target


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write several results tables as ``<name>.csv`` into ``folder`` (each atomically).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Name -> table.
    folder : Path
        Where to write them.

    Returns
    -------
    list of Path
        The files written.
    """
    return [write_table(frame, Path(folder) / f"{name}.csv") for name, frame in tables.items()]


def read_table(path: Path) -> pd.DataFrame:
    """Read a results table written by :func:`write_table` (formula quotes taken off).

    Parameters
    ----------
    path : Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
    """
    from helpers.escape import csv_uncell

    frame = pd.read_csv(path, keep_default_na=True)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(csv_uncell)
    frame.columns = [csv_uncell(c) for c in frame.columns]
    return frame
