"""The groupings (Leiden best of several seeds, against random networks treated alike): time by size.

Prints, for random forums of 40, 400 and 5,000 members (ten relations per member), the
wall time of :func:`helpers.analysis.communities.groupings_finding` with the seeds it uses
by default (:func:`helpers.analysis.communities.seeds_for_size`) and with one seed (the
way before the best-of-seeds split), the random networks drawn
(:func:`helpers.analysis.permutation.samples_for_size`) and the split's stability.
Not a test: it prints figures.

    .venv/bin/python benchmarks/bench_groupings.py [--sizes 40,400,5000]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,400,5000")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
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
