"""Identical reruns: two runs from scratch give the same bytes.

Example wave 1 is run twice, into two build folders of its own (so neither can reuse the
other's cache), with the same pseudonym key and seed, under different Python hash seeds
(so nothing may depend on the order of a set), and with ``SOURCE_DATE_EPOCH`` set, the
one date that goes into the documents: the PDF's creation date and the figures'
``<dc:date>``. Tables, JSON, parquet, network exports, the figures' data and the HTML
and PDF handouts must be byte-identical.

Without ``SOURCE_DATE_EPOCH`` the PDF carries the time the handout notebook was executed
and each SVG figure the time it was drawn; everything else stays identical.

Both render paths are checked (the Quarto variant is skipped when Quarto is not installed).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

import nbformat
import pytest
from pypdf import PdfReader

from conftest import ENGINES

WAVE = "2019-02"
EPOCH = 1550827800  # 2019-02-22 09:30 UTC
DATA_FOLDERS = ("tidy", "results", "exports", "handout")
_DATE = re.compile(r"<dc:date>[^<]*</dc:date>")


def run(build, hash_seed: str, engine: str) -> subprocess.Popen:
    env = {**os.environ, "FORUM_NETWORK_SECRET": "reproducible-secret", "SOURCE_DATE_EPOCH": str(EPOCH),
           "PYTHONHASHSEED": hash_seed}
    return subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", WAVE, "--build", str(build),
                             "--lang", "da", "--to", "html,pdf", "--seed", "20190222", "--engine", engine],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module", params=ENGINES)
def builds(request, tmp_path_factory):
    """The same wave built twice from scratch, side by side, with each render engine."""
    base = tmp_path_factory.mktemp(f"reproducible-{request.param}")
    folders = [base / "one", base / "two"]
    procs = [run(folder, seed, request.param) for folder, seed in zip(folders, ("1", "2"))]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    return [folder / WAVE for folder in folders]


def files(folder):
    """Relative path -> SHA-256 of every file the run wrote for readers (not the executed notebooks)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for part in DATA_FOLDERS for p in sorted((folder / part).rglob("*")) if p.is_file()}


def outputs(nb):
    """What each cell of an executed notebook shows, without volatile parts (the SVG date)."""
    shown = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = dict(out.get("data", {}))
            if "image/svg+xml" in data:
                data["image/svg+xml"] = _DATE.sub("", data["image/svg+xml"])
            shown.append((out.output_type, sorted(data.items()), out.get("text", "")))
    return shown


@pytest.mark.slow
def test_tables_json_parquet_and_exports_are_identical(builds):
    one, two = (files(b) for b in builds)
    assert sorted(one) == sorted(two)
    kinds = {p.rsplit(".", 1)[-1] for p in one}
    assert {"csv", "json", "parquet", "graphml", "gexf", "net", "dl", "html", "pdf"} <= kinds
    differ = sorted(p for p in one if one[p] != two[p])
    assert differ == []


@pytest.mark.slow
def test_figures_show_the_same_data(builds):
    a, b = (nbformat.read(folder / "notebooks" / "handout-da.ipynb", as_version=4) for folder in builds)
    shown_a, shown_b = outputs(a), outputs(b)
    svgs = [d for _, data, _ in shown_a for k, d in data if k == "image/svg+xml"]
    assert len(svgs) == 4  # figure 1, figure 2, the heatmap, the external ratings
    assert shown_a == shown_b


@pytest.mark.slow
def test_the_documents_carry_source_date_epoch(builds):
    when = datetime.fromtimestamp(EPOCH, timezone.utc)
    pdf = PdfReader(builds[0] / "handout" / "handout-da.pdf")
    assert pdf.metadata.creation_date.astimezone(timezone.utc) == when
    html = (builds[0] / "handout" / "handout-da.html").read_text(encoding="utf-8")
    svgs = [base64.b64decode(s).decode() for s in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert len(svgs) >= 3  # figure 1 may be replaced by the interactive view
    for svg in svgs:
        assert _DATE.findall(svg) == [f"<dc:date>{when.isoformat()}</dc:date>"]
    # the run's own timings (papermill's and Jupyter's cell metadata) stay out of the document
    for volatile in ("execute_reply", "iopub.", "start_time", "end_time", "data-quarto-private"):
        assert volatile not in html
