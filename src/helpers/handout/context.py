"""The handout's text and figures, generated from a wave's results.

Every sentence a reader sees is built here from the numbers in ``build/<wave>/results``
and the language catalogue (``report/i18n/<lang>.yml``), so it follows the data of
whatever wave is rendered: a wave whose network splits into department silos is said to
have separate groupings, a wave with a cut vertex no longer says nobody is indispensable.
Functions return Markdown strings or draw on matplotlib axes; the handout notebook
(``report/handout.ipynb``) only calls them.

Privacy: members appear only as role and department, and only where that description
covers at least ``min_group_size`` members of the forum; a count or mean that describes
fewer people is replaced by a marker, with one note in the method section.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import platform
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import networkx as nx
import pandas as pd
import yaml
from babel.lists import format_list

from helpers import paths
from helpers import safeyaml
from helpers import io
from helpers import lang as fmt
from helpers.handout.suppression import MARKER, suppress
from helpers.ingest.wave import wave_text

#: Density bands for the word the handout uses ("a medium-dense network"): below 25 %
#: sparse, from 25 % up to 50 % medium-dense, from 50 % dense. The seminar called
#: 42.3 % medium-dense.
DENSITY_BANDS = ((0.25, "sparse"), (0.50, "medium"), (float("inf"), "dense"))
#: Level of every test the handout turns into words.
ALPHA = 0.05
#: Software whose versions the method section lists.
SOFTWARE = ("networkx", "pandas", "cdlib", "leidenalg", "scipy", "matplotlib", "papermill", "pypandoc-binary", "typst")
#: Stands in the method note for the engine that renders the handout; the renderer
#: (helpers.pipeline.render.fill_renderer) puts its name and version there.
RENDERER = "⟦renderer⟧"
#: A quoted ``"{{ key }}"`` in a cell option: replaced by the text as a JSON string, which
#: is also a valid YAML double-quoted scalar (quotes and backslashes in the text escaped).
_QUOTED_PLACEHOLDER = re.compile(r'"\{\{\s*([\w.]+)\s*\}\}"')


def text(lang: str) -> fmt.Text:
    """The sentence catalogue of ``lang`` (see :class:`helpers.lang.Text`)."""
    return fmt.Text(lang, paths.project_root() / "report" / "i18n")


def density_word(density: float) -> str:
    """The density band of a network: ``"sparse"``, ``"medium"`` or ``"dense"``.

    Examples
    --------
    >>> density_word(611 / 1443), density_word(0.1), density_word(0.5)
    ('medium', 'sparse', 'dense')
    """
    return next(word for limit, word in DENSITY_BANDS if density < limit)


def density_sentence(summary: dict, lang: str) -> str:
    """The density finding, e.g. "611 relationer ud af et teoretisk maksimum på 1.443 (42,3 %)".

    Parameters
    ----------
    summary : dict
        From :func:`helpers.analysis.network.summary`.
    lang : {"da", "en"}
    """
    t = text(lang)
    return t("structure.density",
             density_word=t(f"structure.density_words.{density_word(summary['density'])}"),
             ties=fmt.number(summary["ties"], lang), possible=fmt.number(summary["possible_ties"], lang),
             density=fmt.percent(summary["density"], lang))


def localise_cell_options(nb, lang: str):
    """Fill ``{{ key }}`` placeholders in the notebook's ``#|`` cell options (captions) from the catalogue.

    Captions are cell options, read by the renderer, so they cannot come from code; the
    handout notebook writes ``#| fig-cap: "{{ figure1.caption }}"`` and this fills in the
    language's text before rendering, as a double-quoted string with its quotes and
    backslashes escaped (the placeholder must stand in quotes). Returns a new notebook.
    """
    import copy

    t = text(lang)
    out = copy.deepcopy(nb)
    for cell in out.cells:
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("#|"):
                lines[i] = _QUOTED_PLACEHOLDER.sub(lambda m: json.dumps(t(m.group(1)), ensure_ascii=False), line)
        cell.source = "\n".join(lines)
    return out


def pipe_table(frame: pd.DataFrame, align: str | None = None) -> str:
    """A Markdown pipe table (first column left-aligned, the others right-aligned by default).

    Examples
    --------
    >>> print(pipe_table(pd.DataFrame({"a": ["x"], "b": ["1,5"]})))
    | a | b |
    |:--|--:|
    | x | 1,5 |
    """
    align = align or "l" + "r" * (frame.shape[1] - 1)
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


@dataclass
class Handout:
    """One wave's handout in one language.

    Parameters
    ----------
    folder : Path
        The wave's build folder (``build/<wave>``), holding ``tidy/`` and ``results/``.
    lang : {"da", "en"}
    seed : int
        Seed of the figures' layouts (the same seed as the analysis).
    """

    folder: Path
    lang: str = "da"
    seed: int = 0
    _tables: dict = field(default_factory=dict, repr=False)

    # -- data ---------------------------------------------------------------------------
    @cached_property
    def t(self) -> fmt.Text:
        return text(self.lang)

    @cached_property
    def meta(self) -> dict:
        return io.read_json(self.folder / "tidy" / "wave.json")

    @cached_property
    def summary(self) -> dict:
        return io.read_json(self.folder / "results" / "network.json")

    @cached_property
    def structure(self) -> dict:
        return io.read_json(self.folder / "results" / "structure.json")

    @cached_property
    def graph(self) -> nx.DiGraph:
        return io.read_tie_graph(self.folder / "tidy")

    @property
    def k(self) -> int:
        return int(self.meta.get("min_group_size", 3))

    @property
    def thin(self) -> bool:
        """Fewer respondents than ``k``: every figure about the relations would describe fewer
        than ``k`` people's answers, so the handout says so instead of showing them.

        False when the wave has no network summary (a handout built from the structure
        results alone, as the table card's prompts may be)."""
        return self._has_summary() and self.summary["respondents"] < self.k

    @property
    def no_ties(self) -> bool:
        """No respondent named anyone at or above the tie threshold (False without a network summary)."""
        return self._has_summary() and self.summary["ties"] == 0

    def _has_summary(self) -> bool:
        return (self.folder / "results" / "network.json").is_file()

    @property
    def has_core(self) -> bool:
        """Whether a core could be told apart (see :func:`helpers.findings.no_core_reason`)."""
        return bool(self.structure["core_periphery"]["ignore"].get("defined", True)) and not self.thin

    @property
    def n_departments(self) -> int:
        return len({d for _, d in self.graph.nodes(data="department")})

    def table(self, name: str) -> pd.DataFrame:
        """A results table (``results/<name>.csv``), read once."""
        if name not in self._tables:
            self._tables[name] = io.read_table(self.folder / "results" / f"{name}.csv")
        return self._tables[name].copy()

    # -- formatting ---------------------------------------------------------------------
    def n(self, value: float | None, decimals: int | None = None) -> str:
        """A number for the language; the marker for a value that is not defined (None, NaN)."""
        return MARKER if _undefined(value) else fmt.number(value, self.lang, decimals)

    def pct(self, share: float | None, decimals: int = 0) -> str:
        return MARKER if _undefined(share) else fmt.percent(share, self.lang, decimals)

    def p(self, value: float | None) -> str:
        """A p-value with its relation sign: "= 0,034", or "< 0,001" below 0.001."""
        if _undefined(value):
            return "= " + MARKER
        return ("< " + self.n(0.001, 3)) if value < 0.001 else "= " + self.n(value, 3)

    def listing(self, items) -> str:
        items = list(items)
        return format_list(items, locale=self.lang) if items else ""

    def count(self, value: int) -> str:
        """A head count, or "fewer than k" when it describes fewer than ``k`` people (but some)."""
        return self.t("labels.fewer_than", k=self.k) if 0 < value < self.k else self.n(value)

    def wave_text(self, *path: str):
        """A text of ``wave.yml`` (name, question, scale) in the handout's language where it
        gives a translation, else as the survey had it (:func:`helpers.ingest.wave.wave_text`)."""
        return wave_text(self.meta, self.lang, *path)

    def label(self, key: str) -> str:
        return self.t(f"labels.{key}")

    def describe(self, member: str) -> str | None:
        """A member as the handout may name them: by role and department if at least ``k``
        members share both, else by department if at least ``k`` share it, else not at all."""
        G = self.graph
        role, dept = G.nodes[member]["role"], G.nodes[member]["department"]
        same_both = sum(1 for _, a in G.nodes(data=True) if a["role"] == role and a["department"] == dept)
        same_dept = sum(1 for _, a in G.nodes(data=True) if a["department"] == dept)
        if same_both >= self.k:
            return self.t("labels.role_in", role=self.label(role), department=dept)
        if same_dept >= self.k:
            return self.t("labels.member_of", department=dept)
        return None

    # -- sections -----------------------------------------------------------------------
    def title_block(self) -> dict[str, str]:
        """Title, subtitle (what the handout covers) and date line (when the survey closed).

        The renderer sets them as document metadata, so they stand in the title block of
        both the HTML and the PDF, above the table of contents.
        """
        return {"title": self.t("title"), "subtitle": self.t("subtitle", wave=self.wave_text("name")),
                "date": self.t("date_line", date=fmt.date(self.meta["date"], self.lang))}

    def purpose(self) -> str:
        """Purpose and data: what a network analysis is, the analysis model, who answered."""
        s = self.summary
        return "\n\n".join([
            f"## {self.t('purpose.heading')}", self.t("purpose.body"), self.t("purpose.model"),
            self.t("purpose.response", respondents=self.n(s["respondents"]), members=self.n(s["members"]),
                   response_rate=self.pct(s["response_rate"])),
            self.t("purpose.question", question=self.wave_text("relations", "question"), threshold=self._threshold()),
            *([self.t("purpose.thin", respondents=self.n(s["respondents"]), k=self.n(self.k))] if self.thin else []),
        ])

    def _threshold(self) -> str:
        return self.wave_text("relations", "scale")[str(self.meta["relations"]["tie_threshold"])].lower()

    def heading(self, key: str) -> str:
        return f"## {self.t(key)}"

    def figure1(self, ax=None):
        """Figure 1: the network, core red and periphery blue, node size by coreness; from
        :data:`helpers.handout.aggregate.AGGREGATE_FROM` members on, the network of departments."""
        from helpers.handout import aggregate, plots

        if self.thin:  # the ties drawn would be the few respondents' own answers
            return plots.note(self.label("too_few_answers"), ax=ax)
        members = self.table("members").set_index("member_id")
        core = list(members.index[members["group"] == "core"])
        labels = {k: self.label(k) for k in ("core", "periphery", "department", "group")}
        labels.update(core=self.label("Core"), periphery=self.label("Periphery"))
        if len(members) >= aggregate.AGGREGATE_FROM:  # a point per member would be a grey cloud
            return aggregate.network_by_department(self.graph, core, seed=self.seed, min_group_size=self.k, ax=ax,
                                                   labels={**labels, **self.aggregate_labels()})
        return plots.network(self.graph, core, members["coreness"], seed=self.seed, ax=ax, labels=labels)

    def aggregate_labels(self) -> dict:
        """Texts of the department-level Figure 1 and view (:mod:`helpers.handout.aggregate`)."""
        keys = ("members", "core_members", "ties_within", "ties_across", "size_note")
        out = {k: self.t(f"interactive.{k}") for k in keys}
        out["small"] = self.t("interactive.small", k="{k}")
        out.update(hint=self.t("interactive.departments_hint"), aria=self.t("interactive.departments_aria"),
                   department=self.label("department"), core=self.label("Core"), periphery=self.label("Periphery"))
        return out

    def figure2_text(self) -> str:
        if self.thin:
            return self.t("figure2.thin")
        if self.no_ties:
            return self.t("figure2.no_ties")
        if self._complete():
            return self.t("figure2.all_ties")
        return self.t("figure2.body", members=self.n(self.summary["members"]), ties=self.n(self.summary["ties"]))

    def nothing_to_contrast(self) -> bool:
        """Whether Figure 2 has nothing to show: too few answers, no ties, or every tie."""
        return self.thin or self.no_ties or self._complete()

    def figure2(self):
        """Figure 2: contrasting structures of the same size, with their measures beneath.

        Nothing is drawn (None) when there is nothing to contrast: :meth:`figure2_text`
        then says why, and the handout has neither an empty figure nor its caption.
        """
        from helpers.handout import plots
        from helpers.analysis.structure import contrasting_networks

        if self.nothing_to_contrast():
            return None
        G = self.graph
        departments = [d for _, d in sorted(G.nodes(data="department"))]
        graphs = {"wave": G, **contrasting_networks(G.number_of_nodes(), None, departments, seed=self.seed,
                                                    n_edges=G.number_of_edges())}
        measures = self.table("contrasts").set_index("network").loc[list(graphs)]
        titles = {name: self.t(f"figure2.titles.{name}") for name in graphs}
        measure_labels = {m: self.t(f"figure2.measures.{m}") for m in ("density", "modularity", "fit")}

        def formatter(measure: str, value: float) -> str:
            return self.pct(value) if measure == "density" else self.n(value, 2)

        return plots.contrasts(graphs, measures, seed=self.seed, titles=titles, measure_labels=measure_labels,
                               formatter=formatter, ncols=3)

    def _complete(self) -> bool:
        """Every member answered and named every other: no other structure has as many relations."""
        return self.summary["ties"] == self.summary["members"] * (self.summary["members"] - 1)

    def structure_findings(self) -> str:
        """What characterises the structure: core-periphery, groupings, indispensability, density, core make-up.

        Without relations, or with fewer than ``k`` respondents, it says so instead; when no
        core can be told apart (every possible relation, or too few answers) it says why.
        """
        t, st = self.t, self.structure
        cp = st["core_periphery"]["ignore"]
        note = t("structure.density_note", respondents=self.n(self.summary["respondents"]),
                 others=self.n(self.summary["members"] - 1))
        if self.thin:
            bullets = [t("structure.thin", respondents=self.n(self.summary["respondents"]), k=self.n(self.k))]
            note = ""
        elif self.no_ties:
            bullets = [t("structure.no_ties", threshold=self._threshold()), density_sentence(self.summary, self.lang)]
        else:
            first = self._core_periphery() if self.has_core else t(f"structure.no_core.{cp.get('reason', 'too_few')}")
            bullets = [first, self._groupings(), self._indispensable(), density_sentence(self.summary, self.lang)]
            if self.has_core and self._composition():
                bullets.append(self._composition())
        parts = [self.heading("structure.heading"), "\n".join(f"- {b}" for b in bullets), note]
        return "\n\n".join(part for part in parts if part)

    def _core_periphery(self) -> str:
        t, st = self.t, self.structure
        cp, sig = st["core_periphery"]["ignore"], st["significance"]["degree"]
        blocks = cp["block_densities"]
        clear = (sig["p_value"] is not None and sig["p_value"] <= ALPHA
                 and (blocks["core->core"] or 0) >= 2 * (blocks["periphery->periphery"] or 0))
        first = t("structure.cp_clear" if clear else "structure.cp_weak", core_size=self.n(cp["core_size"]),
                  core_density=self.pct(blocks["core->core"]), periphery_density=self.pct(blocks["periphery->periphery"]),
                  p=self.p(sig["p_value"]))
        return first + " " + (t("structure.cp_unambiguous") if cp["unambiguous"]
                              else t("structure.cp_ambiguous", n=self.n(cp["n_optimal"])))

    def _groupings(self) -> str:
        g = self.structure["groupings"]
        values = dict(modularity=self.n(g["modularity"], 2), null=self.n(g["null_mean"], 2))
        if not g["beyond_random"]:
            return self.t("structure.groupings_none", **values)
        if g["cuts_across_departments"]:
            return self.t("structure.groupings_across", **values)
        makeup = self.table("community_departments")
        parts = []
        for _, rows in makeup.groupby("community", sort=True):
            top = rows[rows["share"] >= 0.25].sort_values(["share", "department"], ascending=[False, True])
            parts.append(self.t("structure.grouping_makeup", departments=self.listing(top["department"])))
        return self.t("structure.groupings_separate", n=self.n(g["n_communities"]), makeup="; ".join(parts), **values)

    def _cut_members(self) -> list[str]:
        players = self.table("key_players")
        cut = players[players["articulation_point"].astype(bool)]["member_id"]
        return sorted({d for d in map(self.describe, cut) if d})

    def _indispensable(self) -> str:
        ind = self.structure["indispensable"]
        if ind["components"] > 1:
            return self.t("structure.disconnected", n=self.n(ind["components"]))
        if ind["nobody_indispensable"]:
            return self.t("structure.nobody_indispensable", k=self.n(max(ind["node_connectivity"], 1)))
        who = self._cut_members() or [self.t("labels.fewer_than", k=self.k)]
        return self.t("structure.indispensable", who=self.listing(who))

    def _composition(self) -> str:
        """The core's make-up by gender, position and department; an attribute on which the
        whole forum is alike (one department, say) is left out, as the core cannot cut across it."""
        comp = self.table("core_composition")
        found = self.structure["composition"]
        varies = [a for a in ("gender", "role", "department") if a in found and found[a]["values_in_forum"] > 1]
        if not varies:
            return ""
        details = []
        for attribute, plural in (("gender", {"female": "females", "male": "males"}),
                                  ("role", {"director": "directors", "chief": "chiefs"})):
            if attribute not in varies:
                continue
            rows = comp[comp["attribute"] == attribute]
            details.append(self.listing(f"{self.count(int(r.core_count))} {self.label(plural.get(r.value, r.value))}"
                                        for r in rows.itertuples() if r.core_count > 0))
        if "department" in varies:
            dept = found["department"]
            details.append(self.t("structure.departments_in_core", n=self.n(dept["values_in_core"]),
                                  total=self.n(dept["values_in_forum"])))
        across = [a for a in varies if found[a]["cuts_across"]]
        not_across = [a for a in varies if not found[a]["cuts_across"]]
        names = {a: self.t(f"structure.attribute_names.{a}") for a in found}
        if not not_across:
            return self.t("structure.composition_across", attributes=self.listing(names[a] for a in across),
                          details="; ".join(details))
        return self.t("structure.composition_not", attributes=self.listing(names[a] for a in not_across),
                      details="; ".join(details))

    def departments_findings(self) -> str:
        """Collaboration across departments: crossing share, E-I index, bridges, unlinked pairs."""
        t = self.t
        if self.n_departments < 2:
            return t("departments.one_department")
        if self.thin:
            return t("departments.thin", k=self.n(self.k))
        if self.no_ties:
            return t("departments.no_ties")
        crossing = self.table("crossing_shares")
        crossing = crossing[crossing["attribute"] == "department"]
        total_share = crossing["out_crossing"].sum() / crossing["out_ties"].sum()
        shown = crossing[crossing["n_respondents"] >= self.k]["out_crossing_share"].dropna()
        if len(shown) > 1 and round(shown.min(), 2) < round(shown.max(), 2):
            paragraphs = [t("departments.crossing", share=self.pct(total_share), low=self.pct(shown.min()),
                            high=self.pct(shown.max()))]
        else:  # no range to give: fewer than two departments with enough respondents, or all alike
            paragraphs = [t("departments.crossing_total", share=self.pct(total_share))]
        ei = self.table("ei_tests")
        whole = ei[(ei["attribute"] == "department") & (ei["level"] == "whole")].iloc[0]
        if not (_undefined(whole["observed"]) or _undefined(whole["expected"])):
            significance = t("departments.ei_significant" if whole["p_value"] <= ALPHA
                             else "departments.ei_not_significant", p=self.p(whole["p_value"]))
            if round(whole["observed"], 2) == round(whole["expected"], 2):
                paragraphs.append(t("departments.ei_as_chance", ei=self.n(whole["observed"], 2)))
            else:
                paragraphs.append(t(
                    "departments.ei", ei=self.n(whole["observed"], 2), expected=self.n(whole["expected"], 2),
                    direction=t("departments.ei_more" if whole["observed"] < whole["expected"] else "departments.ei_less"),
                    significance=significance))
        bridges = self.table("bridging_members").sort_values("rank")
        bridges = bridges[bridges["cross_ties"] > 0]  # a member without ties across bridges nothing
        who = []
        for member in bridges["member_id"]:
            described = self.describe(member)
            if described and described not in who:
                who.append(described)
            if len(who) == 3:
                break
        if who:
            paragraphs.append(t("departments.bridges", who=self.listing(who)))
        paragraphs.append(self._unlinked_sentence())
        return "\n\n".join(paragraphs)

    def _unlinked(self) -> list[str]:
        pairs = self.table("unlinked_pairs")
        pairs = pairs[pairs["possible"] > 0]
        return [f"{a} – {b}" for a, b in zip(pairs["group_a"], pairs["group_b"])]

    def _unlinked_sentence(self) -> str:
        pairs = self._unlinked()
        return self.t("departments.unlinked", pairs=self.listing(pairs)) if pairs else self.t("departments.all_linked")

    def department_heatmap(self, ax=None):
        """Department x department densities; rows of departments with fewer than ``k`` respondents suppressed."""
        from helpers.handout import plots
        from helpers.analysis.departments import density_matrix

        blocks = self.table("department_densities")
        sizes = self.table("crossing_shares").query("attribute == 'department'").set_index("group")["n_respondents"]
        blocks["respondents"] = blocks["source_department"].map(sizes)
        hidden = suppress(blocks, {"respondents": ["density", "ties"]}, k=self.k).mask
        blocks.loc[hidden["density"], ["density", "ties"]] = float("nan")
        return plots.department_heatmap(density_matrix(blocks), counts=density_matrix(blocks, "ties"), ax=ax,
                                        xlabel=self.t("departments.columns"), ylabel=self.t("departments.rows"),
                                        colorbar_label=self.t("departments.colorbar"))

    def _external(self) -> tuple[pd.DataFrame, dict]:
        means = self.table("external_means")
        partners = {p["id"]: p[self.lang] for p in self.meta["external"]["partners"]}
        return means, partners

    def external_intro(self) -> str:
        scale = self.wave_text("external", "scale")
        low, top = min(scale, key=int), max(scale, key=int)
        return self.t("external.intro", question=self.wave_text("external", "question"), low=scale[low].lower(), top=top,
                      high=scale[top].lower())

    def external_table(self) -> str:
        """The seminar's table: mean rating per partner type, core and periphery, with the number of answers."""
        means, partners = self._external()
        if not self.has_core:  # no core told apart: one row, for all respondents
            means = _all_respondents(means)
        shown = suppress(means, {"n_answered": "mean_rating"}, k=self.k, suppress_zero=True).table
        cells = {}
        for row, raw in zip(shown.itertuples(), means.itertuples()):
            hidden = row.mean_rating == MARKER  # the number of answers describes the same few people: hidden too
            cells.setdefault(row.group, {})[row.partner] = (
                MARKER if hidden else f"{self.n(_half_up(raw.mean_rating), 2)} ({self.n(raw.n_answered)})")
        frame = pd.DataFrame([[self._group_label(g), *[cells[g][p] for p in partners]] for g in cells],
                             columns=[self.t("external.group"), *partners.values()])
        return pipe_table(frame)

    def _group_label(self, group: str) -> str:
        return self.label(group.capitalize()) if self.has_core else self.label("everyone")

    def external_figure(self, ax=None):
        """Individual ratings by group and partner type, means marked."""
        from helpers.handout import plots

        ratings = self.table("external_ratings")
        if not self.has_core:  # no core told apart: everyone in one group
            ratings["group"] = "periphery"
        partners = dict(self._external()[1])
        ratings["partner_label"] = ratings["partner"].map(partners)
        counts = ratings.groupby(["partner", "group"])["rating"].transform("count")
        ratings = ratings[counts >= self.k]
        if ratings["rating"].notna().sum() == 0:
            return plots.note(self.label("too_few_answers"), ax=ax)
        scale = {int(k): v for k, v in self.wave_text("external", "scale").items()}
        groups = ("core", "periphery") if self.has_core else ("periphery",)
        labels = {g: self._group_label(g) for g in groups} | {"mean": self.label("mean")}
        return plots.external_ratings(ratings, groups=groups, labels=labels, scale=scale,
                                      ylabel=self.t("external.ylabel"), mean_format=lambda v: self.n(_half_up(v), 2),
                                      ax=ax)

    def external_findings(self) -> str:
        """Which partner types the core rates higher, and whether any difference is more than chance."""
        t = self.t
        tests = self.table("external_tests")
        _, partners = self._external()
        tests = tests[(tests["n_core"] >= self.k) & (tests["n_periphery"] >= self.k)]
        name = lambda ids: self.listing(partners[p].lower() if self.lang == "da" else partners[p] for p in ids)
        higher_core = tests[tests["difference"] > 0]["partner"]
        higher_periphery = tests[tests["difference"] < 0]["partner"]
        significant = tests[tests["p_permutation"] <= ALPHA]["partner"]
        lines = []
        if not self.has_core:
            lines.append(t("external.no_core"))
        elif tests.empty:  # no partner type with enough answers in both groups: nothing was compared
            lines.append(t("external.too_few_to_compare", k=self.n(self.k)))
        else:
            if len(higher_core):
                lines.append(t("external.higher_core", partners=name(higher_core)))
            if len(higher_periphery):
                lines.append(t("external.higher_periphery", partners=name(higher_periphery)))
            lines.append(t("external.significant", partners=name(significant)) if len(significant)
                         else t("external.none_significant"))
        means, _ = self._external()
        lines.append(t("external.excluded", dont_know=self.n(int(means["n_dont_know"].sum())),
                       blank=self.n(int(means["n_blank"].sum()))))
        return " ".join(lines)

    def discussion(self, questions: Path | None = None) -> str:
        """Table discussion: three rounds with their minutes, the seminar's questions and data-driven prompts."""
        path = questions or paths.project_root() / "report" / "discussion.yml"
        config = safeyaml.load_file(path)
        prompts = self.data_prompts() if config.get("data_prompts", True) else []
        parts = [self.heading("discussion.heading")]
        for number, round_ in enumerate(config["rounds"], start=1):
            parts.append("### " + self.t("discussion.round", number=number, title=round_["title"][self.lang],
                                         minutes=self.n(round_["minutes"])))
            items = [q[self.lang] for q in round_["questions"]]
            if number == 2:  # joint reflection: what the data of this wave invites
                items += prompts
            parts.append("\n".join(f"- {q}" for q in items))
        return "\n\n".join(parts)

    def data_prompts(self) -> list[str]:
        """Questions chosen from this wave's findings."""
        t, prompts = self.t, []
        if self.thin or self.no_ties:  # no findings to ask about
            return prompts
        if self._unlinked():
            prompts.append(t("discussion.prompts.unlinked", pairs=self.listing(self._unlinked())))
        if not self.structure["indispensable"]["nobody_indispensable"] and self._cut_members():
            prompts.append(t("discussion.prompts.indispensable", who=self.listing(self._cut_members())))
        g = self.structure["groupings"]
        if g["beyond_random"] and not g["cuts_across_departments"]:
            prompts.append(t("discussion.prompts.groupings"))
        cp = self.structure["core_periphery"]["ignore"]
        if self.has_core:
            prompts.append(t("discussion.prompts.periphery",
                             share=self.pct(len(cp["periphery"]) / (len(cp["core"]) + len(cp["periphery"])))))
        return prompts

    def next_steps(self) -> str:
        return "\n\n".join([self.heading("next_steps.heading"), self.t("next_steps.body")])

    def method(self) -> str:
        """Method appendix: definitions, variants, tests, samples, seeds, software, input hash."""
        t, st, s = self.t, self.structure, self.summary
        cp, one = st["core_periphery"]["ignore"], st["core_periphery"]["one"]
        sig, g = st["significance"], st["groupings"]
        comp = st["composition"]
        ei = self.table("ei_tests").iloc[0]
        ext = self.table("external_tests")
        others = self.listing(f"{c['method']} {self.n(c['modularity'], 2)}" for c in st.get("other_communities", []))
        # only the methods whose results the handout states (none without relations or with too few answers)
        analysed = not (self.thin or self.no_ties)
        defined = analysed and cp.get("defined", True)
        return "\n\n".join(part for part in [
            self.heading("method.heading"),
            t("method.density", respondents=self.n(s["respondents"]), members=self.n(s["members"]),
              possible=self.n(s["possible_ties"])),
            (t("method.core_periphery", restarts=self.n(cp["params"].get("restarts", 0)), seed=cp["params"].get("seed"),
               fit=self.n(cp["fit"], 3), one_size=self.n(one["core_size"]), one_fit=self.n(one["fit"], 3))
             if defined else t("method.core_periphery_undefined") if analysed else ""),
            t("method.significance", n_degree=self.n(sig["degree"]["n_samples"]),
              n_density=self.n(sig["density"]["n_samples"]), p_degree=self.p(sig["degree"]["p_value"]),
              p_density=self.p(sig["density"]["p_value"]), seed=sig["degree"]["seed"]) if defined else "",
            self._sequential_note() if defined else "",
            self._reduced_note(),
            t("method.communities", seed=g["seed"], n=self.n(g["n_samples"]), p=self.p(g["p_value"]),
              nmi=self.n(g["nmi"], 2), others=others) if analysed else "",
            t("method.indispensable", max_change=self.n(st["indispensable"]["max_distance_fragmentation_change"], 3))
            if analysed else "",
            t("method.composition", p_gender=self.p(comp["gender"]["p_value"]), p_role=self.p(comp["role"]["p_value"]),
              p_department=self.p(comp["department"]["p_value"])) if defined and comp else "",
            t("method.departments", n=self.n(int(ei["n_permutations"])), seed=int(ei["seed"]))
            if analysed and self.n_departments > 1 else "",
            t("method.external", n=self.n(int(ext["n_permutations"].iloc[0])), seed=int(ext["seed"].iloc[0]))
            if self.has_core else "",
            self._compare_method(),
            t("method.suppression", k=self.n(self.k)),
            t("method.software", software=self.listing(software_versions())),
            t("method.render", renderer=RENDERER),
            t("method.data", wave=self.meta["wave"], hash=self.meta["input_sha256"]),
        ] if part)

    def _interval(self, test: dict) -> str:
        """A sequential test's 99 % interval of the p-value, "0,000-0,046"; the marker without one."""
        if test.get("p_low") is None or test.get("p_high") is None:
            return MARKER
        return f"{self.n(test['p_low'], 3)}–{self.n(test['p_high'], 3)}"

    def _sequential_note(self) -> str:
        """How far the sampled tests went and the precision they reached ("" for older results)."""
        sig, g = self.structure["significance"], self.structure["groupings"]
        if "stopped" not in sig["degree"]:
            return ""
        most = max(sig["degree"]["max_samples"], sig["density"]["max_samples"], g.get("max_samples", 0))
        return self.t("method.sequential", most=self.n(most), interval_degree=self._interval(sig["degree"]),
                      interval_density=self._interval(sig["density"]), interval_groupings=self._interval(g))

    def _reduced_note(self) -> str:
        """What was reduced because the network is large ("" for a forum)."""
        reduced = self.structure.get("reduced") or {}
        if not reduced:
            return ""
        t = self.t
        parts = []
        if "samples" in reduced:
            parts.append(t("method.reduced_samples", used=self.n(reduced["samples"]["used"]),
                           default=self.n(reduced["samples"]["default"])))
        if "networks" in reduced:
            parts.append(t("method.reduced_networks", used=self.n(reduced["networks"]["used"]),
                           default=self.n(reduced["networks"]["default"])))
        if "distance_sources" in reduced:
            se = self.structure["indispensable"].get("distance_se")
            parts.append(t("method.reduced_distances", sources=self.n(reduced["distance_sources"]),
                           se=self.n(se, 4)))
        if "betweenness_sources" in reduced:
            parts.append(t("method.reduced_betweenness", sources=self.n(reduced["betweenness_sources"])))
        if reduced.get("connectivity_bound"):
            parts.append(t("method.reduced_connectivity"))
        return t("method.reduced", members=self.n(reduced["members"]), settings="; ".join(parts))

    def _compare_method(self) -> str:
        """How the wave was compared with the previous one; "" when it was not."""
        path = self.folder / "results" / "compare.json"
        if not path.exists():
            return ""
        c = io.read_json(path)
        d = c["density"]
        text = self.t("method.compare", n=self.n(d["n_boot"]), seed=d["seed"], level=self.pct(d["level"]))
        if "visits" in c:
            v = c["visits"]
            text += " " + self.t("method.compare_visits", n=self.n(v["n_permutations"]), seed=v["seed"])
        return text


def software_versions() -> list[str]:
    """"name version" of Python and the packages that made the results."""
    out = [f"Python {platform.python_version()}"]
    for name in SOFTWARE:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def _all_respondents(means: pd.DataFrame) -> pd.DataFrame:
    """``external_means`` with core and periphery merged into one group (labelled "periphery").

    Examples
    --------
    >>> means = pd.DataFrame({"partner": ["p", "p"], "group": ["core", "periphery"], "n_answered": [1, 3],
    ...                       "mean_rating": [4.0, 2.0], "n_dont_know": [0, 1], "n_blank": [1, 0]})
    >>> _all_respondents(means).to_dict("records")
    [{'partner': 'p', 'group': 'periphery', 'n_answered': 4, 'mean_rating': 2.5, 'n_dont_know': 1, 'n_blank': 1}]
    """
    rows = []
    for partner, part in means.groupby("partner", sort=False):
        n = int(part["n_answered"].sum())
        total = (part["mean_rating"].fillna(0) * part["n_answered"]).sum()
        rows.append({"partner": partner, "group": "periphery", "n_answered": n,
                     "mean_rating": total / n if n else float("nan"),
                     "n_dont_know": int(part["n_dont_know"].sum()), "n_blank": int(part["n_blank"].sum())})
    return pd.DataFrame(rows, columns=means.columns)


def _undefined(value) -> bool:
    """None or NaN: a value the handout shows as the marker, never as "nan" or "None"."""
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _half_up(value: float) -> float:
    from helpers.analysis.external import round_half_up

    return round_half_up(value, 2)
