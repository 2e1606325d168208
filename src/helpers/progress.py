"""Progress of long work inside a pipeline step, shown as a bar on the terminal.

A step's notebook runs in a kernel that the pipeline cannot see into. Long analyses
(the sampled tests) report how far they are with :func:`tracker`; when the pipeline runs
the step it names a file in the environment variable :data:`ENV`, and each report
replaces that file's content (one small JSON object, written atomically, at most a few
times a second). The pipeline reads the files of its running steps and draws a bar per
step with the ``tqdm`` package: samples done of at most how many, elapsed time and an
estimate of the time left (:class:`Bars`). Outside the pipeline (JupyterLab, tests)
``tracker`` returns a function that does nothing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

__all__ = ["ENV", "SHOW_AFTER", "tracker", "read", "Bars"]

#: Environment variable naming the file a step reports its progress to.
ENV = "FORUM_NETWORK_PROGRESS"
#: A step gets a bar once it has run this many seconds.
SHOW_AFTER = 3.0
_EVERY = 0.2  # seconds between two writes of the same tracker


def tracker(label: str):
    """A ``progress(done, total)`` callable that reports ``label``'s progress to the pipeline.

    Parameters
    ----------
    label : str
        What is being done, e.g. ``"significance (degree null)"``.

    Returns
    -------
    callable
        ``progress(done, total)``; a no-op when :data:`ENV` is not set.

    Examples
    --------
    >>> report = tracker("test")
    >>> report(1, 10)  # nothing happens outside the pipeline
    """
    target = os.environ.get(ENV)
    if not target:
        return lambda done, total: None
    path = Path(target)
    started = time.time()
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.time()
        if now - last[0] < _EVERY and done < total:
            return
        last[0] = now
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(json.dumps({"label": label, "done": int(done), "total": int(total),
                                       "started": started, "time": now}), encoding="utf-8")
            tmp.replace(path)
        except OSError:  # progress is a nicety: never let it stop the analysis
            pass

    return report


def read(path: str | Path) -> dict | None:
    """The last report in ``path``, or None if there is none (yet)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class Bars:
    """One terminal bar per running step that has taken longer than :data:`SHOW_AFTER` seconds.

    Without a report from the step the bar shows the elapsed time; with one, the work
    done of the most there can be (a sequential test may stop early), and tqdm's
    estimate of the time left at the current rate.

    Parameters
    ----------
    stream : file, optional
        Where to draw (default ``sys.stderr``).
    enabled : bool, optional
        Default: only when ``stream`` is a terminal.
    """

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.bars: dict[str, object] = {}

    def update(self, name: str, started: float, report_file: str | Path | None) -> None:
        """Draw or refresh the bar of step ``name`` (started at ``time.perf_counter()`` value ``started``)."""
        if not self.enabled or time.perf_counter() - started < SHOW_AFTER:
            return
        from tqdm import tqdm

        report = read(report_file) if report_file is not None else None
        bar = self.bars.get(name)
        if bar is None:
            bar = tqdm(total=None, desc=name, file=self.stream, leave=False, dynamic_ncols=True,
                       position=len(self.bars), bar_format="{desc}: {elapsed}")
            self.bars[name] = bar
        if report is not None:
            if bar.total != report["total"]:
                bar.reset(total=report["total"])
                bar.bar_format = "{desc}: {n}/{total} {bar} {elapsed}<{remaining}"
                bar.start_t = report["started"]
            bar.set_description_str(f"{name}: {report['label']}", refresh=False)
            bar.n = min(report["done"], report["total"])
        bar.refresh()

    def close(self, name: str) -> None:
        """Remove step ``name``'s bar (it finished)."""
        bar = self.bars.pop(name, None)
        if bar is not None:
            bar.close()

    def close_all(self) -> None:
        for name in list(self.bars):
            self.close(name)
