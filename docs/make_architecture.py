"""Draw docs/architecture.png: the rooms of src/helpers, their modules, and the one import direction.

Run from the project root (the picture lists the modules found there):

    .venv/bin/python docs/make_architecture.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "src" / "helpers"
#: Top to bottom: each room imports only the rooms below it.
ROOMS = [
    ("cli", "the forum-network command", ["cli.py"]),
    ("pipeline", "runs the notebooks: steps, cache, worker, render", "pipeline"),
    ("handout", "context + one module per section; plots, table card", "handout"),
    ("results", "one typed result per step: files, compute, save, load", "results"),
    ("analysis", "pure functions on graphs and tables", "analysis"),
    ("ingest", "raw export -> validated, pseudonymised tables", "ingest"),
    ("base", "user errors, language, files, locations, settings",
     ["errors.py", "lang.py", "io.py", "paths.py", "settings.py"]),
]
COLOURS = ["#f2f2f2", "#dfe9f5", "#fde9d9", "#e2f0d9", "#eae2f3", "#fff2cc", "#ededed"]


def modules(where) -> list[str]:
    if isinstance(where, list):
        return [Path(m).stem for m in where]
    folder = HELPERS / where
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        names.append(f"{sub.name}/:")
        names += sorted(q.stem for q in sub.glob("*.py") if q.stem != "__init__")
    return names


def draw(out: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9.0, 9.0))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, len(ROOMS) * 1.2 + 0.2)
    ax.set_axis_off()
    height, gap = 0.95, 0.25
    for i, ((name, what, where), colour) in enumerate(zip(ROOMS, COLOURS)):
        y = (len(ROOMS) - 1 - i) * (height + gap) + 0.2
        ax.add_patch(FancyBboxPatch((1.2, y), 8.6, height, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=colour, edgecolor="#555555", linewidth=0.8))
        ax.text(1.4, y + height - 0.22, name, fontsize=12, fontweight="bold", va="center")
        ax.text(3.0, y + height - 0.22, what, fontsize=9, va="center", color="#333333")
        lines, line = [], ""
        for name_ in modules(where):  # wrap the list at about 80 characters
            if line and (len(line) + len(name_) + 2 > 80 or name_.endswith("/:")):
                lines.append(line)
                line = ""
            line += ("  " if line else "") + name_
        lines.append(line)
        ax.text(1.4, y + 0.3, "\n".join(lines), fontsize=8.2, va="center", family="monospace", color="#1f3b5a",
                linespacing=1.3)
        if i < len(ROOMS) - 1:
            ax.add_patch(FancyArrowPatch((0.7, y + 0.1), (0.7, y - gap - 0.1), arrowstyle="-|>", mutation_scale=14,
                                         color="#444444", linewidth=1.2))
    ax.text(0.35, (len(ROOMS) * (height + gap)) / 2, "imports", rotation=90, fontsize=10, va="center", ha="center")
    ax.set_title("src/helpers: one house with rooms (a room imports only the rooms below it)", fontsize=11)
    fig.savefig(out, dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(draw(ROOT / "docs" / "architecture.png"))
