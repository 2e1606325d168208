"""Execute one pipeline step in a process of its own: ``python -m helpers.pipeline.worker JOB.json``.

The pipeline starts one such process per step, so that independent steps run at the
same time and each kernel's output stays out of the terminal. The job file names the
prepared (parameterised) notebook and where to write; on failure the process writes the
error message into ``JOB.json.error`` and exits with 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from helpers.errors import SurveyError, os_error_message
from helpers.interrupt import Terminated, terminate_like_interrupt


def main(argv: list[str] | None = None) -> int:
    """Run the job described by the JSON file given as the only argument."""
    job_file = Path((argv or sys.argv[1:])[0])
    job = json.loads(job_file.read_text(encoding="utf-8"))
    from helpers.pipeline.scheduler import work

    try:
        with terminate_like_interrupt():  # stopped by the pipeline: unwind, removing temporary files
            work(nbformat.read(job["notebook"], as_version=4), Path(job["output"]), Path(job["root"]), job["name"],
                 job.get("lang"), tuple(job.get("formats", ())), job.get("engine", "auto"))
    except SurveyError as exc:
        Path(f"{job_file}.error").write_text(str(exc), encoding="utf-8")
        return 1
    except OSError as exc:  # a full disk, a read-only folder: a message, not the traceback's tail
        Path(f"{job_file}.error").write_text(f"step {job['name']}: {os_error_message(exc)}", encoding="utf-8")
        return 1
    except Terminated:
        return 143
    return 0


if __name__ == "__main__":
    sys.exit(main())
