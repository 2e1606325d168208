"""The command line: clear messages and exit codes, never a traceback, nothing written on bad input."""

from __future__ import annotations

import subprocess
import sys

from helpers.cli import main

from conftest import edit


def test_validate_clean_wave(tiny, capsys):
    assert main(["validate", str(tiny)]) == 0
    assert "tiny: no problems (6 members, 5 respondents" in capsys.readouterr().out


def test_validate_lists_problems_and_exits_1(tiny, capsys):
    edit(tiny / "relations.csv", "Cecilie Dahl;Månedligt", "Cecilie Dahl;Dagligt")
    assert main(["validate", str(tiny)]) == 1
    err = capsys.readouterr().err
    assert "relations.csv, row 4, column 'Åse Ødegård': found 'Dagligt'" in err
    assert "Traceback" not in err


def test_unknown_wave_and_language(capsys, tiny):
    assert main(["validate", "no-such-wave"]) == 2
    assert capsys.readouterr().err.startswith("error: no wave 'no-such-wave'")
    assert main(["run", str(tiny), "--lang", "de"]) == 2
    assert "'de' is not available" in capsys.readouterr().err


def test_run_on_bad_data_writes_nothing(tiny, tmp_path, capsys):
    build = tmp_path / "build"
    previous = build / "tiny" / "handout" / "handout-da.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous handout")
    edit(tiny / "roster.csv", "3;Cecilie", "2;Cecilie")
    assert main(["run", str(tiny), "--build", str(build)]) == 1
    assert "unique member id" in capsys.readouterr().err
    assert previous.read_text() == "previous handout"
    assert sorted(p.relative_to(build).as_posix() for p in build.rglob("*")) == [
        "tiny", "tiny/handout", "tiny/handout/handout-da.html"]


def test_compare_in_the_wrong_order_or_with_an_unknown_wave(tmp_path, capsys):
    build = tmp_path / "build"
    assert main(["compare", "2020-02", "2019-02", "--build", str(build)]) == 2
    err = capsys.readouterr().err
    assert "2019-02 (closed 2019-02-22) cannot be compared with 2020-02" in err and "Traceback" not in err
    assert main(["compare", "no-such-wave", "2019-02", "--build", str(build)]) == 2
    assert "names 'no-such-wave' as its previous wave, but: no wave 'no-such-wave'" in capsys.readouterr().err
    assert not (build / "2019-02" / "results").exists()  # refused before any step ran


def test_compare_on_bad_data_lists_the_problems(tiny, tmp_path, capsys):
    edit(tiny / "relations.csv", "Cecilie Dahl;Månedligt", "Cecilie Dahl;Dagligt")
    assert main(["compare", "2019-02", str(tiny), "--build", str(tmp_path / "build")]) == 1
    assert "relations.csv, row 4, column 'Åse Ødegård': found 'Dagligt'" in capsys.readouterr().err


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "helpers.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("validate", "run", "compare", "pairs", "key", "example"):
        assert command in out.stdout


def test_engine_option(tiny, tmp_path, monkeypatch, capsys):
    from helpers.cli import parser

    for command in (["run", "w"], ["compare", "a", "b"]):
        assert parser().parse_args(command).engine == "auto"
        assert parser().parse_args([*command, "--engine", "builtin"]).engine == "builtin"
    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto
    assert main(["run", str(tiny), "--build", str(tmp_path / "build"), "--engine", "quarto"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: engine 'quarto' asked for, but quarto is not on PATH") and "Traceback" not in err
    assert not (tmp_path / "build").exists()
