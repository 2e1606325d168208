"""The groupings (Leiden best of several seeds, against random networks treated alike): time by size.

Prints, for random forums of 40, 400 and 5,000 members (ten relations per member), the
wall time of :func:`helpers.analysis.communities.groupings_finding` with the seeds it uses
by default (:func:`helpers.analysis.communities.seeds_for_size`) and with one seed (the
way before the best-of-seeds split), the random networks drawn
(:func:`helpers.analysis.permutation.samples_for_size`) and the split's stability.
Not a test: it prints figures.

With ``--compare``: Leiden (modularity, two iterations) through leidenalg against igraph's
own ``Graph.community_leiden``, which the project uses: mean, best and worst modularity
of ten seeds (three from 3,000 members on) and the CPU time per run, on the example wave,
synthetic organisations (``synthetic.organisation``) and reference graphs.

    .venv/bin/python benchmarks/bench_groupings.py [--sizes 40,400,5000] [--compare]
"""

from __future__ import annotations

import argparse
import os
import time

import networkx as nx

from helpers.analysis import communities
from helpers.analysis.permutation import samples_for_size


def forum(n: int, seed: int = 1) -> nx.Graph:
    G = nx.relabel_nodes(nx.gnm_random_graph(n, 5 * n, seed=seed), lambda i: f"m{i:05d}")
    nx.set_node_attributes(G, {v: f"d{i % 20}" for i, v in enumerate(sorted(G))}, "department")
    return G


def _leidenalg(g, seed: int) -> list[int]:
    import leidenalg

    return leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, seed=seed, n_iterations=2).membership


def compare(sizes) -> None:
    """leidenalg against igraph's community_leiden: modularity reached and CPU per run."""
    import sys
    from pathlib import Path

    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    import synthetic

    from helpers.analysis.network import as_undirected

    graphs = {}
    example = Path(__file__).resolve().parent.parent / "build" / "2019-02"
    if (example / "tidy").is_dir():  # the example wave, once run (forum-network run 2019-02)
        from helpers.handout.context import Context

        graphs["example 2019-02"] = as_undirected(Context(example, "en", 0).graph)
    else:
        print(f"(no {example.name} build: run `forum-network run 2019-02` to include the example wave)")
    for n in sizes:
        graphs[f"synthetic {n}"] = as_undirected(synthetic.organisation(n, seed=1))
    graphs["karate club"] = nx.relabel_nodes(nx.karate_club_graph(), str)
    graphs["planted 20 x 50"] = nx.relabel_nodes(nx.planted_partition_graph(20, 50, 0.2, 0.01, seed=3), str)
    graphs["G(1000, 5000)"] = nx.relabel_nodes(nx.gnm_random_graph(1000, 5000, seed=4), str)
    print(f"{'graph':18} {'implementation':16} {'Q mean':>7} {'Q best':>7} {'Q worst':>7} {'CPU s/run':>9}")
    for name, H in graphs.items():
        nodes = sorted(H.nodes())
        g = communities._to_igraph(H, nodes)
        runs = 10 if g.vcount() < 3000 else 3
        for label, find in (("leidenalg", _leidenalg), ("igraph (used)", communities._leiden)):
            start = time.process_time()
            qs = [g.modularity(find(g, s)) for s in range(runs)]
            cpu = (time.process_time() - start) / runs
            print(f"{name:18} {label:16} {np.mean(qs):7.4f} {max(qs):7.4f} {min(qs):7.4f} {cpu:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,400,5000")
    parser.add_argument("--compare", action="store_true", help="leidenalg against igraph's community_leiden")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.compare:
        compare([int(x) for x in args.sizes.split(",")])
        print(f"load average {os.getloadavg()[0]:.1f}")
        return
    print(f"{'members':>8} {'seeds':>6} {'networks':>9} {'best of seeds':>14} {'one seed':>9} {'stability':>10}"
          f" {'reproduced':>11}")
    for n in (int(x) for x in args.sizes.split(",")):
        G = forum(n)
        networks = samples_for_size(199, n)
        start = time.perf_counter()
        found = communities.groupings_finding(G, n_samples=networks, seed=1)
        best = time.perf_counter() - start
        start = time.perf_counter()
        communities.groupings_finding(G, n_samples=networks, seed=1, n_seeds=1)
        one = time.perf_counter() - start
        print(f"{n:>8} {found.n_seeds:>6} {found.test.n_samples:>9} {best:>12.1f} s {one:>7.1f} s"
              f" {found.stability:>10.2f} {found.reproduced_ari:>11.2f}")


if __name__ == "__main__":
    main()
