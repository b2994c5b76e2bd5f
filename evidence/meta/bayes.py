"""Bayesian normal–normal random-effects meta-analysis by numerical integration (no MCMC).

Model: ``y_i | θ_i ~ N(θ_i, v_i)``, ``θ_i | μ, τ ~ N(μ, τ²)``, priors ``p(μ)`` (improper uniform,
or normal(μ₀, s₀²)) and ``p(τ)`` (:mod:`.priors`).  With ``w_i(τ) = 1/(v_i + τ²)`` (the normal
μ prior enters as one more "study" with variance s₀², not inflated by τ²):

* ``μ | τ, y ~ N(m(τ), V(τ))``, ``V = 1/Σw_i``, ``m = V Σ w_i y_i``;
* the marginal posterior of τ is known up to a constant,
  ``p(τ | y) ∝ p(τ) ∏ w_i^{1/2} · V^{1/2} · exp(−½ Σ w_i (y_i − m)²)``;
* so the marginal posterior of μ is the mixture ``∫ N(m(τ), V(τ)) p(τ | y) dτ``, that of a new
  study's effect (posterior predictive) is ``∫ N(m, V + τ²) p(τ | y) dτ``, and that of study i's
  own effect (the shrinkage estimate) is ``∫ N((1−B)y_i + B m, (1−B)v_i + B²V) p(τ | y) dτ``
  with ``B = v_i/(v_i + τ²)``.

This is the model of the R package bayesmeta (Röver C. Bayesian random-effects meta-analysis
using the bayesmeta R package. *J Stat Softw* 2020;93(6):1-51), which computes the same
posterior by adaptive integration and approximates the μ mixture by a discrete grid
("DIRECT", Röver C, Friede T. *J Comput Graph Stat* 2017;26:217-222).  Here the τ integral is
done once on a quadrature rule in ``u = log τ``: a coarse scan finds where the posterior
mass is, then panels of 15-point Gauss–Legendre are bisected until 7- and 15-point rules
agree to ``TOL`` of the total; the mass below τ₀ = 10⁻⁷ min √v_i is one node at τ = 0 (there
the likelihood is constant to 10⁻¹⁴ and the mass is ``P_prior(τ ≤ τ₀)·L(0)``), and the prior
tail beyond τ = e⁴⁰·max(√v_i, prior median) is one node too (it matters only for k = 1 with a
heavy-tailed prior).  Every posterior quantity is then a finite mixture of normals over those
nodes; quantiles come from a vectorised safeguarded Newton iteration on the mixture CDF, and
τ's quantiles from Newton steps on the quadrature within the panel that holds them.

Methods for very few studies: Friede T, Röver C, Wandel S, Neuenschwander B. Meta-analysis of
two studies in the presence of heterogeneity with applications in rare diseases. *Biom J*
2017;59(4):658-671; Bender R, Friede T, Koch A, et al. Methods for evidence synthesis in the
case of very few studies. *Res Synth Methods* 2018;9(3):382-392; Röver C, Bender R, Dias S, et
al. On weakly informative prior distributions for the heterogeneity parameter in Bayesian
random-effects meta-analysis. *Res Synth Methods* 2021;12(4):448-474.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import special

from hairmeta.evidence.errors import DataError, HairmetaError, ModelError, UnknownNameError
from hairmeta.evidence.meta.pooling import effects_arrays, read_effects
from hairmeta.evidence.meta.priors import MuPrior, TauPrior, default_tau_prior, parse_mu_prior, parse_tau_prior

INTERVALS = ("central", "shortest")
#: relative error allowed per unit of log τ in the adaptive τ quadrature
TOL = 1e-9
_G15 = np.polynomial.legendre.leggauss(15)
_G7 = np.polynomial.legendre.leggauss(7)
_SQRT2PI = math.sqrt(2 * math.pi)


@dataclass(frozen=True, eq=False)
class BayesResult:
    """A Bayesian random-effects fit: posterior summaries of μ, τ, a new study and each study.

    Intervals are equal-tailed (``interval="central"``) or shortest at ``level`` percent.
    ``pi_*`` is the posterior predictive interval of a new study's effect θ_new; ``theta_*`` are
    the shrinkage (posterior) estimates of the studies' own effects θ_i.  ``prob_positive`` is
    P(μ > 0 | y); ``prob_above_mid`` is P(μ > mid | y) when ``mid`` is given (on the ``yi``
    scale), else NaN.
    """

    k: int
    level: float
    interval: str
    tau_prior: TauPrior
    mu_prior: MuPrior
    mu_median: float
    mu_mean: float
    mu_sd: float
    mu_ci_low: float
    mu_ci_high: float
    tau_median: float
    tau_ci_low: float
    tau_ci_high: float
    pi_median: float
    pi_low: float
    pi_high: float
    prob_positive: float
    prob_above_mid: float
    mid: float | None
    yi: np.ndarray
    vi: np.ndarray
    labels: tuple[str, ...]
    theta_mean: np.ndarray
    theta_median: np.ndarray
    theta_low: np.ndarray
    theta_high: np.ndarray
    support_tau: np.ndarray = field(repr=False)
    support_weight: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """The model as a reader sees it."""
        return f"Bayesian, tau ~ {self.tau_prior.label}"

    def shrunken_frame(self) -> pd.DataFrame:
        """One row per study: label, yi, vi, and its shrinkage estimate (mean, median, interval)."""
        return pd.DataFrame(
            {"label": list(self.labels), "yi": self.yi, "vi": self.vi, "theta_mean": self.theta_mean,
             "theta_median": self.theta_median, "theta_low": self.theta_low, "theta_high": self.theta_high}
        )  # fmt: skip

    def to_dict(self) -> dict:
        """The JSON contract of ``hairmeta pool --bayes``: plain numbers, the priors, the studies."""
        keys = ("mu_median", "mu_mean", "mu_sd", "mu_ci_low", "mu_ci_high", "tau_median", "tau_ci_low",
                "tau_ci_high", "pi_median", "pi_low", "pi_high", "prob_positive", "prob_above_mid")  # fmt: skip
        out = {"model": "bayes", "k": int(self.k), "level": self.level, "interval": self.interval}
        out.update({key: float(getattr(self, key)) for key in keys})
        out["mid"] = None if self.mid is None else float(self.mid)
        out["tau_prior"] = self.tau_prior.to_dict()
        out["mu_prior"] = {"spec": self.mu_prior.spec, "label": self.mu_prior.label}
        out["studies"] = [
            {"label": lab, "yi": float(y), "vi": float(v), "theta_mean": float(a), "theta_median": float(b),
             "theta_low": float(c), "theta_high": float(d)}
            for lab, y, v, a, b, c, d in zip(self.labels, self.yi, self.vi, self.theta_mean, self.theta_median,
                                              self.theta_low, self.theta_high)
        ]  # fmt: skip
        out["notes"] = list(self.notes)
        return out


# ---------------------------------------------------------------- likelihood


class _Model:
    """The data, the priors and the (scaled) log marginal posterior of τ as a function of u = log τ."""

    def __init__(self, y: np.ndarray, v: np.ndarray, tau_prior: TauPrior, mu_prior: MuPrior) -> None:
        self.y, self.v, self.prior, self.mu_prior = y, v, tau_prior, mu_prior
        self.ref = 0.0  # log scale of the stored densities

    def conditional(self, tau: np.ndarray):
        """log L(τ) (up to a constant), m(τ) and V(τ) for an array of τ."""
        t2 = np.asarray(tau, float)[:, None] ** 2
        s = self.v[None, :] + t2
        w = 1.0 / s
        sw, swy = w.sum(axis=1), (w * self.y).sum(axis=1)
        logdet = np.log(s).sum(axis=1)
        if self.mu_prior.proper:
            w0 = 1.0 / self.mu_prior.sd**2
            sw, swy = sw + w0, swy + w0 * self.mu_prior.mean
        m = swy / sw
        q = (w * (self.y - m[:, None]) ** 2).sum(axis=1)
        if self.mu_prior.proper:
            q = q + (self.mu_prior.mean - m) ** 2 / self.mu_prior.sd**2
        return -0.5 * (logdet + q + np.log(sw)), m, 1.0 / sw

    def log_g(self, u: np.ndarray) -> np.ndarray:
        """log of the unnormalised posterior density of u = log τ (prior · Jacobian τ · likelihood)."""
        tau = np.exp(u)
        return self.prior.logpdf(tau) + u + self.conditional(tau.ravel())[0].reshape(u.shape) - self.ref


# ---------------------------------------------------------------- the τ quadrature


@dataclass(frozen=True)
class _Quadrature:
    """Nodes and normalised weights over τ, and the panels in u that made them."""

    tau: np.ndarray
    weight: np.ndarray
    edges_a: np.ndarray
    edges_b: np.ndarray
    cum: np.ndarray  # normalised mass up to the end of each panel (lump at 0 included)
    lump0: float  # normalised mass at τ ≤ exp(edges_a[0])
    lump0_scale: float  # normalised mass per unit of prior probability below exp(edges_a[0])
    z: float  # normaliser (scaled units)
    cap: float  # the largest τ integrated over; the prior's tail beyond is one node there


def _panels(model: _Model, a: np.ndarray, b: np.ndarray, span: float):
    """Adaptive bisection: 15-point Gauss–Legendre panels whose 7-point rule agrees to TOL."""
    done_a, done_b, done_u, done_f, done_w = [], [], [], [], []
    total_guess = None
    for _ in range(60):
        mid, half = (a + b) / 2, (b - a) / 2
        u15 = mid[:, None] + half[:, None] * _G15[0]
        u7 = mid[:, None] + half[:, None] * _G7[0]
        f = np.exp(model.log_g(np.concatenate([u15, u7], axis=1)))
        f15, f7 = f[:, :15], f[:, 15:]
        i15 = half * (f15 @ _G15[1])
        i7 = half * (f7 @ _G7[1])
        total = i15.sum() + sum(float(np.dot(w, ff)) for w, ff in zip(done_w, done_f))
        total_guess = total if total_guess is None else max(total_guess, total)
        ok = np.abs(i15 - i7) <= TOL * total_guess * np.maximum((b - a) / span, 1e-3)
        ok |= half < 1e-9
        done_a.append(a[ok])
        done_b.append(b[ok])
        done_u.append(u15[ok])
        done_f.append(f15[ok].ravel())
        done_w.append((half[ok, None] * _G15[1]).ravel())
        if ok.all():
            break
        a, b = np.concatenate([a[~ok], mid[~ok]]), np.concatenate([mid[~ok], b[~ok]])
    else:  # pragma: no cover - 60 bisections of a panel of width ≤ 1 reach 1e-18
        raise ModelError("the posterior of tau could not be integrated (adaptive quadrature did not settle)")
    aa, bb = np.concatenate(done_a), np.concatenate(done_b)
    order = np.argsort(aa)
    u = np.concatenate([x.reshape(-1, 15) for x in done_u])[order]
    mass = (
        np.concatenate([x.reshape(-1, 15) for x in done_f])[order]
        * np.concatenate([x.reshape(-1, 15) for x in done_w])[order]
    )
    return aa[order], bb[order], u, mass


def _quadrature(model: _Model) -> _Quadrature:
    """Place the quadrature for p(τ | y): scan, find the mass, integrate adaptively, add the lumps."""
    sd = np.sqrt(model.v)
    prior = model.prior
    t_lo = 1e-7 * sd.min()
    scale = max(sd.max(), prior.median())
    u_lo, u_cap = math.log(t_lo), math.log(scale) + 40.0
    if math.isfinite(prior.upper):
        u_cap = math.log(prior.upper)
        u_lo = min(u_lo, u_cap - 30.0)
    grid = np.append(np.arange(u_lo, u_cap, 0.5), u_cap)
    lg = model.log_g(grid)
    model.ref = float(np.max(lg[np.isfinite(lg)])) if np.isfinite(lg).any() else 0.0
    lg = lg - model.ref
    live = np.flatnonzero(lg > -40.0)
    if live.size == 0:
        raise ModelError("the posterior of tau is not finite anywhere (check the variances and the prior)")
    ua, ub = grid[max(live[0] - 1, 0)], grid[min(live[-1] + 1, grid.size - 1)]
    n = max(int(math.ceil(ub - ua)), 1)
    edges = np.linspace(ua, ub, n + 1)
    a, b, u, mass = _panels(model, edges[:-1], edges[1:], ub - ua)
    loglik0 = float(model.conditional(np.zeros(1))[0][0]) - model.ref
    lump0_scale = math.exp(loglik0)
    lump0 = float(prior.cdf(math.exp(a[0]))) * lump0_scale
    t_top = math.exp(b[-1])
    top = 0.0
    if not math.isfinite(prior.upper):
        top = float(prior.sf(t_top)) * math.exp(float(model.conditional(np.array([t_top]))[0][0]) - model.ref)
    z = lump0 + float(mass.sum()) + top
    cum = (lump0 + np.cumsum(mass.sum(axis=1))) / z
    tau = np.concatenate([[0.0], np.exp(u.ravel()), [t_top]])
    weight = np.concatenate([[lump0], mass.ravel(), [top]]) / z
    keep = weight > 0
    return _Quadrature(tau[keep], weight[keep], a, b, cum, lump0 / z, lump0_scale / z, z, math.exp(u_cap))


def _tau_quantiles(model: _Model, quad: _Quadrature, p: np.ndarray) -> np.ndarray:
    """τ quantiles: the prior's inside the lump at 0, else Newton steps within the right panel."""
    p = np.asarray(p, float)
    out = np.empty_like(p)
    in_lump = p <= quad.lump0
    if in_lump.any():
        out[in_lump] = model.prior.ppf(np.minimum(p[in_lump] / quad.lump0_scale, 1.0))
    rest = np.flatnonzero(~in_lump)
    if rest.size == 0:
        return out
    j = np.minimum(np.searchsorted(quad.cum, p[rest]), quad.cum.size - 1)
    a, b = quad.edges_a[j], quad.edges_b[j]
    before = np.where(j > 0, quad.cum[np.maximum(j - 1, 0)], quad.lump0)
    target = (p[rest] - before) * quad.z  # mass still to cover inside the panel (scaled units)
    lo, hi = a.copy(), b.copy()
    x = (a + b) / 2
    for _ in range(60):
        half = (x - a) / 2
        nodes = (a + half)[:, None] + half[:, None] * _G15[0]
        part = half * (np.exp(model.log_g(nodes)) @ _G15[1])
        dens = np.exp(model.log_g(x))
        gap = part - target
        lo, hi = np.where(gap < 0, x, lo), np.where(gap > 0, x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - gap / dens
        bad = ~np.isfinite(new) | (new < lo) | (new > hi)
        new = np.where(bad, (lo + hi) / 2, new)
        step = np.abs(new - x)
        x = new
        if np.all(step <= 1e-13 * (1 + np.abs(x))):
            break
    out[rest] = np.exp(x)
    return out


# ---------------------------------------------------------------- mixtures of normals


def _mixture_cdf(x, w, m, s) -> np.ndarray:
    """Σ_j w_j Φ((x − m_j)/s_j) for each row; ``x`` (M,), ``m`` and ``s`` (M, N) or (1, N)."""
    return special.ndtr((np.asarray(x)[:, None] - m) / s) @ w


def _mixture_pdf(x, w, m, s) -> np.ndarray:
    """Σ_j w_j φ((x − m_j)/s_j)/s_j for each row."""
    t = (np.asarray(x)[:, None] - m) / s
    return (np.exp(-0.5 * t * t) / (s * _SQRT2PI)) @ w


def _mixture_quantiles(p, w, m, s) -> np.ndarray:
    """Solve F_i(x_i) = p_i for M mixtures at once: Newton steps on Φ⁻¹(F(x)) − Φ⁻¹(p).

    On the probit scale a normal's CDF is a straight line, so for these near-normal mixtures
    the steps converge in a few iterations from the moment-matched normal's quantile.  Each
    component's own p-quantile ``m_j + s_j z_p`` brackets the mixture's (the mixture CDF is below
    p left of all of them and above p right of all of them); a step that leaves the shrinking
    bracket is replaced by bisection.
    """
    p = np.asarray(p, float)
    m, s = np.broadcast_arrays(m, s)
    m = np.broadcast_to(m, (p.size, m.shape[1]))
    s = np.broadcast_to(s, m.shape)
    zp = special.ndtri(p)
    q = m + s * zp[:, None]
    lo, hi = q.min(axis=1), q.max(axis=1)
    mean = m @ w
    sd = np.sqrt(np.maximum((s * s + (m - mean[:, None]) ** 2) @ w, 0.0))
    x = np.clip(mean + sd * zp, lo, hi)
    for _ in range(100):
        t = (x[:, None] - m) / s
        cdf = np.clip(special.ndtr(t) @ w, 1e-300, 1.0)
        dens = (np.exp(-0.5 * t * t) / (s * _SQRT2PI)) @ w
        gap = cdf - p
        lo, hi = np.where(gap < 0, x, lo), np.where(gap > 0, x, hi)
        zc = special.ndtri(cdf)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            new = x - (zc - zp) * np.exp(-0.5 * zc * zc) / (_SQRT2PI * dens)
        bad = ~np.isfinite(new) | (new < lo) | (new > hi)
        new = np.where(bad, (lo + hi) / 2, new)
        new = np.where(gap == 0, x, new)
        step = np.abs(new - x)
        x = new
        if np.all(step <= 1e-12 * (1 + np.abs(x))):
            break
    return x


def _shortest(quantile, density, level: float, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Shortest intervals of ``m`` unimodal distributions: the lower tail p with f(Q(p)) = f(Q(p + level)).

    ``quantile(p)`` and ``density(x)`` act on arrays of length ``m``.  Bisection on p (the
    density at the lower end rises and at the upper end falls as p grows); when even p = 0 has
    the lower end denser (a density falling from a boundary, as τ's often does), p = 0.
    """
    lo, hi = np.zeros(m), np.full(m, 1.0 - level)
    at0 = density(quantile(np.full(m, 1e-300))) >= density(quantile(np.full(m, level)))
    for _ in range(40):  # p to (1 - level) 2⁻⁴⁰: endpoints to ~1e-12 / density
        mid = (lo + hi) / 2
        left, right = quantile(mid), quantile(mid + level)
        rising = density(left) < density(right)
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    p = np.where(at0, 0.0, (lo + hi) / 2)
    return quantile(p), quantile(p + level)


# ---------------------------------------------------------------- the fit


def _validate(yi, vi, labels, level: float, interval: str):
    y, v = np.asarray(yi, float).ravel(), np.asarray(vi, float).ravel()
    if y.size == 0:
        raise ModelError("no studies to pool (k = 0)")
    if y.shape != v.shape:
        raise DataError(f"yi has {y.size} values but vi has {v.size}", field="vi")
    for name, arr in (("yi", y), ("vi", v)):
        bad = np.flatnonzero(~np.isfinite(arr) | ((arr <= 0) if name == "vi" else False))
        if bad.size:
            what = "a positive finite number" if name == "vi" else "a finite number"
            raise DataError(f"must be {what}, got {arr[bad[0]]!r}", row=int(bad[0]) + 1, field=name)
    if not 0.0 < float(level) < 100.0:
        raise DataError(f"credible level must be a percentage between 0 and 100, got {level:g}", field="level")
    if interval not in INTERVALS:
        raise UnknownNameError("interval type", interval, INTERVALS)
    labels = tuple(str(x) for x in labels) if labels is not None else tuple(f"{i + 1:02d}" for i in range(y.size))
    if len(labels) != y.size:
        raise DataError(f"{len(labels)} labels for {y.size} studies", field="labels")
    return y, v, labels


def bayes_pool(
    yi,
    vi,
    *,
    tau_prior: str | TauPrior = "halfnormal:0.5",
    mu_prior: str | MuPrior | None = None,
    level: float = 95.0,
    mid: float | None = None,
    interval: str = "central",
    labels=None,
) -> BayesResult:
    """Bayesian random-effects meta-analysis of effects ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    yi, vi : effect sizes and their sampling variances (k ≥ 1; vi > 0).
    tau_prior : a :class:`TauPrior` or a spec such as ``"halfnormal:0.5"`` (:func:`.priors.parse_tau_prior`).
    mu_prior : ``None``/``"uniform"`` (improper, the default) or ``"normal:MEAN:SD"``.
    level : credible level in percent for every interval.
    mid : a minimal important difference on the ``yi`` scale; adds P(μ > mid | y).
    interval : ``"central"`` (equal tails, the default) or ``"shortest"``.
    labels : study labels.

    Returns
    -------
    BayesResult
        posterior median/mean/SD and interval of μ, median and interval of τ, the posterior
        predictive interval, P(μ > 0), shrinkage estimates; see the module docstring for the formulas.
    """
    y, v, labels = _validate(yi, vi, labels, level, interval)
    prior = parse_tau_prior(tau_prior)
    muprior = parse_mu_prior(mu_prior)
    model = _Model(y, v, prior, muprior)
    quad = _quadrature(model)
    w, tau = quad.weight, quad.tau
    _, m, V = model.conditional(tau)
    s = np.sqrt(V)
    s_pred = np.sqrt(V + tau**2)
    k, frac = y.size, float(level) / 100.0
    tails = np.array([(1 - frac) / 2, 0.5, (1 + frac) / 2])

    # study effects θ_i: mixture over τ of N((1−B) y_i + B m, (1−B) v_i + B² V), B = v_i/(v_i+τ²)
    B = v[:, None] / (v[:, None] + tau[None, :] ** 2)
    th_m = (1 - B) * y[:, None] + B * m[None, :]
    th_s = np.sqrt((1 - B) * v[:, None] + B**2 * V[None, :])

    rows_m = np.vstack([np.broadcast_to(m, (3, m.size)), np.broadcast_to(m, (3, m.size)), np.repeat(th_m, 3, axis=0)])
    rows_s = np.vstack([np.broadcast_to(s, (3, m.size)), np.broadcast_to(s_pred, (3, m.size)), np.repeat(th_s, 3, 0)])
    probs = np.tile(tails, k + 2)
    q = _mixture_quantiles(probs, w, rows_m, rows_s).reshape(k + 2, 3)
    tq = _tau_quantiles(model, quad, tails)
    if interval == "shortest":
        q[:, 0], q[:, 2] = _shortest(
            lambda p: _mixture_quantiles(p, w, rows_m[::3], rows_s[::3]),
            lambda x: _mixture_pdf(x, w, rows_m[::3], rows_s[::3]),
            frac,
            k + 2,
        )
        tq[0], tq[2] = (
            float(x[0])
            for x in _shortest(
                lambda p: _tau_quantiles(model, quad, p),
                lambda t: _tau_density(model, quad, t),
                frac,
                1,
            )
        )
    mean = float(w @ m)
    spread = w * (V + (m - mean) ** 2)
    # E[τ²] can be infinite (half-Cauchy with k ≤ 2, log-t with k ≤ 3): then τ's far tail carries the sum
    far = (tau > quad.cap * math.exp(-20)) & (not math.isfinite(prior.upper))
    mu_sd = math.inf if spread[far].sum() > 1e-6 * spread.sum() else math.sqrt(spread.sum())
    notes = []
    if k == 1 and not muprior.proper:
        notes.append("one study: the posterior of tau is its prior (the data cannot inform heterogeneity)")
    if math.isinf(mu_sd):
        notes.append("the posterior SD of mu is infinite (a heavy-tailed tau prior with this few studies)")
    return BayesResult(
        k=k,
        level=float(level),
        interval=interval,
        tau_prior=prior,
        mu_prior=muprior,
        mu_median=float(q[0, 1]),
        mu_mean=mean,
        mu_sd=mu_sd,
        mu_ci_low=float(q[0, 0]),
        mu_ci_high=float(q[0, 2]),
        tau_median=float(tq[1]),
        tau_ci_low=float(tq[0]),
        tau_ci_high=float(tq[2]),
        pi_median=float(q[1, 1]),
        pi_low=float(q[1, 0]),
        pi_high=float(q[1, 2]),
        prob_positive=float(special.ndtr(m / s) @ w),
        prob_above_mid=float("nan") if mid is None else float(special.ndtr((m - float(mid)) / s) @ w),
        mid=None if mid is None else float(mid),
        yi=y,
        vi=v,
        labels=labels,
        theta_mean=th_m @ w,
        theta_median=q[2:, 1].copy(),
        theta_low=q[2:, 0].copy(),
        theta_high=q[2:, 2].copy(),
        support_tau=tau,
        support_weight=w,
        notes=tuple(notes),
    )


def _tau_density(model: _Model, quad: _Quadrature, tau: np.ndarray) -> np.ndarray:
    """Normalised posterior density of τ (per unit τ) at ``tau``."""
    tau = np.asarray(tau, float)
    with np.errstate(divide="ignore"):
        u = np.log(np.maximum(tau, 1e-300))
    return np.exp(model.log_g(u) - u) / quad.z


# ---------------------------------------------------------------- tables, files, the summary's columns

#: bodies of evidence with at most this many effects get the Bayesian estimate in the summary
SMALL_K = 4
#: the summary-row keys :func:`bayes_columns` fills
BAYES_COLUMNS = ("bayes_estimate", "bayes_ci_low", "bayes_ci_high", "bayes_pi_low", "bayes_pi_high", "bayes_tau",
                 "bayes_tau_ci_low", "bayes_tau_ci_high", "bayes_prob_positive", "bayes_tau_prior")  # fmt: skip


def sample_sizes(frame: pd.DataFrame) -> np.ndarray | None:
    """Per-study sample sizes from column ``n``, ``ni`` or ``n1i`` + ``n2i``; None if absent or incomplete."""
    for columns in (("n",), ("ni",), ("n1i", "n2i")):
        if all(c in frame.columns for c in columns):
            n = sum(pd.to_numeric(frame[c], errors="coerce").to_numpy(float) for c in columns)
            return n if np.all(np.isfinite(n) & (n > 0)) else None
    return None


def choose_tau_prior(spec=None, measure: str | None = None, n=None, vi=None) -> tuple[TauPrior, str]:
    """The τ prior and why: ``spec`` if given, else the default for ``measure``
    (:func:`.priors.default_tau_prior`), else half-normal(0.5) with a note saying what it assumes."""
    if spec is not None:
        prior = parse_tau_prior(spec)
        return prior, f"tau prior {prior.label} (chosen)"
    if measure:
        chosen = default_tau_prior(measure, n=n, vi=vi)
        return chosen.prior, f"tau prior {chosen.reason}"
    prior = parse_tau_prior("halfnormal:0.5")
    return prior, ("tau prior half-normal(0.5), the default for log ratio measures and SMDs; effects in natural "
                   "units (MD, MC) need --tau-prior")  # fmt: skip


def bayes_pool_frame(frame: pd.DataFrame, *, tau_prior=None, measure: str | None = None, label_column=None,
                     file: str | None = None, **options) -> BayesResult:  # fmt: skip
    """:func:`bayes_pool` on an effects table (``yi`` with ``vi`` or ``sei``), every row validated.

    Without ``tau_prior`` the default is chosen by ``measure`` (or the table's one ``measure``
    value), using the sample sizes in ``n``/``ni``/``n1i``+``n2i`` for natural units; the choice is
    the result's first note.  ``options`` are :func:`bayes_pool`'s (mu_prior, level, mid, interval).
    """
    yi, vi, labels = effects_arrays(frame, label_column=label_column, file=file)
    if measure is None and "measure" in frame.columns and frame["measure"].nunique() == 1:
        measure = str(frame["measure"].iloc[0])
    prior, why = choose_tau_prior(tau_prior, measure, sample_sizes(frame), vi)
    fit = bayes_pool(yi, vi, tau_prior=prior, labels=labels, **options)
    return replace(fit, notes=(why, *fit.notes))


def bayes_pool_file(path, **options) -> BayesResult:
    """:func:`bayes_pool_frame` on the effects CSV at ``path``."""
    return bayes_pool_frame(read_effects(path), file=str(path), **options)


def bayes_pool_effects(effects: pd.DataFrame, measure: str, **options) -> BayesResult:
    """:func:`bayes_pool_frame` on an effect table of the coded outcomes (``label, yi, vi, n``;
    :func:`hairmeta.evidence.synthesis.contrasts.from_outcomes`) whose measure is ``measure``."""
    table = effects[[c for c in ("label", "yi", "vi", "n") if c in effects.columns]]  # vi, not also sei
    return bayes_pool_frame(table, measure=measure, **options)


def bayes_columns(effects: pd.DataFrame, measure: str, *, tau_prior=None, level: float = 95.0) -> dict:
    """The summary's Bayesian columns for one body (``BAYES_COLUMNS``); NaN with the reason in
    ``bayes_tau_prior`` when the model cannot be fitted (e.g. no sample sizes for a natural-unit default)."""
    try:
        fit = bayes_pool_effects(effects, measure, tau_prior=tau_prior, level=level)
    except HairmetaError as exc:
        return {**dict.fromkeys(BAYES_COLUMNS[:-1], math.nan), "bayes_tau_prior": f"not fitted: {exc}"}
    values = (fit.mu_median, fit.mu_ci_low, fit.mu_ci_high, fit.pi_low, fit.pi_high, fit.tau_median,
              fit.tau_ci_low, fit.tau_ci_high, fit.prob_positive, fit.tau_prior.label)  # fmt: skip
    return dict(zip(BAYES_COLUMNS, values))
