"""The conda environment carries the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT

# conda-forge names that differ from the PyPI names
CONDA_NAMES = {"python-igraph": "igraph"}


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement.strip()).groups()
    name = re.sub(r"[-_.]+", "-", name).lower()
    return CONDA_NAMES.get(name, name), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(map(_split, project["dependencies"] + project["optional-dependencies"]["lab"]))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = []
    for dep in env["dependencies"]:
        entries += dep["pip"] if isinstance(dep, dict) else [dep]
    packages = [d for d in entries if not d.startswith("-e") and _split(d)[0] not in ("python", "pip")]
    have = dict(map(_split, packages))
    assert have == wanted
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python>"))
    assert python.removeprefix("python") == project["requires-python"]


def test_notebook_defaults_are_waves_that_make_handout_builds():
    """Opened in JupyterLab after `make handout`, every notebook runs with its defaults."""
    import nbformat

    default = re.search(r"^WAVE \?= (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + [ROOT / "report" / "handout.ipynb"]
    for path in notebooks:
        cell = next(c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", []))
        waves = re.findall(r'^(?:wave|previous) = "([^"]+)"', cell.source, re.M)
        assert waves and set(waves) <= set(default), (path.name, waves, default)
