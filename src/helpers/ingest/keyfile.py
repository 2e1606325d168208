"""The local key from pseudonyms to names: where it may be written, and reading it back.

``forum-network key`` writes a CSV ``member_id;name`` for the people who run the seminar,
and ``forum-network pairs --key`` writes named files beside it. These files hold names,
so they go where git and the build folder never take them: under ``data/raw/`` (ignored
by git) or outside the project. An existing file is never replaced without ``--force``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.errors import SurveyError

__all__ = ["KEY_COLUMNS", "private_place", "read_key", "refuse_overwrite"]

KEY_COLUMNS = ("member_id", "name")


def private_place(path: Path, option: str, root: Path | None = None) -> Path:
    """``path``, if it is a place for a file holding names: under the project's ``data/raw/`` or outside the project.

    Parameters
    ----------
    path : Path
        The file.
    option : str
        The command-line option that named it, for the message.
    root : Path, optional
        The project folder (default: :func:`helpers.paths.project_root`, if inside one).

    Raises
    ------
    SurveyError
        ``path`` is inside the project but not under ``data/raw/`` (a folder merely named
        ``raw`` elsewhere, such as ``docs/raw/``, is not ignored by git).

    Examples
    --------
    >>> root = Path("/p")
    >>> private_place(Path("/p/data/raw/key.csv"), "--out", root).as_posix(), private_place(Path("/k.csv"), "--out", root).as_posix()
    ('/p/data/raw/key.csv', '/k.csv')
    >>> private_place(Path("/p/docs/raw/key.csv"), "--out", root)
    Traceback (most recent call last):
    ...
    helpers.errors.SurveyError: /p/docs/raw/key.csv: this file holds names; give --out a place under data/raw/ (ignored by git) or outside the project
    """
    if root is None:
        from helpers.paths import project_root

        try:
            root = project_root()
        except SurveyError:
            return Path(path)
    resolved, root = Path(path).resolve(), Path(root).resolve()  # links followed: where the file really lands
    raw = root / "data" / "raw"
    if resolved.is_relative_to(root) and not (resolved.is_relative_to(raw) and resolved != raw):
        raise SurveyError(f"{path}: this file holds names; give {option} a place under data/raw/ (ignored by git) "
                          "or outside the project")
    return Path(path)


def refuse_overwrite(existing: list[Path], force: bool) -> None:
    """Refuse to replace files holding names unless ``force`` (``--force``) is given.

    Parameters
    ----------
    existing : list of Path
        The files about to be written that exist already.
    force : bool
        Whether replacing them was asked for (``--force``).

    Raises
    ------
    SurveyError
        Naming the first file that exists.
    """
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise SurveyError(f"{existing[0]}{more} exists already; give --force to replace it, or choose another place")


def read_key(path: Path) -> pd.DataFrame:
    """Read a key written by ``forum-network key`` (or saved again by a spreadsheet).

    Parameters
    ----------
    path : Path
        The key's CSV file.

    Returns
    -------
    pandas.DataFrame
        ``member_id, name``, text.

    Raises
    ------
    SurveyError
        The file cannot be read, is not CSV text, or lacks the two columns. The message
        never quotes the file's content.
    """
    from helpers.ingest.readers import UnreadableFile
    from helpers.ingest.readers import read_sheet

    path = Path(path)
    try:
        frame = read_sheet(path)
    except OSError as exc:
        raise SurveyError(f"{path}: the key cannot be read ({exc.strerror})") from None
    except UnreadableFile as exc:
        problem = exc.problem
        raise SurveyError(f"{path}: not a key written by forum-network key ({problem.expected})") from None
    missing = [c for c in KEY_COLUMNS if c not in frame.columns]
    if missing:
        raise SurveyError(f"{path}: no column {missing[0]!r}; expected the columns member_id and name, as "
                          "forum-network key writes them")
    return frame[list(KEY_COLUMNS)].astype(str)
