"""Monte Carlo p-values of permutation tests, shared by every test in the package."""

from __future__ import annotations

import numpy as np

__all__ = ["TOLERANCE", "p_value"]

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
