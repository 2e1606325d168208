"""Sequential Monte Carlo p-values: the stopping rule against hand-computed cases."""

import math

import numpy as np
import pytest

from helpers.analysis.permutation import (SequentialRule, clopper_pearson, p_value, sequential_test)


def _replay(values):
    """A 'sampler' that hands out a fixed sequence, block by block (ignores the generator)."""
    values = list(values)
    state = {"next": 0}

    def sample(rng, size):
        out = values[state["next"]: state["next"] + size]
        state["next"] += size
        return np.array(out, dtype=float)

    return sample


def test_besag_clifford_stops_at_h_hits_with_p_h_over_l():
    # samples 6, 1, 6, 1, 6, ... against observed 5: the 2nd value >= 5 is sample 3
    rule = SequentialRule(max_samples=100, hits=2, min_samples=1000)
    result = sequential_test(_replay([6, 1, 6, 1, 6, 1]), 5.0, rule=rule, seed=0, block_size=2)
    assert (result.stopped, result.n_samples, result.n_extreme) == ("hits", 3, 2)
    assert result.p_value == pytest.approx(2 / 3)


def test_without_extremes_it_stops_once_the_interval_is_below_alpha():
    # Clopper-Pearson upper bound with no successes is 1 - (tail)^(1/n): below 0.05 from
    # n = ceil(log(0.005) / log(0.95)) at 99 % confidence.
    expected = math.ceil(math.log(0.005) / math.log(0.95))
    rule = SequentialRule(max_samples=1000, hits=10, alpha=0.05, confidence=0.99)
    result = sequential_test(_replay([0.0] * 1000), 1.0, rule=rule, seed=0, block_size=7)
    assert (result.stopped, result.n_samples, result.n_extreme) == ("clear", expected, 0)
    assert result.p_value == pytest.approx(1 / (expected + 1))
    assert result.p_high < 0.05 and result.p_low == 0.0


def test_unclear_case_draws_the_maximum_and_gives_the_fixed_size_p_value():
    rule = SequentialRule(max_samples=50, hits=10)
    values = [1.0] * 3 + [0.0] * 47          # 3 of 50 at least as extreme: p near alpha
    result = sequential_test(_replay(values), 1.0, rule=rule, seed=0, block_size=8)
    assert (result.stopped, result.n_samples) == ("max", 50)
    assert result.p_value == p_value(1.0, np.array(values), "greater") == pytest.approx(4 / 51)
    assert result.p_low < 0.05 < result.p_high


def test_two_sided_uses_the_smaller_tail_twice():
    rule = SequentialRule(max_samples=4, hits=10)
    result = sequential_test(_replay([1.0, 2.0, 3.0, 4.0]), 3.0, rule=rule, seed=0,
                             alternative="two-sided", block_size=4)
    assert result.p_value == pytest.approx(min(1.0, 2 * 3 / 5))


def test_clopper_pearson_matches_closed_forms():
    low, high = clopper_pearson([0, 5], [10, 5], 0.9)
    assert high[0] == pytest.approx(1 - 0.05 ** (1 / 10))
    assert low[1] == pytest.approx(0.05 ** (1 / 5))
    assert low[0] == 0.0 and high[1] == 1.0


def _normal(rng, size):
    return rng.normal(size=size)


@pytest.mark.parametrize("alternative", ["greater", "two-sided"])
def test_same_seed_same_answer_and_reproducible_samples(alternative):
    rule = SequentialRule(max_samples=500)
    a = sequential_test(_normal, 1.7, rule=rule, seed=3, block_size=25, alternative=alternative)
    b = sequential_test(_normal, 1.7, rule=rule, seed=3, block_size=25, alternative=alternative)
    c = sequential_test(_normal, 1.7, rule=rule, seed=4, block_size=25, alternative=alternative)
    assert np.array_equal(a.null, b.null) and a.p_value == b.p_value
    assert not np.array_equal(a.null[: len(c.null)], c.null[: len(a.null)])


def test_result_does_not_depend_on_the_number_of_processes():
    rule = SequentialRule(max_samples=200, hits=1000, min_samples=10_000)  # never stops early
    sample = np.random.Generator.standard_normal  # picklable: sample(rng, size)
    one = sequential_test(sample, 0.5, rule=rule, seed=11, block_size=10, workers=1)
    two = sequential_test(sample, 0.5, rule=rule, seed=11, block_size=10, workers=2)
    assert one.n_samples == two.n_samples == 200
    assert np.array_equal(one.null, two.null) and one.p_value == two.p_value


def test_nan_observed_draws_nothing():
    result = sequential_test(_normal, float("nan"), rule=SequentialRule(max_samples=10), seed=0)
    assert result.n_samples == 0 and math.isnan(result.p_value)


def test_the_sampling_processes_preload_modules_that_exist():
    # the process server skips a module it cannot import without a word; every sampler's
    # module would then be imported again by each process
    import importlib.util

    from helpers.analysis.permutation import PRELOAD

    assert all(importlib.util.find_spec(name) is not None for name in PRELOAD), PRELOAD
    assert {"helpers.analysis.coreperiphery", "helpers.analysis.communities"} <= set(PRELOAD)
