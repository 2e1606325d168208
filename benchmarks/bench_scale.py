"""How the analysis scales: the work of notebooks 20-50 on synthetic organisations.

Not a test: prints tables. Run from the project root:

    .venv/bin/python benchmarks/bench_scale.py                 # 40, 400, 4,000, 10,000 members
    .venv/bin/python benchmarks/bench_scale.py --sizes 40,400  # a quick run
    .venv/bin/python benchmarks/bench_scale.py --markdown      # tables also as Markdown

Every size runs in a process of its own (so the peak RSS is per size) on
:func:`synthetic.organisation` (seed = size). The analysis is called part by part, as
the notebooks call it without notebooks: ``network.summary`` (20), the parts of
``Structure.compute`` (30: partitions, coreness, significance, groupings,
other community methods, key players, connectivity, composition, member measures,
contrasting networks; plus the exports and the Figure 1 layout that notebook 30 also
does), ``departments.*`` (40) and ``external.*`` (50) on synthetic answers.

Every part runs as the pipeline runs it: the sampled tests are sequential (they stop
when the answer is clear) and draw at most
``helpers.analysis.permutation.samples_for_size`` samples (column ``samples``: that
most; 1,000 and 199 up to 300 members, fewer above); a sampled part's time at another
size is projected as ``fixed + per sample x samples`` (fixed: the partition or the two
Leiden runs each test makes besides its samples). A part whose projected time is over the per-part
budget (``--budget``, default 60 s), or whose projected extra memory is over
``--memory`` (default 8 GB), is skipped and its time projected from the smaller sizes:
``t(n) = t(m) (n / m)^k`` with ``k`` the growth measured between the two largest sizes
that ran, but not below the exponent of the part's complexity (small sizes are dominated
by fixed costs, so measured growth alone underestimates). Only ``contrasting_networks``,
whose O(n^2) lists of pairs are what limits it, is also skipped on projected memory.
Parts that do not start before the whole benchmark's budget (``--total``, default
540 s) runs out are skipped as well. Peak RSS per part is the process's high-water mark
during the part (``VmHWM``, reset before each part), so it includes the graph and the
imports.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (40, 400, 4000, 10000)
SEED = 20190222
TARGET_SIZE, TARGET_SECONDS, TARGET_MB = 10000, 60.0, 4096.0


# --------------------------------------------------------------------------------------
# the parts
# --------------------------------------------------------------------------------------


def _samples(schedule):
    """Samples at size n: the schedule's entry for the largest listed size <= n."""
    def at(n):
        return next(s for limit, s in sorted(schedule.items(), reverse=True) if n >= limit)
    return at


def SIG(n):  # coreperiphery.significance: most random networks as the pipeline uses them
    from helpers.analysis.permutation import samples_for_size

    return samples_for_size(1000, n)


def NETS(n):  # groupings_finding n_networks, as the pipeline uses them
    from helpers.analysis.permutation import samples_for_size

    return samples_for_size(199, n)


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    step: str
    complexity: str
    prior: float  # growth exponent of the (per-sample) time in n, from the complexity
    mem_prior: float = 1.0
    samples: object = None  # n -> samples used; None: not sampled
    full: int | None = None  # the notebooks' number of samples
    fixed: tuple = ()  # ((part key, multiple), ...): time of the part besides its samples
    in_total: bool = True
    only_upto: int | None = None
    memory_bound: bool = False  # skipped when its projected extra memory is over --memory


PARTS = (
    Part("summary", "network.summary", "20", "O(n + m)", 1),
    Part("cp_ignore", "coreperiphery.partition (ignore)", "30",
         "local search; per move O(groups + degree) from 2,000 members (members grouped by counts), "
         "exchanges per pair of groups", 1),
    Part("cp_one", "coreperiphery.partition (one)", "30",
         "local search; per move O(groups + degree) from 2,000 members (members grouped by counts), "
         "exchanges per pair of groups", 1),
    Part("coreness", "coreperiphery.coreness", "30", "L-BFGS, O(m) per iteration", 1),
    Part("sig_degree", "coreperiphery.significance (degree)", "30",
         "per sample: 10 R curveball trades (dense rows <= 200 members, else 20 global trades of R/2 pairs, "
         "O(m log m) each) + the observed graph's search; sequential stop", 1, 1, SIG, None, (("cp_ignore", 1),)),
    Part("sig_density", "coreperiphery.significance (density)", "30",
         "per sample: M cells drawn by index, O(M), + the observed graph's search; sequential stop", 1, 1, SIG, None,
         (("cp_ignore", 1),)),
    Part("leiden", "communities.detect_communities (leiden)", "30", "union graph + Leiden, ~O(m)", 1,
         in_total=False),
    Part("groupings", "communities.groupings_finding (leiden)", "30",
         "2 Leiden runs + per network: rewire 10 m (<= 200 members) or 5 m swaps + Leiden, ~O(m); sequential stop", 1, 1, NETS, None,
         (("leiden", 2),)),
    Part("louvain", "communities.detect_communities (louvain)", "30",
         "Louvain (networkx <= 200 members, else igraph multilevel), ~O(m log n)", 1),
    Part("greedy", "communities.detect_communities (greedy)", "30",
         "Clauset-Newman-Moore (networkx via cdlib <= 200 members, else igraph), O(m d log n); "
         "not run above 5,000 members", 1),
    Part("key_players", "keyplayers.key_players", "30",
         "one DFS for F, O(n + m); distances: n removals x n BFS up to 200 members, else 20 x 100 BFS", 1),
    Part("connectivity", "indispensable_finding w/o key_players", "30",
         "articulation points O(n + m); nx.node_connectivity only up to 200 members", 1),
    Part("composition", "composition.composition_finding", "30",
         "make-ups counted by a DP O(D k), then exact or sequential Monte Carlo (blocks of 1,000 draws, "
         "log-probabilities looked up)", 1),
    Part("member_measures", "network.member_measures", "30",
         "igraph Brandes betweenness O(n m); 500 pivots above 3,000 members", 1),
    Part("contrasts", "contrasts.contrasting_networks", "30", "lists all n (n-1) ordered pairs up to 1,000 members, above draws pair numbers: O(m)",
         2, 2, memory_bound=True),
    Part("contrast_measures", "contrasts.contrast_measures", "30",
         "4 x (Leiden + partition); the wave's from the parts above", 1),
    Part("analyse", "Structure.compute (all of it)", "30", "the sum of the parts above", 3,
         in_total=False, only_upto=100),
    Part("exports", "exports.write_all", "30",
         "one sorted table, each file streamed: O(n + m); the DL full matrix O(n^2) bytes in blocks", 1),
    Part("layout", "plots.network (Figure 1)", "30",
         "union pairs in numpy O(m log m); igraph Fruchterman-Reingold (grid) 500 x O(n + m), then radial O(n)", 1),
    Part("dept_densities", "departments.department_densities", "40", "one bincount over ties O(m) + D^2 cells, D ~ n/25", 2),
    Part("role_densities", "departments.block_densities (role)", "40", "O(m)", 1),
    Part("ei_summary", "departments.ei_summary", "40",
         "<= 5,000 permutations x (m ties: bincount inside groups + n members: degrees by group); sequential stop",
         1),
    Part("ei_rescaled", "departments.rescaled_ei_index", "40", "O(n + m)", 1),
    Part("crossing", "departments.crossing_shares", "40", "four bincounts over ties, O(m + D)", 1),
    Part("bridging", "departments.bridging_members", "40", "bincounts and a sort of crossing pairs, O(m log m)", 1),
    Part("unlinked", "departments.unlinked_pairs", "40", "one pass over ties O(m) + D^2 array cells, D ~ n/25", 2),
    Part("ext_means", "external.external_means", "50", "O(n)", 1),
    Part("ext_tests", "external.external_tests", "50",
         "7 partners x <= 10,000 permutations x n (blocks of 200,000 / n above 200 answers); sequential stop", 1),
    Part("ext_ratings", "external.ratings_long", "50", "O(n log n)", 1),
)
BY_KEY = {p.key: p for p in PARTS}


def _run_part(key: str, ctx: dict, samples: int | None, seed: int):
    """Run one part on the context (graph, earlier results)."""
    from helpers.analysis import (communities, composition, contrasts, coreperiphery, departments, exports, external,
                                  keyplayers, network)
    from helpers.results.structure import Structure
    from helpers.handout import plots

    G = ctx["G"]
    if key == "summary":
        return network.summary(G)
    if key == "cp_ignore":
        ctx["split"] = coreperiphery.partition(G, variant="ignore", seed=seed)
        return ctx["split"]
    if key == "cp_one":
        return coreperiphery.partition(G, variant="one", seed=seed)
    if key == "coreness":
        ctx["coreness"] = coreperiphery.coreness(G, seed=seed)
        return ctx["coreness"]
    if key in ("sig_degree", "sig_density"):
        return coreperiphery.significance(G, null=key[4:], n_samples=samples, seed=seed)
    if key == "leiden":
        return communities.detect_communities(G, method="leiden", seed=seed)
    if key == "groupings":
        ctx["groupings"] = communities.groupings_finding(G, method="leiden", n_samples=samples, seed=seed)
        return ctx["groupings"]
    if key in ("louvain", "greedy"):
        if key not in communities.comparison_methods(G.number_of_nodes())[0]:
            return None  # left out at this size, as Structure.compute leaves it out
        return communities.detect_communities(G, method=key, seed=seed)
    if key == "key_players":
        return keyplayers.key_players(G, seed=seed)
    if key == "connectivity":
        import networkx as nx

        H = network.union_graph(G)
        cut = tuple(sorted(nx.articulation_points(H)))
        return keyplayers._node_connectivity(H, nx.number_connected_components(H), cut, exact_up_to=200)
    if key == "composition":
        return composition.composition_finding(G, _core(ctx), seed=seed)
    if key == "member_measures":
        return network.member_measures(G, seed=seed)
    if key == "contrasts":
        departments_ = [d for _, d in sorted(G.nodes(data="department"))]
        ctx["contrasts"] = contrasts.contrasting_networks(G.number_of_nodes(), None, departments_, seed=seed,
                                                          n_edges=G.number_of_edges())
        return ctx["contrasts"]
    if key == "contrast_measures":
        wave = {}  # as Structure.compute: the wave's fit and first Leiden run from the parts above
        if ctx.get("split") is not None:
            wave["fit"] = ctx["split"].fit
        if ctx.get("groupings") is not None and ctx["groupings"].run_modularities:
            wave["modularity"] = ctx["groupings"].run_modularities[0]
        return contrasts.contrast_measures({"wave": G, **ctx["contrasts"]},
                                           fit=lambda g: coreperiphery.partition(g, seed=seed).fit, seed=seed,
                                           known={"wave": wave})
    if key == "analyse":
        return Structure.compute(G, seed=seed)
    if key == "exports":
        with tempfile.TemporaryDirectory() as folder:
            return exports.write_all(G, folder, core=_core(ctx), coreness=ctx.get("coreness"))
    if key == "layout":
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = plots.network(G, _core(ctx), ctx.get("coreness"), seed=seed)
        plt.close(ax.figure)
        return ax
    if key == "dept_densities":
        return departments.department_densities(G)
    if key == "role_densities":
        return departments.block_densities(G, "role")
    if key == "ei_summary":
        return departments.ei_summary(G, seed=seed)
    if key == "ei_rescaled":
        return departments.rescaled_ei_index(G)
    if key == "crossing":
        return departments.crossing_shares(G)
    if key == "bridging":
        return departments.bridging_members(G)
    if key == "unlinked":
        return departments.unlinked_pairs(G)
    if key.startswith("ext_"):
        import synthetic

        core = set(_core(ctx))
        groups = {m: "core" if m in core else "periphery" for m in G.nodes()}
        ext = ctx.setdefault("external", synthetic.external_table(G, seed=seed))
        if key == "ext_means":
            return external.external_means(ext, groups, partners=list(synthetic.PARTNERS))
        if key == "ext_tests":
            return external.external_tests(ext, groups, partners=list(synthetic.PARTNERS), seed=seed)
        return external.ratings_long(ext, groups, partners=list(synthetic.PARTNERS))
    raise KeyError(key)


def _core(ctx: dict):
    split = ctx.get("split")
    return list(split.core) if split is not None else list(ctx["G"].graph["planted_core"])


# --------------------------------------------------------------------------------------
# one size, in a process of its own
# --------------------------------------------------------------------------------------


def _status_mb(field: str) -> float:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) / 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(plan_file: Path, out_file: Path) -> None:
    """Run the parts of one size as the plan says; write the results as JSON."""
    plan = json.loads(plan_file.read_text())
    n, seed, deadline = plan["n"], plan["seed"], plan["deadline"]
    sys.path.insert(0, str(HERE))
    results = {"n": n, "parts": {}}
    t0 = time.perf_counter()
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # cdlib's notes about optional packages
        import synthetic
        from helpers.analysis import communities, coreperiphery, departments, exports, external, network  # noqa: F401
        from helpers.handout import plots  # noqa: F401
        from helpers.results import structure  # noqa: F401

        communities._import_cdlib_algorithms()
    results["import_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    G = synthetic.organisation(n, seed=n)
    results["generate_seconds"] = time.perf_counter() - t0
    results["graph"] = synthetic.describe(G)
    results["baseline_mb"] = _status_mb("VmRSS")
    ctx = {"G": G}
    for key, instruction in plan["parts"].items():
        if instruction.get("skip"):
            results["parts"][key] = {"status": "skipped", "note": instruction["skip"]}
            continue
        projected = instruction.get("projected") or 0.0
        if time.time() + projected > deadline:
            results["parts"][key] = {"status": "skipped", "note": "benchmark time budget spent"}
            continue
        if key == "contrast_measures" and "contrasts" not in ctx:
            results["parts"][key] = {"status": "skipped", "note": "needs contrasting_networks"}
            continue
        before = _status_mb("VmRSS")
        exact_peak = _reset_peak()
        t, cpu = time.perf_counter(), time.process_time()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                _run_part(key, ctx, instruction.get("samples"), seed)
        except Exception as exc:  # report and go on with the other parts
            results["parts"][key] = {"status": "failed", "note": f"failed: {type(exc).__name__}: {exc}"[:120]}
            continue
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        peak = _status_mb("VmHWM")
        results["parts"][key] = {"status": "ok", "seconds": seconds, "cpu": cpu, "samples": instruction.get("samples"),
                                 "peak_mb": peak, "extra_mb": max(0.0, peak - before), "exact_peak": exact_peak}
        if key == "contrast_measures":
            ctx.pop("contrasts", None)
        out_file.write_text(json.dumps(results))
    # resetting VmHWM resets ru_maxrss too, so the peak of the size is the largest part's
    peaks = [r["peak_mb"] for r in results["parts"].values() if r["status"] == "ok"]
    results["maxrss_mb"] = max([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, *peaks])
    out_file.write_text(json.dumps(results))


# --------------------------------------------------------------------------------------
# planning: projections from the smaller sizes
# --------------------------------------------------------------------------------------


def _unit(part: Part, record: dict, times: dict) -> float:
    """Time per sample (sampled parts, without the fixed part) or the whole time."""
    t = record["seconds"]
    if part.samples is None:
        return t
    fixed = sum(times.get(k, 0.0) * m for k, m in part.fixed)
    return max(t - fixed, 0.0) / record["samples"]


def _exponent(points: list, prior: float) -> tuple[float, str]:
    """Growth exponent: measured between the two largest sizes that ran, but not below the complexity's.

    Small sizes are dominated by fixed costs, so a measured exponent alone would
    underestimate the growth; the complexity's exponent is a floor.
    """
    usable = [(n, t) for n, t in points if t >= 0.02]
    if len(usable) >= 2:
        (n1, t1), (n2, t2) = usable[-2:]
        k = math.log(t2 / t1) / math.log(n2 / n1)
        return (k, "measured") if k > prior else (prior, f"complexity; measured {k:.1f}")
    return prior, "complexity"


def _project(points: list, n: int, prior: float) -> float | None:
    """The measured value at size n, else a projection from the sizes below n (from above if none)."""
    if not points:
        return None
    for m, t in points:
        if m == n:
            return t
    below = [(m, t) for m, t in points if m < n] or points[:1]
    k, _ = _exponent(below, prior)
    m, t = below[-1]
    return t * (n / m) ** k


class History:
    """Measured unit times and extra memory of every part, by size."""

    def __init__(self):
        self.units: dict[str, list] = {p.key: [] for p in PARTS}
        self.memory: dict[str, list] = {p.key: [] for p in PARTS}
        self.seconds: dict[int, dict[str, float]] = {}

    def add(self, n: int, results: dict) -> None:
        times = {k: r["seconds"] for k, r in results["parts"].items() if r["status"] == "ok"}
        self.seconds[n] = times
        for key, r in results["parts"].items():
            if r["status"] == "ok":
                part = BY_KEY[key]
                self.units[key].append((n, _unit(part, r, times)))
                self.memory[key].append((n, r["extra_mb"]))

    def time_at(self, key: str, n: int, samples: int | None = None) -> float | None:
        """Projected time of a part at size n with ``samples`` (default: the samples the plan uses)."""
        if key in self.seconds.get(n, {}) and samples is None:
            return self.seconds[n][key]
        part = BY_KEY[key]
        unit = _project(self.units[key], n, part.prior)
        if unit is None:
            return None
        if part.samples is None:
            return unit
        s = part.samples(n) if samples is None else samples
        fixed = sum((self.time_at(k, n) or 0.0) * m for k, m in part.fixed)
        return fixed + unit * s

    def extra_mb_at(self, key: str, n: int) -> float | None:
        return _project(self.memory[key], n, BY_KEY[key].mem_prior)


def plan_size(n: int, history: History, budget: float, memory: float, deadline: float, seed: int) -> dict:
    parts = {}
    for part in PARTS:
        if part.only_upto is not None and n > part.only_upto:
            continue
        entry = {"samples": part.samples(n) if part.samples else None}
        projected = history.time_at(part.key, n)
        extra = history.extra_mb_at(part.key, n)
        entry["projected"] = projected
        if projected is not None and projected > budget:
            entry["skip"] = f"skipped: > {budget:.0f} s projected"
        elif part.memory_bound and extra is not None and extra > memory:
            entry["skip"] = f"skipped: > {memory / 1024:.0f} GB projected"
        parts[part.key] = entry
    return {"n": n, "seed": seed, "deadline": deadline, "parts": parts}


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------


def _fmt_s(x: float | None) -> str:
    """Seconds for a column headed "s"; an hour or more as hours ("2.5 h")."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x >= 3600:
        return f"{x / 3600:,.1f} h"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _dur(x: float | None) -> str:
    """A duration in running text: "12.3 s" or "2.5 h"."""
    text = _fmt_s(x)
    return text if text.endswith("h") or text == "-" else f"{text} s"


def table(header: list[str], rows: list[list[str]], markdown: bool = False, right: set | None = None) -> str:
    right = right if right is not None else set(range(1, len(header)))
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def size_rows(n: int, results: dict, history: History) -> tuple[list, float, float, float]:
    """Rows of one size's table; measured total, projected total at default samples, peak MB."""
    rows = []
    measured = projected_total = 0.0
    peak = 0.0
    for key, r in results["parts"].items():
        part = BY_KEY[key]
        full_time = history.time_at(key, n, part.full) if part.samples else None
        if r["status"] == "ok":
            seconds = r["seconds"]
            if part.samples is None:
                full_time = seconds
            samples = str(r["samples"]) if part.samples else ""
            peak = max(peak, r["peak_mb"])
            if part.in_total:
                measured += seconds
            cells = [_fmt_s(seconds), _fmt_s(r.get("cpu")), _fmt_s(full_time), f"{r['peak_mb']:,.0f}", ""]
        else:
            samples = ""
            if full_time is None:
                full_time = history.time_at(key, n, part.full) if part.samples else history.time_at(key, n)
            cells = ["-", "-", ("~" + _fmt_s(full_time)) if full_time is not None else "?", "-", r["note"]]
        if part.in_total and full_time is not None:
            projected_total += full_time
        label = part.label if part.in_total else f"({part.label})"
        rows.append([part.step, label, samples, *cells])
    return rows, measured, projected_total, peak


def growth_rows(history: History, sizes: list[int]) -> list:
    rows = []
    for part in PARTS:
        if not part.in_total:
            continue
        cells = []
        for n in sizes:
            t = history.seconds.get(n, {}).get(part.key)
            if t is None:
                p = history.time_at(part.key, n, part.full) if part.samples else history.time_at(part.key, n)
                cells.append("~" + _fmt_s(p) if p is not None else "-")
            else:
                full = history.time_at(part.key, n, part.full) if part.samples else t
                cells.append(_fmt_s(full))
        k, how = _exponent(history.units[part.key], part.prior)
        rows.append([part.label, *cells, f"{k:.1f} ({how})", part.complexity])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--budget", type=float, default=60.0, help="per-part time budget in seconds")
    parser.add_argument("--memory", type=float, default=8192.0, help="per-part extra memory budget in MB")
    parser.add_argument("--total", type=float, default=540.0, help="budget of the whole benchmark in seconds")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    parser.add_argument("--json", type=Path, help="write all measurements to this file")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    start = time.time()
    deadline = start + args.total
    history = History()
    everything = []
    summary = []
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    print(f"bench_scale: sizes {sizes}, per-part budget {args.budget:.0f} s, "
          f"whole benchmark {args.total:.0f} s, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          "(other processes on the machine inflate wall times; cpu s is this process's CPU time)\n", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            plan = plan_size(n, history, args.budget, args.memory, deadline, args.seed)
            plan_file, out_file = Path(tmp) / f"plan-{n}.json", Path(tmp) / f"out-{n}.json"
            plan_file.write_text(json.dumps(plan))
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(plan_file),
                                   str(out_file)], env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if not out_file.exists():
                print(f"size {n}: the child failed:\n{proc.stderr[-3000:]}")
                return 1
            results = json.loads(out_file.read_text())
            if proc.returncode != 0:
                print(f"size {n}: the child stopped (exit {proc.returncode}); results so far:\n{proc.stderr[-2000:]}")
                peaks = [r["peak_mb"] for r in results["parts"].values() if r["status"] == "ok"]
                results.setdefault("maxrss_mb", max(peaks, default=float("nan")))
            history.add(n, results)
            g = results["graph"]
            rows, measured, projected, peak = size_rows(n, results, history)
            header = ["nb", "part", "samples", "time s", "cpu s", "pipeline settings s", "peak RSS MB", "note"]
            title = (f"{n:,} members: {g['respondents']:,} respondents, {g['ties']:,} ties "
                     f"(density {g['density']:.3f}, mean out-degree {g['mean_out_degree']:.1f}), "
                     f"{g['departments']} departments of {g['department_min']}-{g['department_max']}; "
                     f"generated in {results['generate_seconds']:.1f} s, imports {results['import_seconds']:.1f} s, "
                     f"process wall {wall:.0f} s")
            print(title)
            print(table(header, rows, right={3, 4, 5, 6}))
            print(f"analysis measured: {_dur(measured)} (with the samples used); "
                  f"projected at the pipeline's settings incl. skipped parts: {_dur(projected)}; "
                  f"peak RSS of the process: {results.get('maxrss_mb', float('nan')):,.0f} MB\n", flush=True)
            everything.append((n, title, header, rows))
            projected_mb = max([results["maxrss_mb"]] + [
                results["baseline_mb"] + (history.extra_mb_at(p.key, n) or 0.0) for p in PARTS
                if p.memory_bound and results["parts"].get(p.key, {}).get("status") == "skipped"])
            summary.append((n, g, measured, projected, results["maxrss_mb"], projected_mb,
                            sum(1 for r in results["parts"].values() if r["status"] != "ok")))

    summary_header = ["members", "ties", "measured s", "skipped parts", "full analysis s (proj.)",
                      "peak RSS MB", "peak RSS MB (proj.)", "target", "result"]
    summary_rows = []
    for n, g, measured, projected, rss, projected_mb, skipped in summary:
        if n == TARGET_SIZE:
            target = f"< {TARGET_SECONDS:.0f} s, < {TARGET_MB / 1024:.0f} GB"
            result = (f"time {'PASS' if projected < TARGET_SECONDS else 'MISS'}, "
                      f"memory {'PASS' if projected_mb < TARGET_MB else 'MISS'}")
        else:
            target = result = ""
        summary_rows.append([f"{n:,}", f"{g['ties']:,}", _fmt_s(measured), str(skipped), _fmt_s(projected),
                             f"{rss:,.0f}", f"{projected_mb:,.0f}", target, result])
    print("Summary (measured: the parts that ran, as the pipeline runs them: sequential tests with at most\n"
          "permutation.samples_for_size samples; full analysis: every part, skipped parts projected; peak RSS\n"
          "(proj.): with the projected memory of skipped memory-bound parts)")
    print(table(summary_header, summary_rows, right={0, 1, 2, 3, 4, 5, 6}))
    growth_header = ["part", *[f"{n:,}" for n in sizes], "growth k", "complexity"]
    grows = growth_rows(history, sizes)
    print("\nGrowth: seconds as the pipeline runs it (~ projected), exponent k of t ~ n^k (per sample for sampled parts)")
    print(table(growth_header, grows, right=set(range(1, len(sizes) + 1))))
    largest = sizes[-1]
    top = sorted(((history.time_at(p.key, largest, p.full) if p.samples else history.time_at(p.key, largest)) or 0.0,
                  p.label) for p in PARTS if p.in_total)[::-1][:6]
    print(f"\nLargest parts at {largest:,} members: "
          + "; ".join(f"{label} {_dur(t)}" for t, label in top))
    print(f"\nbenchmark wall time: {time.time() - start:.0f} s; load average at the end {os.getloadavg()[0]:.2f}")
    if args.markdown:
        print("\n<!-- Markdown -->")
        for n, title, header, rows in everything:
            print(f"\n**{title}**\n")
            print(table(header, rows, markdown=True, right={3, 4, 5, 6}))
        print("\n**Summary**\n")
        print(table(summary_header, summary_rows, markdown=True, right={0, 1, 2, 3, 4, 5, 6}))
        print("\n**Growth**\n")
        print(table(growth_header, grows, markdown=True, right=set(range(1, len(sizes) + 1))))
    if args.json:
        args.json.write_text(json.dumps({"sizes": sizes, "seconds": history.seconds,
                                         "summary": [s[:1] + s[2:] for s in summary]}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
