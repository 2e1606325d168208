"""Write a wave's network for other network tools.

Formats:

* GraphML (:func:`write_graphml`): yEd, Gephi, igraph, R, networkx;
* GEXF (:func:`write_gexf`): Gephi;
* Pajek ``.net`` (:func:`write_pajek`): Pajek, igraph, networkx;
* UCINET DL (:func:`write_dl` for the network, :func:`write_dl_attributes` for the
  members' attributes): UCINET, and :func:`read_dl` reads both back.

Every file holds the pseudonymous member ids, never names. By default only attributes
that pass the description rule (:func:`safe_attributes`, :mod:`helpers.privacy`): a
department, role or gender shared by fewer than ``k`` members is written as ``other``
(or left out), an attribute that together with the ones before it would single out a
member is left out (each department has one director: role is left out), and neither
``answered`` nor the ties' ``rating`` is written (a member's own answers). With
``full=True`` (the analyst's own machine: ``forum-network export WAVE --full --out
DIR``) the files hold ``gender``, ``role``, ``department``, ``answered``, ``core`` and
``coreness``, and ties carry ``rating``. Non-respondents have no outgoing ties because
their answers are missing, not because they named nobody; the full export's
``answered`` attribute says which is which.

Files are written atomically: to a temporary file in the same folder, then moved into
place, so a reader never sees half a file.
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Collection, Mapping
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "NODE_ATTRIBUTES",
    "safe_attributes",
    "export_graph",
    "write_graphml",
    "write_gexf",
    "write_pajek",
    "write_dl",
    "write_dl_attributes",
    "read_dl",
    "write_all",
]

NODE_ATTRIBUTES = ("gender", "role", "department", "answered")
"""Member attributes exported (besides ``core`` and ``coreness`` when given)."""


#: Attributes the k-safe export may keep, in the order they are tried (:func:`safe_attributes`).
SAFE_ORDER = ("department", "gender", "role")


def safe_attributes(G: nx.Graph | nx.DiGraph, k: int) -> dict[str, dict]:
    """The member attributes an export may hold without singling anybody out.

    Attributes are tried in the order ``department, gender, role``. Each attribute's
    groups pass through :func:`helpers.privacy.group_labels` (a group that fails the
    description rule becomes ``other``, or is left out when ``other`` fails it too);
    then the attribute is kept only if, within every combination of the attributes kept
    before it, each of its values passes :func:`helpers.privacy.may_describe`. In a forum
    where each department has one director, role is left out: "the director of X" is one
    person.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Nodes carry the attributes.
    k : int
        Smallest group an export may describe (``min_group_size``).

    Returns
    -------
    dict
        Attribute -> {member id -> value written (None: left out)}, for the attributes kept.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([(i, {"department": "AB"[i // 4], "role": "director" if i % 4 == 0 else "chief",
    ...                        "gender": "female"}) for i in range(8)])
    >>> sorted(safe_attributes(G, 3))
    ['department', 'gender']
    """
    from helpers.privacy import group_labels, may_describe

    nodes = list(G.nodes())
    kept: dict[str, dict] = {}
    for attribute in SAFE_ORDER:
        raw = {v: G.nodes[v].get(attribute) for v in nodes}
        if any(x is None for x in raw.values()):
            continue
        sizes: dict = {}
        for x in raw.values():
            sizes[x] = sizes.get(x, 0) + 1
        if len(sizes) < 2:  # everybody alike: the attribute says nothing about anyone
            kept[attribute] = raw
            continue
        labels = group_labels(sizes, k)
        values = {v: labels[x] for v, x in raw.items()}
        if len(set(values.values())) < 2:  # every group merged into one: nothing left to say
            continue
        frames: dict[tuple, dict] = {}
        for v in nodes:
            frame = tuple(kept[a][v] for a in kept)
            frames.setdefault(frame, {}).setdefault(values[v], 0)
            frames[frame][values[v]] += 1
        if all(may_describe(n, sum(counts.values()), k) for counts in frames.values() for n in counts.values()):
            kept[attribute] = values
    return kept


def export_graph(
    G: nx.DiGraph,
    *,
    core: Collection[str] | None = None,
    coreness: pd.Series | Mapping | None = None,
    k: int = 3,
    full: bool = False,
) -> nx.DiGraph:
    """The graph as exported: sorted, with only the exported attributes.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    core : collection of str, optional
        Member ids in the core; adds ``core`` (bool) to every member.
    coreness : pandas.Series or mapping, optional
        Coreness per member id; adds ``coreness`` (float, NaN where missing).
    k : int
        Smallest group the export may describe (the wave's ``min_group_size``).
    full : bool
        Every attribute and the ratings, for the analyst's own machine; default: only
        :func:`safe_attributes`, no ``answered`` and no ``rating``.

    Returns
    -------
    networkx.DiGraph
        A new graph: nodes and edges sorted. With ``full``: node attributes ``gender,
        role, department, answered`` (bool) [, ``core``, ``coreness``]; edge attribute
        ``rating`` (int) where present. By default: the safe attributes [, ``core``,
        ``coreness``], no rating. Any other attribute (such as a name) is left out.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("b", "a")])
    >>> G.add_node("a", name="Jane Doe", gender="female", role="chief", department="X", answered=False)
    >>> G.add_node("b", name="John Doe", gender="male", role="director", department="Y", answered=True)
    >>> H = export_graph(G, core={"b"}, full=True)
    >>> H.nodes["a"]
    {'gender': 'female', 'role': 'chief', 'department': 'X', 'answered': False, 'core': False}
    >>> export_graph(G, core={"b"}, k=1).nodes["a"]
    {'department': 'X', 'gender': 'female', 'role': 'chief', 'core': False}
    """
    H = nx.DiGraph()
    cn = None if coreness is None else pd.Series(coreness, dtype=float)
    core = None if core is None else set(core)
    safe = None if full else safe_attributes(G, k)
    for v in sorted(G.nodes()):
        a = G.nodes[v]
        if safe is None:
            attrs = {key: a[key] for key in NODE_ATTRIBUTES if key in a and a[key] is not None}
        else:
            attrs = {key: values[v] for key, values in safe.items() if values[v] is not None}
        if "answered" in attrs:
            attrs["answered"] = bool(attrs["answered"])
        if core is not None:
            attrs["core"] = v in core
        if cn is not None:
            x = cn.get(v, math.nan)
            attrs["coreness"] = float(x) if x is not None and not pd.isna(x) else math.nan
        H.add_node(str(v), **attrs)
    for u, v in sorted(G.edges()):
        rating = G.edges[u, v].get("rating") if full else None
        H.add_edge(str(u), str(v), **({} if rating is None else {"rating": int(rating)}))
    return H


def _write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    from helpers.io import atomic_file

    path = Path(path)
    with atomic_file(path, "wb") as fh:
        fh.write(data)
    return path


def write_graphml(G: nx.DiGraph, path: str | os.PathLike, *, core=None, coreness=None, k: int = 3,
                  full: bool = False) -> Path:
    """Write the network as GraphML.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    path : str or path-like
        Target file (``.graphml``); folders are created.
    core, coreness, k, full : optional
        See :func:`export_graph`.

    Returns
    -------
    pathlib.Path
        The file written.

    References
    ----------
    .. [1] U. Brandes, M. Eiglsperger, J. Lerner and C. Pich, "Graph markup language
       (GraphML)", in R. Tamassia (ed.), *Handbook of Graph Drawing and
       Visualization*, CRC Press, 2013, 517-541.
    """
    H = export_graph(G, core=core, coreness=coreness, k=k, full=full)
    text = "\n".join(nx.generate_graphml(H, encoding="utf-8")) + "\n"
    return _write_atomic(path, text.encode("utf-8"))


def write_gexf(G: nx.DiGraph, path: str | os.PathLike, *, core=None, coreness=None, k: int = 3,
               full: bool = False) -> Path:
    """Write the network as GEXF 1.2 (Gephi's own format).

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    path : str or path-like
        Target file (``.gexf``); folders are created.
    core, coreness, k, full : optional
        See :func:`export_graph`.

    Returns
    -------
    pathlib.Path
        The file written.

    References
    ----------
    .. [1] GEXF Working Group, "GEXF 1.2draft Primer", 2009, https://gexf.net.
    """
    H = export_graph(G, core=core, coreness=coreness, k=k, full=full)
    text = "\n".join(nx.generate_gexf(H, encoding="utf-8", version="1.2draft")) + "\n"
    return _write_atomic(path, text.encode("utf-8"))


def _pajek_str(x) -> str:
    s = str(x)
    if s == "" or any(c.isspace() for c in s) or '"' in s:
        return '"' + s.replace('"', "'") + '"'
    return s


def _attr_text(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return "nan" if math.isnan(x) else repr(x)
    return str(x)


def write_pajek(G: nx.DiGraph, path: str | os.PathLike, *, core=None, coreness=None, k: int = 3,
                full: bool = False) -> Path:
    """Write the network as a Pajek ``.net`` file, attributes included.

    Layout written (UTF-8)::

        *Vertices 3
        1 "p01" 0.0 0.0 ellipse gender female role chief department "Børn og Unge" answered true
        ...
        *Arcs
        1 2 3

    Vertices are numbered in sorted id order with the id (quoted) as label; the three fields
    after the label are the x and y coordinates (0) and the shape, after which member
    attributes follow as key-value pairs (the dialect networkx and igraph read, values
    as text: ``true``/``false`` for yes/no). Each arc's value is the tie's rating (1
    without one).

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    path : str or path-like
        Target file (``.net``); folders are created.
    core, coreness, k, full : optional
        See :func:`export_graph`.

    Returns
    -------
    pathlib.Path
        The file written.

    References
    ----------
    .. [1] W. de Nooy, A. Mrvar and V. Batagelj, *Exploratory Social Network Analysis
       with Pajek*, 3rd ed., Cambridge University Press, 2018, appendix.
    """
    H = export_graph(G, core=core, coreness=coreness, k=k, full=full)
    number = {v: i for i, v in enumerate(H.nodes(), start=1)}
    lines = [f"*Vertices {H.number_of_nodes()}"]
    for v, attrs in H.nodes(data=True):
        fields = [str(number[v]), '"' + str(v).replace('"', "'") + '"', "0.0", "0.0", "ellipse"]
        for k, x in attrs.items():
            fields += [k, _pajek_str(_attr_text(x))]
        lines.append(" ".join(fields))
    lines.append("*Arcs")
    for u, v, r in H.edges(data="rating"):
        lines.append(f"{number[u]} {number[v]} {1 if r is None else int(r)}")
    return _write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _dl_label(s: str) -> str:
    s = str(s)
    if s == "" or any(c.isspace() or c in ',"' for c in s):
        return '"' + s.replace('"', "'") + '"'
    return s


def _dl_number(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "."
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def write_dl(G: nx.DiGraph, path: str | os.PathLike, *, values: str | None = None, full: bool = False) -> Path:
    """Write the network as a UCINET DL file (full matrix with labels).

    Layout written (UTF-8)::

        dl n=3 format=fullmatrix
        labels:
        p01 p02 p03
        data:
        0 1 0
        0 0 1
        0 0 0

    ``n`` members; labels are the member ids in sorted order (quoted if they hold a
    space or comma); row i, column j is 1 when member i named member j (or the tie's
    rating with ``values="rating"``), else 0. Rows of non-respondents are all 0 because
    their answers are missing: use the ``answered`` column of
    :func:`write_dl_attributes` to tell them apart.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    path : str or path-like
        Target file (``.dl`` or ``.txt``); folders are created.
    values : {None, "rating"}
        Cell values: 1 for a tie (default) or the tie's rating (only with ``full``: a
        rating is a member's own answer).
    full : bool
        The analyst's own copy (see :func:`export_graph`).

    Returns
    -------
    pathlib.Path
        The file written.

    References
    ----------
    .. [1] S. P. Borgatti, M. G. Everett and L. C. Freeman, *UCINET for Windows:
       Software for Social Network Analysis*, Analytic Technologies, 2002 (DL format,
       help topic "DL").
    """
    if values not in (None, "rating"):
        raise ValueError("values must be None or 'rating'")
    if values == "rating" and not full:
        raise ValueError("values='rating' writes the members' own ratings: only with full=True")
    H = export_graph(G, full=full)
    nodes = list(H.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    A = np.zeros((len(nodes), len(nodes)), dtype=np.int64)
    for u, v, r in H.edges(data="rating"):
        A[index[u], index[v]] = (r if r is not None else 1) if values == "rating" else 1
    lines = [f"dl n={len(nodes)} format=fullmatrix", "labels:", " ".join(_dl_label(v) for v in nodes), "data:"]
    lines += [" ".join(str(x) for x in row) for row in A]
    return _write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _attribute_table(H: nx.DiGraph) -> pd.DataFrame:
    columns: dict[str, list] = {}
    nodes = list(H.nodes())

    def col(name, f):
        columns[name] = [f(H.nodes[v]) for v in nodes]

    def present(name):
        return any(name in H.nodes[v] for v in nodes)

    if present("gender"):
        col("female", lambda a: float(a["gender"] == "female") if a.get("gender") in ("female", "male") else math.nan)
    if present("role"):
        col("director", lambda a: float(a["role"] == "director") if a.get("role") in ("director", "chief") else math.nan)
    if present("answered"):
        col("answered", lambda a: math.nan if "answered" not in a else float(bool(a["answered"])))
    if any("core" in H.nodes[v] for v in nodes):
        col("core", lambda a: math.nan if "core" not in a else float(bool(a["core"])))
    if any("coreness" in H.nodes[v] for v in nodes):
        col("coreness", lambda a: float(a.get("coreness", math.nan)))
    for d in sorted({a.get("department") for _, a in H.nodes(data=True)} - {None}, key=str):
        col(f"department={d}", lambda a, d=d: float(a.get("department") == d))
    return pd.DataFrame(columns, index=pd.Index(nodes, name="member_id"))


def write_dl_attributes(G: nx.DiGraph, path: str | os.PathLike, *, core=None, coreness=None, k: int = 3,
                        full: bool = False) -> Path:
    """Write the members' attributes as a UCINET DL attribute file.

    Layout written (UTF-8)::

        dl nr=3 nc=6 format=fullmatrix
        row labels:
        p01 p02 p03
        column labels:
        female director answered core coreness "department=Børn og Unge"
        data:
        1 0 1 1 0.82 1
        ...

    One row per member (ids sorted), one numeric column per attribute: ``female``
    (1 female, 0 male), ``director`` (1 director, 0 chief), ``answered`` (1/0),
    ``core`` (1/0) and ``coreness`` when given, and one 1/0 column per department named
    ``department=<name>``. Missing values are written as ``.``.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    path : str or path-like
        Target file; folders are created.
    core, coreness, k, full : optional
        See :func:`export_graph`.

    Returns
    -------
    pathlib.Path
        The file written.

    References
    ----------
    .. [1] S. P. Borgatti, M. G. Everett and L. C. Freeman, *UCINET for Windows:
       Software for Social Network Analysis*, Analytic Technologies, 2002 (DL format,
       help topic "DL").
    """
    table = _attribute_table(export_graph(G, core=core, coreness=coreness, k=k, full=full))
    lines = [
        f"dl nr={table.shape[0]} nc={table.shape[1]} format=fullmatrix",
        "row labels:",
        " ".join(_dl_label(v) for v in table.index),
        "column labels:",
        " ".join(_dl_label(c) for c in table.columns),
        "data:",
    ]
    lines += [" ".join(_dl_number(x) for x in row) for row in table.itertuples(index=False)]
    return _write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))


def read_dl(path: str | os.PathLike) -> pd.DataFrame:
    """Read a UCINET DL full-matrix file as written by :func:`write_dl` or
    :func:`write_dl_attributes`.

    Understands ``n=`` or ``nr=``/``nc=``, ``format=fullmatrix``, and the sections
    ``labels:``, ``row labels:``, ``column labels:`` and ``data:`` (labels separated by
    spaces, commas or line breaks; double quotes around labels with spaces; ``.`` for a
    missing value).

    Parameters
    ----------
    path : str or path-like
        The DL file.

    Returns
    -------
    pandas.DataFrame
        The matrix, rows and columns labelled (float values).

    Raises
    ------
    ValueError
        For a layout this reader does not understand.
    """
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    header_words: list[str] = []
    sections: dict[str, list[str]] = {}
    current = None
    for line in lines:
        key = line.strip().lower()
        if key in ("labels:", "row labels:", "column labels:", "data:"):
            current = key[:-1]
            sections[current] = []
        elif current is None:
            header_words += line.replace(",", " ").split()
        else:
            sections[current].append(line)
    header = {}
    for word in header_words:
        if "=" in word:
            k, v = word.split("=", 1)
            header[k.strip().lower()] = v.strip().lower()
    if header_words[:1] and header_words[0].lower() != "dl":
        raise ValueError("not a DL file: it must start with 'dl'")
    if header.get("format", "fullmatrix") != "fullmatrix":
        raise ValueError(f"only format=fullmatrix is understood, not {header['format']!r}")
    nr = int(header.get("nr", header.get("n", 0)))
    nc = int(header.get("nc", header.get("n", 0)))

    def labels(name):
        if name not in sections:
            return None
        lex = shlex.shlex(" ".join(sections[name]).replace(",", " "), posix=True)
        lex.whitespace_split = True
        return list(lex)

    rows = labels("labels") or labels("row labels") or [str(i + 1) for i in range(nr)]
    cols = labels("labels") or labels("column labels") or [str(j + 1) for j in range(nc)]
    numbers = [math.nan if t == "." else float(t) for t in " ".join(sections.get("data", [])).split()]
    if len(rows) != nr or len(cols) != nc or len(numbers) != nr * nc:
        raise ValueError(f"expected {nr} x {nc} values with as many labels, found {len(numbers)} values")
    return pd.DataFrame(np.array(numbers, dtype=float).reshape(nr, nc), index=rows, columns=cols)


def write_all(
    G: nx.DiGraph,
    folder: str | os.PathLike,
    *,
    stem: str = "network",
    core: Collection[str] | None = None,
    coreness: pd.Series | Mapping | None = None,
    k: int = 3,
    full: bool = False,
) -> dict[str, Path]:
    """Write the network in every format into one folder.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    folder : str or path-like
        Target folder (created).
    stem : str
        File name stem.
    core, coreness, k, full : optional
        See :func:`export_graph`.

    Returns
    -------
    dict of str to pathlib.Path
        ``graphml, gexf, pajek, dl, dl_attributes`` -> file written:
        ``<stem>.graphml``, ``<stem>.gexf``, ``<stem>.net``, ``<stem>.dl`` and
        ``<stem>-attributes.dl``.
    """
    folder = Path(folder)
    given = dict(core=core, coreness=coreness, k=k, full=full)
    return {
        "graphml": write_graphml(G, folder / f"{stem}.graphml", **given),
        "gexf": write_gexf(G, folder / f"{stem}.gexf", **given),
        "pajek": write_pajek(G, folder / f"{stem}.net", **given),
        "dl": write_dl(G, folder / f"{stem}.dl", full=full),
        "dl_attributes": write_dl_attributes(G, folder / f"{stem}-attributes.dl", **given),
    }
