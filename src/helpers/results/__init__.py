"""One typed result per pipeline step: its files (declared once), ``compute``, ``save``, ``load``.

=====================  ==========================================  ==================================
step (notebook)        result                                      files in ``build/<wave>/``
=====================  ==========================================  ==================================
ingest (10)            :class:`helpers.results.tidy.Tidy`          ``tidy/``
network (20)           :class:`helpers.results.network.Network`    ``results/network.json``
core-periphery (30)    :class:`helpers.results.structure.Structure`  ``results/structure.json``, tables,
                                                                   ``exports/``
                       :class:`helpers.results.external.External`  ``results/external_*.csv`` (50 explores them)
departments (40)       :class:`helpers.results.departments.Departments`  ``results/<table>.csv``
compare (60)           :class:`helpers.results.comparison.Comparison`  ``results/compare.json``,
                                                                   ``results/compare_*.csv``
=====================  ==========================================  ==================================

Everyone else (notebooks, handout, pipeline, CLI) asks these classes for file names and
keys: ``Structure.load(folder).core`` rather than a path and a chain of keys. The handout
reaches the analysis only through this package; :func:`union_graph` is the analysis's
graph that the figures draw.

Each result lives in a module of its own, imported by name
(``from helpers.results.structure import Structure``): the pipeline's cache reruns a
notebook when a ``helpers`` module it imports changes, so this package's ``__init__``
imports none of them, and a notebook depends only on the analysis its own result uses.
"""

from helpers.analysis.network import union_graph
from helpers.results.base import Result, stored

__all__ = ["Result", "stored", "union_graph"]
