"""Derive what abstracts leave out, and say how: each function returns the value(s) and a note.

Every function returns a :class:`Derived` (``value, note``) or :class:`DerivedMeanSD`
(``mean, sd, note``); the note is meant to be stored in a ``derivation`` column and to reach
every output.  Inputs that make a derivation meaningless raise :class:`~evidence.errors.DataError`
naming the offending argument.

Conventions stated here (and configurable by the callers):

* ``DEFAULT_CORRELATION = 0.5`` — the pre–post (or within-person) correlation imputed when a
  study does not report it; ``CORRELATION_RANGE = (0.2, 0.8)`` — the sensitivity range over which
  results should be re-run.  These are this project's stated assumptions, not estimates from the
  hair-loss literature.
* Confidence intervals of a single mean use the t distribution with n − 1 df by default (the
  Cochrane Handbook advice for small samples); ``dist="z"`` uses the normal quantile.

References
----------
Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and computing estimates
of effect. In: Cochrane Handbook for Systematic Reviews of Interventions, version 6.4 (2023),
sections 6.5.2.2 (SD from SE or CI), 6.5.2.3 (SE from CI, t or P), 6.5.2.8 (change-score SD
with a correlation) and Table 6.5.a (combining two groups).
Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation from the
sample size, median, range and/or interquartile range. BMC Med Res Methodol 14:135.
doi:10.1186/1471-2288-14-135
Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the sample size,
median, mid-range, and/or mid-quartile range. Stat Methods Med Res 27(6):1785-1805.
doi:10.1177/0962280216669183
Shi J, Luo D, Weng H, et al. (2020). Optimally estimating the sample standard deviation from the
five-number summary. Res Synth Methods 11(5):641-654. doi:10.1002/jrsm.1429
"""

from __future__ import annotations

import math
from typing import NamedTuple

from scipy import special  # distribution functions as ufuncs: scipy.stats costs 0.3 s to import

from hairmeta.evidence.errors import DataError

DEFAULT_CORRELATION = 0.5
CORRELATION_RANGE = (0.2, 0.8)


class Derived(NamedTuple):
    """A derived number and how it was obtained."""

    value: float
    note: str


class DerivedMeanSD(NamedTuple):
    """A derived mean and SD and how they were obtained."""

    mean: float
    sd: float
    note: str


def _g(x: float) -> str:
    """Short, exact-enough rendering of an input number inside a note."""
    return f"{x:.6g}"


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise DataError(message, field=field)


def _check_n(n: float, minimum: float = 1) -> None:
    _require(n is not None and math.isfinite(n) and n >= minimum, "n", f"n must be a number ≥ {minimum:g}, got {n!r}")


def _quantile(level: float, dist: str, df: float | None) -> float:
    """Two-sided critical value for a ``level``% interval: t(df) or z."""
    _require(0 < level < 100, "ci_level", f"confidence level must lie in (0, 100), got {level!r}")
    upper = 0.5 + level / 200
    if dist == "z":
        return float(special.ndtri(upper))
    _require(dist == "t", "dist", f"dist must be 't' or 'z', got {dist!r}")
    _require(df is not None and df >= 1, "n", "a t-based interval needs n ≥ 2")
    return float(special.stdtrit(df, upper))


# ---------------------------------------------------------------- SD and SE of one group's mean


def sd_from_se(se: float, n: float) -> Derived:
    """SD of a group from the standard error of its mean: SD = SE·√n (Cochrane 6.5.2.2)."""
    _check_n(n)
    _require(se >= 0, "se", f"SE must not be negative, got {se!r}")
    return Derived(se * math.sqrt(n), f"sd = se × √n from se={_g(se)}, n={_g(n)} (Cochrane Handbook 6.5.2.2)")


def sd_from_ci(low: float, high: float, n: float, level: float = 95, dist: str = "t") -> Derived:
    """SD of a group from a confidence interval of its mean.

    SD = √n · (high − low) / (2·q), with q = t_{1−α/2, n−1} (``dist="t"``, default, right for
    small n) or z_{1−α/2} (``dist="z"``; 1.96 for 95%).  Cochrane Handbook 6.5.2.2.
    """
    _check_n(n, 2 if dist == "t" else 1)
    _require(high >= low, "ci_high", f"CI upper limit {high!r} is below the lower limit {low!r}")
    q = _quantile(level, dist, n - 1)
    label = f"t({_g(n - 1)} df)" if dist == "t" else "z"
    return Derived(
        math.sqrt(n) * (high - low) / (2 * q),
        f"sd = √n·(high−low)/(2·{q:.4f}) from {_g(level)}% CI {_g(low)} to {_g(high)}, "
        f"n={_g(n)}, {label} quantile (Cochrane Handbook 6.5.2.2)",
    )


# ---------------------------------------------------------------- SE of an effect (difference)


def t_from_p(p: float, df: float | None = None) -> Derived:
    """|t| (or |z| when ``df`` is None) of an exact two-sided p-value: t = F⁻¹(1 − p/2)."""
    _require(p is not None and 0 < p < 1, "p_value", f"an exact p-value in (0, 1) is needed, got {p!r}")
    if df is None:
        return Derived(float(-special.ndtri(p / 2)), f"z from two-sided p={_g(p)}")
    _require(df >= 1, "n", "df must be ≥ 1")
    return Derived(float(-special.stdtrit(df, p / 2)), f"t from two-sided p={_g(p)} with {_g(df)} df")


def se_from_t(t: float, effect: float) -> Derived:
    """SE of an effect from its t (or z) statistic: SE = |effect| / |t| (Cochrane 6.5.2.3)."""
    _require(t is not None and t != 0, "t", "t must be non-zero to give an SE")
    return Derived(
        abs(effect) / abs(t), f"se = |effect|/|t| with effect={_g(effect)}, t={_g(t)} (Cochrane Handbook 6.5.2.3)"
    )


def se_from_p(
    p: float, effect: float, df: float | None = None, *, n: float | None = None, n2: float | None = None
) -> Derived:
    """SE of an effect from an exact two-sided p-value: t = F⁻¹(1 − p/2), SE = |effect|/t.

    Degrees of freedom: ``df`` if given; else n − 1 (``n`` alone: one-sample or paired t test)
    or n + n2 − 2 (``n`` and ``n2``: two-sample t test); else a z test.  Only exact p-values
    qualify (``p < 0.05`` does not give an SE).  Cochrane Handbook 6.5.2.3.
    """
    if df is None and n is not None:
        df = n + n2 - 2 if n2 is not None else n - 1
    t = t_from_p(p, df)
    se = se_from_t(t.value, effect)
    return Derived(se.value, f"{se.note}; {t.note}")


def sd_from_se_difference(se: float, n1: float, n2: float) -> Derived:
    """Within-group SD from the SE of a mean difference: SD = SE / √(1/n1 + 1/n2) (Cochrane
    6.5.2.3; assumes equal SDs in both groups)."""
    _check_n(n1)
    _check_n(n2)
    return Derived(
        se / math.sqrt(1 / n1 + 1 / n2),
        f"sd = se/√(1/n1+1/n2) from se of the difference "
        f"{_g(se)}, n1={_g(n1)}, n2={_g(n2)}, assuming equal SDs (Cochrane Handbook 6.5.2.3)",
    )


# ---------------------------------------------------------------- medians, quartiles, ranges


def _xi(n: float) -> float:
    """ξ(n) = 2Φ⁻¹((n − 0.375)/(n + 0.25)): expected range of n standard normals (Wan 2014)."""
    return 2 * float(special.ndtri((n - 0.375) / (n + 0.25)))


def _eta(n: float) -> float:
    """η(n) = 2Φ⁻¹((0.75n − 0.125)/(n + 0.25)): expected IQR of n standard normals (Wan 2014)."""
    return 2 * float(special.ndtri((0.75 * n - 0.125) / (n + 0.25)))


def _ordered(values: list[float], names: list[str]) -> None:
    for (a, name_a), (b, name_b) in zip(zip(values, names), zip(values[1:], names[1:])):
        _require(a <= b, name_b, f"{name_b}={b!r} is below {name_a}={a!r}")


def mean_sd_from_median_iqr(q1: float, median: float, q3: float, n: float) -> DerivedMeanSD:
    """Mean and SD from the median and quartiles, assuming roughly normal data.

    mean = w·(q1 + q3)/2 + (1 − w)·median with w = 0.7 + 0.39/n (Luo et al. 2018);
    SD = (q3 − q1)/η(n), η(n) = 2Φ⁻¹((0.75n − 0.125)/(n + 0.25)) (Wan et al. 2014).
    Shi et al. (2020) keep Wan's estimator in this scenario.
    """
    _check_n(n, 2)
    _ordered([q1, median, q3], ["q1", "median", "q3"])
    w = 0.7 + 0.39 / n
    mean = w * (q1 + q3) / 2 + (1 - w) * median
    sd = (q3 - q1) / _eta(n)
    return DerivedMeanSD(
        mean,
        sd,
        f"mean (Luo 2018) and sd (Wan 2014) from median {_g(median)}, "
        f"IQR {_g(q1)}–{_g(q3)}, n={_g(n)}; assumes roughly normal data",
    )


def mean_sd_from_median_range(minimum: float, median: float, maximum: float, n: float) -> DerivedMeanSD:
    """Mean and SD from the median and range, assuming roughly normal data.

    mean = w·(min + max)/2 + (1 − w)·median with w = 4/(4 + n^0.75) (Luo et al. 2018);
    SD = (max − min)/ξ(n), ξ(n) = 2Φ⁻¹((n − 0.375)/(n + 0.25)) (Wan et al. 2014).
    """
    _check_n(n, 2)
    _ordered([minimum, median, maximum], ["min", "median", "max"])
    w = 4 / (4 + n**0.75)
    mean = w * (minimum + maximum) / 2 + (1 - w) * median
    sd = (maximum - minimum) / _xi(n)
    return DerivedMeanSD(
        mean,
        sd,
        f"mean (Luo 2018) and sd (Wan 2014) from median {_g(median)}, "
        f"range {_g(minimum)}–{_g(maximum)}, n={_g(n)}; assumes roughly normal data",
    )


def mean_sd_from_five_numbers(
    minimum: float, q1: float, median: float, q3: float, maximum: float, n: float
) -> DerivedMeanSD:
    """Mean and SD from the five-number summary, assuming roughly normal data.

    mean = w1·(min + max)/2 + w2·(q1 + q3)/2 + (1 − w1 − w2)·median, w1 = 2.2/(2.2 + n^0.75),
    w2 = 0.7 − 0.72/n^0.55 (Luo et al. 2018);
    SD = w·(max − min)/ξ(n) + (1 − w)·(q3 − q1)/η(n), w = 1/(1 + 0.07·n^0.6) (Shi et al. 2020).
    """
    _check_n(n, 2)
    _ordered([minimum, q1, median, q3, maximum], ["min", "q1", "median", "q3", "max"])
    w1, w2 = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
    mean = w1 * (minimum + maximum) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * median
    w = 1 / (1 + 0.07 * n**0.6)
    sd = w * (maximum - minimum) / _xi(n) + (1 - w) * (q3 - q1) / _eta(n)
    return DerivedMeanSD(
        mean,
        sd,
        f"mean (Luo 2018) and sd (Shi 2020) from five-number summary "
        f"{_g(minimum)}, {_g(q1)}, {_g(median)}, {_g(q3)}, {_g(maximum)}, n={_g(n)}; "
        "assumes roughly normal data",
    )


# ---------------------------------------------------------------- change scores and correlations


def _check_r(r: float) -> None:
    _require(r is not None and -1 <= r <= 1, "ri", f"a correlation must lie in [-1, 1], got {r!r}")


def change_sd(sd_pre: float, sd_post: float, r: float = DEFAULT_CORRELATION) -> Derived:
    """SD of change scores: √(sd_pre² + sd_post² − 2·r·sd_pre·sd_post) (Cochrane 6.5.2.8).

    ``r`` is the pre–post correlation; when it is not reported the project imputes
    :data:`DEFAULT_CORRELATION` and reports a sensitivity range (:func:`change_sd_range`).
    """
    _check_r(r)
    _require(sd_pre >= 0 and sd_post >= 0, "sd", "SDs must not be negative")
    value = math.sqrt(sd_pre**2 + sd_post**2 - 2 * r * sd_pre * sd_post)
    return Derived(
        value,
        f"change sd = √(sd_pre²+sd_post²−2·r·sd_pre·sd_post) with sd_pre={_g(sd_pre)}, "
        f"sd_post={_g(sd_post)}, r={_g(r)} (Cochrane Handbook 6.5.2.8)",
    )


def change_sd_range(sd_pre: float, sd_post: float, rs: tuple[float, ...] = CORRELATION_RANGE) -> tuple[Derived, ...]:
    """:func:`change_sd` at each correlation of a sensitivity range (default 0.2 and 0.8)."""
    return tuple(change_sd(sd_pre, sd_post, r) for r in rs)


def correlation_from_sds(sd_pre: float, sd_post: float, sd_change: float) -> Derived:
    """The pre–post correlation implied by reported SDs: r = (sd_pre² + sd_post² − sd_change²) /
    (2·sd_pre·sd_post) (Cochrane 6.5.2.8), for reuse in studies that do not report it."""
    _require(sd_pre > 0 and sd_post > 0, "sd", "SDs must be positive")
    r = (sd_pre**2 + sd_post**2 - sd_change**2) / (2 * sd_pre * sd_post)
    return Derived(
        r,
        f"r implied by sd_pre={_g(sd_pre)}, sd_post={_g(sd_post)}, "
        f"sd_change={_g(sd_change)} (Cochrane Handbook 6.5.2.8)",
    )


def combine_groups(
    n1: float, m1: float, sd1: float, n2: float, m2: float, sd2: float
) -> tuple[float, float, float, str]:
    """One group from two (e.g. two PRP dose arms vs one control), Cochrane Table 6.5.a:
    N = n1 + n2; M = (n1·m1 + n2·m2)/N;
    SD = √(((n1−1)sd1² + (n2−1)sd2² + n1·n2/N·(m1 − m2)²)/(N − 1)).  Returns (N, M, SD, note)."""
    _check_n(n1)
    _check_n(n2)
    total = n1 + n2
    mean = (n1 * m1 + n2 * m2) / total
    var = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2 + n1 * n2 / total * (m1 - m2) ** 2) / (total - 1)
    return total, mean, math.sqrt(var), "arms combined into one group (Cochrane Handbook Table 6.5.a)"
