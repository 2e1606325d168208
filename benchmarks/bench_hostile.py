"""Time and peak memory of refusing (or reading) each hostile input of the corpus.

Runs every case of ``tests/data/hostile`` that does not need the whole pipeline, as the
test does (the real command line in a subprocess under a 1.5 GB address-space limit),
and prints its exit code, wall time and peak resident memory against the targets of
issue 13: under 5 s and under 500 MB.

    .venv/bin/python benchmarks/bench_hostile.py [--markdown]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_hostile  # noqa: E402

SECONDS, MEGABYTES = 5.0, 500.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    rows = []
    for case in test_hostile.HOSTILE:
        spec = test_hostile.spec_of(case)
        if spec.get("slow"):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            _, places, env = test_hostile.build_case(case, Path(tmp))
            argv = [test_hostile._expand(a, places) for a in spec["command"]]
            code, _, _, seconds, peak = test_hostile.run_cli(argv, env, Path(tmp))
        mb = peak / 1024
        verdict = "PASS" if seconds < SECONDS and mb < MEGABYTES and code == spec["exit"] else "MISS"
        rows.append((case.name, spec["item"], code, f"{seconds:.2f}", f"{mb:.0f}", verdict))
    load = os.getloadavg()[0]
    header = ("case", "item", "exit", "seconds", "peak MB", f"< {SECONDS:g} s, < {MEGABYTES:g} MB")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(map(str, row)) + " |")
    else:
        print(f"{header[0]:<34} {header[1]:>4} {header[2]:>4} {header[3]:>8} {header[4]:>8}  {header[5]}")
        for row in rows:
            print(f"{row[0]:<34} {row[1]:>4} {row[2]:>4} {row[3]:>8} {row[4]:>8}  {row[5]}")
    print(f"load average {load:.2f}; time and peak memory of the command's process, imports included "
          "(interpreter start-up excluded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
