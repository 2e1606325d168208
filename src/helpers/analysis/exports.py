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

Each file is written in one streaming pass from one sorted table of members, attributes
and ties (:func:`write_all` makes that table once for all five files): no XML tree and no
dense matrix is held in memory, so writing takes time and memory linear in the members
and ties (the DL network's full matrix is written a block of rows at a time). Text from
the survey (department names, ids) is data: in GraphML and GEXF every label and value is
escaped by the XML rules (``& < > "``, and line breaks and tabs in attributes as
character references), and the few characters XML 1.0 cannot hold at all (control
characters other than tab and line breaks) become U+FFFD. The line-based formats have no
escapes: in Pajek and DL a value's line breaks, tabs and control characters become
spaces, double quotes become single quotes, a value with a space or quote is quoted, and
in Pajek a backslash becomes ``/`` (networkx reads it as an escape, Pajek and igraph do
not).

Files are written atomically: to a temporary file in the same folder, then moved into
place, so a reader never sees half a file.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shlex
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
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


# --------------------------------------------------------------------------------------
# the table every writer reads: members sorted, attributes by column, ties sorted
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """What an export holds, in the order it is written.

    ``columns`` maps attribute -> (type, one value per member or None where left out);
    type is ``"boolean"``, ``"long"``, ``"double"`` or ``"string"``. ``src``/``dst`` are
    member indices of the ties, sorted; ``rating`` the ties' ratings (only with ``full``)
    with ``rated`` saying which ties have one.
    """

    nodes: list[str]
    columns: dict[str, tuple[str, list]]
    src: np.ndarray
    dst: np.ndarray
    rating: np.ndarray | None = None
    rated: np.ndarray | None = None


def _column_type(values: list) -> str:
    present = [x for x in values if x is not None]
    if present and all(isinstance(x, (bool, np.bool_)) for x in present):
        return "boolean"
    if present and all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in present):
        return "long"
    if present and all(isinstance(x, (float, np.floating)) for x in present):
        return "double"
    return "string"


def _typed(values: list) -> tuple[str, list]:
    kind = _column_type(values)
    cast = {"boolean": bool, "long": int, "double": float, "string": str}[kind]
    return kind, [None if x is None else cast(x) for x in values]


def _table(G: nx.DiGraph, *, core=None, coreness=None, k: int = 3, full: bool = False,
           attributes: bool = True) -> _Table:
    """The export of ``G`` as one table (see :func:`export_graph` for what it holds)."""
    order = sorted(G.nodes())
    nodes = [str(v) for v in order]
    index = {v: i for i, v in enumerate(order)}
    columns: dict[str, tuple[str, list]] = {}
    if attributes:
        if full:
            data = G.nodes
            for key in NODE_ATTRIBUTES:
                values = [data[v].get(key) for v in order]
                if key == "answered":
                    values = [None if x is None else bool(x) for x in values]
                if any(x is not None for x in values):
                    columns[key] = _typed(values)
        else:
            for key, by_member in safe_attributes(G, k).items():
                values = [by_member[v] for v in order]
                if any(x is not None for x in values):
                    columns[key] = _typed(values)
        if core is not None:
            inside = set(core)
            columns["core"] = ("boolean", [v in inside for v in order])
        if coreness is not None:
            cn = pd.Series(coreness, dtype=float)
            found = (cn.reindex(order) if cn.index.is_unique else pd.Series([cn.get(v, math.nan) for v in order]))
            columns["coreness"] = ("double", [float(x) for x in found.to_numpy(dtype=float)])
    if not G.is_directed():  # a tie graph is directed; an undirected one is written one way per edge, as listed
        G = nx.DiGraph(G.edges(data=True)) if full else nx.DiGraph(G.edges())
        G.add_nodes_from(order)
    m = G.number_of_edges()
    succ = G.succ  # the ties in the graph's edge order, read from the successor lists
    degree = np.fromiter(map(len, succ.values()), dtype=np.int64, count=len(succ))
    src = np.repeat(np.fromiter(map(index.__getitem__, succ), dtype=np.int64, count=len(succ)), degree)
    dst = np.fromiter(map(index.__getitem__, itertools.chain.from_iterable(succ.values())), dtype=np.int64, count=m)
    rating = rated = None
    if full:
        found = [d.get("rating") for nbrs in succ.values() for d in nbrs.values()]
        rated = np.fromiter((r is not None for r in found), dtype=bool, count=m)
        rating = np.fromiter((0 if r is None else int(r) for r in found), dtype=np.int64, count=m)
    by = np.lexsort((dst, src))
    src, dst = src[by], dst[by]
    if rating is not None:
        rating, rated = rating[by], rated[by]
    return _Table(nodes, columns, src, dst, rating, rated)


def export_graph(
    G: nx.DiGraph,
    *,
    core: Collection[str] | None = None,
    coreness: pd.Series | Mapping | None = None,
    k: int = 3,
    full: bool = False,
) -> nx.DiGraph:
    """The graph as exported: sorted, with only the exported attributes.

    The writers do not build this graph (they stream the same table into each file); it
    is what each of them holds, as a graph.

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
    return _graph(_table(G, core=core, coreness=coreness, k=k, full=full))


def _graph(t: _Table) -> nx.DiGraph:
    H = nx.DiGraph()
    for i, v in enumerate(t.nodes):
        H.add_node(v, **{key: values[i] for key, (_, values) in t.columns.items() if values[i] is not None})
    for j, (a, b) in enumerate(zip(t.src.tolist(), t.dst.tolist())):
        attrs = {"rating": int(t.rating[j])} if t.rating is not None and t.rated[j] else {}
        H.add_edge(t.nodes[a], t.nodes[b], **attrs)
    return H


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------

#: Ties (or matrix rows' bytes, about) per chunk handed to the file.
_CHUNK = 20_000


def _write_atomic(path: str | os.PathLike, chunks: Iterable[str | bytes | memoryview]) -> Path:
    """Write the chunks (text as UTF-8) to ``path`` through :func:`helpers.io.atomic_file`, each
    before the next is asked for."""
    from helpers.io import atomic_file

    path = Path(path)
    with atomic_file(path, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    return path


#: Characters XML 1.0 cannot hold, not even as a character reference.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;",
                                "\n": "&#10;", "\t": "&#9;"})


def _xml_text(s: str) -> str:
    r"""``s`` as XML character data: ``& < >`` and carriage returns escaped, characters XML
    cannot hold as U+FFFD.

    >>> _xml_text('a < b & "c"\x01')
    'a &lt; b &amp; "c"\ufffd'
    """
    return _NOT_XML.sub("\ufffd", str(s)).translate(_XML_TEXT)


def _xml_attribute(s: str) -> str:
    r"""``s`` as a double-quoted XML attribute value: also ``"``, line breaks and tabs escaped
    (a parser would turn them into spaces otherwise).

    >>> _xml_attribute('a "b"\nc')
    'a &quot;b&quot;&#10;c'
    """
    return _NOT_XML.sub("\ufffd", str(s)).translate(_XML_ATTRIBUTE)


def _xml_value(kind: str, x) -> str:
    """A value as XML Schema writes its type (``true``, ``NaN``, ``INF``), strings not yet escaped."""
    if kind == "boolean":
        return "true" if x else "false"
    if kind == "double":
        x = float(x)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "INF" if x > 0 else "-INF"
        return repr(x)
    if kind == "long":
        return str(int(x))
    return str(x)


def _each_once(f, values: list) -> list:
    """``f`` of every value (None stays None), computed once per distinct value."""
    done: dict = {}
    out = []
    for x in values:
        if x is None:
            out.append(None)
            continue
        try:
            out.append(done[x])
        except KeyError:
            out.append(done.setdefault(x, f(x)))
    return out


def _xml_columns(t: _Table, escape=_xml_text) -> list[tuple[str, str, list]]:
    """Per column: (escaped name, type, every member's value escaped by ``escape``, or None)."""
    return [(_xml_attribute(key), kind, _each_once(lambda x, kind=kind: escape(_xml_value(kind, x)), values))
            for key, (kind, values) in t.columns.items()]


def _graphml_chunks(t: _Table) -> Iterable[str]:
    columns = _xml_columns(t)
    ids = [_xml_attribute(v) for v in t.nodes]
    yield ("<?xml version='1.0' encoding='utf-8'?>\n"
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    keys = [f'  <key id="d{i}" for="node" attr.name="{name}" attr.type="{kind}" />\n'
            for i, (name, kind, _) in enumerate(columns)]
    edge_key = f"d{len(columns)}"
    if t.rating is not None and t.rated.any():
        keys.append(f'  <key id="{edge_key}" for="edge" attr.name="rating" attr.type="long" />\n')
    yield "".join(keys) + '  <graph edgedefault="directed">\n'
    lines = []
    for i, v in enumerate(ids):
        data = [f'      <data key="d{c}">{text[i]}</data>\n' for c, (_, _, text) in enumerate(columns)
                if text[i] is not None]
        lines.append(f'    <node id="{v}">\n' + "".join(data) + "    </node>\n" if data else f'    <node id="{v}" />\n')
        if len(lines) >= _CHUNK:
            yield "".join(lines)
            lines = []
    yield "".join(lines)
    src, dst = t.src.tolist(), t.dst.tolist()
    for start in range(0, len(src), _CHUNK):
        stop = min(start + _CHUNK, len(src))
        if t.rating is None:
            yield "".join(f'    <edge source="{ids[a]}" target="{ids[b]}" />\n'
                          for a, b in zip(src[start:stop], dst[start:stop]))
        else:
            r, has = t.rating[start:stop].tolist(), t.rated[start:stop].tolist()
            yield "".join(f'    <edge source="{ids[a]}" target="{ids[b]}">\n      <data key="{edge_key}">{x}</data>\n'
                          "    </edge>\n" if h else f'    <edge source="{ids[a]}" target="{ids[b]}" />\n'
                          for a, b, x, h in zip(src[start:stop], dst[start:stop], r, has))
    yield "  </graph>\n</graphml>\n"


def _gexf_chunks(t: _Table) -> Iterable[str]:
    columns = _xml_columns(t, _xml_attribute)  # GEXF's values are XML attributes
    ids = [_xml_attribute(v) for v in t.nodes]
    rated = t.rating is not None and bool(t.rated.any())
    yield ("<?xml version='1.0' encoding='utf-8'?>\n"
           '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
           "  <meta>\n    <creator>forum-network</creator>\n  </meta>\n"
           '  <graph defaultedgetype="directed" mode="static" name="">\n')
    head = []
    if rated:
        head.append('    <attributes mode="static" class="edge">\n'
                    f'      <attribute id="{len(columns)}" title="rating" type="long" />\n'
                    "    </attributes>\n")
    if columns:
        head.append('    <attributes mode="static" class="node">\n'
                    + "".join(f'      <attribute id="{c}" title="{name}" type="{kind}" />\n'
                              for c, (name, kind, _) in enumerate(columns))
                    + "    </attributes>\n")
    yield "".join(head) + "    <nodes>\n"
    values = [text for _, _, text in columns]
    lines = []
    for i, v in enumerate(ids):
        att = [f'          <attvalue for="{c}" value="{col[i]}" />\n' for c, col in enumerate(values)
               if col[i] is not None]
        lines.append(f'      <node id="{v}" label="{v}">\n        <attvalues>\n' + "".join(att)
                     + "        </attvalues>\n      </node>\n" if att else f'      <node id="{v}" label="{v}" />\n')
        if len(lines) >= _CHUNK:
            yield "".join(lines)
            lines = []
    yield "".join(lines) + "    </nodes>\n    <edges>\n"
    src, dst = t.src.tolist(), t.dst.tolist()
    rating_id = len(columns)
    for start in range(0, len(src), _CHUNK):
        stop = min(start + _CHUNK, len(src))
        if not rated:
            yield "".join(f'      <edge source="{ids[a]}" target="{ids[b]}" id="{j}" />\n'
                          for j, a, b in zip(range(start, stop), src[start:stop], dst[start:stop]))
        else:
            r, has = t.rating[start:stop].tolist(), t.rated[start:stop].tolist()
            yield "".join(f'      <edge source="{ids[a]}" target="{ids[b]}" id="{j}">\n        <attvalues>\n'
                          f'          <attvalue for="{rating_id}" value="{x}" />\n        </attvalues>\n'
                          "      </edge>\n" if h else f'      <edge source="{ids[a]}" target="{ids[b]}" id="{j}" />\n'
                          for j, a, b, x, h in zip(range(start, stop), src[start:stop], dst[start:stop], r, has))
    yield "    </edges>\n  </graph>\n</gexf>\n"


def write_graphml(G: nx.DiGraph, path: str | os.PathLike, *, core=None, coreness=None, k: int = 3,
                  full: bool = False) -> Path:
    """Write the network as GraphML.

    One ``<key>`` per attribute (``string``, ``boolean``, ``double`` or ``long``), then the
    members in sorted order and the ties sorted by source and target, written as a
    stream; labels and values escaped by the XML rules (see the module's notes).

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
    return _write_atomic(path, _graphml_chunks(_table(G, core=core, coreness=coreness, k=k, full=full)))


def write_gexf(G: nx.DiGraph, path: str | os.PathLike, *, core=None, coreness=None, k: int = 3,
               full: bool = False) -> Path:
    """Write the network as GEXF 1.2 (Gephi's own format).

    Static attributes declared per class (``string``, ``boolean``, ``double``, ``long``),
    then the members (id and label: the pseudonymous id) and the ties (numbered in sorted
    order), written as a stream; no modification date, so the same network gives the
    same bytes on any day.

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
    return _write_atomic(path, _gexf_chunks(_table(G, core=core, coreness=coreness, k=k, full=full)))


#: Characters a line-based format (Pajek, DL) cannot hold inside a value: they become spaces.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def _pajek_str(x) -> str:
    """A Pajek value: one line, no double quotes or backslashes; quoted when it needs to be.

    >>> _pajek_str("Børn og Unge"), _pajek_str("x"), _pajek_str('a"b\\\\c')
    ('"Børn og Unge"', 'x', '"a\\'b/c"')
    """
    s = _BREAKS.sub(" ", str(x)).replace('"', "'").replace("\\", "/")
    if s == "" or any(c.isspace() or c == "'" for c in s):
        return '"' + s + '"'
    return s


def _attr_text(kind: str, x) -> str:
    if kind == "boolean":
        return "true" if x else "false"
    if kind == "double":
        return "nan" if math.isnan(x) else repr(float(x))
    return str(x)


def _pajek_chunks(t: _Table) -> Iterable[str]:
    labels = ['"' + _BREAKS.sub(" ", v).replace('"', "'").replace("\\", "/") + '"' for v in t.nodes]
    columns = [(_pajek_str(key), _each_once(lambda x, kind=kind: _pajek_str(_attr_text(kind, x)), values))
               for key, (kind, values) in t.columns.items()]
    yield f"*Vertices {len(t.nodes)}\n"
    lines = []
    for i, label in enumerate(labels):
        fields = [str(i + 1), label, "0.0", "0.0", "ellipse"]
        for key, values in columns:
            if values[i] is not None:
                fields += [key, values[i]]
        lines.append(" ".join(fields) + "\n")
        if len(lines) >= _CHUNK:
            yield "".join(lines)
            lines = []
    yield "".join(lines) + "*Arcs\n"
    src, dst = (t.src + 1).tolist(), (t.dst + 1).tolist()
    weight = ([1] * len(src) if t.rating is None else np.where(t.rated, t.rating, 1).tolist())
    for start in range(0, len(src), _CHUNK):
        stop = min(start + _CHUNK, len(src))
        yield "".join(f"{a} {b} {w}\n" for a, b, w in zip(src[start:stop], dst[start:stop], weight[start:stop]))


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
    without one). Pajek has no escapes: see the module's notes for what becomes of line
    breaks, double quotes and backslashes in a value.

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
    return _write_atomic(path, _pajek_chunks(_table(G, core=core, coreness=coreness, k=k, full=full)))


def _dl_label(s: str) -> str:
    """A DL label: one line, no double quotes; quoted when it holds a space, comma or quote.

    >>> _dl_label("p01"), _dl_label("Børn og Unge"), _dl_label('a,"b"')
    ('p01', '"Børn og Unge"', '"a,\\'b\\'"')
    """
    s = _BREAKS.sub(" ", str(s)).replace('"', "'")
    if s == "" or any(c.isspace() or c in ",'" for c in s):
        return '"' + s + '"'
    return s


def _dl_number(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "."
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def _matrix_rows(n: int, src: np.ndarray, dst: np.ndarray, values: np.ndarray, *,
                 block: int | None = None) -> Iterable[memoryview]:
    """The rows of an n x n matrix of small integers, zero but at (src, dst), as DL text.

    Each row is ``n`` one-character cells separated by spaces, built ``block`` rows at a
    time (default: about 8 MB) in one reused byte buffer (values 0-9); ``src`` must be
    sorted. Each block is a ``memoryview`` of that buffer: use it before asking for the next.
    """
    width = 2 * n
    block = min(n, block or max(1, (8 << 20) // max(width, 1)))
    starts = np.searchsorted(src, np.arange(0, n + block, block))
    buf = np.full((block, width), ord(" "), dtype=np.uint8)  # one block of empty rows, reused
    buf[:, 0::2] = ord("0")
    buf[:, -1] = ord("\n")
    for b, first in enumerate(range(0, n, block)):
        rows = min(block, n - first)
        lo, hi = starts[b], starts[b + 1]
        r, c = src[lo:hi] - first, 2 * dst[lo:hi]
        buf[r, c] = ord("0") + values[lo:hi].astype(np.uint8)
        yield buf[:rows].data  # a view: written before the next block is made in the same buffer
        buf[r, c] = ord("0")


def _dl_network_chunks(t: _Table, values: str | None) -> Iterable[str | bytes]:
    n = len(t.nodes)
    yield f"dl n={n} format=fullmatrix\nlabels:\n" + " ".join(_dl_label(v) for v in t.nodes) + "\ndata:\n"
    if n == 0:
        return
    cells = np.ones(len(t.src), dtype=np.int64)
    if values == "rating" and t.rating is not None:
        cells = np.where(t.rated, t.rating, 1)
    if cells.size == 0 or (cells.min() >= 0 and cells.max() <= 9):
        yield from _matrix_rows(n, t.src, t.dst, cells)
        return
    # ratings of more than one digit: row by row
    starts = np.searchsorted(t.src, np.arange(n + 1))
    for i in range(n):
        row = np.zeros(n, dtype=np.int64)
        row[t.dst[starts[i]:starts[i + 1]]] = cells[starts[i]:starts[i + 1]]
        yield " ".join(map(str, row.tolist())) + "\n"


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
    space, comma or quote); row i, column j is 1 when member i named member j (or the tie's
    rating with ``values="rating"``), else 0. Rows of non-respondents are all 0 because
    their answers are missing: use the ``answered`` column of
    :func:`write_dl_attributes` to tell them apart. The matrix is written a block of rows
    at a time (never held whole: 10,000 members make a 200 MB file).

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
    return _write_atomic(path, _dl_network_chunks(_table(G, full=full, attributes=False), values))


def _dl_attribute_chunks(t: _Table) -> Iterable[str]:
    """The attribute file's text: the numeric columns of :func:`write_dl_attributes`."""
    nan = math.nan
    columns: list[tuple[str, list]] = []

    def column(key):
        return t.columns[key][1] if key in t.columns else None

    gender, role, answered = column("gender"), column("role"), column("answered")
    if gender is not None:
        columns.append(("female", [float(x == "female") if x in ("female", "male") else nan for x in gender]))
    if role is not None:
        columns.append(("director", [float(x == "director") if x in ("director", "chief") else nan for x in role]))
    if answered is not None:
        columns.append(("answered", [nan if x is None else float(bool(x)) for x in answered]))
    if "core" in t.columns:
        columns.append(("core", [nan if x is None else float(bool(x)) for x in column("core")]))
    if "coreness" in t.columns:
        columns.append(("coreness", [nan if x is None else float(x) for x in column("coreness")]))
    department = column("department") or [None] * len(t.nodes)
    names = sorted({d for d in department if d is not None}, key=str)
    slot = {d: j for j, d in enumerate(names)}
    labels = [c for c, _ in columns] + [f"department={d}" for d in names]
    yield (f"dl nr={len(t.nodes)} nc={len(labels)} format=fullmatrix\nrow labels:\n"
           + " ".join(_dl_label(v) for v in t.nodes) + "\ncolumn labels:\n"
           + " ".join(_dl_label(c) for c in labels) + "\ndata:\n")
    texts = [[_dl_number(x) for x in values] for _, values in columns]
    zeros = np.frombuffer((" 0" * len(names)).encode("ascii"), dtype=np.uint8)
    lines = []
    for i, d in enumerate(department):
        fixed = " ".join(text[i] for text in texts)
        if names:
            cells = zeros.copy()
            if d is not None:
                cells[2 * slot[d] + 1] = ord("1")
            tail = cells.tobytes().decode("ascii")
            lines.append((fixed + tail if fixed else tail[1:]) + "\n")
        else:
            lines.append(fixed + "\n")
        if len(lines) >= 1000:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


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
    return _write_atomic(path, _dl_attribute_chunks(_table(G, core=core, coreness=coreness, k=k, full=full)))


def read_dl(path: str | os.PathLike) -> pd.DataFrame:
    """Read a UCINET DL full-matrix file as written by :func:`write_dl` or
    :func:`write_dl_attributes`.

    Understands ``n=`` or ``nr=``/``nc=``, ``format=fullmatrix``, and the sections
    ``labels:``, ``row labels:``, ``column labels:`` and ``data:`` (labels separated by
    spaces, commas or line breaks; double quotes around labels with spaces or commas, inside
    which every other character is the label's own; ``.`` for a missing value).

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
        lex = shlex.shlex(" ".join(sections[name]), posix=True)
        lex.whitespace_split = True
        lex.whitespace += ","  # between labels; a comma inside double quotes stays
        lex.quotes, lex.escape, lex.commenters = '"', "", ""  # an apostrophe, backslash or # is part of a label
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
    t = _table(G, core=core, coreness=coreness, k=k, full=full)  # one table for the five files
    return {
        "graphml": _write_atomic(folder / f"{stem}.graphml", _graphml_chunks(t)),
        "gexf": _write_atomic(folder / f"{stem}.gexf", _gexf_chunks(t)),
        "pajek": _write_atomic(folder / f"{stem}.net", _pajek_chunks(t)),
        "dl": _write_atomic(folder / f"{stem}.dl", _dl_network_chunks(t, None)),
        "dl_attributes": _write_atomic(folder / f"{stem}-attributes.dl", _dl_attribute_chunks(t)),
    }
