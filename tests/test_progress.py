"""Progress reports from a step and the terminal bars drawn from them."""

import io
import json
import time

from helpers import progress


def test_tracker_writes_the_last_report_atomically(tmp_path, monkeypatch):
    target = tmp_path / "step.progress"
    monkeypatch.setenv(progress.ENV, str(target))
    report = progress.tracker("significance")
    report(1, 100)
    first = progress.read(target)
    assert (first["label"], first["done"], first["total"]) == ("significance", 1, 100)
    report(2, 100)  # within the throttle interval: not written
    assert progress.read(target)["done"] == 1
    report(100, 100)  # the last one always is
    assert progress.read(target)["done"] == 100
    assert [p.name for p in tmp_path.iterdir()] == ["step.progress"]  # no temporary file left


def test_tracker_does_nothing_outside_the_pipeline(tmp_path, monkeypatch):
    monkeypatch.delenv(progress.ENV, raising=False)
    progress.tracker("x")(1, 2)
    assert list(tmp_path.iterdir()) == []


def test_bars_show_done_of_total_once_a_step_is_slow(tmp_path, monkeypatch):
    out = io.StringIO()
    bars = progress.Bars(stream=out, enabled=True)
    report = tmp_path / "p.json"
    bars.update("core-periphery", time.perf_counter(), report)  # just started: no bar
    assert out.getvalue() == "" and bars.bars == {}
    started = time.perf_counter() - progress.SHOW_AFTER - 1
    bars.update("core-periphery", started, report)  # slow, no report yet: elapsed time
    assert "core-periphery" in out.getvalue()
    report.write_text(json.dumps({"label": "significance (degree)", "done": 40, "total": 360,
                                  "started": time.time() - 4, "time": time.time()}))
    bars.update("core-periphery", started, report)
    assert "significance (degree)" in out.getvalue() and "40/360" in out.getvalue()
    bars.close_all()
    assert bars.bars == {}


def test_bars_stay_off_when_not_a_terminal():
    out = io.StringIO()
    bars = progress.Bars(stream=out)
    bars.update("x", time.perf_counter() - 100, None)
    assert out.getvalue() == ""
