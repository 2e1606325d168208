"""Crash safety: a run killed at any moment leaves the previous handout, tables and cache usable.

The pipeline is started as a separate process group (``forum-network run``), killed with
SIGKILL at several moments, and then checked against two clean runs: the previous
complete run (wave A) and a clean run of the new data (wave B) in a build folder of its
own. After every kill the handout is still byte for byte the previous one, every tidy,
results and export file is either the previous or the new complete version, no process
of the run is left behind, and the cache serves nothing from a step that did not
finish. The next run then completes and gives the clean run's results byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from helpers.pipeline import cache, scheduler as pipeline

from conftest import DATA, edit

WAVE_ID = "tiny"
CHECKED = ("tidy", "results", "exports")  # folders whose files must be old or new, never partial


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(folder: Path, parts=CHECKED) -> dict[str, str]:
    """SHA-256 of the visible files under ``folder/<part>``, keyed by relative path."""
    out = {}
    for part in parts:
        for path in sorted((folder / part).rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                out[rel.as_posix()] = sha(path)
    return out


def start(wave: Path, build: Path, env: dict) -> subprocess.Popen:
    """``forum-network run`` in a session (process group) of its own, html only."""
    return subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", str(wave), "--build", str(build),
                             "--to", "html"], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return err


def processes_with(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (the run, its workers, kernels, pandoc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def kill(proc: subprocess.Popen, marker: str) -> float:
    """SIGKILL the run's process group; wait until every process of the run is gone.

    Returns the seconds the last process (a kernel, in its own session) outlived the kill.
    """
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    killed = time.perf_counter()
    while processes_with(marker):
        assert time.perf_counter() - killed < 10, f"processes outlived the run: {processes_with(marker)}"
        time.sleep(0.1)
    return time.perf_counter() - killed


def statuses(stderr: str) -> dict[str, str]:
    """Step name -> executed/cached, from the run's progress lines."""
    return {m[1].strip(): m[2] for m in re.finditer(r"^  (\S.*?)\s+[\d.]+ s  (executed|cached)$", stderr, re.M)}



@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    """Wave A (the tiny wave) and wave B (one rating changed), in folders of their own, same wave id."""
    base = tmp_path_factory.mktemp("crash")
    a = shutil.copytree(DATA / "tiny", base / "a" / WAVE_ID)
    b = shutil.copytree(DATA / "tiny", base / "b" / WAVE_ID)
    edit(b / "relations.csv", "Bo Bæk;Ugentligt;;Ugentligt", "Bo Bæk;Ugentligt;;Aldrig")
    marker = f"crash-test-{uuid.uuid4().hex}"
    # a fixed SOURCE_DATE_EPOCH makes the handout itself reproducible (figure dates), so
    # it can be compared byte for byte too
    env = {**os.environ, "FORUM_NETWORK_SECRET": marker, "SOURCE_DATE_EPOCH": "1550827800"}
    # the previous complete run (A, in the build folder that is then interrupted) and a
    # clean run of B elsewhere, side by side
    runs = [start(a, base / "build", env), start(b, base / "clean-b", env)]
    for proc in runs:
        finish(proc)
    return base, a, b, env, marker


@pytest.mark.slow
def test_killed_runs_leave_previous_outputs_and_the_next_run_completes(waves):
    base, a, b, env, marker = waves
    build = base / "build"
    folder, clean = build / WAVE_ID, base / "clean-b" / WAVE_ID
    old, new = hashes(folder), hashes(clean)
    assert old != new and set(old) == set(new)
    handout_old = hashes(folder, ("handout",))
    assert handout_old and handout_old != hashes(clean, ("handout",))
    steps = {s.name: s for s in pipeline.STEPS + (pipeline.handout_step("da", ("html",)),)}

    def complete_before(step_name: str, snapshot: dict[str, str]) -> bool:
        """Whether every output of a step was already B's complete version."""
        outputs = [rel for rel in new if any(rel == w or rel.startswith(w + "/") for w in steps[step_name].writes)]
        if step_name.startswith("handout"):
            return snapshot.get("handout/handout-da.html") == hashes(clean, ("handout",))["handout/handout-da.html"]
        return bool(outputs) and all(snapshot.get(rel) == new[rel] for rel in outputs)

    def render_started() -> bool:
        return any(p.name.startswith(".handout.render-") for p in folder.iterdir())

    def handout_started() -> bool:  # its job file is written when the step is launched
        return any(folder.glob(".run-*/handout.*.job.json"))

    # the timed kills come at the latest when the handout step starts, so that the last
    # one still finds a render to interrupt, however fast the machine
    moments = [("after 1 s", lambda t: t >= 1 or handout_started()),
               ("after 4 s", lambda t: t >= 4 or handout_started()),
               ("after 8 s", lambda t: t >= 8 or handout_started()),
               ("during the render", lambda t: render_started())]
    snapshot: dict[str, str] = {}
    for moment, due in moments:
        proc = start(b, build, env)
        t0 = time.perf_counter()
        while not due(time.perf_counter() - t0):
            assert proc.poll() is None, f"the run ended before the moment '{moment}'"
            time.sleep(0.02)
        kill(proc, marker)
        # the previous handout, byte for byte
        assert hashes(folder, ("handout",)) == handout_old, moment
        # every table the old or the new complete version; none missing, none partial
        now = hashes(folder)
        assert set(now) == set(old), moment
        for rel, digest in now.items():
            assert digest in (old[rel], new[rel]), f"{moment}: {rel} is neither the previous nor the new version"
        snapshot = {**now, **hashes(folder, ("handout",))}
        print(f"{moment}: {sum(now[r] == new[r] != old[r] for r in now)} of {len(now)} files new")
        # every cache entry that could be served is complete
        store = cache.RunCache(build / pipeline.CACHE_FOLDER)
        for record in store.cache.list_cache_records():
            bundle = store.cache.get_cache_bundle(record.pk)
            nbformat.validate(bundle.nb)

    # a notebook half-written when the run was killed (the copy of a cached run is
    # written last) is replaced, not kept because it exists
    ingest = folder / "notebooks" / "10-ingest.ipynb"
    ingest.write_bytes(ingest.read_bytes()[:100])
    err = finish(start(b, build, env))
    # the cache served only steps whose outputs were completely written before the last kill
    for name, status in statuses(err).items():
        if status == "cached":
            assert complete_before(name, snapshot), f"{name} was served from the cache, but had not finished"
    # the same results as the clean run, byte for byte
    assert hashes(folder) == new
    assert hashes(folder, ("handout",)) == hashes(clean, ("handout",))
    for path in sorted((folder / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert str(b) in "".join(c.source for c in nb.cells), f"{path.name} is not from the run of wave B"
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"], path.name
    # nothing left behind by the killed runs
    leftovers = [p.relative_to(folder).as_posix() for p in folder.rglob(".*") if p.name != ".lock"]
    assert leftovers == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="atomic exchange of folders is Linux-only")
def test_folder_replacement_is_never_missing_even_between_renames(tmp_path, monkeypatch):
    """A kill right after any rename inside io.atomic_dir leaves the previous or the new folder, whole."""
    from helpers import io

    target = tmp_path / "tidy"
    with io.atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    real = os.replace

    def replace_then_die(src, dst):
        real(src, dst)
        raise KeyboardInterrupt("killed just after a rename")

    monkeypatch.setattr(io.os, "replace", replace_then_die)
    try:
        with io.atomic_dir(target) as tmp:
            (tmp / "a.txt").write_text("new")
    except KeyboardInterrupt:
        pass
    assert (target / "a.txt").read_text() in ("old", "new")


def test_damaged_cache_database_is_started_afresh(tmp_path):
    """A cache database left half-created (killed during its first write) does not stop every later run."""
    folder = tmp_path / ".jupyter_cache"
    folder.mkdir()
    (folder / "global.db").write_bytes(b"SQLite format 3\x00 cut off")
    store = cache.RunCache(folder)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    store.store(nb, nb, "x.ipynb", {"out": "abc"})
    assert store.lookup(nb, {"out": "abc"}) is not None


def test_second_run_of_a_wave_is_refused_while_one_holds_it(tiny, tmp_path):
    from helpers import io
    from helpers.errors import SurveyError

    folder = tmp_path / "build" / "tiny"
    with io.run_lock(folder):
        with pytest.raises(SurveyError, match="another run of this wave"):
            pipeline.run(tiny, formats=("html",), build=tmp_path / "build")
    with io.run_lock(folder):  # released again
        pass


def test_sweep_removes_what_killed_runs_left(tmp_path):
    from helpers import io

    folder = tmp_path / "wave"
    for rel in (".run-x/job.json", ".handout.render-y/a.html", "results/.ei.csv.tmp-z", "notebooks/.a.tmp.ipynb",
                ".tidy.old-1/members.parquet", "results/ei.csv", "handout/handout-da.html"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("x")
    (folder / ".lock").write_text("")
    io.sweep(folder)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        ".lock", "handout/handout-da.html", "results/ei.csv"]


def test_runs_of_other_waves_share_the_cache_safely(tmp_path):
    """Several processes creating and writing one new cache at once (runs of different waves
    in one build folder): every entry is stored and found again."""
    script = tmp_path / "store.py"
    script.write_text(
        "import sys, nbformat\n"
        "from pathlib import Path\n"
        "from helpers.pipeline import cache\n"
        "i = sys.argv[2]\n"
        "store = cache.RunCache(Path(sys.argv[1]))\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(i + ' + 1')])\n"
        "nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}\n"
        "store.store(nb, nb, 'x.ipynb', {'out': i})\n"
        "assert store.lookup(nb, {'out': i}) is not None\n")
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path / "cache"), str(i)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(6)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, outputs
    assert len(cache.RunCache(tmp_path / "cache").cache.list_cache_records()) == 6
