"""Cached reruns: reused only when notebook, used parameters, input data and helpers code are unchanged."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from helpers.pipeline import cache, scheduler as pipeline

from conftest import ROOT, edit

ALL = ["ingest", "network", "core-periphery", "departments", "handout (da)"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The tiny wave run once from scratch into a build folder of its own."""
    base = tmp_path_factory.mktemp("cached")
    wave = shutil.copytree(ROOT / "tests" / "data" / "tiny", base / "tiny")
    mp = pytest.MonkeyPatch()
    mp.setenv("FORUM_NETWORK_SECRET", "test-secret")
    report = pipeline.run(wave, formats=("html",), build=base / "build")
    yield wave, base / "build", report
    mp.undo()


def rerun(built, **kwargs):
    wave, build, _ = built
    return pipeline.run(wave, formats=("html",), build=build, **kwargs)


@pytest.fixture
def settled(built):
    """The built wave after a rerun with the default settings (whatever an earlier test changed)."""
    rerun(built)
    return built


@pytest.mark.slow
def test_cold_run_executes_every_step(built):
    assert sorted(built[2].executed()) == sorted(ALL)


@pytest.mark.slow
def test_unchanged_rerun_executes_nothing(built):
    report = rerun(built)
    assert report.executed() == []
    assert {s.status for s in report.steps} == {"cached"}  # not even validated again: ingest is cached


@pytest.mark.slow
def test_changed_parameter_reruns_only_the_notebooks_that_read_it(settled):
    report = rerun(settled, seed=7)
    # ingest and network never read the seed; the others do
    assert sorted(report.executed()) == sorted(["core-periphery", "departments", "handout (da)"]), report
    assert rerun(settled, seed=7).executed() == []


@pytest.mark.slow
def test_changed_helper_module_reruns_its_dependants(settled, tmp_path, monkeypatch):
    copy = shutil.copytree(cache.HELPERS, tmp_path / "helpers")
    monkeypatch.setattr(cache, "HELPERS", copy)
    with open(copy / "analysis" / "external.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a change\n")
    # the external ratings' result (helpers.results.external, computed by 30-core-periphery) imports
    # it, and so does the handout; nothing else does
    report = rerun(settled)
    assert sorted(report.executed()) == sorted(["core-periphery", "handout (da)"]), report


@pytest.mark.slow
def test_changed_external_answer_reruns_what_reads_it(settled):
    """The external ratings are computed by the core-periphery step (no step of their own):
    a changed answer gives new tables, and the handout that states them runs again."""
    from helpers.pipeline import stamp
    from helpers.results.external import External
    from helpers.results.structure import Structure
    from helpers.results.tidy import Tidy

    wave, build, _ = settled
    folder = build / "tiny"
    before = External.load(folder).external_means
    edit(wave / "external.csv", "Åse Ødegård;I høj grad;I nogen grad", "Åse Ødegård;Slet ikke;I nogen grad")
    try:
        assert stamp.unchanged(wave, langs=("da",), formats=("html",), build=build) is None
        report = rerun(settled)
        assert {"core-periphery", "handout (da)"} <= set(report.executed()), report
        # the saved means against the mean of the tidy ratings by the saved core, by hand
        tidy, core = Tidy.load(folder), set(Structure.load(folder).core)
        rated = tidy.external.dropna(subset=["rating"])
        after = External.load(folder).external_means.set_index(["partner", "group"])["mean_rating"]
        for (partner, group), mean in after.items():
            ratings = [r.rating for r in rated.itertuples() if r.partner == partner
                       and ("core" if r.member_id in core else "periphery") == group]
            assert mean == pytest.approx(sum(ratings) / len(ratings))
        assert not after.equals(before.set_index(["partner", "group"])["mean_rating"])
        assert rerun(settled).executed() == []
    finally:
        edit(wave / "external.csv", "Åse Ødegård;Slet ikke;I nogen grad", "Åse Ødegård;I høj grad;I nogen grad")


@pytest.mark.slow
def test_changed_output_is_not_served_stale(settled):
    wave, build, _ = settled
    table = build / "tiny" / "results" / "ei_tests.csv"
    table.write_text("half-written")
    report = rerun(settled)
    assert report.executed() == ["departments"], report
    assert table.read_text() != "half-written"


@pytest.mark.slow
def test_changed_data_file_reruns_everything_downstream(settled):
    wave, build, _ = settled
    edit(wave / "relations.csv", "Bo Bæk;Ugentligt;;Ugentligt", "Bo Bæk;Ugentligt;;Aldrig")
    report = rerun(settled)
    assert sorted(report.executed()) == sorted(ALL), report


def test_entry_without_notebook_is_a_miss(tmp_path):
    """A run interrupted while its entry was written (record, but no notebook) is never used."""
    store = cache.RunCache(tmp_path / "cache")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed = nbformat.from_dict(nb)
    executed.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    store.store(nb, executed, "x.ipynb", {"out": "abc"})
    assert store.lookup(nb, {"out": "abc"}).cells[0].outputs[0]["data"]["text/plain"] == "2"
    assert store.lookup(nb, {"out": "changed"}) is None
    for path in (tmp_path / "cache" / "executed").rglob("base.ipynb"):
        path.unlink()
    assert store.lookup(nb, {"out": "abc"}) is None


def test_entry_a_killed_run_left_without_notebook_is_removed_when_the_cache_is_opened(tmp_path):
    """jupyter-cache records an entry before it writes its notebook: a run killed in between
    leaves a record that no run can serve; the next run's cache drops it."""
    store = cache.RunCache(tmp_path / "cache")
    for source in ("1 + 1", "2 + 2"):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        store.store(nb, nbformat.from_dict(nb), f"{source}.ipynb", {"out": source})
    records = store.cache.list_cache_records()
    unwritten = records[0]
    (tmp_path / "cache" / "executed" / unwritten.hashkey / "base.ipynb").unlink()
    reopened = cache.RunCache(tmp_path / "cache")
    assert [r.pk for r in reopened.cache.list_cache_records()] == [r.pk for r in records[1:]]
    for record in reopened.cache.list_cache_records():  # what the crash test asks of every entry
        nbformat.validate(reopened.cache.get_cache_bundle(record.pk).nb)
    # the same run stored again: its folder (left empty by the kill) does not stand in the way
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    reopened.store(nb, nbformat.from_dict(nb), "1 + 1.ipynb", {"out": "1 + 1"})
    assert reopened.lookup(nb, {"out": "1 + 1"}) is not None


def test_parameters_used_and_code_modules():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("wave = 1\nseed = 2", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("%config X=1\nfrom helpers.analysis import network\nnetwork.summary(wave)"),
    ])
    assert cache.parameters_used(nb, {"wave": "w", "seed": 3, "lang": "da"}) == {"wave": "w"}
    assert cache.code_modules([nb.cells[1].source]) == ["analysis", "analysis.network"]
    assert cache.code_modules(["from helpers import io"]) == ["errors", "escape", "io"]  # base: nothing above it
    # followed through imports inside functions too (ingest.wave imports paths in locate)
    assert cache.code_modules(["from helpers.ingest.wave import locate"]) == ["errors", "ingest", "ingest.limits", "ingest.wave", "lang", "paths", "safeyaml"]


def test_declared_steps_give_the_run_order():
    deps = pipeline.dependencies(pipeline.STEPS + (pipeline.handout_step("da", ("html",)),))
    assert deps["ingest"] == set()
    assert deps["network"] == deps["core-periphery"] == deps["departments"] == {"ingest"}
    assert "external" not in deps  # computed by the core-periphery step, which holds the core
    assert deps["handout (da)"] == {"ingest", "network", "core-periphery", "departments"}


def test_cycles_and_double_writes_are_refused():
    a = pipeline.Step("a", "a.ipynb", ("y",), ("x",))
    b = pipeline.Step("b", "b.ipynb", ("x",), ("y",))
    with pytest.raises(ValueError, match="cycle"):
        pipeline.dependencies((a, b))
    with pytest.raises(ValueError, match="write the same path"):
        pipeline.dependencies((a, pipeline.Step("c", "c.ipynb", (), ("x/z",))))


@pytest.mark.slow
def test_no_cache_run_still_records(settled):
    assert sorted(rerun(settled, use_cache=False).executed()) == sorted(ALL)
    assert rerun(settled).executed() == []


FAKE_QUARTO = """\
import sys
from pathlib import Path
args = sys.argv[1:]
if args == ["--version"]:
    print("9.9.9")
else:
    Path(args[args.index("--output") + 1]).write_text(" ".join(args), encoding="utf-8")
"""


@pytest.mark.slow
def test_switching_the_render_engine_renders_the_handout_again(settled, tmp_path, monkeypatch):
    # a stand-in for quarto (version 9.9.9) that writes its arguments as the document
    import os
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "quarto").write_text(f"#!{sys.executable}\n{FAKE_QUARTO}", encoding="utf-8")
    (bin_dir / "quarto").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _, build, _ = settled
    handout = next(build.glob("*/handout/handout-da.html"))
    executed = handout.parents[1] / "notebooks" / "handout-da.ipynb"

    def recorded():
        return nbformat.read(executed, as_version=4).metadata["forum_network"]["render"]

    assert recorded()["engine"] == "builtin"
    assert rerun(settled, engine="quarto").executed() == ["handout (da)"]
    assert handout.read_text(encoding="utf-8").startswith("render handout-da.ipynb --to html")
    assert recorded() == {"engine": "quarto", "version": "9.9.9"}
    assert rerun(settled, engine="quarto").executed() == []
    # another version of the same engine is another renderer
    (bin_dir / "quarto").write_text(f"#!{sys.executable}\n{FAKE_QUARTO.replace('9.9.9', '9.9.10')}", encoding="utf-8")
    from helpers.pipeline import render

    render._version_of.cache_clear()
    assert rerun(settled, engine="quarto").executed() == ["handout (da)"]
    assert rerun(settled, engine="builtin").executed() == ["handout (da)"]
    assert recorded()["engine"] == "builtin" and "<html" in handout.read_text(encoding="utf-8")


@pytest.mark.slow
def test_stamp_shortcut_only_when_nothing_changed(settled, monkeypatch):
    """The stamp says "nothing to do" exactly when the cache would serve every step."""
    from helpers.pipeline import stamp

    wave, build, _ = settled

    def shortcut(**kwargs):
        return stamp.unchanged(wave, build=build, **{"formats": ("html",), **kwargs})

    assert sorted(shortcut()) == sorted(ALL)
    assert shortcut(seed=7) is None  # another setting
    assert shortcut(langs=("en",)) is None
    assert shortcut(formats=("html", "pdf")) is None
    monkeypatch.setenv("FORUM_NETWORK_SECRET", "another-secret")  # another pseudonym key
    assert shortcut() is None
    monkeypatch.setenv("FORUM_NETWORK_SECRET", "test-secret")
    # an output changed or missing: the ordinary run decides (and serves or reruns that step)
    table = build / "tiny" / "results" / "ei_tests.csv"
    kept = table.read_bytes()
    table.write_text("half-written")
    assert shortcut() is None
    table.write_bytes(kept)
    executed = build / "tiny" / "notebooks" / "20-network.ipynb"
    kept = executed.read_bytes()
    executed.unlink()
    assert shortcut() is None
    executed.write_bytes(kept)
    # an input: a raw file, or a project file the handout reads
    raw = wave / "wave.yml"
    kept = raw.read_bytes()
    raw.write_bytes(kept + b"\n")
    assert shortcut() is None
    raw.write_bytes(kept)
    assert sorted(shortcut()) == sorted(ALL)
    # another run holds the wave's folder
    from helpers import io

    with io.run_lock(build / "tiny"):
        assert shortcut() is None
    assert sorted(shortcut()) == sorted(ALL)


@pytest.mark.slow
def test_stamp_sees_a_changed_helper_module(settled, tmp_path, monkeypatch):
    from helpers.pipeline import stamp

    wave, build, _ = settled
    copy = shutil.copytree(cache.HELPERS, tmp_path / "helpers")
    monkeypatch.setattr(cache, "HELPERS", copy)
    assert sorted(stamp.unchanged(wave, formats=("html",), build=build)) == sorted(ALL)
    with open(copy / "analysis" / "keyplayers.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a change\n")
    assert stamp.unchanged(wave, formats=("html",), build=build) is None


@pytest.mark.slow
def test_unchanged_rerun_from_the_command_line_imports_no_heavy_library(settled):
    """The rerun with nothing to do answers before pandas, papermill or jupyter-cache are imported."""
    import os
    import subprocess
    import sys

    wave, build, _ = settled
    code = ("import sys; from helpers.cli import main; "
            f"code = main(['run', {str(wave)!r}, '--to', 'html', '--build', {str(build)!r}]); "
            "print(code, sorted(m for m in ('pandas', 'papermill', 'jupyter_cache', 'networkx', "
            "'helpers.pipeline.scheduler') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "FORUM_NETWORK_SECRET": "test-secret"})
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr
    assert done.stdout.splitlines()[0].endswith("handout-da.html")
    assert done.stderr.count(" s  cached") == len(ALL)


def test_lock_file_name_is_the_one_the_runs_take():
    from helpers import io
    from helpers.pipeline import stamp

    assert stamp.LOCK_FILE == io.LOCK_FILE
