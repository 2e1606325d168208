"""The example wave from the command line, as a user runs it: a cold run, then unchanged reruns.

Not a test: prints a table with PASS or MISS beside each target. Run from the project
root, with the environment set up (``make setup``):

    FORUM_NETWORK_SECRET=bench-secret .venv/bin/python benchmarks/bench_cli.py
    FORUM_NETWORK_SECRET=bench-secret .venv/bin/python benchmarks/bench_cli.py --cold 3 --reruns 5
    FORUM_NETWORK_SECRET=bench-secret .venv/bin/python benchmarks/bench_cli.py --against ../other-checkout

``--against`` names another checkout of the project (with its own ``.venv``, e.g. the code
before a change): its cold runs alternate with this code's, back to back, so that both
meet the same load; each writes only into its own temporary build folder.

Each cold run is ``forum-network run 2019-02 --lang da --to html,pdf --no-cache`` into a
fresh temporary build folder; each rerun is the same command without ``--no-cache`` on
that folder (nothing changed: the run's stamp answers before the scheduler is imported).
Every line gives the wall time, the CPU time of the command and everything it waited for
(workers, kernels, pandoc, Typst), and the load average before and after: on a shared
machine wall times grow with the load. Targets (issue 17): cold < 10 s on an idle
machine and < 15 s at load 2; unchanged rerun < 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLD_IDLE, COLD_LOADED, RERUN = 10.0, 15.0, 1.0


def _run(args: list[str], root: Path = ROOT) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (this command and its waited-for descendants) and exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([str(root / ".venv" / "bin" / "forum-network"), *args], cwd=root,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode:
        print(proc.stderr[-2000:])
    return wall, cpu, proc.returncode


def _verdict(what: str, wall: float, load: float) -> str:
    if what == "rerun":
        return "PASS" if wall < RERUN else "MISS"
    if load < 1.0:
        return "PASS" if wall < COLD_IDLE else "MISS"
    if load <= 2.0:
        return "PASS" if wall < COLD_LOADED else "MISS"
    return f"({'under' if wall < COLD_LOADED else 'over'} 15 s at load > 2)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wave", default="2019-02")
    parser.add_argument("--cold", type=int, default=2, help="cold runs (default 2)")
    parser.add_argument("--reruns", type=int, default=3, help="unchanged reruns after each cold run (default 3)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout of the project whose cold runs alternate with this code's")
    parser.add_argument("--jobs", type=int, default=None, help="passed to forum-network run --jobs")
    args = parser.parse_args(argv)
    command = ["run", args.wave, "--lang", "da", "--to", "html,pdf"] + (["--jobs", str(args.jobs)] if args.jobs else [])
    codes = [("this", ROOT)] + ([("other", args.against.resolve())] if args.against else [])
    rows = []
    for _ in range(args.cold):
        for name, root in codes:
            with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
                build = ["--build", str(Path(tmp) / "build")]
                load = os.getloadavg()[0]
                wall, cpu, code = _run(command + build + ["--no-cache"], root)
                rows.append((name, "cold", wall, cpu, load, os.getloadavg()[0], code))
                for _ in range(args.reruns):
                    load = os.getloadavg()[0]
                    wall, cpu, code = _run(command + build, root)
                    rows.append((name, "rerun", wall, cpu, load, os.getloadavg()[0], code))
    print("| code | run | wall s | CPU s | load before | load after | exit | target | result |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    for name, what, wall, cpu, l0, l1, code in rows:
        target = "< 1 s" if what == "rerun" else "< 10 s idle, < 15 s at load 2"
        print(f"| {name} | {what} | {wall:.2f} | {cpu:.2f} | {l0:.2f} | {l1:.2f} | {code} | {target} | "
              f"{_verdict(what, wall, l0) if code == 0 else 'FAILED'} |")
    return 0 if all(r[-1] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
