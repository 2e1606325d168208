"""Tests of helpers.handout.context: number formatting and the pipe tables the sections write."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.handout.context import Context, pipe_table


def test_pipe_table():
    assert pipe_table(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})).splitlines()[1] == "|:--|--:|"


@pytest.mark.parametrize("value,expected", [(0.0004, "< 0.001"), (0.0312, "= 0.031")])
def test_p_values(tmp_path, value, expected):
    assert Context(tmp_path, "en").p(value) == expected
