"""Hostile and broken input: the corpus in ``tests/data/hostile`` and the failures around it.

Each case folder holds an ``expected.yml`` (``tests/data/hostile/README.md`` describes
it): how to build the wave from ``tests/data/tiny`` (edits, a generated large or
malformed file, a sibling copy, a file outside the wave folder, a pseudonym key file),
the command line to run, and what must come out. Every case runs the real command line
in a subprocess under an address-space limit (:data:`MEMORY_LIMIT`) and a generous
timeout, so a limit that does not hold fails the test instead of the machine.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.ingest.readers import read_sheet
import yaml

import hostile_inputs
from conftest import DATA, ROOT

HOSTILE = sorted(p for p in (DATA / "hostile").iterdir() if p.is_dir())
TINY = DATA / "tiny"
MEMORY_LIMIT = 1536 * 1024**2
"""Address space of the command under test: a limit that does not hold ends in MemoryError."""
TIMEOUT = 60
"""Seconds before a case counts as hanging (the limits fail within a few seconds)."""
KEYS = {"item", "case", "slow", "edit", "generate", "sibling", "outside", "key_file", "build", "command", "exit",
        "message", "stdout", "absent", "written", "not_written", "unchanged"}

CHILD = """
import resource, sys, time
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
started = time.perf_counter()
from helpers.cli import main
try:
    code = main(sys.argv[3:])
finally:
    with open(sys.argv[2], "w") as fh:
        fh.write(f"{time.perf_counter() - started} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
sys.exit(code)
"""


def spec_of(case: Path) -> dict:
    return yaml.safe_load((case / "expected.yml").read_text(encoding="utf-8"))


def _expand(text: str, places: dict[str, str]) -> str:
    text = re.sub(r"\{long:(\d+)\}", lambda m: "x" * int(m[1]), text)
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


def build_case(case: Path, base: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """Build a case's wave under ``base``; return the wave folder, placeholders and environment."""
    spec = spec_of(case)
    outside = base / "waves"
    wave = Path(shutil.copytree(TINY, outside / "tiny"))
    places = {"wave": str(wave), "outside": str(outside), "build": str(base / "build"), "root": str(ROOT)}
    for name, edits in (spec.get("edit") or {}).items():
        text = (wave / name).read_text(encoding="utf-8-sig")
        for e in edits:
            assert e["old"] in text, f"{case.name}: {e['old']!r} not in {name}"
            text = text.replace(e["old"], _expand(e["new"], places), 1)
        (wave / name).write_text(text, encoding="utf-8")
    if spec.get("generate"):
        options = dict(spec["generate"])
        generator = hostile_inputs.GENERATORS[options.pop("name")]
        if "source" in options:
            options["source"] = TINY / options["source"]
        generator(wave, **options)
    if spec.get("sibling"):
        shutil.copytree(wave, outside / spec["sibling"])
    if spec.get("outside"):
        (outside / spec["outside"]["name"]).write_text(spec["outside"]["text"], encoding="utf-8")
    for name, text in (spec.get("build") or {}).items():
        (base / "build" / name).parent.mkdir(parents=True, exist_ok=True)
        (base / "build" / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "FORUM_NETWORK_SECRET": "hostile-corpus-key"}
    if "key_file" in spec:
        del env["FORUM_NETWORK_SECRET"]
        key = base / "pseudonym.key"
        env["FORUM_NETWORK_SECRET_FILE"] = str(key)
        if spec["key_file"] is not None:
            key.write_bytes(spec["key_file"].encode("latin-1"))
    return wave, places, env


def run_cli(argv: list[str], env: dict, scratch: Path, *, limit: int = MEMORY_LIMIT,
            timeout: float = TIMEOUT) -> tuple[int, str, str, float, int]:
    """Run ``forum-network argv`` under an address-space ``limit`` (0: none); exit code, stdout, stderr,
    seconds, peak kB."""
    figures = scratch / "figures.txt"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(limit), str(figures), *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    seconds, peak = figures.read_text().split() if figures.exists() else ("nan", "0")
    return proc.returncode, proc.stdout, proc.stderr, float(seconds), int(peak)


def test_corpus_covers_every_item_and_is_described():
    items = set()
    for case in HOSTILE:
        spec = spec_of(case)
        assert set(spec) <= KEYS, f"{case.name}: unknown keys {set(spec) - KEYS}"
        assert spec["case"].strip() and spec["command"] and "exit" in spec, case.name
        assert spec["exit"] == 0 or spec.get("message"), f"{case.name}: a refusal names its message"
        items.add(spec["item"])
    assert items >= {1, 2, 3, 4, 5}  # item 6 (tracebacks) is checked in every case: see below


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if spec_of(c).get("slow") else c
                                  for c in HOSTILE], ids=lambda p: p.name)
def test_hostile_case(case, tmp_path):
    spec = spec_of(case)
    wave, places, env = build_case(case, tmp_path)
    before = {p: p.read_bytes() for p in wave.rglob("*") if p.is_file()}
    argv = [_expand(a, places) for a in spec["command"]]
    # a whole run starts kernels, whose address space (not their memory) exceeds any useful limit
    code, out, err, seconds, peak = (run_cli(argv, env, tmp_path, limit=0, timeout=600) if spec.get("slow")
                                     else run_cli(argv, env, tmp_path))
    assert "Traceback" not in err and "MemoryError" not in err, err[-3000:]
    assert code == spec["exit"], f"exit {code}:\n{err[-3000:]}"
    if spec.get("message"):
        assert spec["message"] in err, err[-3000:]
    if spec.get("stdout"):
        assert spec["stdout"] in out, out
    for text in spec.get("absent") or ():
        assert text not in err and text not in out, f"{text!r} leaked into the output"
    for path, parts in (spec.get("written") or {}).items():
        content = Path(_expand(path, places)).read_bytes().decode("utf-8")
        for part in parts:
            assert part in content, f"{part!r} not in {path}:\n{content}"
    for path in spec.get("not_written") or ():
        target = Path(_expand(path, places))
        exists = target.exists()
        if exists:
            target.unlink()
        assert not exists, f"{target} was written"
    for path, text in (spec.get("unchanged") or {}).items():
        assert Path(_expand(path, places)).read_text(encoding="utf-8") == text
    assert {p: p.read_bytes() for p in wave.rglob("*") if p.is_file()} == before  # the wave is only read
    if spec["item"] == 3:  # a limit fails (or passes) fast and small, not only within the hard limits above
        assert seconds < 30 and peak < 1024**2, f"{seconds:.1f} s, {peak / 1024:.0f} MB"


# ------------------------------------------------------------------ the key, without the command line


def test_key_file_is_created_atomically_and_never_replaced(tmp_path, monkeypatch):
    from helpers.ingest import pseudonym

    monkeypatch.delenv("FORUM_NETWORK_SECRET")
    path = tmp_path / "cfg" / "pseudonym.key"
    monkeypatch.setenv("FORUM_NETWORK_SECRET_FILE", str(path))
    key = pseudonym.load_secret(build=tmp_path / "build")
    assert re.fullmatch(rb"[0-9a-f]{64}", key) and path.stat().st_mode & 0o777 == 0o600
    assert pseudonym.load_secret(build=tmp_path / "build") == key
    assert [p.name for p in path.parent.iterdir()] == ["pseudonym.key"]  # no temporary left


def test_full_disk_while_making_the_key_leaves_no_key(tmp_path, monkeypatch):
    from helpers.ingest import pseudonym

    monkeypatch.delenv("FORUM_NETWORK_SECRET")
    path = tmp_path / "pseudonym.key"
    monkeypatch.setenv("FORUM_NETWORK_SECRET_FILE", str(path))

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pseudonym.os, "fsync", full)
    with pytest.raises(OSError):
        pseudonym.load_secret(build=tmp_path / "build")
    assert list(tmp_path.iterdir()) == []  # no 0-byte key that the next run would accept


def test_new_key_only_on_request_where_builds_exist(tmp_path, monkeypatch):
    from helpers.ingest import pseudonym

    monkeypatch.delenv("FORUM_NETWORK_SECRET")
    monkeypatch.setenv("FORUM_NETWORK_SECRET_FILE", str(tmp_path / "pseudonym.key"))
    tidy = tmp_path / "build" / "2019-02" / "tidy"
    tidy.mkdir(parents=True)
    (tidy / "wave.json").write_text("{}")
    with pytest.raises(pseudonym.PseudonymKeyError, match="--new-key"):
        pseudonym.load_secret(build=tmp_path / "build")
    assert not (tmp_path / "pseudonym.key").exists()
    assert len(pseudonym.load_secret(new_key=True, build=tmp_path / "build")) == 64


def test_fingerprint_is_recorded_and_reveals_no_key(tiny):
    from helpers.ingest.pseudonym import fingerprint
    from helpers.ingest.validate import tidy_wave
    from helpers.ingest.wave import load_wave

    meta = tidy_wave(load_wave(tiny), secret=b"k" * 32).meta
    assert meta["key_fingerprint"] == fingerprint(b"k" * 32) != fingerprint(b"x" * 32)
    assert "kkkk" not in json.dumps(meta)


def test_ingest_cache_key_follows_the_pseudonym_key(tiny, tmp_path, monkeypatch):
    from helpers.ingest.wave import locate
    from helpers.pipeline import scheduler

    spec, folder = locate(tiny, tmp_path / "build")
    params = {"wave": str(spec.folder), "build": str(folder.parent), "seed": 1, "lang": "da"}
    step = scheduler.STEPS[0]
    _, first = scheduler._prepare(step, params, folder, ROOT, spec, ("html",))
    _, same = scheduler._prepare(step, params, folder, ROOT, spec, ("html",))
    monkeypatch.setenv("FORUM_NETWORK_SECRET", "another pseudonym key")
    _, other = scheduler._prepare(step, params, folder, ROOT, spec, ("html",))
    assert first == same != other


def test_previous_wave_under_another_key_is_refused(tiny):
    from helpers.ingest.keycheck import check_previous
    from helpers.ingest.pseudonym import PseudonymKeyError, fingerprint

    members = ["Paaaa", "Pbbbb"]
    with pytest.raises(PseudonymKeyError, match="pseudonymised under another key"):
        check_previous({"key_fingerprint": fingerprint(b"old key!")}, members, tiny, b"new key!", "2019-02")
    meta = {"key_fingerprint": fingerprint(b"new key!")}
    check_previous(meta, members, tiny, b"new key!", "2019-02")
    (tiny / "visit-pairs.csv").write_text("pair_id,member_id\nV01,Pcccc\nV01,Pdddd\n")
    with pytest.raises(PseudonymKeyError, match="none of its 2 member ids"):
        check_previous(meta, members, tiny, b"new key!", "2019-02")


# ------------------------------------------------------------------ no traceback, whatever the system does


def test_full_disk_gives_a_message_not_a_traceback(tiny, tmp_path, monkeypatch, capsys):
    from helpers import io
    from helpers.cli import main

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "key.csv"))

    monkeypatch.setattr(io, "atomic_file", full)
    assert main(["key", str(tiny), "--out", str(tmp_path / "key.csv")]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "Traceback" not in err
    assert not (tmp_path / "key.csv").exists()


def test_read_only_folder_gives_a_message_not_a_traceback(tiny, tmp_path, monkeypatch, capsys):
    from helpers.cli import main

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "build"))

    monkeypatch.setattr("helpers.io.run_lock", read_only)
    monkeypatch.setattr("helpers.pipeline.scheduler._validate", lambda plan, note: None)
    assert main(["run", str(tiny), "--build", str(tmp_path / "build")]) == 2
    err = capsys.readouterr().err
    assert "read-only file system" in err and "Traceback" not in err


def test_unreadable_raw_file_in_key_command_gives_a_message(tiny, tmp_path, capsys):
    from helpers.cli import main

    (tiny / "roster.csv").write_bytes(b"\x00\x01binary")
    assert main(["key", str(tiny), "--out", str(tmp_path / "key.csv")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_sigterm_swallowed_by_a_finaliser_still_ends_the_block(capsys):
    """The handler's exception raised inside a finaliser is "ignored" by Python; the run
    must stop anyway (seen in CI: a run went on to exit 0 after SIGTERM)."""
    from helpers.interrupt import Terminated, terminate_like_interrupt

    class Finalised:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10_000):  # the handler runs between these bytecodes, in the finaliser
                pass

    reached = False
    with pytest.raises(Terminated):
        with terminate_like_interrupt():
            Finalised()  # dropped at once: its finaliser swallows the handler's exception
            reached = True
    assert reached
    assert "Terminated" not in capsys.readouterr().err  # the swallowed one is not printed


def test_a_remembered_sigterm_is_raised_at_a_checkpoint():
    from helpers.interrupt import Terminated, raise_if_terminated, terminate_like_interrupt

    class Finalised:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10_000):
                pass

    checkpoints = 0
    with pytest.raises(Terminated):
        with terminate_like_interrupt():
            raise_if_terminated()
            checkpoints += 1  # nothing received yet: the checkpoint passes
            Finalised()
            raise_if_terminated()
            checkpoints += 1  # not reached
    assert checkpoints == 1
    raise_if_terminated()  # outside the block, nothing is remembered


@pytest.mark.slow
def test_sigterm_ends_a_run_like_ctrl_c(tiny, tmp_path):
    build = tmp_path / "build"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "FORUM_NETWORK_SECRET": "sigterm-test-key"}
    proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", str(tiny), "--build", str(build),
                             "--to", "html"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while not list((build / "tiny").glob(".run-*/*.job.json")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    left = [p.name for p in (build / "tiny").rglob(".*") if p.name != ".lock"]
    assert left == [], left


# ------------------------------------------------------------------ CSV files: no formulas, and they read back


FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTab", "'=quoted"]


def test_results_tables_neutralise_formulas_and_read_back_exactly(tmp_path):
    import pandas as pd

    from helpers import io

    frame = pd.DataFrame({"department": FORMULAS, "density": [-0.25, 0.5, 1.0, -1.0, 0.0, 0.75],
                          "=header": ["a", "b", "c", "d", "e", "f"]})
    path = io.write_table(frame, tmp_path / "t.csv")
    text = path.read_text(encoding="utf-8")
    cells = [line.split(",")[0].strip('"') for line in text.splitlines()]
    assert all(not c.startswith(("=", "+", "-", "@", "\t")) for c in cells), cells
    assert "-0.25" in text  # numbers stay numbers
    back = io.read_table(path)
    assert list(back.columns) == list(frame.columns)
    assert back["department"].tolist() == FORMULAS and back["density"].tolist() == frame["density"].tolist()


def test_sheets_for_people_open_as_columns_in_danish_excel(tmp_path):
    import pandas as pd

    from helpers import io

    frame = pd.DataFrame({"member_id": ["P1", "P2"], "name": ["Åse Ødegård", FORMULAS[0]], "score": [1.5, 2.0]})
    raw = io.write_sheet(frame, tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # else Excel shows Ã¸ for ø
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "member_id;name;score" and lines[1] == "P1;Åse Ødegård;1,5"
    assert lines[2].startswith('P2;"\'=HYPERLINK(')
    back = read_sheet(tmp_path / "s.csv")
    assert back["name"].tolist() == frame["name"].tolist()


def test_key_folder_that_cannot_be_written_gives_a_message(tiny, tmp_path, monkeypatch, capsys):
    from helpers.cli import main

    monkeypatch.delenv("FORUM_NETWORK_SECRET")
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("FORUM_NETWORK_SECRET_FILE", str(tmp_path / "not-a-folder" / "pseudonym.key"))
    assert main(["validate", str(tiny)]) == 2
    err = capsys.readouterr().err
    assert "not-a-folder" in err and "Traceback" not in err


def test_system_error_in_a_step_is_reported_as_a_message(tmp_path, monkeypatch):
    import nbformat

    from helpers.pipeline import worker

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "handout"))

    monkeypatch.setattr(worker, "work", full)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "nb.ipynb")
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"notebook": str(tmp_path / "nb.ipynb"), "output": str(tmp_path / "out.ipynb"),
                               "root": str(ROOT), "name": "handout (da)", "lang": "da", "formats": ["pdf"]}))
    assert worker.main([str(job)]) == 1
    message = (tmp_path / "job.json.error").read_text()
    assert message.startswith("step handout (da): ") and "the disk is full" in message
