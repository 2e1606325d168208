"""The ingest step's result: a wave's validated, pseudonymised tables (``tidy/``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import networkx as nx
import pandas as pd

from helpers import io
from helpers.errors import SurveyError
from helpers.analysis.network import build_graph
from helpers.results.base import TIDY

__all__ = ["Tidy"]


class Tidy:
    """The ingest step's result: a wave's validated, pseudonymised tables in ``tidy/``.

    Parameters
    ----------
    tables : dict
        ``members``, ``relations``, ``external`` (DataFrames) and ``meta`` (dict).
    """

    FOLDER: ClassVar[str] = TIDY
    #: The tables, each ``<name>.parquet``.
    TABLES: ClassVar[tuple[str, ...]] = ("members", "relations", "external")
    #: The wave's settings and counts.
    META: ClassVar[str] = "wave.json"

    def __init__(self, tables: dict):
        self.tables = tables

    @classmethod
    def files(cls) -> tuple[str, ...]:
        """What the ingest step writes (relative to the wave's build folder)."""
        return (cls.FOLDER,)

    @classmethod
    def reads(cls) -> tuple[str, ...]:
        """What ingest reads: the wave's own input files (``raw``)."""
        return ("raw",)

    @classmethod
    def compute(cls, spec) -> "Tidy":
        """Validate and tidy a wave's raw export (:func:`helpers.ingest.validate.tidy_wave`).

        Raises
        ------
        ValidationError
            Every problem of the raw data, with file, row, column and what was expected.

        Parameters
        ----------
        spec : WaveSpec
            The wave's settings (:func:`helpers.ingest.wave.load_wave`).
        """
        from helpers.ingest.validate import tidy_wave

        return cls.of(tidy_wave(spec))

    @classmethod
    def of(cls, tidy) -> "Tidy":
        """The result of a :class:`helpers.ingest.validate.TidyWave` (what :func:`~helpers.ingest.validate.tidy_wave` returns).

        Parameters
        ----------
        tidy : TidyWave
            What :func:`helpers.ingest.validate.tidy_wave` returns.
        """
        return cls({"members": tidy.members, "relations": tidy.relations, "external": tidy.external,
                    "meta": tidy.meta})

    @classmethod
    def load(cls, folder: str | Path) -> "Tidy":
        """Read a wave's tidy tables from its build folder.

        Raises
        ------
        SurveyError
            The ingest step has not written them yet.

        Parameters
        ----------
        folder : str or Path
            The wave's build folder (``build/<wave>``).
        """
        tidy = Path(folder) / cls.FOLDER
        if not (tidy / cls.META).is_file():
            raise SurveyError(f"{tidy}: no tidy tables yet; run the ingest step first")
        tables: dict = {name: pd.read_parquet(tidy / f"{name}.parquet") for name in cls.TABLES}
        tables["meta"] = io.read_json(tidy / cls.META)
        return cls(tables)

    @classmethod
    def read_meta(cls, folder: str | Path) -> dict:
        """Only the wave's settings and counts (``wave.json``), without the tables.

        Parameters
        ----------
        folder : str or Path
            The wave's build folder (``build/<wave>``).

        Returns
        -------
        dict
        """
        return io.read_json(Path(folder) / cls.FOLDER / cls.META)

    @classmethod
    def ingest(cls, spec, folder: str | Path) -> "Tidy":
        """The wave's tidy tables: read from its build folder when they were made from the
        wave's current input files, else computed (:meth:`compute`) and saved.

        The pipeline ingests once, before its steps; a notebook run on its own ingests here.

        Parameters
        ----------
        spec : WaveSpec
            The wave's settings (:func:`helpers.ingest.wave.load_wave`).
        folder : str or Path
            The wave's build folder (``build/<wave>``).
        """
        from helpers.ingest.validate import input_hash

        path = Path(folder) / cls.FOLDER / cls.META
        if path.is_file() and io.read_json(path).get("input_sha256") == input_hash(spec):
            return cls.load(folder)
        tidy = cls.compute(spec)
        tidy.save(folder)
        return tidy

    def save(self, folder: str | Path) -> Path:
        """Write the tables (parquet) and ``wave.json`` into the wave's ``tidy/`` folder, all at
        once (:func:`helpers.io.atomic_dir`); returns the folder.

        Parameters
        ----------
        folder : str or Path
            The wave's build folder (``build/<wave>``).

        Returns
        -------
        Path
        """
        target = Path(folder) / self.FOLDER
        with io.atomic_dir(target) as tmp:
            for name in self.TABLES:
                self.tables[name].to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / self.META).write_text(io.dumps(self.meta), encoding="utf-8")
        return target

    @property
    def members(self) -> pd.DataFrame:
        """One row per roster member: ``member_id, gender, role, department, answered``."""
        return self.tables["members"]

    @property
    def relations(self) -> pd.DataFrame:
        """Every rating a respondent gave: ``source, target, rating``."""
        return self.tables["relations"]

    @property
    def external(self) -> pd.DataFrame:
        """One row per respondent and partner type: ``member_id, partner, rating, status``."""
        return self.tables["external"]

    @property
    def meta(self) -> dict:
        """The wave's settings and counts (``wave.json``)."""
        return self.tables["meta"]

    @property
    def graph(self) -> nx.DiGraph:
        """The wave's tie graph (:func:`helpers.analysis.network.build_graph`)."""
        return build_graph(self.members, self.relations, self.meta["relations"]["tie_threshold"])
