"""Short steps executed in the run's own process: the same notebook as a kernel gives, and
the process left as it was found."""

from __future__ import annotations

import builtins
import os
import sys
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from helpers.pipeline import here, scheduler
from helpers.pipeline.worker import StepFailed

CELLS = [
    "# Parameters\nwave = 'w'",
    "import pandas as pd\ntable = pd.DataFrame({f'column {i}': range(3) for i in range(12)})\ntable",
    "print('one')\n{'b': [1, 2], 'a': 'x' * 90}",
    "from IPython.display import display\ndisplay(table.head(1))\nprint('two')\n2 + 2",
    "x = 1;",
    "x;",
    "import os\nos.path.basename(os.getcwd())",
]


def notebook(cells=CELLS) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def outputs(nb: nbformat.NotebookNode) -> list:
    """Each code cell's outputs, without what differs from run to run (execution counts)."""
    return [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.outputs]
            for c in nb.cells if c.cell_type == "code"]


@pytest.mark.slow
def test_outputs_are_those_a_kernel_gives(tmp_path):
    """Against papermill in a kernel: results, displays, printed text, ``;``, the working folder."""
    import papermill

    root = tmp_path / "root"
    root.mkdir()
    kernel = papermill.execute_notebook(notebook(), str(tmp_path / "kernel.ipynb"), cwd=str(root),
                                        progress_bar=False, kernel_name="python3")
    mine = nbformat.read(here.execute(notebook(), tmp_path / "here.ipynb", root, "test"), as_version=4)
    assert outputs(mine) == outputs(kernel)
    assert outputs(mine)[1][0]["data"]["text/plain"].count("column") == 12  # no column elided
    assert [c.metadata.papermill["status"] for c in mine.cells] == ["completed"] * len(CELLS)
    assert mine.metadata.papermill["duration"] > 0


def test_process_is_left_as_it_was(tmp_path):
    cwd, stdout, columns = os.getcwd(), sys.stdout, pd.get_option("display.max_columns")
    here.execute(notebook(["y = 2", "import sys\nprint('out', file=sys.stdout)"]), tmp_path / "a.ipynb", tmp_path, "a")
    nb = here.execute(notebook(["'y' in dir()", "'x' in dir()"]), tmp_path / "b.ipynb", tmp_path, "b")
    # every notebook starts with a namespace of its own
    assert [c.outputs[0]["data"]["text/plain"] for c in nbformat.read(nb, as_version=4).cells] == ["False", "False"]
    assert (os.getcwd(), sys.stdout, pd.get_option("display.max_columns")) == (cwd, stdout, columns)
    assert not hasattr(builtins, "__IPYTHON__")  # the run's own libraries do not think they are in IPython
    assert sys.modules["__main__"].__name__ == "__main__"
    from IPython.core.interactiveshell import InteractiveShell

    assert not InteractiveShell.initialized()  # get_ipython() finds no shell after the notebook


def test_failed_cell_stops_the_notebook_and_names_the_step(tmp_path):
    nb = notebook(["a = 1", "raise ValueError('no such department')", "b = 2"])
    with pytest.raises(StepFailed, match="step departments failed: ValueError: no such department"):
        here.execute(nb, tmp_path / "out.ipynb", tmp_path, "departments")
    assert not (tmp_path / "out.ipynb").exists()
    failed = nbformat.read(tmp_path / "out.failed.ipynb", as_version=4)
    assert [o.output_type for o in failed.cells[1].outputs] == ["error"]
    assert failed.cells[1].outputs[0].ename == "ValueError"
    assert failed.cells[2].outputs == [] and failed.cells[2].metadata.papermill["status"] == "pending"


def test_ctrl_c_stops_the_run(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        here.execute(notebook(["raise KeyboardInterrupt"]), tmp_path / "out.ipynb", tmp_path, "x")
    assert not list(tmp_path.iterdir())


def arrange(members: int, langs=("da",), load=0.0, jobs=2, monkeypatch=None):
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    plan = SimpleNamespace(folder=None, jobs=jobs, here=frozenset(), workers=1)  # no pool started
    steps = scheduler.STEPS + tuple(scheduler.handout_step(lang, ("html",)) for lang in langs)
    tidy = SimpleNamespace(members=pd.DataFrame({"member_id": range(members)}))
    scheduler._arrange(plan, steps, tidy)
    return plan.here, plan.workers


def test_a_forum_runs_its_short_steps_here_with_one_worker(monkeypatch):
    assert arrange(40, monkeypatch=monkeypatch) == ({"ingest", "network", "departments"}, 1)
    # a second language gets a second worker only on a machine with a core to spare
    assert arrange(40, ("da", "en"), load=0.5, monkeypatch=monkeypatch)[1] == 2
    assert arrange(40, ("da", "en"), load=2.0, monkeypatch=monkeypatch)[1] == 1
    assert arrange(40, ("da", "en"), load=0.5, jobs=1, monkeypatch=monkeypatch)[1] == 1
    # a large wave: every step in a worker, as many workers as asked for
    assert arrange(scheduler.IN_PROCESS_MEMBERS + 1, load=3.0, monkeypatch=monkeypatch) == (frozenset(), 2)


def test_a_run_inside_ipython_gives_every_step_to_its_workers(monkeypatch, tmp_path):
    """A researcher calling the pipeline in JupyterLab: the kernel's shell is IPython's
    singleton, so no second shell can be made here (it raised MultipleInstanceError)."""
    from IPython.core.interactiveshell import InteractiveShell

    assert here.available()
    InteractiveShell.instance()  # what a kernel or the ipython command has
    try:
        assert not here.available()
        assert arrange(40, monkeypatch=monkeypatch) == (frozenset(), 2)
        assert arrange(40, jobs=1, monkeypatch=monkeypatch) == (frozenset(), 1)
    finally:
        InteractiveShell.clear_instance()
    assert here.available()
