"""Where things are: the project folder, a wave's folder, its build folder.

The one place that knows the project's layout. Notebooks run from ``notebooks/`` in
JupyterLab and from the project root under the pipeline; resolving paths against
:func:`project_root` makes both work. :data:`SOURCE_ROOT` is the checkout this package
was loaded from (its ``_quarto.yml``, ``report/`` and ``data/example/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.errors import SurveyError

__all__ = ["HELPERS", "SOURCE_ROOT", "WAVE_SEARCH", "build_dir", "find_wave", "project_root"]

HELPERS = Path(__file__).resolve().parent
SOURCE_ROOT = HELPERS.parents[1]
WAVE_SEARCH = ("data/raw", "data/example")


def project_root(start: str | Path | None = None) -> Path:
    """The project folder: the nearest folder upwards holding ``_quarto.yml`` and ``pyproject.toml``.

    Notebooks run from ``notebooks/`` in JupyterLab and from the project root under the
    pipeline; resolving paths against this root makes both work.

    Parameters
    ----------
    start : str or Path or None
        The folder to search upwards from; None for the current folder.

    Returns
    -------
    Path
        The project folder; if none is found above ``start``, the folder named by the
        environment variable ``FORUM_NETWORK_ROOT`` when that is set.

    Raises
    ------
    SurveyError
        No project folder above ``start`` and ``FORUM_NETWORK_ROOT`` not set.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_quarto.yml").is_file() and (folder / "pyproject.toml").is_file():
            return folder
    env = os.environ.get("FORUM_NETWORK_ROOT")
    if env:
        return Path(env)
    raise SurveyError(f"{here}: not inside the project (no _quarto.yml and pyproject.toml above it)")


def find_wave(wave: str | Path, root: Path | None = None) -> Path:
    """Resolve a wave given as a folder path or as an id under ``data/raw`` or ``data/example``.

    Parameters
    ----------
    wave : str or Path
        A folder holding a ``wave.yml`` (absolute, or relative to the current folder or the
        project root), or a wave id under ``data/raw`` or ``data/example``.
    root : Path or None
        The project folder; None for :func:`project_root`.

    Returns
    -------
    Path
        The wave folder, resolved.

    Raises
    ------
    SurveyError
        No such wave folder.
    """
    path = Path(wave)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path]
    root = root or project_root()
    if not path.is_absolute():
        candidates += [root / path] + [root / sub / path for sub in WAVE_SEARCH]
    for candidate in candidates:
        if (candidate / "wave.yml").is_file():
            return candidate.resolve()
    looked = ", ".join(str(Path(sub) / str(wave)) for sub in WAVE_SEARCH)
    raise SurveyError(f"no wave {str(wave)!r}: give a folder holding a wave.yml (looked in {wave}, {looked})")


def build_dir(wave_id: str, build: str | Path = "build", root: Path | None = None) -> Path:
    """The build folder of a wave.

    Parameters
    ----------
    wave_id : str
        The wave's id.
    build : str or Path
        The build folder; a relative one is taken from the project root.
    root : Path, optional
        The project root (default :func:`project_root`).

    Returns
    -------
    Path
        ``<build>/<wave_id>``.
    """
    build = Path(build)
    return (build if build.is_absolute() else (root or project_root()) / build) / wave_id
