"""How long the whole pipeline takes on the example wave, and where the time goes.

Not a test: prints tables. Run from the project root (the pipeline needs the
pseudonymisation key; any value does for the example wave):

    FORUM_NETWORK_SECRET=bench .venv/bin/python benchmarks/bench_pipeline.py
    FORUM_NETWORK_SECRET=bench .venv/bin/python benchmarks/bench_pipeline.py --markdown

What it does, on example wave 2019-02 (Danish handout, HTML and PDF), into a fresh
temporary build folder:

(a) a cold run, ``helpers.pipeline.scheduler.run(..., use_cache=False)``;
(b) the same call again with the cache on, into the same build folder (the "unchanged
    rerun" after a cold run; a run with ``use_cache=False`` records nothing in the
    cache, so this one executes every step again and fills the cache);
(c) once more with the cache on: every step comes from the cache.

Per step of (a): the step's wall time (``StepResult.seconds``: from starting its worker
process until the pipeline saw it finish), the notebook's papermill duration (kernel
start to kernel stop), the sum of its cells' papermill durations, and, derived from
those: kernel start and stop (notebook - cells), worker process start, papermill and
writing (wall - notebook - render), imports (measured separately: the step's code cells
are replayed in a fresh process under ``python -X importtime`` after importing what an
IPython kernel has loaded anyway; the import statements and the modules imported lazily
by the functions they call are summed; the fastest of ``--replays`` replays counts) and
analysis (cells - imports). Render is timed
by calling :func:`helpers.pipeline.render.render` on the executed handout notebook again.
A forum's short steps (ingest, network, departments) run in the pipeline's own process
(:mod:`helpers.pipeline.here`): no kernel, so their kernel start+stop is about 0 and
"worker+papermill" is the run's preparing and recording of the step.

Memory: the largest RSS of this process (``RUSAGE_SELF``) and of any one waited-for
descendant (``RUSAGE_CHILDREN``: workers, kernels, pandoc, Typst), plus the peak of the
whole process tree's summed RSS, sampled ten times a second.

Targets (2 cores): cold run < 30 s, unchanged rerun < 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WAVE = "2019-02"
LANGS = ("da",)
FORMATS = ("html", "pdf")
TARGET_COLD, TARGET_RERUN = 30.0, 3.0
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# --------------------------------------------------------------------------------------
# memory of the process tree
# --------------------------------------------------------------------------------------


class TreeSampler(threading.Thread):
    """Peak summed RSS of this process and all its descendants, sampled every ``interval`` s."""

    def __init__(self, interval: float = 0.1):
        super().__init__(daemon=True)
        self.interval, self.peak_mb, self.peak_processes = interval, 0.0, 0
        self._halt = threading.Event()

    def _sample(self) -> tuple[float, int]:
        parent, rss = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            parent[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * PAGE
        me = os.getpid()
        tree, frontier = {me}, [me]
        children: dict[int, list[int]] = {}
        for pid, ppid in parent.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            for c in children.get(frontier.pop(), []):
                if c not in tree:
                    tree.add(c)
                    frontier.append(c)
        return sum(rss.get(p, 0) for p in tree) / 2**20, len(tree)

    def run(self) -> None:
        if not Path("/proc/self/stat").exists():
            return
        while not self._halt.is_set():
            mb, count = self._sample()
            if mb > self.peak_mb:
                self.peak_mb, self.peak_processes = mb, count
            time.sleep(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _rusage() -> dict:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"self_maxrss_mb": me.ru_maxrss / 1024, "children_maxrss_mb": kids.ru_maxrss / 1024,
            "self_cpu": me.ru_utime + me.ru_stime, "children_cpu": kids.ru_utime + kids.ru_stime}


# --------------------------------------------------------------------------------------
# notebooks: papermill metadata and an import replay
# --------------------------------------------------------------------------------------


def notebook_times(path: Path) -> dict:
    """Papermill durations of an executed notebook: whole notebook, cells, parameter cells."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    duration = [float(c.metadata.get("papermill", {}).get("duration") or 0.0) for c in cells]
    params = [d for c, d in zip(cells, duration)
              if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    body = [d for c, d in zip(cells, duration)
            if not {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    return {"notebook": float(nb.metadata.get("papermill", {}).get("duration") or 0.0),
            "cells": sum(duration), "parameter_cells": sum(params), "first_cell": body[0] if body else 0.0,
            "body_cells": sum(body)}


REPLAY = r'''
import json, sys, time
import nbformat
notebook, build, out = sys.argv[1:4]
import ipykernel.ipkernel  # what a kernel has loaded before the first cell
import IPython.display
nb = nbformat.read(notebook, as_version=4)
ns = {"__name__": "__main__"}
def code(cell):
    return "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!")))
for cell in nb.cells:
    if cell.cell_type == "code" and {"parameters", "injected-parameters"} & set(cell.metadata.get("tags", [])):
        exec(code(cell), ns)
ns["build"] = build
sys.stderr.write("@@replay-start\n"); sys.stderr.flush()
t0 = time.perf_counter()
for cell in nb.cells:
    if cell.cell_type == "code" and not {"parameters", "injected-parameters"} & set(cell.metadata.get("tags", [])):
        exec(code(cell), ns)
seconds = time.perf_counter() - t0
sys.stderr.write("@@replay-end\n"); sys.stderr.flush()
open(out, "w").write(json.dumps({"seconds": seconds}))
'''


def replay_imports(notebook: Path, build: Path, root: Path) -> dict:
    """Replay a notebook's code cells in a fresh process; seconds spent importing and in all."""
    with tempfile.TemporaryDirectory() as tmp:
        script, out = Path(tmp) / "replay.py", Path(tmp) / "out.json"
        script.write_text(REPLAY)
        env = {**os.environ, "MPLBACKEND": "Agg"}
        proc = subprocess.run([sys.executable, "-X", "importtime", str(script), str(notebook), str(build), str(out)],
                              cwd=root, env=env, capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
        lines = proc.stderr.splitlines()
        inside = lines[lines.index("@@replay-start") + 1: lines.index("@@replay-end")]
        total_us = 0
        for line in inside:
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
            if m and m.group(3) == "":
                total_us += int(m.group(2))
        return {"imports": total_us / 1e6, "replay": json.loads(out.read_text())["seconds"]}


def _fresh(code: str, root: Path) -> float:
    """Seconds a fresh Python process takes to run ``code`` (start to exit)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, capture_output=True)
    return time.perf_counter() - t0


def kernel_start_stop() -> float:
    """Seconds to start an IPython kernel, wait until it answers, and shut it down."""
    from jupyter_client.manager import start_new_kernel

    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------


def table(header: list[str], rows: list[list[str]], markdown: bool = False, right: set | None = None) -> str:
    right = right if right is not None else set(range(1, len(header)))
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _s(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def critical_path(steps, seconds: dict) -> tuple[list[str], float]:
    """The chain of dependent steps with the largest summed wall time."""
    from helpers.pipeline.scheduler import dependencies

    deps = dependencies(tuple(steps))
    best: dict[str, tuple[float, list[str]]] = {}

    def finish(name):
        if name not in best:
            before = max((finish(d) for d in deps[name]), default=(0.0, []))
            best[name] = (before[0] + seconds.get(name, 0.0), before[1] + [name])
        return best[name]

    total, chain = max(finish(s.name) for s in steps)
    return chain, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wave", default=WAVE)
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the build folder")
    parser.add_argument("--replays", type=int, default=2, help="import replays per notebook (the fastest counts)")
    parser.add_argument("--json", type=Path, help="write the measurements to this file")
    args = parser.parse_args(argv)
    if not os.environ.get("FORUM_NETWORK_SECRET") and not os.environ.get("FORUM_NETWORK_SECRET_FILE"):
        print("set FORUM_NETWORK_SECRET (any value does for the example wave), e.g.\n"
              "  FORUM_NETWORK_SECRET=bench .venv/bin/python benchmarks/bench_pipeline.py", file=sys.stderr)
        return 2

    from helpers import paths
    from helpers.handout import context as handout
    from helpers.ingest.wave import locate
    from helpers.pipeline import scheduler as pipeline
    from helpers.pipeline.render import render

    root = paths.project_root()
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    build = tmp / "build"
    sampler = TreeSampler()
    sampler.start()
    runs = {}
    try:
        for name, use_cache in (("a", False), ("b", True), ("c", True)):
            t0 = time.perf_counter()
            report = pipeline.run(args.wave, langs=LANGS, formats=FORMATS, build=build, use_cache=use_cache)
            wall = time.perf_counter() - t0
            runs[name] = {"wall": wall, "steps": report.steps, "rusage": _rusage(), "tree_peak_mb": sampler.peak_mb,
                          "tree_processes": sampler.peak_processes}
            if name == "a":
                spec, folder = locate(args.wave, build)
                executed = {p.stem: notebook_times(p) for p in sorted((folder / "notebooks").glob("*.ipynb"))}
                snapshot = tmp / "after-a"
                shutil.copytree(build, snapshot, ignore=shutil.ignore_patterns(".jupyter_cache"))
    finally:
        sampler.stop()
    load_after = os.getloadavg()

    # render again, separately, on the executed handout notebook of (a)
    handout_nb = snapshot / args.wave / "notebooks" / f"handout-{LANGS[0]}.ipynb"
    title = handout.text(LANGS[0])("title")
    render_times = {}
    for fmts in (FORMATS, ("html",), ("pdf",)):
        t0 = time.perf_counter()
        render(handout_nb, tmp / "render", formats=fmts, lang=LANGS[0], title=title, name="handout")
        render_times["+".join(fmts)] = time.perf_counter() - t0

    # imports: replay every executed notebook of (a) against a copy of its build folder
    replays = {}
    for stem in executed:
        tries = []
        for i in range(args.replays):
            replay_build = tmp / f"replay-{stem}-{i}"
            shutil.copytree(snapshot, replay_build)
            tries.append(replay_imports(snapshot / args.wave / "notebooks" / f"{stem}.ipynb", replay_build, root))
            shutil.rmtree(replay_build, ignore_errors=True)
        ok = [t for t in tries if "imports" in t]
        replays[stem] = ({"imports": min(t["imports"] for t in ok), "replay": min(t["replay"] for t in ok)}
                         if ok else tries[0])

    worker_start = _fresh("import helpers.pipeline.worker, helpers.pipeline.scheduler, papermill", root)
    bare_python = _fresh("pass", root)
    kernel = kernel_start_stop()

    # ---- tables
    step_of = {s.name: s for s in (*pipeline.STEPS, *(pipeline.handout_step(lang, FORMATS) for lang in LANGS))}
    a_steps = {r.name: r for r in runs["a"]["steps"]}
    stem_of = {name: (f"handout-{s.lang}" if s.lang else Path(s.notebook).stem) for name, s in step_of.items()}

    print(f"bench_pipeline: wave {args.wave}, languages {','.join(LANGS)}, formats {','.join(FORMATS)}; "
          f"{os.cpu_count()} cores; load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          "(other processes on the machine inflate wall times)\n")

    totals_header = ["run", "wall s", "target", "result", "steps"]
    totals = []
    for key, label, target in (("a", "(a) cold, use_cache=False", TARGET_COLD),
                               ("b", "(b) unchanged rerun after (a), cache on", TARGET_RERUN),
                               ("c", "(c) unchanged rerun after (b), cache on", TARGET_RERUN)):
        steps = [s for s in runs[key]["steps"] if s.status != "checked"]
        counts = {st: sum(1 for s in steps if s.status == st) for st in ("executed", "cached")}
        wall = runs[key]["wall"]
        totals.append([label, f"{wall:.2f}", f"< {target:.0f} s", "PASS" if wall < target else "MISS",
                       f"{counts['executed']} executed, {counts['cached']} cached"])

    split_header = ["step", "wall s", "notebook s", "kernel start+stop s", "worker+papermill s", "imports s",
                    "analysis s", "render s", "cells s", "first cell s"]
    split = []
    sums = dict.fromkeys(("wall", "kernel", "worker", "imports", "analysis", "render"), 0.0)
    for name, step in step_of.items():
        r = a_steps.get(name)
        t = executed.get(stem_of[name])
        if r is None or t is None:
            continue
        rend = render_times["+".join(FORMATS)] if step.lang else 0.0
        kernel_part = max(t["notebook"] - t["cells"], 0.0)
        worker_part = max(r.seconds - t["notebook"] - rend, 0.0)
        rep = replays.get(stem_of[name], {})
        imports = min(rep.get("imports", 0.0), t["body_cells"]) if "imports" in rep else None
        analysis = t["cells"] - (imports or 0.0)
        for k, v in (("wall", r.seconds), ("kernel", kernel_part), ("worker", worker_part), ("imports", imports or 0.0),
                     ("analysis", analysis), ("render", rend)):
            sums[k] += v
        split.append([name, _s(r.seconds), _s(t["notebook"]), _s(kernel_part), _s(worker_part), _s(imports),
                      _s(analysis), _s(rend) if step.lang else "", _s(t["cells"]), _s(t["first_cell"])])
    split.append(["sum over steps", _s(sums["wall"]), "", _s(sums["kernel"]), _s(sums["worker"]), _s(sums["imports"]),
                  _s(sums["analysis"]), _s(sums["render"]), "", ""])

    a_seconds = {r.name: r.seconds for r in runs["a"]["steps"]}
    chain, chain_s = critical_path(list(step_of.values()), a_seconds)
    validate_s = next((r.seconds for r in runs["a"]["steps"] if r.status == "checked"), 0.0)

    mem_header = ["after run", "main process max RSS MB", "largest child max RSS MB", "process tree peak MB",
                  "children CPU s"]
    mem = []
    prev_cpu = 0.0
    for key in ("a", "b", "c"):
        u = runs[key]["rusage"]
        mem.append([f"({key})", f"{u['self_maxrss_mb']:,.0f}", f"{u['children_maxrss_mb']:,.0f}",
                    f"{runs[key]['tree_peak_mb']:,.0f} ({runs[key]['tree_processes']} processes)",
                    f"{u['children_cpu'] - prev_cpu:.1f}"])
        prev_cpu = u["children_cpu"]

    const_header = ["measured separately", "s"]
    const = [["fresh python, nothing imported (start to exit)", _s(bare_python)],
             ["fresh python importing helpers.pipeline.worker, helpers.pipeline.scheduler, papermill", _s(worker_start)],
             ["IPython kernel start until it answers, then shutdown", _s(kernel)],
             *[[f"render {k} (builtin engine: pandoc + Typst)", _s(v)] for k, v in render_times.items()],
             *[[f"replay of {stem}: all code cells / of which imports",
                f"{_s(rep.get('replay'))} / {_s(rep.get('imports'))}"] for stem, rep in replays.items()]]

    def show(markdown: bool) -> None:
        print("Pipeline wall time" + (":" if not markdown else "\n"))
        print(table(totals_header, totals, markdown, right={1}))
        print(f"\nPer step of the cold run (a); validation before the steps {validate_s:.2f} s; "
              f"critical path {' -> '.join(chain)} = {chain_s:.2f} s of {runs['a']['wall']:.2f} s"
              + (":" if not markdown else "\n"))
        print(table(split_header, split, markdown))
        print("\nMemory (maxima so far after each run; children = the largest single descendant waited for)"
              + (":" if not markdown else "\n"))
        print(table(mem_header, mem, markdown))
        print("\nMeasured separately" + (":" if not markdown else "\n"))
        print(table(const_header, const, markdown))

    show(False)
    if args.markdown:
        print("\n<!-- Markdown -->\n")
        show(True)
    if args.json:
        args.json.write_text(json.dumps({
            "runs": {k: {"wall": v["wall"], "steps": [s.__dict__ for s in v["steps"]], "rusage": v["rusage"],
                         "tree_peak_mb": v["tree_peak_mb"]} for k, v in runs.items()},
            "notebooks": executed, "render": render_times, "replays": replays, "worker_start": worker_start,
            "bare_python": bare_python, "kernel": kernel, "load": [load_before, load_after]}, indent=1))
    if args.keep:
        print(f"\nbuild folder kept: {build}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
