"""The whole pipeline on synthetic organisations of 500 and 5,000 members.

Not a test: prints a table with PASS or MISS beside each target. Run from the project
root, with the environment set up (``make setup``):

    FORUM_NETWORK_SECRET=bench-secret .venv/bin/python benchmarks/bench_sizes.py               # 500 and 5,000
    FORUM_NETWORK_SECRET=bench-secret .venv/bin/python benchmarks/bench_sizes.py --sizes 500   # a quick run

Each size is :func:`synthetic.organisation` (seed = size) written as a raw export
(:func:`synthetic.write_wave`: roster, the relations as an edge list, external answers,
``wave.yml``) into a temporary folder and run cold, as a user would:

    forum-network run <wave> --lang da,en --to html,pdf --no-cache --build <tmp>/build

The table gives the wall time of the run, the time of each step as the run prints it,
the size of the HTML handouts and PASS/MISS against the targets of issue 17: 500
members under 60 s, 5,000 members under 5 minutes. The load average is printed before
and after: on a shared machine wall times grow with it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = {500: 60.0, 5000: 300.0}
STEP_LINE = re.compile(r"^\s+(?P<step>[\w() -]+?)\s+(?P<seconds>[\d.]+) s\s+(?P<how>executed|cached)")


def run_size(n: int, folder: Path, seed: int) -> dict:
    """Write the wave of ``n`` members and run the pipeline on it once, cold."""
    sys.path.insert(0, str(HERE))
    import synthetic

    t0 = time.perf_counter()
    G = synthetic.organisation(n, seed=n)
    wave = synthetic.write_wave(G, folder / f"syn{n}", wave_id=f"syn{n}", seed=seed)
    written = time.perf_counter() - t0
    command = [str(ROOT / ".venv" / "bin" / "forum-network"), "run", str(wave), "--lang", "da,en",
               "--to", "html,pdf", "--no-cache", "--build", str(folder / "build")]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    steps = [(m["step"].strip(), float(m["seconds"]), m["how"])
             for m in map(STEP_LINE.match, (proc.stdout + proc.stderr).splitlines()) if m]
    handout = folder / "build" / f"syn{n}" / "handout"
    html = {p.name: p.stat().st_size for p in sorted(handout.glob("*.html"))}
    return {"n": n, "ties": G.number_of_edges(), "written": written, "wall": wall, "returncode": proc.returncode,
            "steps": steps, "html": html, "load_before": load, "load_after": os.getloadavg()[0],
            "stderr": proc.stderr[-2000:]}


def _table(header, rows, markdown):
    if markdown:
        return "\n".join(["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
                         + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(c) for c in col) for col in zip(header, *rows)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in [header, ["-" * w for w in widths], *rows])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,5000")
    parser.add_argument("--seed", type=int, default=20190222)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if not os.environ.get("FORUM_NETWORK_SECRET"):
        print("set FORUM_NETWORK_SECRET (any value does for synthetic waves)")
        return 2
    rows, step_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            r = run_size(n, Path(tmp) / str(n), args.seed)
            target = TARGETS.get(n)
            ok = r["returncode"] == 0
            result = "" if target is None else ("PASS" if ok and r["wall"] < target else "MISS")
            mb = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in r["html"].items())
            rows.append([f"{n:,}", f"{r['ties']:,}", f"{r['wall']:.1f}", f"< {target:.0f} s" if target else "",
                         result if ok else f"MISS (exit {r['returncode']})", mb,
                         f"{r['load_before']:.1f} / {r['load_after']:.1f}"])
            for step, seconds, how in r["steps"]:
                step_rows.append([f"{n:,}", step, f"{seconds:.1f}", how])
            print(f"{n:,} members: {r['wall']:.1f} s (exit {r['returncode']}), wave written in {r['written']:.1f} s",
                  flush=True)
            if not ok:
                print(r["stderr"])
    header = ["members", "ties", "cold run s", "target", "result", "HTML handouts", "load before / after"]
    print("\nforum-network run <wave> --lang da,en --to html,pdf --no-cache\n")
    print(_table(header, rows, args.markdown))
    print("\nSteps as the run printed them\n")
    print(_table(["members", "step", "s", ""], step_rows, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
