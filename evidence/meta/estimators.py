"""τ² (between-study variance) estimators for the random-effects model, vectorised over many fits.

Every estimator works on a *batch* of intercept-only meta-analyses at once: ``y`` and ``v`` are
``(m, k)`` arrays and ``mask`` marks which of the ``k`` studies enter each of the ``m`` fits.  One
ordinary fit is a batch of one; leave-one-out is the batch ``mask = ~eye(k)``; cumulative analysis
is the lower triangle.  This is what makes leave-one-out at k = 1,000 take milliseconds.

The algorithms follow metafor 3.8.1 ``rma.uni`` (Viechtbauer 2010, J Stat Softw 36(3)), read
from its source:

========  =====================================================================================
EE        equal-effects model, τ² = 0 (alias ``FE``)
DL        DerSimonian & Laird (1986): τ² = (Q − (k−1)) / (Σw − Σw²/Σw), w = 1/v
HE        Hedges (1983) / Hedges–Olkin: τ² = (Σ(y−ȳ)² − Σv (k−1)/k) / (k−1), ȳ unweighted
SJ        Sidik & Jonkman (2005), one step: τ₀² = Σ(y−ȳ)²/k, τ² = τ₀² Q(τ₀²)/(k−1)
PM        Paule & Mandel (1982): the root of Q(τ²) = Σ w(τ²)(y − μ̂(τ²))² = k − 1
ML, REML  Fisher scoring from the HE value (clipped at 0), step-halving to stay ≥ 0 and
          never to lower the likelihood; golden-section search in a grid bracket as the fallback
EB        empirical Bayes (Morris 1983; Berkey et al. 1995): Fisher-type steps
          Δ = (Q(τ²) k/(k−1) − k) / Σw(τ²)
========  =====================================================================================

Every estimate is truncated at 0, as metafor does (``tau2.min = 0``).  Convergence control:
``THRESHOLD`` on the absolute change of τ² between iterations (metafor's default is 1e-5; we
use 1e-10 so results agree with metafor run at ``control=list(threshold=1e-10)`` to well
within 1e-6 relative) and ``MAXITER`` iterations.  PM solves its equation by Newton's method:
Q(τ²) is decreasing and convex in τ² (a partial minimum of the jointly convex (y−μ)²/(v+τ²)),
so Newton steps from τ² = 0 approach the root monotonically from below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from hairmeta.evidence.errors import UnknownNameError

THRESHOLD = 1e-10
MAXITER = 1000
#: metafor's ``tol`` for the ML/REML "stuck at a local maximum" check (ll0check), as set in
#: our R reference scripts (``control=list(tol=1e-12)``).
LL_TOL = 1e-12


@dataclass(frozen=True)
class Batch:
    """``m`` intercept-only meta-analyses over the same ``k`` columns (masked entries are unused)."""

    y: np.ndarray  # (m, k) effect sizes; masked cells hold 0
    v: np.ndarray  # (m, k) sampling variances; masked cells hold 1
    mask: np.ndarray  # (m, k) float 1.0 = study in this fit, 0.0 = left out
    k: np.ndarray  # (m,) number of studies in each fit

    @classmethod
    def of(cls, yi, vi, mask=None) -> Batch:
        """A batch from 1-d ``yi``, ``vi`` and an optional ``(m, k)`` boolean ``mask``."""
        yi, vi = np.asarray(yi, float), np.asarray(vi, float)
        mask = np.ones((1, yi.size), bool) if mask is None else np.asarray(mask, bool)
        fmask = mask.astype(float)
        y = np.where(mask, yi[None, :], 0.0)
        v = np.where(mask, vi[None, :], 1.0)
        return cls(y=y, v=v, mask=fmask, k=fmask.sum(axis=1))


@dataclass(frozen=True)
class Tau2Fit:
    """τ² per fit, the iterations used and whether each fit converged."""

    tau2: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def weighted_parts(b: Batch, tau2: np.ndarray):
    """Weights ``w = 1/(v+τ²)``, ``Σw``, the weighted mean ``μ̂`` and residuals ``y − μ̂``."""
    w = b.mask / (b.v + tau2[:, None])
    sw = w.sum(axis=1)
    mu = (w * b.y).sum(axis=1) / sw
    r = (b.y - mu[:, None]) * b.mask
    return w, sw, mu, r


def q_stat(b: Batch, tau2: np.ndarray) -> np.ndarray:
    """Generalised Q: ``Q(τ²) = Σ w_i (y_i − μ̂)²`` with ``w_i = 1/(v_i + τ²)``."""
    w, _, _, r = weighted_parts(b, tau2)
    return (w * r * r).sum(axis=1)


def _done(tau2, m) -> Tau2Fit:
    return Tau2Fit(np.maximum(tau2, 0.0), np.zeros(m, int), np.ones(m, bool))


def _zero(b: Batch) -> np.ndarray:
    return np.zeros(b.y.shape[0])


def tau2_ee(b: Batch) -> Tau2Fit:
    """Equal-effects (fixed-effect) model: τ² = 0."""
    return _done(_zero(b), b.y.shape[0])


def tau2_dl(b: Batch) -> Tau2Fit:
    """DerSimonian–Laird: ``τ² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw))`` with ``w = 1/v``.

    References: DerSimonian R, Laird N (1986). Control Clin Trials 7:177–188.
    """
    w, sw, _, r = weighted_parts(b, _zero(b))
    q = (w * r * r).sum(axis=1)
    trp = sw - (w * w).sum(axis=1) / sw
    return _done((q - (b.k - 1)) / trp, b.y.shape[0])


def _unweighted_rss(b: Batch) -> np.ndarray:
    ybar = b.y.sum(axis=1) / b.k
    return (((b.y - ybar[:, None]) * b.mask) ** 2).sum(axis=1)


def _he_raw(b: Batch) -> np.ndarray:
    """Hedges' estimator before truncation: ``(Σ(y−ȳ)² − Σv (k−1)/k) / (k−1)``."""
    sv = (b.v * b.mask).sum(axis=1)
    return (_unweighted_rss(b) - sv * (b.k - 1) / b.k) / (b.k - 1)


def tau2_he(b: Batch) -> Tau2Fit:
    """Hedges (Hedges–Olkin / variance-components) estimator, truncated at 0.

    References: Hedges LV (1983). Psychol Bull 93:388–395.
    """
    return _done(_he_raw(b), b.y.shape[0])


def tau2_sj(b: Batch) -> Tau2Fit:
    """Sidik–Jonkman (one step, as metafor's ``"SJ"``): ``τ² = τ₀² Q(τ₀²) / (k−1)``,
    ``τ₀² = Σ(y − ȳ)²/k``.

    References: Sidik K, Jonkman JN (2005). J Biopharm Stat 15:823–838.
    """
    tau0 = _unweighted_rss(b) / b.k
    return _done(tau0 * q_stat(b, tau0) / (b.k - 1), b.y.shape[0])


def tau2_max_default(b: Batch) -> np.ndarray:
    """metafor's upper search bound ``tau2.max = max(100, 10·mad(y)²)`` (mad scaled by 1.4826)."""
    out = np.empty(b.y.shape[0])
    for i in range(out.size):
        y = b.y[i][b.mask[i] > 0]
        mad = 1.4826 * np.median(np.abs(y - np.median(y)))
        out[i] = max(100.0, 10 * mad * mad)
    return out


def solve_q(b: Batch, target: np.ndarray, *, upper: np.ndarray | None = None) -> Tau2Fit:
    """τ² ≥ 0 with ``Q(τ²) = target`` (0 where ``Q(0) < target``), by monotone Newton steps.

    ``dQ/dτ² = −Σ w² (y − μ̂)²`` (the μ̂ term vanishes at the minimum).  Fits whose root lies
    above ``upper`` are reported as not converged (metafor: "Value of 'tau2.max' too low").
    """
    m = b.y.shape[0]
    tau2, it = _zero(b), np.zeros(m, int)
    active = q_stat(b, tau2) > target
    for step in range(1, MAXITER + 1):
        if not active.any():
            break
        w, _, _, r = weighted_parts(b, tau2)
        q = (w * r * r).sum(axis=1)
        slope = (w * w * r * r).sum(axis=1)
        new = np.where(active, tau2 + (q - target) / np.where(slope > 0, slope, 1.0), tau2)
        change = np.abs(new - tau2)
        tau2, it = new, np.where(active, step, it)
        active = active & (change > THRESHOLD * np.maximum(1.0, tau2))
    conv = ~active
    if upper is not None:
        conv = conv & (tau2 <= upper)
    return Tau2Fit(tau2, it, conv)


def tau2_pm(b: Batch) -> Tau2Fit:
    """Paule–Mandel: the τ² at which the generalised Q equals its expectation ``k − 1``.

    References: Paule RC, Mandel J (1982). J Res Natl Bur Stand 87:377–385.
    """
    return solve_q(b, b.k - 1.0, upper=tau2_max_default(b))


def _scoring_step(b: Batch, tau2: np.ndarray, method: str) -> np.ndarray:
    """One Fisher-scoring step of ML, REML or EB (metafor's ``adj``)."""
    w, sw, _, r = weighted_parts(b, tau2)
    w2 = (w * w).sum(axis=1)
    ypp = (w * w * r * r).sum(axis=1)  # Y'PPY = Σ w² r²
    if method == "ML":
        return (ypp - sw) / w2
    if method == "REML":
        trp = sw - w2 / sw
        trpp = w2 - 2 * (w**3).sum(axis=1) / sw + (w2 / sw) ** 2
        return (ypp - trp) / trpp
    q = (w * r * r).sum(axis=1)  # EB
    return (q * b.k / (b.k - 1) - b.k) / sw


def log_likelihood(b: Batch, tau2: np.ndarray, reml: bool) -> np.ndarray:
    """(Restricted) log-likelihood of the intercept-only random-effects model at ``τ²``."""
    w, sw, _, r = weighted_parts(b, tau2)
    rss = (w * r * r).sum(axis=1)
    logdet = (np.log(b.v + tau2[:, None]) * b.mask).sum(axis=1)
    if reml:
        return -0.5 * (b.k - 1) * np.log(2 * np.pi) - 0.5 * logdet - 0.5 * np.log(sw) - 0.5 * rss
    return -0.5 * b.k * np.log(2 * np.pi) - 0.5 * logdet - 0.5 * rss


def _score(b: Batch, tau2: np.ndarray, reml: bool) -> np.ndarray:
    """Twice the derivative of the (restricted) log-likelihood in τ²: ``Y'PPY − tr P`` (REML) or
    ``Σw²r² − Σw`` (ML), with ``w = 1/(v+τ²)`` (Viechtbauer 2005, eqs. 8 and 11)."""
    w, sw, _, r = weighted_parts(b, tau2)
    w2 = (w * w).sum(axis=1)
    ypp = (w * w * r * r).sum(axis=1)
    return ypp - (sw - w2 / sw if reml else sw)


def _halve_bad_steps(b: Batch, tau2, adj, active, reml: bool) -> np.ndarray:
    """Halve (at most 60 times) each step that lowers the (restricted) log-likelihood or jumps
    over the optimum to a point whose score is more than half as steep the other way.

    Fisher scoring uses the expected information, which can be about half the observed one;
    the step is then twice too long and the iterates circle the optimum with a contraction
    factor near −1 (y = 0,0,0,0,1 and v = 1,1,1,1,1/8 under REML: factor −0.998, so 1,000 steps
    do not converge).  Halving such a step lands next to the optimum.  Steps that neither
    lower ℓ nor overshoot are kept, so where plain scoring converges the path is metafor's.
    """
    ll_old = log_likelihood(b, tau2, reml)
    slack = 1e-12 * (1.0 + np.abs(ll_old))
    s_old = _score(b, tau2, reml)
    for _ in range(60):
        new = tau2 + adj
        s_new = _score(b, new, reml)
        overshoot = (np.sign(s_new) == -np.sign(s_old)) & (np.abs(s_new) > 0.5 * np.abs(s_old))
        bad = active & (adj != 0) & (overshoot | (log_likelihood(b, new, reml) < ll_old - slack))
        if not bad.any():
            break
        adj = np.where(bad, adj / 2, adj)
    return adj


def _sub(b: Batch, rows: np.ndarray) -> Batch:
    """The fits ``rows`` of ``b`` as a batch of their own."""
    return Batch(y=b.y[rows], v=b.v[rows], mask=b.mask[rows], k=b.k[rows])


def _bracketed_max(b: Batch, reml: bool, grid: int = 400) -> np.ndarray:
    """The τ² ≥ 0 maximising the (restricted) log-likelihood of each fit, by bracketing.

    The safety net behind Fisher scoring: ℓ(τ²) is evaluated on a grid over
    ``[0, tau2_max]`` (metafor's search bound ``max(100, 10·mad(y)²)``; the grid is dense near 0,
    where τ² lives in practice); the best grid point and its two neighbours bracket a maximum.
    If the score (:func:`_score`) is ≤ 0 at the bracket's left end, that end is the maximum
    (τ² = 0 on the boundary); if it is ≥ 0 at the right end, the right end; otherwise the score
    changes sign inside and bisection finds its root to machine precision (the score, unlike ℓ,
    is not flat at the optimum, so the root is found to ~1e-16 rather than ~1e-8).
    """
    upper = tau2_max_default(b)
    frac = np.concatenate(([0.0], np.geomspace(1e-10, 1.0, grid - 1)))
    pts = frac[None, :] * upper[:, None]  # (m, grid)
    ll = np.stack([log_likelihood(b, pts[:, j], reml) for j in range(grid)], axis=1)
    best = np.argmax(np.where(np.isfinite(ll), ll, -np.inf), axis=1)
    rows = np.arange(b.y.shape[0])
    lo = pts[rows, np.maximum(best - 1, 0)]
    hi = pts[rows, np.minimum(best + 1, grid - 1)]
    at_lo, at_hi = _score(b, lo, reml) <= 0, _score(b, hi, reml) >= 0
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.all((mid == lo) | (mid == hi)):
            break
        rising = _score(b, mid, reml) > 0
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    return np.where(at_lo, pts[rows, np.maximum(best - 1, 0)], np.where(at_hi, hi, (lo + hi) / 2))


def _fisher_scoring(b: Batch, method: str) -> Tau2Fit:
    """ML / REML / EB by Fisher scoring from ``max(0, τ²_HE)``, halving steps that go below 0.

    ML and REML also halve steps that lower the likelihood or overshoot (:func:`_halve_bad_steps`); a fit that still has not
    converged after :data:`MAXITER` steps is solved by :func:`_bracketed_max`.  EB's estimating
    equation ``Q(τ²)·k/(k−1) = k`` is ``Q(τ²) = k − 1``, so an EB fit that does not converge is
    solved by the monotone root search of :func:`solve_q` (as PM).
    """
    m = b.y.shape[0]
    likelihood = method in ("ML", "REML")
    reml = method == "REML"
    tau2 = np.maximum(_he_raw(b), 0.0)
    it, active = np.zeros(m, int), np.ones(m, bool)
    for step in range(1, MAXITER + 1):
        adj = np.nan_to_num(_scoring_step(b, tau2, method))
        for _ in range(60):  # step-halving (metafor: while (tau2 + adj < tau2.min) adj <- adj/2)
            low = tau2 + adj < 0
            if not low.any():
                break
            adj = np.where(low, adj / 2, adj)
        if likelihood:
            adj = _halve_bad_steps(b, tau2, adj, active, reml)
        new = np.where(active, tau2 + adj, tau2)
        change = np.abs(new - tau2)
        tau2, it = new, np.where(active, step, it)
        active = active & (change > THRESHOLD)
        if not active.any():
            break
    tau2 = np.maximum(tau2, 0.0)
    if active.any():
        rows = np.flatnonzero(active)
        sub = _sub(b, rows)
        if likelihood:
            tau2[rows] = _bracketed_max(sub, reml)
            active[rows] = False
        else:
            fallback = solve_q(sub, sub.k - 1.0, upper=tau2_max_default(sub))
            tau2[rows] = np.maximum(fallback.tau2, 0.0)
            active[rows] = ~fallback.converged
    if likelihood:  # metafor's ll0check: a local maximum below the value at 0
        worse = log_likelihood(b, _zero(b), reml) - log_likelihood(b, tau2, reml) > LL_TOL
        tau2 = np.where(worse & (tau2 > THRESHOLD) & ~active, 0.0, tau2)
    return Tau2Fit(tau2, it, ~active)


def tau2_ml(b: Batch) -> Tau2Fit:
    """Maximum likelihood (Fisher scoring).  References: Hardy RJ, Thompson SG (1996). Stat Med 15:619–629."""
    return _fisher_scoring(b, "ML")


def tau2_reml(b: Batch) -> Tau2Fit:
    """Restricted maximum likelihood (Fisher scoring).  References: Viechtbauer W (2005). J Educ Behav Stat 30:261–293."""
    return _fisher_scoring(b, "REML")


def tau2_eb(b: Batch) -> Tau2Fit:
    """Empirical Bayes.  References: Morris CN (1983). JASA 78:47–55; Berkey CS et al. (1995). Stat Med 14:395–411."""
    return _fisher_scoring(b, "EB")


ESTIMATORS: dict[str, Callable[[Batch], Tau2Fit]] = {
    "EE": tau2_ee,
    "DL": tau2_dl,
    "HE": tau2_he,
    "SJ": tau2_sj,
    "PM": tau2_pm,
    "ML": tau2_ml,
    "REML": tau2_reml,
    "EB": tau2_eb,
}
ALIASES = {"FE": "EE", "CE": "EE"}
#: estimators that need every sampling variance to be positive (metafor stops otherwise)
NEED_POSITIVE_VI = ("DL", "PM")


def resolve(method: str) -> str:
    """The canonical estimator name for ``method`` (case-insensitive; ``FE`` → ``EE``)."""
    name = str(method).upper()
    name = ALIASES.get(name, name)
    if name not in ESTIMATORS:
        raise UnknownNameError("tau2 estimator", str(method), list(ESTIMATORS) + list(ALIASES))
    return name


def estimate_tau2(b: Batch, method: str) -> Tau2Fit:
    """τ² for every fit in ``b`` with the named estimator; fits with k = 1 get τ² = 0 (as metafor)."""
    name = resolve(method)
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = ESTIMATORS[name](b)
    single = b.k < 2
    if not single.any():
        return fit
    return Tau2Fit(np.where(single, 0.0, fit.tau2), np.where(single, 0, fit.iterations), fit.converged | single)
