"""What every step's result has in common: its files, declared once, and how they are saved and loaded.

A result is a frozen dataclass whose data fields are declared with :func:`stored`, which
names the field's file once, relative to the result's folder in the wave's build folder
(``results/`` unless the class says otherwise). From these declarations a result class
knows its files (:meth:`Result.files`, which the pipeline's step list uses), and
:meth:`Result.save` and :meth:`Result.load` write and read them: a ``.json`` file holds a
dict, a ``.csv`` file a table. A file not written (an optional table, or a folder written
only in part by a test) loads as None.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

from helpers import io

__all__ = ["TIDY", "Result", "stored"]

#: The ingest step's folder in a wave's build folder, which most results are computed from.
TIDY = "tidy"


def stored(filename: str) -> Any:
    """Declare a result's field and the file that holds it.

    Parameters
    ----------
    filename : str
        The file's name in the result's folder: ``<name>.json`` for a dict,
        ``<name>.csv`` for a table.

    Returns
    -------
    dataclasses.Field
        A field defaulting to None (not computed or not written).

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Example(Result):
    ...     summary: dict = stored("example.json")
    >>> Example.files()
    ('results/example.json',)
    """
    return dataclasses.field(default=None, metadata={"file": filename})


@dataclasses.dataclass(frozen=True)
class Result:
    """Base class of the steps' results (see the module's description).

    Subclasses are frozen dataclasses; ``FOLDER`` is their folder in the wave's build
    folder, ``ALSO_WRITES`` what their step writes beside the declared files (e.g.
    ``exports``), and ``reads()`` what their computation reads.
    """

    FOLDER: ClassVar[str] = "results"
    ALSO_WRITES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _stored(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if "file" in f.metadata]

    @classmethod
    def file(cls, name: str) -> str:
        """The path of one field's file, relative to the wave's build folder.

        Parameters
        ----------
        name : str
            The field's name.

        Returns
        -------
        str
            The path, e.g. ``results/structure.json``.

        Examples
        --------
        >>> from helpers.results.structure import Structure
        >>> Structure.file("findings")
        'results/structure.json'
        """
        for f in cls._stored():
            if f.name == name:
                return f"{cls.FOLDER}/{f.metadata['file']}"
        raise KeyError(f"{cls.__name__} stores no {name!r}")

    @classmethod
    def files(cls, *names: str) -> tuple[str, ...]:
        """Paths (relative to the wave's build folder) of the named fields' files, or of all
        of them and ``ALSO_WRITES`` when no name is given: what the result's step writes."""
        if names:
            return tuple(cls.file(n) for n in names)
        return tuple(cls.file(f.name) for f in cls._stored()) + cls.ALSO_WRITES

    @classmethod
    def reads(cls) -> tuple[str, ...]:
        """Paths (relative to the wave's build folder; ``raw`` for the wave's own input
        files) that computing the result reads."""
        return (TIDY,)

    @classmethod
    def load(cls, folder: str | Path):
        """Read a wave's result from its build folder (``build/<wave>``); fields whose file
        is missing are None.

        Parameters
        ----------
        folder : str or Path
            The wave's build folder (``build/<wave>``).
        """
        folder = Path(folder)
        values = {}
        for f in cls._stored():
            path = folder / cls.FOLDER / f.metadata["file"]
            values[f.name] = _read(path) if path.is_file() else None
        return cls(**values)

    def save(self, folder: str | Path) -> list[Path]:
        """Write the result's files into a wave's build folder, each atomically.

        Parameters
        ----------
        folder : str or Path
            The wave's build folder.

        Returns
        -------
        list of Path
            The files written; fields that are None are not written.
        """
        folder = Path(folder)
        written = []
        for f in self._stored():
            value = getattr(self, f.name)
            if value is not None:
                written.append(_write(value, folder / self.FOLDER / f.metadata["file"]))
        return written


def _read(path: Path):
    return io.read_json(path) if path.suffix == ".json" else io.read_table(path)


def _write(value, path: Path) -> Path:
    return io.write_json(value, path) if path.suffix == ".json" else io.write_table(value, path)
