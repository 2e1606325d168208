"""Benchmark of helpers.analysis.coreperiphery against cpnet's Borgatti-Everett (BE).

Not a test: prints tables. Run from the project root:

    python benchmarks/bench_coreperiphery.py           # 40 to 5,000 nodes
    python benchmarks/bench_coreperiphery.py --quick   # a small run

Graphs: undirected stochastic block models with a planted core (10 % of
the nodes, at least 4; tie probabilities core-core 0.5, core-periphery
0.15, periphery-periphery 0.02), seeded by their size. Both optimisers fit
the variant cpnet's BE uses ("one": core-periphery blocks ideally 1); both
fits are computed by ``partition_fit`` on the returned cores (cpnet's own
score is the same correlation; the largest difference is printed).

Times are medians of repeated runs. "total" starts from the networkx graph;
"fit" leaves out the conversion to a matrix (ours: ``partition`` minus the
time of the conversion it does; cpnet: ``BE().detect`` on a prebuilt CSR
matrix, its conversion timed separately). cpnet runs in a child process
with a time limit and a seeded numba random generator; its Kernighan-Lin
passes can take very long on sparse graphs.

The last table times ``significance`` with 1,000 random graphs on a
simulated 40-member forum (37 respondents, directed, about 40 % density).

If cpnet cannot be imported, our default search is compared with our own
search run with ten times more restarts and tabu steps instead.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
from importlib import metadata

import networkx as nx
import numpy as np

from helpers.analysis import coreperiphery as cp

try:
    import cpnet
except Exception as exc:  # pragma: no cover - depends on the environment
    cpnet = None
    CPNET_ERROR = repr(exc)
else:
    CPNET_ERROR = ""

CPNET_TIME_LIMIT = 600.0


def planted_core_graph(n: int, seed: int) -> nx.Graph:
    """Undirected SBM with a planted core of 10 % of the nodes (at least 4)."""
    rng = np.random.default_rng(seed)
    core = np.arange(n) < max(4, n // 10)
    P = np.where(
        core[:, None] & core[None, :],
        0.5,
        np.where(core[:, None] | core[None, :], 0.15, 0.02),
    )
    A = np.triu(rng.random((n, n)) < P, 1)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(*np.nonzero(A)))
    return G


def forum_graph(seed: int = 1) -> nx.DiGraph:
    """40 members, 37 respondents, planted core of 12."""
    rng = np.random.default_rng(seed)
    n = 40
    core = np.arange(n) < 12
    P = np.where(
        core[:, None] & core[None, :], 0.85,
        np.where(core[:, None] | core[None, :], 0.5, 0.2),
    )
    A = rng.random((n, n)) < P
    np.fill_diagonal(A, False)
    answered = np.ones(n, dtype=bool)
    answered[rng.choice(n, 3, replace=False)] = False
    ids = [f"m{i:02d}" for i in range(n)]
    G = nx.DiGraph()
    for i, v in enumerate(ids):
        G.add_node(v, answered=bool(answered[i]))
    G.add_edges_from(
        (ids[i], ids[j]) for i, j in zip(*np.nonzero(A)) if answered[i]
    )
    return G


def median_time(fn, reps: int, cpu: bool = False):
    """Median wall time of ``reps`` calls and the last result.

    With ``cpu=True`` also the median CPU time of this process.
    """
    walls, cpus, out = [], [], None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if cpu:
        return statistics.median(walls), statistics.median(cpus), out
    return statistics.median(walls), out


def _cpnet_child(n: int, reps: int, queue) -> None:
    """Run cpnet's BE on the graph of size ``n``; report through ``queue``."""
    import numba
    from cpnet import utils

    @numba.njit
    def seed_numba(s):
        np.random.seed(s)

    G = planted_core_graph(n, seed=n)
    warm = planted_core_graph(40, 0)
    cpnet.BE().detect(warm)  # load the compiled code before timing
    seed_numba(0)
    t_conv, (A, _) = median_time(lambda: utils.to_adjacency_matrix(G), reps)

    def run():
        be = cpnet.BE()
        be.detect(A)
        return be

    t_fit, be = median_time(run, reps)
    core = [i for i, x in enumerate(be.x_) if x]
    queue.put({"core": core, "q": float(be.Q_), "t_conv": t_conv, "t_fit": t_fit})


def run_cpnet(n: int, reps: int) -> dict | None:
    """cpnet in a child process; ``None`` if it exceeds the time limit."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_cpnet_child, args=(n, reps, queue))
    proc.start()
    try:
        return queue.get(timeout=CPNET_TIME_LIMIT)
    except Exception:
        return None
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()


def compare(sizes, reps_small: int, reps_large: int) -> list[dict]:
    rows = []
    for n in sizes:
        G = planted_core_graph(n, seed=n)
        reps = reps_small if n <= 1000 else reps_large
        t_conv, _ = median_time(lambda: cp._matrix(G), reps)
        t_ours, ours = median_time(
            lambda: cp.partition(G, variant="one", seed=0), reps
        )
        row = {
            "n": n,
            "edges": G.number_of_edges(),
            "fit_ours": ours.fit,
            "core_ours": len(ours.core),
            "t_ours_total": t_ours,
            "t_ours_fit": max(t_ours - t_conv, 1e-9),
        }
        if cpnet is not None:
            res = run_cpnet(n, reps)
            if res is None:
                row.update(
                    fit_ref=float("nan"), q_ref=float("nan"), core_ref=-1,
                    t_ref_total=float("inf"), t_ref_fit=float("inf"),
                )
            else:
                row.update(
                    fit_ref=cp.partition_fit(G, res["core"], variant="one"),
                    q_ref=res["q"],
                    core_ref=len(res["core"]),
                    t_ref_total=res["t_conv"] + res["t_fit"],
                    t_ref_fit=res["t_fit"],
                )
        else:
            t_ref, ref = median_time(
                lambda: cp.partition(
                    G, variant="one", seed=1,
                    restarts=10 * cp._default_restarts(n),
                    tabu_steps=10 * cp._default_tabu_steps(n),
                ),
                1,
            )
            row.update(
                fit_ref=ref.fit, q_ref=float("nan"), core_ref=len(ref.core),
                t_ref_total=t_ref, t_ref_fit=t_ref,
            )
        rows.append(row)
    return rows


def forum_significance(n_samples: int, reps: int) -> list[dict]:
    G = forum_graph()
    cp.significance(G, n_samples=20)  # warm-up
    out = []
    for null in cp.NULLS:
        for variant in cp.VARIANTS:
            t, c, s = median_time(
                lambda: cp.significance(G, variant=variant, null=null,
                                        n_samples=n_samples, seed=0),
                reps,
                cpu=True,
            )
            out.append({"null": null, "variant": variant, "seconds": t, "cpu": c,
                        "observed": s.observed, "null_mean": s.null_mean,
                        "p_value": s.p_value})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run")
    args = parser.parse_args()
    if args.quick:
        sizes, reps_small, reps_large, sig_reps = [40, 200, 1000], 3, 1, 1
    else:
        sizes = [40, 100, 200, 500, 1000, 2000, 5000]
        reps_small, reps_large, sig_reps = 5, 3, 3

    ref_name = "cpnet BE" if cpnet is not None else "own search x10"
    version = metadata.version("cpnet") if cpnet is not None else "unavailable"
    print(f"numpy {np.__version__}, networkx {nx.__version__}, cpnet {version}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          "(other processes slow the wall times down)")
    if cpnet is None:
        print(f"cpnet could not be imported ({CPNET_ERROR}); comparing with our "
              "own search run ten times longer.")
    print(f"\nVariant 'one' on planted-core graphs: ours vs {ref_name} (ref)")
    head = (f"{'n':>5} {'edges':>7} | {'fit ours':>9} {'fit ref':>9} {'diff':>9} "
            f"{'core o/r':>9} | {'total ours':>10} {'total ref':>10} {'x':>6} | "
            f"{'fit ours':>9} {'fit ref':>9} {'x':>6}")
    print(head)
    print("-" * len(head), flush=True)
    rows = compare(sizes, reps_small, reps_large)
    for r in rows:
        print(
            f"{r['n']:>5} {r['edges']:>7} | {r['fit_ours']:>9.6f} {r['fit_ref']:>9.6f} "
            f"{r['fit_ours'] - r['fit_ref']:>+9.2e} {r['core_ours']:>4}/{r['core_ref']:<4} | "
            f"{r['t_ours_total']:>9.4f}s {r['t_ref_total']:>9.4f}s "
            f"{r['t_ref_total'] / r['t_ours_total']:>6.1f} | "
            f"{r['t_ours_fit']:>8.4f}s {r['t_ref_fit']:>8.4f}s "
            f"{r['t_ref_fit'] / r['t_ours_fit']:>6.1f}"
        )
    done = [r for r in rows if np.isfinite(r["fit_ref"])]
    fit_ok = all(r["fit_ours"] >= r["fit_ref"] - 1e-12 for r in done)
    big = [r for r in rows if r["n"] >= 1000]
    nan = float("nan")
    speed_total = min((r["t_ref_total"] / r["t_ours_total"] for r in big), default=nan)
    speed_fit = min((r["t_ref_fit"] / r["t_ours_fit"] for r in big), default=nan)
    print(f"\nfit >= reference on every graph it finished: {fit_ok}")
    if len(done) < len(rows):
        print(f"reference exceeded {CPNET_TIME_LIMIT:.0f} s on "
              f"{[r['n'] for r in rows if r not in done]} nodes")
    print(f"smallest speed-up from 1,000 nodes: {speed_total:.1f}x (total), "
          f"{speed_fit:.1f}x (fit only)")
    if cpnet is not None and done:
        gap = max(abs(r["q_ref"] - r["fit_ref"]) for r in done)
        print("cpnet's own score vs partition_fit of its core: "
              f"max difference {gap:.1e}")

    print(f"\nload average now {os.getloadavg()[0]:.1f}")
    print("\nsignificance(), simulated 40-member forum, 1000 random graphs")
    head = (f"{'null':>8} {'variant':>7} | {'wall s':>7} {'cpu s':>7} | "
            f"{'observed':>9} {'null mean':>9} {'p':>7}")
    print(head)
    print("-" * len(head))
    for r in forum_significance(1000, sig_reps):
        print(f"{r['null']:>8} {r['variant']:>7} | {r['seconds']:>7.3f} {r['cpu']:>7.3f} | "
              f"{r['observed']:>9.4f} {r['null_mean']:>9.4f} {r['p_value']:>7.4f}")


if __name__ == "__main__":
    main()
