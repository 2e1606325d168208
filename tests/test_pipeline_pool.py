"""The workers' warm-up: what it imports exists (a missing name stops the warm-up half-way)."""

from __future__ import annotations

import subprocess
import sys

from helpers.pipeline.pool import WARM_IMPORTS


def test_warm_imports_import_without_error():
    # in a plain interpreter, as the kernel runs it; an error would leave the rest unimported
    done = subprocess.run([sys.executable, "-c", WARM_IMPORTS + "\nimport sys\nprint('helpers.results.tidy' in "
                                                                "sys.modules, 'cdlib' in sys.modules)"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]  # cdlib only where the groupings are found

