"""How many double edge swaps the groupings' random networks need: a mixing check.

The groupings test (:func:`helpers.analysis.communities.modularity_test`) compares the
modularity Leiden finds in the wave with the modularity it finds in random networks with
the same degrees, made by double edge swaps from the wave's own network. Too few swaps
leave part of the wave's structure in the random networks (their modularity too high,
the test too cautious); more swaps than needed only cost time (igraph's swaps were 90 %
of the test's time at 4,000 members with 10 swaps per edge).

For each graph and each number of swaps per edge this prints, over ``--draws`` random
networks (seeded), the mean modularity Leiden finds (the same procedure as the test:
:func:`helpers.analysis.communities.seeds_for_size` runs, the best kept) with its
standard error, and the share of the wave's edges that are gone from the random network.
Both rise or fall to a plateau once the chain has forgotten its start; the plateau is
the row with the most swaps. Not a test: it prints figures.

Measured on 2 December 2026 (``--sizes 40,400,4000,10000``, 20 networks per row; the
example with 600): the edges changed reach the plateau at 5 swaps per edge on the planted
partition (0.985), the synthetic organisations of 400 (0.870), 4,000 (0.988) and 10,000
members (0.995 of 0.996) and, within its noise, the synthetic 40 (0.385); on the example
wave (40 members, dense) at 10 (5: 0.343, 10: 0.354, 30: 0.353, 100: 0.354). The
modularity found is at its plateau from 3 swaps per edge on everywhere (example, 600
networks per row: 0.0826-0.0827 at 3 and 5, 0.0824-0.0825 at 10 to 100, standard error
0.0002). Hence :func:`helpers.analysis.communities.swaps_for_size`: 10 up to 200 members,
5 above.

    .venv/bin/python benchmarks/bench_rewiring.py [--sizes 400,4000] [--swaps 0.5,1,2,3,5,10,30] [--draws 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers.analysis import communities  # noqa: E402


def graphs(sizes) -> dict:
    import synthetic

    out = {}
    example = Path(__file__).resolve().parent.parent / "build" / "2019-02"
    if (example / "tidy").is_dir():  # the example wave, once run (forum-network run 2019-02)
        from helpers.results.tidy import Tidy

        out["example 2019-02"] = Tidy.load(example).graph
    out["planted partition 20 x 50"] = nx.relabel_nodes(
        nx.planted_partition_graph(20, 50, 0.2, 0.004, seed=3), lambda i: f"m{i:04d}")
    for n in sizes:
        out[f"synthetic {n:,}"] = synthetic.organisation(n, seed=n)
    return out


def mixing(G, swaps: list[float], draws: int, seed: int) -> list[tuple]:
    nodes = sorted(G.nodes())
    g = communities._to_igraph(G, nodes)
    start = {tuple(e) for e in g.get_edgelist()}
    runs = communities.seeds_for_size(len(nodes))
    rows = []
    for q in swaps:
        rng = np.random.default_rng(seed)
        values, changed, cpu = [], [], 0.0
        for _ in range(draws):
            swap_seed, detect_seed = (int(x) for x in rng.integers(0, 2**31 - 1, size=2))
            t = time.process_time()
            r = communities._rewired(g, swaps_per_edge=q, seed=swap_seed)
            cpu += time.process_time() - t
            values.append(communities._null_modularity(r, nodes, "leiden", detect_seed, runs))
            changed.append(1 - len(start & set(r.get_edgelist())) / len(start))
        values = np.asarray(values)
        rows.append((q, values.mean(), values.std(ddof=1) / np.sqrt(draws), values.std(ddof=1),
                     float(np.mean(changed)), cpu / draws))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="400,4000")
    parser.add_argument("--swaps", default="0.5,1,2,3,5,10,30")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20190222)
    args = parser.parse_args(argv)
    swaps = [float(s) for s in args.swaps.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f}; {args.draws} random networks per row\n")
    for name, G in graphs([int(s) for s in args.sizes.split(",") if s]).items():
        observed = communities.best_of_seeds(G, n_seeds=communities.seeds_for_size(G.number_of_nodes()),
                                             seed=args.seed).best.modularity
        print(f"{name}: {G.number_of_nodes():,} members, modularity found in the network itself {observed:.4f}")
        print("swaps per edge | modularity found: mean (se) | sd | edges changed | swap CPU s per network")
        for q, mean, se, sd, changed, cpu in mixing(G, swaps, args.draws, args.seed):
            print(f"{q:>14g} | {mean:.4f} ({se:.4f}) | {sd:.4f} | {changed:.3f} | {cpu:.3f}")
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
