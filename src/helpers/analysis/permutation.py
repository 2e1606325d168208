"""Monte Carlo p-values of permutation tests, shared by every test in the package.

:func:`p_value` turns a fixed number of samples into a p-value; :func:`sequential_test`
draws samples until the answer is clear (Besag and Clifford's sequential p-value, or a
confidence interval of the p-value that excludes the level), in seeded blocks that can be
spread over processes without changing the result.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import sys
import types
from dataclasses import dataclass, field

import numpy as np

__all__ = ["TOLERANCE", "STOPS", "FULL_SAMPLES_UP_TO", "SequentialRule", "SequentialResult", "p_value",
           "clopper_pearson", "block_rng", "default_workers", "samples_for_size", "sequential_test"]

#: Networks up to this many members get every sampled test at its full number of samples.
FULL_SAMPLES_UP_TO = 300

#: Null values within this distance of the observed value count as "as extreme"
#: (floating-point sums of the same ties in another order differ in the last bits).
TOLERANCE = 1e-12


def p_value(observed: float, null: np.ndarray, alternative: str = "two-sided") -> float:
    """``(1 + #as extreme) / (1 + n)``; two-sided doubles the smaller tail, capped at 1.

    Parameters
    ----------
    observed : float
        The statistic on the data.
    null : numpy.ndarray
        The statistic on ``n`` permuted data sets.
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    float
        NaN when ``observed`` is NaN or there are no permutations.

    References
    ----------
    .. [1] B. V. North, D. Curtis and P. C. Sham, "A note on the calculation of empirical
       P values from Monte Carlo procedures", American Journal of Human Genetics 71(2),
       439-441, 2002.

    Examples
    --------
    >>> p_value(3.0, np.array([1.0, 2.0, 3.0, 4.0]), "greater")
    0.6
    """
    if np.isnan(observed) or null.size == 0:
        return float("nan")
    n = null.size
    p_less = (1 + int((null <= observed + TOLERANCE).sum())) / (1 + n)
    p_greater = (1 + int((null >= observed - TOLERANCE).sum())) / (1 + n)
    if alternative == "less":
        return p_less
    if alternative == "greater":
        return p_greater
    return min(1.0, 2.0 * min(p_less, p_greater))


# --------------------------------------------------------------------------
# Sequential Monte Carlo tests: stop when the answer is clear
# --------------------------------------------------------------------------

#: How a sequential test stopped: ``"hits"`` (Besag and Clifford: ``hits`` samples
#: at least as extreme as the data), ``"clear"`` (the confidence interval of the
#: p-value lies wholly on one side of ``alpha``), ``"max"`` (``max_samples`` drawn).
STOPS = ("hits", "clear", "max")


@dataclass(frozen=True)
class SequentialRule:
    """When a sequential Monte Carlo test stops drawing samples.

    After each sample the test counts the samples at least as extreme as the data
    (``g`` of ``l`` drawn so far) and stops at the first of:

    * ``g == hits``: Besag and Clifford's sequential p-value ``hits / l`` [1]_;
    * at least ``min_samples`` drawn and the Clopper-Pearson interval [2]_ (level
      ``confidence``) of the p-value lies wholly below or wholly above ``alpha``;
    * ``max_samples`` drawn.

    Attributes
    ----------
    max_samples : int
        At most this many samples (the fixed-size test's ``n``).
    hits : int
        Besag and Clifford's ``h``.
    alpha : float
        The level whose decision has to be clear.
    confidence : float
        Level of the interval that has to exclude ``alpha``.
    min_samples : int
        Never stop on the interval before this many samples.

    References
    ----------
    .. [1] J. Besag and P. Clifford, "Sequential Monte Carlo p-values",
       Biometrika 78(2), 301-304, 1991.
    .. [2] C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial
       limits illustrated in the case of the binomial", Biometrika 26(4), 404-413,
       1934.
    """

    max_samples: int
    hits: int = 10
    alpha: float = 0.05
    confidence: float = 0.99
    min_samples: int = 20

    def __post_init__(self):
        if self.max_samples < 1:
            raise ValueError("max_samples must be at least 1")
        if self.hits < 1:
            raise ValueError("hits must be at least 1")
        if not 0 < self.alpha < 1 or not 0 < self.confidence < 1:
            raise ValueError("alpha and confidence must lie between 0 and 1")

    def reduced(self, max_samples: int) -> "SequentialRule":
        """The same rule with at most ``max_samples`` samples (at least 1)."""
        return dataclasses.replace(self, max_samples=max(1, int(max_samples)))


@dataclass(frozen=True)
class SequentialResult:
    """Outcome of :func:`sequential_test`.

    Attributes
    ----------
    observed : float
        The statistic on the data.
    null : numpy.ndarray
        The statistic on the samples drawn, in sample order (read-only).
    p_value : float
        ``hits / n_samples`` when stopped by ``"hits"``, else
        ``(1 + n_extreme) / (1 + n_samples)`` (two-sided: twice the smaller tail's,
        capped at 1).
    n_samples : int
        Samples drawn before the test stopped.
    n_extreme : int
        Samples at least as extreme as the data (two-sided: in the smaller tail).
    stopped : str
        One of :data:`STOPS`.
    p_low, p_high : float
        Clopper-Pearson interval (level ``rule.confidence``) of the p-value that
        infinitely many samples would give: the precision achieved.
    rule : SequentialRule
        The rule that was applied.
    alternative : str
        ``"greater"``, ``"less"`` or ``"two-sided"``.
    samples : numpy.ndarray
        ``(n_samples, k)``: every statistic the sampler returned (column 0 is ``null``).
    """

    observed: float
    null: np.ndarray = field(repr=False, compare=False)
    p_value: float
    n_samples: int
    n_extreme: int
    stopped: str
    p_low: float
    p_high: float
    rule: SequentialRule
    alternative: str
    samples: np.ndarray = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        """Plain numbers for a JSON file or a table row (without the samples)."""
        return {"p_value": float(self.p_value), "n_samples": int(self.n_samples),
                "max_samples": int(self.rule.max_samples), "stopped": self.stopped,
                "p_low": float(self.p_low), "p_high": float(self.p_high),
                "confidence": float(self.rule.confidence), "alpha": float(self.rule.alpha)}


def _tail_counts(observed: float, null: np.ndarray, alternative: str) -> np.ndarray:
    """Running count, after each sample, of samples at least as extreme (the p-value's tail)."""
    less = np.cumsum(null <= observed + TOLERANCE)
    greater = np.cumsum(null >= observed - TOLERANCE)
    if alternative == "less":
        return less
    if alternative == "greater":
        return greater
    return np.minimum(less, greater)


def clopper_pearson(k, n, confidence: float):
    """Clopper-Pearson interval of a binomial proportion (vectorised).

    Parameters
    ----------
    k, n : array_like of int
        Successes and trials (``n >= 1``).
    confidence : float
        Two-sided level, e.g. 0.99.

    Returns
    -------
    low, high : numpy.ndarray

    Examples
    --------
    >>> low, high = clopper_pearson(0, 104, 0.99)
    >>> float(low), round(float(high), 4)
    (0.0, 0.0497)
    """
    from scipy.stats import beta

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    tail = (1.0 - confidence) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, beta.ppf(tail, k, n - k + 1), 0.0)
        high = np.where(k < n, beta.ppf(1.0 - tail, k + 1, n - k), 1.0)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def _stop_index(g: np.ndarray, start: int, rule: SequentialRule, alternative: str):
    """First sample (0-based, from ``start``) at which ``rule`` stops, and why; None if none."""
    l = np.arange(1, len(g) + 1)
    scale = 1.0 if alternative != "two-sided" else 2.0
    low, high = clopper_pearson(g[start:], l[start:], rule.confidence)
    clear = (l[start:] >= rule.min_samples) & ((scale * high < rule.alpha) | (scale * low > rule.alpha))
    reasons = [(g[start:] >= rule.hits, "hits"), (clear, "clear"), (l[start:] >= rule.max_samples, "max")]
    first, why = None, None
    for hit, name in reasons:
        idx = np.flatnonzero(hit)
        if len(idx) and (first is None or idx[0] < first):
            first, why = int(idx[0]), name
    return (None, None) if first is None else (start + first, why)


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The generator of sample block ``block`` of a test seeded ``seed``.

    Each block has its own stream (``numpy.random.SeedSequence(seed, spawn_key=(block,))``),
    so a block's samples are the same whichever process draws them and however many
    processes there are.
    """
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(block),)))


def _draw_block(sample, seed: int, block: int, size: int) -> np.ndarray:
    return np.asarray(sample(block_rng(seed, block), size), dtype=float).reshape(size, -1)


def default_workers() -> int:
    """Processes for a large test: the cores this process may use, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


def sequential_test(sample, observed: float, *, rule: SequentialRule, seed: int, block_size: int = 1,
                    alternative: str = "greater", workers: int = 1, progress=None) -> SequentialResult:
    """A Monte Carlo test that draws samples until :class:`SequentialRule` says stop.

    Samples are drawn in blocks of ``block_size``; block ``b`` draws from
    :func:`block_rng` ``(seed, b)``. With ``workers > 1`` the blocks are drawn in
    that many processes, a few blocks ahead, and read in block order; the rule is
    applied sample by sample in that order, so the result (samples, p-value, where
    it stopped) is the same for any number of workers.

    Parameters
    ----------
    sample : callable
        ``sample(rng, size)`` returns ``size`` values of the statistic under the
        null hypothesis, or a ``(size, k)`` array of ``k`` statistics of which the
        first is tested (the others are kept in ``samples``, for tests of several
        statistics on the same permutations). With ``workers > 1`` it must be
        picklable (a module-level function or a :func:`functools.partial` of one).
    observed : float
        The (first) statistic on the data.
    rule : SequentialRule
    seed : int
    block_size : int
        Samples per block (fixes the streams: keep it independent of ``workers``).
    alternative : {"greater", "less", "two-sided"}
    workers : int
        Processes drawing blocks (1: in this process).
    progress : callable, optional
        Called as ``progress(n_drawn, max_samples)`` after each block.

    Returns
    -------
    SequentialResult

    References
    ----------
    .. [1] J. Besag and P. Clifford, "Sequential Monte Carlo p-values",
       Biometrika 78(2), 301-304, 1991.

    Examples
    --------
    >>> import numpy as np
    >>> rule = SequentialRule(max_samples=999, hits=10)
    >>> result = sequential_test(lambda rng, k: rng.normal(size=k), 0.0, rule=rule, seed=1,
    ...                          block_size=10)
    >>> result.stopped, result.n_samples < 100
    ('hits', True)
    """
    if alternative not in ("greater", "less", "two-sided"):
        raise ValueError(f"alternative must be 'greater', 'less' or 'two-sided', got {alternative!r}")
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    n_blocks = -(-rule.max_samples // block_size)
    parts = []
    null = np.empty(0)
    stop = why = None
    if np.isnan(observed):
        n_blocks = 0
    blocks = _blocks_in_order(sample, seed, block_size, n_blocks, rule.max_samples, workers)
    try:
        for values in blocks:
            start = len(null)
            parts.append(values)
            null = np.concatenate([null, values[:, 0]])
            g = _tail_counts(observed, null, alternative)
            stop, why = _stop_index(g, start, rule, alternative)
            if progress is not None:
                progress(len(null) if stop is None else stop + 1, rule.max_samples)
            if stop is not None:
                break
    finally:
        blocks.close()
    samples = np.concatenate(parts)[: len(null) if stop is None else stop + 1] if parts else np.empty((0, 1))
    return _sequential_result(observed, samples, rule, alternative, why)


def _sequential_result(observed, samples, rule, alternative, why) -> SequentialResult:
    samples.setflags(write=False)
    null = samples[:, 0].copy()
    n = len(null)
    if n == 0:
        nan = float("nan")
        null.setflags(write=False)
        return SequentialResult(float(observed), null, nan, 0, 0, "max", nan, nan, rule, alternative, samples)
    g = int(_tail_counts(observed, null, alternative)[-1])
    scale = 1.0 if alternative != "two-sided" else 2.0
    if why == "hits":
        p = min(1.0, scale * g / n)
    else:
        p = p_value(observed, null, alternative)
    low, high = clopper_pearson(g, n, rule.confidence)
    null.setflags(write=False)
    return SequentialResult(float(observed), null, float(p), n, g, why or "max",
                            float(min(1.0, scale * low)), float(min(1.0, scale * high)), rule, alternative,
                            samples)


def _blocks_in_order(sample, seed, block_size, n_blocks, max_samples, workers):
    """Generator of the blocks' samples in block order, drawn here or in ``workers`` processes."""
    sizes = [min(block_size, max_samples - b * block_size) for b in range(n_blocks)]
    if workers <= 1 or n_blocks <= 1:
        for b, size in enumerate(sizes):
            yield _draw_block(sample, seed, b, size)
        return
    pool = _executor(workers)
    pending = {}
    ahead = 2 * workers
    try:
        for b in range(n_blocks):
            while len(pending) < ahead and b + len(pending) < n_blocks:
                k = b + len(pending)
                pending[k] = pool.submit(_draw_block, sample, seed, k, sizes[k])
            yield pending.pop(b).result()
    finally:
        for future in pending.values():
            future.cancel()
        if any(f.running() for f in pending.values()):  # draw nothing more than needed
            concurrent.futures.wait(list(pending.values()))


#: Modules the processes drawing samples load once, before any test (their samplers live there).
PRELOAD = ["helpers.analysis.permutation", "helpers.analysis.coreperiphery", "helpers.analysis.communities"]
_EXECUTORS: dict = {}


def _executor(workers: int):
    """A process pool for sample blocks, started once per process and kept for later tests.

    Its processes are forked from a server that imported :data:`PRELOAD` (``forkserver``:
    safe in a process with threads, such as a Jupyter kernel), so a test does not wait for
    new processes to import numpy, scipy and networkx again.
    """
    pool = _EXECUTORS.get(workers)
    if pool is None:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
        # Start the processes now, with a bare __main__: new processes would otherwise run
        # the caller's script again (code outside an ``if __name__ == "__main__"`` guard).
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            concurrent.futures.wait([pool.submit(os.getpid) for _ in range(workers)])
        finally:
            sys.modules["__main__"] = main
        if not _EXECUTORS:
            import atexit

            atexit.register(_shutdown_executors)
        _EXECUTORS[workers] = pool
    return pool


def _shutdown_executors() -> None:
    for pool in _EXECUTORS.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _EXECUTORS.clear()


def samples_for_size(default: int, n: int, *, full_up_to: int = FULL_SAMPLES_UP_TO, floor: int = 19) -> int:
    """Most samples for a test whose every sample costs a search over ``n`` members.

    ``default`` up to ``full_up_to`` members; above, ``default (full_up_to / n)^2``
    (a sample's search costs roughly ``n^2`` on these networks, so the test's time stays
    about that of a ``full_up_to``-member network), but never fewer than ``floor``
    (19: the smallest Monte Carlo test that can give p <= 0.05) nor more than
    ``default``.

    Examples
    --------
    >>> samples_for_size(1000, 40), samples_for_size(1000, 600), samples_for_size(199, 10_000)
    (1000, 250, 19)
    """
    if n <= full_up_to:
        return int(default)
    scaled = int(round(default * (full_up_to / n) ** 2))
    return int(min(default, max(floor, scaled)))
