"""A 500-member organisation through the whole pipeline: the results are sane.

The wave is :func:`synthetic.organisation` (benchmarks/synthetic.py, seed 500): a
stochastic block model over 20 departments with a planted core of 112 members and 8 %
non-respondents, written as a raw export. The run (English, HTML) must find the planted
core, call both core-periphery tests significant, record and state the settings that were
reduced for a large network, and give a handout that says how many members answered and
stays small. The run takes about half a minute on an idle 2-core machine; the speed
targets are measured by ``benchmarks/bench_sizes.py``, not here.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import synthetic  # noqa: E402

SECRET = "large-wave"
N = 500


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """The synthetic 500-member wave, run once from scratch: (graph, build folder, output)."""
    base = tmp_path_factory.mktemp("large")
    G = synthetic.organisation(N, seed=N)
    wave = synthetic.write_wave(G, base / "syn500", wave_id="syn500", seed=20190222)
    env = {**os.environ, "FORUM_NETWORK_SECRET": SECRET}
    done = subprocess.run([sys.executable, "-m", "helpers.cli", "run", str(wave), "--build", str(base / "build"),
                           "--lang", "en", "--to", "html", "--no-cache"],
                          env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr
    return G, base / "build" / "syn500", done.stdout + done.stderr


def _text(page: Path) -> str:
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style|nav)\b.*?</\1>", " ", raw, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw))).replace("\u00a0", " ").replace("\u2019", "'")


@pytest.mark.slow
def test_the_planted_core_is_found_and_significant(large):
    from helpers.ingest.pseudonym import pseudonym
    from helpers.results.structure import Structure

    G, folder, output = large
    assert "Traceback" not in output
    planted = {pseudonym(m, SECRET.encode()) for m in G.graph["planted_core"]}
    structure = Structure.load(folder)
    found = set(structure.core)
    assert len(planted) == G.graph["generator"]["core_size"]
    # the generator's core, recovered: nearly all of it and little else
    assert len(planted & found) >= 0.9 * len(planted)
    assert len(planted & found) / len(planted | found) >= 0.8
    for null in ("degree", "density"):
        test = structure.significance[null]
        assert test["p_value"] < 0.05 and test["p_high"] < 0.05, test
        assert test["n_samples"] <= test["max_samples"] < 1000  # reduced for 500 members, and stopped early


@pytest.mark.slow
def test_the_handout_states_the_answers_and_the_reduced_settings(large):
    from helpers.results.structure import Structure

    G, folder, _ = large
    answered = sum(1 for _, a in G.nodes(data="answered") if a)
    page = folder / "handout" / "handout-en.html"
    text = _text(page)
    assert f"{answered} of the forum's {N} members answered" in text
    reduced = Structure.load(folder).findings["reduced"]
    assert reduced["members"] == N and reduced["samples"]["used"] < reduced["samples"]["default"]
    assert f"With {N} members some settings were reduced" in text
    assert f"at most {reduced['samples']['used']} random networks per core-periphery test instead of 1,000" in text
    assert re.findall(r"\b(nan|NaN|inf|None(?! of))\b", text) == []
    assert page.stat().st_size < 5_000_000  # Figure 1 and the interactive view aggregate at this size
