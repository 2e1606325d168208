"""An interactive view of Figure 1 for the HTML handout: point at a member to read about them.

:func:`network_html` draws the forum's network as inline SVG, with the positions, colours,
shapes and sizes of Figure 1 (:func:`helpers.handout.plots.network`), and a few lines of inline
script and CSS: pointing at a member (hover with a mouse, tap on a phone, or Tab with the
keyboard) shows their department, their role where that is safe to show, whether they
are in the core or the periphery, and their coreness, and highlights their ties. Without
script the same text is each member's SVG ``<title>`` (the browser's own tooltip). The
fragment loads nothing: no CDN, no external file, so the single HTML file works offline.

Privacy: members are numbered 0, 1, ... in the view; no name and no pseudonym id is
written. The view shows only what at least ``min_group_size`` members share
(:func:`helpers.handout.suppression.group_labels`): a department too small for the rule
is merged into "other" in the tooltips, the data attributes and the legend; a member of
such a department gets no coreness and no list of tie partners (``data-nb`` is empty,
and no other member's list names them), and when even the merged group is too small the
member is drawn as a plain grey point with no department at all. Role is shown only for
the members of a department in which every role is held by at least ``min_group_size``
members (each department has one director, so in practice the role is left out): shown
for some members and left out for others, it would point out the director by
elimination.

:class:`NetworkView` is what the handout notebook displays. Its Markdown representation
is a raw HTML block (```` ```{=html} ````), which pandoc passes into HTML and drops from
every other format, so the PDF keeps the static Figure 1; its HTML representation is for
JupyterLab and for Quarto's HTML output. With ``replaces="fig-network"`` the view takes
the place of that figure's image in the HTML handout, under the figure's caption: the
render filter (``report/filters/handout.lua``) moves it when the handout is rendered, and
the view's script does the same in the browser when another renderer (Quarto) left it
beside the figure.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from helpers import lang as fmt
from helpers.handout.plots import PALETTE, department_markers, group_style, marker_scale, network_layout, node_sizes
from helpers.handout.suppression import group_labels
from helpers.results import union_graph

__all__ = ["DEFAULT_LABELS", "NetworkView", "network_html", "view", "shown_roles", "marker_path", "view_frame"]

DEFAULT_LABELS = {
    "department": "Department",
    "role": "Role",
    "group": "Group",
    "core": "Core",
    "periphery": "Periphery",
    "coreness": "Coreness",
    "director": "director",
    "chief": "chief",
    "hint": "Point at a member, or tap it on a phone, to see their department, core or periphery, and coreness.",
    "other": "Other",
    "aria": "The forum's network: one point per member, no names.",
}
"""English texts of the view; the handout passes its own from the language catalogue."""

#: Width of the drawing in SVG units; the view scales to the width of the page.
WIDTH = 560.0
#: SVG units per typographic point of Figure 1's markers (its axes are about 363 pt wide).
POINT = WIDTH / 363.0
#: Smallest radius (SVG units) of a member's touch area, so small points can be tapped.
HIT_RADIUS = 13.0
#: Same margin around the members as Figure 1 (:func:`helpers.handout.plots._frame`).
MARGIN = 0.08

_CSS = (
    ".netview{position:relative;margin:1em auto;max-width:36em;text-align:left}"
    ".netview-hint{font-size:.9em;color:#444;margin:0 0 .4em}"
    ".netview-canvas{position:relative}"
    ".netview svg.netview-svg{display:block;width:100%;max-width:100%;height:auto;touch-action:manipulation}"
    ".netview-nodes [data-i]{cursor:pointer;transition:opacity .15s}"
    ".netview-nodes [data-i]:focus{outline:none}"
    ".netview-active .netview-nodes [data-i]{opacity:.25}"
    ".netview-active .netview-nodes .netview-nb,.netview-active .netview-nodes .netview-on{opacity:1}"
    ".netview-nodes .netview-on{stroke:#000;stroke-width:2.5px}"
    ".netview-active .netview-ties{opacity:.35}"
    ".netview-hl{fill:none;stroke:#333;stroke-width:1.4px}"
    ".netview-tip{position:absolute;z-index:2;max-width:16em;padding:.35em .6em;background:#fff;"
    "border:1px solid #999;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.25);font-size:.85em;"
    "line-height:1.35;white-space:pre-line;pointer-events:none}"
    ".netview-tip[hidden]{display:none}"
    ".netview-legend{display:flex;flex-wrap:wrap;gap:.15em 1em;margin:.3em 0 0;padding:0;font-size:.8em;"
    "list-style:none}"
    ".netview-legend li{display:inline-flex;align-items:center;gap:.35em}"
    ".netview-legend svg{width:1.1em;height:1.1em;flex:none}"
    ".netview-legend .netview-legend-title{font-weight:600}"
)

# No backticks in the script, so that it sits safely in a Markdown raw block.
_SCRIPT = r"""(function(){
function each(list,f){Array.prototype.forEach.call(list,f);}
each(document.querySelectorAll('.netview:not([data-ready])'),function(v){
v.setAttribute('data-ready','');
var id=v.getAttribute('data-replaces');
if(id){var f=document.getElementById(id);
if(f&&!f.contains(v)){var im=f.querySelector('img');if(im){im.parentNode.replaceChild(v,im);}}}
var svg=v.querySelector('svg.netview-svg'),tip=v.querySelector('.netview-tip'),
hl=v.querySelector('.netview-hl'),canvas=v.querySelector('.netview-canvas');
var xy=[],node=[],text=[],on=-1,lit=[];
each(v.querySelectorAll('.netview-hits [data-i]'),function(c){
xy[+c.getAttribute('data-i')]=c.getAttribute('cx')+' '+c.getAttribute('cy');});
each(v.querySelectorAll('.netview-nodes [data-i]'),function(s){
var i=+s.getAttribute('data-i'),t=s.querySelector('title');node[i]=s;text[i]=t?t.textContent:'';
s.setAttribute('aria-label',text[i].replace(/\n/g,'; '));if(t){s.removeChild(t);}});
function neighbours(i){return (node[i].getAttribute('data-nb')||'').split(' ').filter(Boolean);}
function hide(){
if(on===-1){return;}
node[on].classList.remove('netview-on');
each(lit,function(j){node[j].classList.remove('netview-nb');});
lit=[];on=-1;hl.setAttribute('d','');svg.classList.remove('netview-active');tip.hidden=true;}
function show(i){
if(i===on){return;}
hide();on=i;lit=neighbours(i);
var d='';each(lit,function(j){node[j].classList.add('netview-nb');d+='M'+xy[i]+'L'+xy[j];});
hl.setAttribute('d',d);node[i].classList.add('netview-on');svg.classList.add('netview-active');
tip.textContent=text[i];tip.hidden=false;
var r=node[i].getBoundingClientRect(),c=canvas.getBoundingClientRect();
var w=tip.offsetWidth,h=tip.offsetHeight;
var left=Math.max(0,Math.min(c.width-w,r.left+r.width/2-c.left-w/2));
var top=r.top-c.top-h-6;if(top<0){top=r.bottom-c.top+6;}
tip.style.left=left+'px';tip.style.top=top+'px';}
function target(e){var t=e.target.closest?e.target.closest('[data-i]'):null;return t?+t.getAttribute('data-i'):-1;}
svg.addEventListener('pointerover',function(e){var i=target(e);if(i+1){show(i);}});
svg.addEventListener('pointerleave',function(e){if(e.pointerType==='mouse'){hide();}});
svg.addEventListener('click',function(e){var i=target(e);if(i+1){show(i);}else{hide();}});
svg.addEventListener('focusin',function(e){var i=target(e);if(i+1){show(i);}});
svg.addEventListener('focusout',function(){hide();});
v.addEventListener('keydown',function(e){if(e.key==='Escape'){hide();}});
document.addEventListener('click',function(e){if(!v.contains(e.target)){hide();}});
});
})();"""


def _num(x: float) -> str:
    """A coordinate with one decimal and no trailing zero ("12.5", "3", "-0.2")."""
    s = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def marker_path(marker: str, size: float) -> str:
    """SVG path data of a matplotlib marker of ``size`` units, centred at the origin, y down.

    The outline is matplotlib's own (``MarkerStyle(marker)``), so shapes match Figure 1.

    Parameters
    ----------
    marker : str
        A filled matplotlib marker, e.g. ``"s"``, ``"^"``, ``"D"``.
    size : float
        Marker size as matplotlib means it (the side of a square, the diameter of a circle).

    Returns
    -------
    str
        Path data (``M``, ``L``, ``C``, ``Q``, ``Z`` commands).

    Examples
    --------
    >>> marker_path("s", 10)
    'M-5 5L5 5L5 -5L-5 -5Z'
    >>> marker_path("^", 2)
    'M0 -1L-1 1L1 1Z'
    """
    from matplotlib.markers import MarkerStyle
    from matplotlib.path import Path as MplPath

    style = MarkerStyle(marker)
    path = style.get_path().transformed(style.get_transform())
    out = []
    letters = {MplPath.MOVETO: "M", MplPath.LINETO: "L", MplPath.CURVE3: "Q", MplPath.CURVE4: "C"}
    for vertices, code in path.iter_segments(simplify=False, curves=True):
        if code == MplPath.CLOSEPOLY:
            out.append("Z")
            continue
        pts = np.asarray(vertices, dtype=float).reshape(-1, 2) * size
        out.append(letters[code] + " ".join(f"{_num(x)} {_num(-y)}" for x, y in pts))
    return "".join(out)


def _shape(marker: str, size: float, x: float, y: float, attrs: str, inner: str = "") -> str:
    """One member's point: a circle for ``"o"``, else the marker's outline moved to (x, y)."""
    if marker == "o":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size / 2)}"{attrs}>{inner}</circle>'
    return (f'<path transform="translate({_num(x)} {_num(y)})" d="{marker_path(marker, size)}"{attrs}>'
            f"{inner}</path>")


def shown_roles(G: nx.Graph | nx.DiGraph, min_group_size: int) -> set[str]:
    """Departments whose members' roles may be shown.

    A department qualifies when each role held in it is held by at least
    ``min_group_size`` of its members; otherwise no member of the department is shown
    with a role, since showing the role of some would single out the others.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Nodes carry ``department`` and ``role``.
    min_group_size : int
        Smallest group a shown description may cover (the wave's ``min_group_size``).

    Returns
    -------
    set of str

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_nodes_from([(1, dict(department="A", role="chief")), (2, dict(department="A", role="chief")),
    ...                   (3, dict(department="B", role="chief")), (4, dict(department="B", role="director"))])
    >>> sorted(shown_roles(G, 2)), sorted(shown_roles(G, 1))
    (['A'], ['A', 'B'])
    """
    counts: dict[str, dict[str, int]] = {}
    for _, a in G.nodes(data=True):
        roles = counts.setdefault(a.get("department"), {})
        roles[a.get("role")] = roles.get(a.get("role"), 0) + 1
    return {d for d, roles in counts.items() if all(n >= min_group_size for n in roles.values())}


def _paint(group: str | None) -> str:
    """SVG fill and outline of a core, periphery or neutral (``None``) point, as in Figure 1
    (:func:`helpers.handout.plots.group_style`): filled dark red vs light blue with a blue outline."""
    style = group_style(group or "neutral")
    return (f' fill="{style["facecolor"]}" stroke="{style["edgecolor"]}"'
            f' stroke-width="{_num(style["linewidth"] * 1.5)}"')


def _raw_fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def network_html(
    G: nx.DiGraph,
    core: Collection[str],
    coreness: pd.Series | Mapping | None,
    positions: Mapping[str, np.ndarray],
    *,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    min_group_size: int = 3,
    replaces: str | None = None,
) -> str:
    """The interactive network view as an HTML fragment (inline SVG, CSS and script).

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph; nodes carry ``department`` and ``role``.
    core : collection of str
        Member ids in the core; everybody else is periphery.
    coreness : pandas.Series or mapping, optional
        Coreness per member id: sets the point size (as in Figure 1) and is shown.
    positions : mapping
        Member id -> (x, y), e.g. :func:`helpers.handout.plots.network_layout` with Figure 1's seed.
    labels : mapping, optional
        Texts for the keys of :data:`DEFAULT_LABELS` (English defaults).
    lang : {"da", "en"}
        Language of the numbers (decimal comma in Danish) and of the fragment.
    min_group_size : int
        Departments too small for the rule are merged into "other" or hidden, their members
        shown without coreness or tie partners; roles are shown only where they cannot
        single anybody out (see :func:`shown_roles`).
    replaces : str, optional
        Identifier of the figure whose image the view replaces in HTML (e.g.
        ``"fig-network"``); None: the view stands on its own.

    Returns
    -------
    str
        One ``<div class="netview">`` element; the same inputs give the same string.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("p1", "p2")])
    >>> nx.set_node_attributes(G, {"p1": "A", "p2": "B"}, "department")
    >>> nx.set_node_attributes(G, "chief", "role")
    >>> out = network_html(G, {"p1"}, {"p1": 0.9, "p2": 0.1}, {"p1": (0, 0), "p2": (1, 1)}, min_group_size=1)
    >>> out.count("<title>"), "p1" in out
    (2, False)
    """
    text = {**DEFAULT_LABELS, **(labels or {})}
    nodes = sorted(G.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    core = set(core)
    xy = np.array([positions[v] for v in nodes], dtype=float).reshape(-1, 2)
    lo, hi = (xy.min(axis=0), xy.max(axis=0)) if len(xy) else (np.zeros(2), np.ones(2))
    span = float((hi - lo).max()) if len(xy) > 1 and float((hi - lo).max()) > 0 else 1.0
    pad = span * MARGIN
    scale = WIDTH / (span + 2 * pad)
    width = (float(hi[0] - lo[0]) + 2 * pad) * scale
    height = (float(hi[1] - lo[1]) + 2 * pad) * scale
    at = {v: ((x - lo[0] + pad) * scale, (hi[1] - y + pad) * scale) for v, (x, y) in zip(nodes, xy)}

    # marker areas in pt^2, as Figure 1 (members of small departments all get the smallest)
    values = pd.Series(coreness, dtype=float) if coreness is not None else pd.Series(dtype=float)
    sizes: dict = {}
    for _, d in G.nodes(data="department"):
        sizes[d] = sizes.get(d, 0) + 1
    shown_as = group_labels(dict(sorted(sizes.items(), key=lambda item: str(item[0]))), min_group_size,
                            other=text["other"])
    department = {v: shown_as[G.nodes[v].get("department")] for v in nodes}
    small = {v for v in nodes if department[v] != G.nodes[v].get("department")}  # merged or hidden
    markers = department_markers(d for d in department.values() if d is not None)
    with_role = shown_roles(G, min_group_size)
    H = union_graph(G) if G.is_directed() else G
    ties = sorted((min(index[u], index[v]), max(index[u], index[v])) for u, v in H.edges())

    def describe(v) -> str:
        a = G.nodes[v]
        lines = [f"{text['department']}: {department[v]}"] if department[v] is not None else []
        if v not in small and a.get("department") in with_role and a.get("role") in text:
            lines.append(f"{text['role']}: {text[a['role']]}")
        if department[v] is not None:
            lines.append(f"{text['group']}: {text['core'] if v in core else text['periphery']}")
        value = values.get(v)
        if v not in small and value is not None and not pd.isna(value):
            lines.append(f"{text['coreness']}: {fmt.number(float(value), lang, 2)}")
        return html.escape("\n".join(lines) or "\u2013", quote=False)

    point = {i: f"{_num(at[v][0])} {_num(at[v][1])}" for v, i in index.items()}
    tie_path = "".join(f"M{point[a]}L{point[b]}" for a, b in ties)
    hits, shapes = [], []
    point_sizes = node_sizes(nodes, coreness, 40.0, 320.0)
    hidden = [v for v in nodes if department[v] is None]
    for d, marker in [*markers.items(), *([(None, "o")] if hidden else [])]:
        for v in (v for v in nodes if department[v] == d):
            x, y = at[v]
            size = math.sqrt((point_sizes[v] if v not in small else 40.0) * marker_scale(marker)) * POINT
            i = index[v]
            reach = max(size / 2 + 3, HIT_RADIUS)
            hits.append(f'<circle data-i="{i}" cx="{_num(x)}" cy="{_num(y)}" r="{_num(reach)}"/>')
            partners = [] if v in small else [u for u in sorted(H.neighbors(v), key=index.get) if u not in small]
            neighbours = " ".join(str(index[u]) for u in partners)
            attrs = f' data-i="{i}" data-nb="{neighbours}" tabindex="0" role="img"' + _paint(
                None if d is None else "core" if v in core else "periphery")
            shapes.append(_shape(marker, size, x, y, attrs, f"<title>{describe(v)}</title>"))

    def key(shape: str, group: str | None, label: str) -> str:
        icon = _shape(shape, 11.0, 0.0, 0.0, _paint(group))
        return (f'<li><svg viewBox="-7 -7 14 14" aria-hidden="true" focusable="false">{icon}</svg>'
                f"{html.escape(label)}</li>")

    legend = (f'<ul class="netview-legend"><li class="netview-legend-title">{html.escape(text["group"])}</li>'
              f'{key("o", "core", text["core"])}{key("o", "periphery", text["periphery"])}</ul>'
              f'<ul class="netview-legend"><li class="netview-legend-title">{html.escape(text["department"])}</li>'
              + "".join(key(m, None, str(d)) for d, m in markers.items()) + "</ul>")
    return view_frame(text, lang, replaces, width=_num(width), height=_num(height), tie_path=tie_path,
                      tie_width=0.8, hits=hits, shapes=shapes, legend=legend)


def view_frame(text: Mapping[str, str], lang: str, replaces: str | None, *, width: str, height: str, tie_path: str,
               tie_width: float, hits: list[str], shapes: list[str], legend: str) -> str:
    """The interactive view's HTML around its drawing: style, hint, SVG, tooltip, legend, script.

    Shared by the member view (:func:`network_html`) and the department view of a large
    network (:func:`helpers.handout.aggregate.department_html`). Every text is escaped here or
    was built from escaped parts.

    Parameters
    ----------
    text : mapping
        The view's labels (``hint``, ``aria``).
    lang : str
        Language of the fragment.
    replaces : str or None
        Label of the static figure the view replaces in HTML (``data-replaces``).
    width, height : str
        The SVG's view box, formatted.
    tie_path : str
        SVG path data of all ties.
    tie_width : float
        Stroke width of the ties.
    hits, shapes : list of str
        The points' touch areas and their drawn shapes (with ``data-i``/``data-nb``).
    legend : str
        The legend's HTML.

    Returns
    -------
    str
        HTML.
    """
    target = f' data-replaces="{html.escape(replaces)}"' if replaces else ""
    return (
        f'<div class="netview" lang="{html.escape(lang)}"{target}>'
        f"<style>{_CSS}</style>"
        f'<p class="netview-hint">{html.escape(text["hint"])}</p>'
        f'<div class="netview-canvas">'
        f'<svg class="netview-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' role="group" aria-label="{html.escape(text["aria"])}">'
        f'<path class="netview-ties" d="{tie_path}" fill="none" stroke="{PALETTE["edge"]}" stroke-width="{tie_width}"/>'
        f'<g class="netview-hits" fill="none" pointer-events="all">{"".join(hits)}</g>'
        f'<path class="netview-hl" d=""/>'
        f'<g class="netview-nodes">{"".join(shapes)}</g>'
        f"</svg>"
        f'<div class="netview-tip" role="status" aria-live="polite" hidden></div>'
        f"</div>"
        f"{legend}"
        f"<script>{_SCRIPT}</script>"
        f"</div>"
    )


@dataclass(frozen=True)
class NetworkView:
    """An HTML fragment the handout notebook displays: in HTML only, never in the PDF.

    Attributes
    ----------
    html : str
        The fragment (from :func:`network_html`).
    members : int
        Members drawn (for the plain-text representation).
    params : dict
        How it was made (seed, language, ``min_group_size``, ``replaces``).
    """

    html: str
    members: int = 0
    params: dict = field(default_factory=dict)

    def markdown(self) -> str:
        """The fragment as a Markdown raw HTML block: passed into HTML, dropped from Typst and LaTeX."""
        fence = _raw_fence(self.html)
        return f"{fence}{{=html}}\n{self.html}\n{fence}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/markdown": self.markdown()}

    def __repr__(self) -> str:
        return f"NetworkView(members={self.members}, params={self.params})"


def view(
    G: nx.DiGraph,
    core: Collection[str],
    coreness: pd.Series | Mapping | None = None,
    *,
    seed: int,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    min_group_size: int = 3,
    replaces: str | None = None,
) -> NetworkView:
    """The interactive view laid out as Figure 1 (:func:`helpers.handout.plots.network_layout` with ``seed``).

    Parameters are those of :func:`network_html`, with ``seed`` in place of ``positions``.

    Returns
    -------
    NetworkView
    """
    html_text = network_html(G, core, coreness, network_layout(G, seed=seed), labels=labels, lang=lang,
                             min_group_size=min_group_size, replaces=replaces)
    params = {"seed": int(seed), "lang": lang, "min_group_size": int(min_group_size), "replaces": replaces}
    return NetworkView(html_text, G.number_of_nodes(), params)
