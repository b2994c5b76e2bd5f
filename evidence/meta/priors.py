"""Prior distributions for the Bayesian normal–normal random-effects model (:mod:`.bayes`).

A heterogeneity prior is written as a short spec, parsed by :func:`parse_tau_prior`:

=================================  ==========================================================
``halfnormal:SCALE``               half-normal on τ, density 2 φ(τ/s)/s
``halfcauchy:SCALE``               half-Cauchy on τ, density 2 / (π s (1 + (τ/s)²))
``halfstudentt:SCALE:DF``          half-Student-t on τ with DF degrees of freedom
``uniform:UPPER``                  uniform on τ over [0, UPPER]
``lognormal:MEAN:SD``              log-normal on **τ²**: log τ² ~ N(MEAN, SD²)
``turner[:OUTCOME:COMPARISON]``    Turner et al. (2015) log-normal on τ² for log odds ratios
``rhodes[:OUTCOME:COMPARISON[:AREA]]``  Rhodes et al. (2015) log-t₅ on τ² for SMDs
=================================  ==========================================================

The effect prior is ``uniform`` (improper, the default) or ``normal:MEAN:SD`` (:func:`parse_mu_prior`).

Defaults by measure (:func:`default_tau_prior`): half-normal(0.5) for log ratio measures (RR, OR,
ROM; and logit proportions, PLO, on the same log-odds scale) and standardised mean differences
(SMD, SMDH, SMCC, SMCR) - Friede T, Röver C, Wandel S, Neuenschwander B. Meta-analysis of two
studies in the presence of heterogeneity with applications in rare diseases. *Biom J*
2017;59:658-671; Röver C, Bender R, Dias S, et al. On weakly informative prior distributions for
the heterogeneity parameter in Bayesian random-effects meta-analysis. *Res Synth Methods*
2021;12:448-474 (half-normal(0.5) puts 95% of its mass below τ = 0.98: up to "fairly high"
heterogeneity on the log-odds-ratio scale).  For measures in natural units (MD, MC; and RD, PR,
PAS, PFT) the scale follows the unit-information standard deviation σ_U (Röver et al. 2021;
bayesmeta's ``uisd``): half-normal(σ_U/2), σ_U = √(Σnᵢ / Σ(1/vᵢ)).

The informative priors' tables are transcribed from the papers as stored in the R package
bayesmeta 3.4 (``TurnerEtAlParameters``, ``RhodesEtAlParameters``; Röver C, *J Stat Softw*
2020;93(6)); ``tests/reference/bayesmeta_reference.R`` dumps those arrays and the tests match them:

* Turner RM, Jackson D, Wei Y, Thompson SG, Higgins JPT. Predictive distributions for
  between-study heterogeneity and simple methods for their application in Bayesian
  meta-analysis. *Stat Med* 2015;34(6):984-998, Table IV (log-normal for τ² by outcome type
  and type of comparison; the marginal setting LN(−2.56, 1.74²), p. 993).
* Rhodes KM, Turner RM, Higgins JPT. Predictive distributions were developed for the extent
  of heterogeneity in meta-analyses of continuous outcome data. *J Clin Epidemiol*
  2015;68(1):52-60, Table 3 and Appendix Tables A.3.1 (respiratory) and A.3.2 (cancer)
  (log-t with 5 df for τ²; the general setting: location −3.44, scale 2.59).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from hairmeta.evidence.errors import DataError, UnknownNameError

FAMILIES = ("halfnormal", "halfcauchy", "halfstudentt", "uniform", "lognormal", "turner", "rhodes")
_LOG_2_OVER_PI = math.log(2.0 / math.pi)

# ---------------------------------------------------------------- Turner et al. 2015, Table IV
#: Turner's outcome types (short key -> the paper's wording).
TURNER_OUTCOMES = {
    "all-cause-mortality": "all-cause mortality",
    "obstetric": "obstetric outcomes",
    "cause-specific-mortality": "cause-specific mortality / major morbidity event / composite",
    "resource-use": "resource use / hospital stay / process",
    "surgical-device": "surgical / device related success / failure",
    "withdrawals": "withdrawals / drop-outs",
    "internal-structure": "internal / structure-related outcomes",
    "general-physical-health": "general physical health indicators",
    "adverse-events": "adverse events",
    "infection": "infection / onset of new disease",
    "signs-symptoms": "signs / symptoms reflecting continuation / end of condition",
    "pain": "pain",
    "quality-of-life": "quality of life / functioning (dichotomized)",
    "mental-health": "mental health indicators",
    "biological-markers": "biological markers (dichotomized)",
    "subjective": "subjective outcomes (various)",
}
#: Turner's five types of comparison.
TURNER_COMPARISONS = {
    "pharma-placebo": "pharmacological vs. placebo / control",
    "pharma-pharma": "pharmacological vs. pharmacological",
    "nonpharma-placebo": "non-pharmacological vs. placebo / control",
    "nonpharma-pharma": "non-pharmacological vs. pharmacological",
    "nonpharma-nonpharma": "non-pharmacological vs. non-pharmacological",
}
# Mean of log τ² per comparison (columns above), one value per outcome in TURNER_OUTCOMES order.
_TURNER_MEAN = {
    "pharma-placebo": (-3.95, -3.52, -3.71, -2.34, -2.14, -2.99, -2.71, -2.29,
                       -1.87, -2.49, -2.06, -1.83, -2.54, -2.12, -1.77, -2.70),
    "pharma-pharma": (-4.18, -3.75, -3.95, -2.58, -2.37, -3.23, -2.94, -2.53,
                      -2.10, -2.73, -2.29, -2.06, -2.78, -2.35, -2.00, -2.93),
    "nonpharma-placebo": (-4.17, -3.74, -3.93, -2.56, -2.36, -3.21, -2.93, -2.51,
                          -2.10, -2.71, -2.28, -2.05, -2.77, -2.34, -1.99, -2.92),
    "nonpharma-pharma": (-2.92, -2.49, -2.68, -1.31, -1.11, -1.96, -1.67, -1.26,
                         -0.84, -1.46, -1.03, -0.80, -1.51, -1.09, -0.74, -1.67),
    "nonpharma-nonpharma": (-3.50, -3.08, -3.27, -1.90, -1.69, -2.55, -2.26, -1.85,
                            -1.43, -2.05, -1.61, -1.38, -2.10, -1.67, -1.33, -2.26),
}  # fmt: skip
# SD of log τ², same layout.
_TURNER_SD = {
    "pharma-placebo": (1.34, 1.74, 1.74, 1.74, 1.74, 1.74, 1.74, 1.53,
                       1.52, 1.52, 1.51, 1.52, 1.54, 1.53, 1.52, 1.52),
    "pharma-pharma": (1.41, 1.79, 1.79, 1.79, 1.79, 1.79, 1.79, 1.58,
                      1.58, 1.58, 1.58, 1.58, 1.60, 1.60, 1.58, 1.58),
    "nonpharma-placebo": (1.55, 1.91, 1.91, 1.91, 1.91, 1.91, 1.92, 1.72,
                          1.71, 1.71, 1.71, 1.71, 1.73, 1.72, 1.71, 1.71),
    "nonpharma-pharma": (1.02, 1.50, 1.51, 1.50, 1.50, 1.51, 1.51, 1.25,
                         1.24, 1.24, 1.24, 1.25, 1.27, 1.27, 1.24, 1.25),
    "nonpharma-nonpharma": (1.26, 1.68, 1.68, 1.68, 1.68, 1.68, 1.68, 1.46,
                            1.45, 1.45, 1.45, 1.45, 1.47, 1.47, 1.45, 1.45),
}  # fmt: skip
TURNER_ANY = (-2.56, 1.74)

# ---------------------------------------------------------------- Rhodes et al. 2015, Table 3
RHODES_OUTCOMES = {
    "obstetric": "obstetric outcome",
    "resource-use": "resource use and hospital stay / process",
    "structure": "internal and external structure-related outcome",
    "general-physical-health": "general physical health and adverse event and pain and quality of life / functioning",
    "signs-symptoms": "signs / symptoms reflecting continuation / end of condition and infection / onset of new disease",
    "mental-health": "mental health outcome",
    "biological-marker": "biological marker",
    "subjective": "various subjectively measured outcomes",
}
RHODES_COMPARISONS = {
    "pharma-placebo": "pharmacological vs. placebo / control",
    "pharma-pharma": "pharmacological vs. pharmacological",
    "nonpharma": "non-pharmacological (any)",
}
RHODES_AREAS = ("other", "respiratory", "cancer")
# Location of log τ² (log-t, 5 df) per area and comparison, outcomes in RHODES_OUTCOMES order.
# "mental health, non-pharmacological, other areas" is -3.85 in bayesmeta 3.4 although the rest of
# that column sits 0.14 above the pharmacological-vs-placebo column; transcribed as stored.
_RHODES_LOCATION = {
    "other": {
        "pharma-placebo": (-4.13, -2.55, -2.43, -3.16, -3.00, -2.99, -3.41, -2.76),
        "pharma-pharma": (-4.40, -2.83, -2.70, -3.44, -3.27, -3.27, -3.68, -3.03),
        "nonpharma": (-3.99, -2.41, -2.29, -3.02, -2.86, -3.85, -3.27, -2.62),
    },
    "respiratory": {
        "pharma-placebo": (-6.03, -4.46, -4.33, -5.07, -4.90, -4.90, -5.31, -4.66),
        "pharma-pharma": (-6.31, -4.73, -4.61, -5.34, -5.18, -5.17, -5.59, -4.94),
        "nonpharma": (-5.89, -4.32, -4.19, -4.93, -4.76, -4.76, -5.17, -4.52),
    },
    "cancer": {
        "pharma-placebo": (-1.57, 0.01, -0.13, -0.60, -0.44, -0.43, -0.85, -0.20),
        "pharma-pharma": (-1.85, -0.27, -0.14, -0.88, -0.71, -0.71, -1.13, -0.48),
        "nonpharma": (-1.43, 0.15, 0.27, -0.46, -0.30, -0.29, -0.71, -0.06),
    },
}  # fmt: skip
_RHODES_SCALE = {
    "other": {
        "pharma-placebo": (2.34, 2.73, 2.50, 2.50, 2.50, 2.16, 2.83, 2.58),
        "pharma-pharma": (2.31, 2.70, 2.46, 2.44, 2.47, 2.14, 2.78, 2.59),
        "nonpharma": (2.11, 2.57, 2.32, 2.27, 2.33, 1.93, 2.66, 2.41),
    },
    "respiratory": {
        "pharma-placebo": (2.36, 2.74, 2.51, 2.51, 2.50, 2.17, 2.83, 2.59),
        "pharma-pharma": (2.31, 2.70, 2.46, 2.45, 2.47, 2.14, 2.78, 2.59),
        "nonpharma": (2.21, 2.57, 2.33, 2.28, 2.33, 1.94, 2.66, 2.41),
    },
    "cancer": {
        "pharma-placebo": (2.45, 2.83, 2.61, 2.61, 2.60, 2.28, 2.93, 2.68),
        "pharma-pharma": (2.41, 2.79, 2.56, 2.55, 2.57, 2.25, 2.87, 2.68),
        "nonpharma": (2.24, 2.68, 2.45, 2.40, 2.46, 2.08, 2.78, 2.53),
    },
}  # fmt: skip
RHODES_ANY = (-3.44, 2.59)
_RHODES_DF = 5.0

TURNER_SOURCE = "Turner RM et al. Stat Med 2015;34:984-998, Table IV (as in bayesmeta 3.4 TurnerEtAlPrior)"
RHODES_SOURCE = "Rhodes KM et al. J Clin Epidemiol 2015;68:52-60, Table 3 (as in bayesmeta 3.4 RhodesEtAlPrior)"
DEFAULT_SOURCE = "Friede T et al. Biom J 2017;59:658-671; Röver C et al. Res Synth Methods 2021;12:448-474"
UISD_SOURCE = "Röver C et al. Res Synth Methods 2021;12:448-474 (unit-information SD, bayesmeta::uisd)"


def _t_log_const(nu: float) -> float:
    """log of the Student-t density's constant Γ((ν+1)/2) / (Γ(ν/2) √(νπ))."""
    return float(special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * math.log(nu * math.pi))


@dataclass(frozen=True)
class TauPrior:
    """A proper prior for the heterogeneity τ ≥ 0 (vectorised log-density, CDF, survival, quantiles).

    Parameters
    ----------
    family : ``halfnormal``, ``halfcauchy``, ``halfstudentt``, ``uniform``, ``lognormal`` (on τ²) or
        ``logt`` (log-t₅ on τ², Rhodes).
    params : the family's numbers: (scale,), (scale,), (scale, df), (upper,), (mean, sd) of log τ²,
        (location, scale) of log τ².
    spec : a spec that :func:`parse_tau_prior` turns back into this prior.
    label : how a reader sees it.
    source : where the numbers come from (empty for user-chosen priors).
    """

    family: str
    params: tuple[float, ...]
    spec: str
    label: str
    source: str = ""

    @property
    def upper(self) -> float:
        """Upper end of the support (∞ except for ``uniform``)."""
        return self.params[0] if self.family == "uniform" else math.inf

    def _z(self, tau: np.ndarray) -> np.ndarray:
        """Standardised value: τ/scale, or (log τ − location/2)/(scale/2) for the log families."""
        if self.family in ("lognormal", "logt"):
            loc, scale = self.params
            with np.errstate(divide="ignore"):
                return (np.log(tau) - loc / 2) / (scale / 2)
        return tau / self.params[0]

    def logpdf(self, tau) -> np.ndarray:
        """log p(τ); −∞ outside the support.

        half-normal: log √(2/π) − log s − z²/2; half-Cauchy: log(2/π) − log s − log(1 + z²);
        half-t: log 2 + c_ν − log s − (ν+1)/2 · log(1 + z²/ν); uniform: −log U;
        log-normal on τ² (τ log-normal with MEAN/2, SD/2): −z²/2 − log √(2π) − log(SD/2) − log τ;
        log-t₅ on τ²: c₅ − 3 log(1 + z²/5) − log(scale/2) − log τ; z the standardised value.
        """
        tau = np.asarray(tau, float)
        z = self._z(np.maximum(tau, 0.0))
        f, p = self.family, self.params
        with np.errstate(divide="ignore", invalid="ignore"):
            if f == "halfnormal":
                out = 0.5 * _LOG_2_OVER_PI - math.log(p[0]) - 0.5 * z * z
            elif f == "halfcauchy":
                out = _LOG_2_OVER_PI - math.log(p[0]) - np.log1p(z * z)
            elif f == "halfstudentt":
                nu = p[1]
                out = math.log(2.0) + _t_log_const(nu) - math.log(p[0]) - (nu + 1) / 2 * np.log1p(z * z / nu)
            elif f == "uniform":
                out = np.where(tau <= p[0], -math.log(p[0]), -np.inf)
            elif f == "lognormal":
                out = -0.5 * z * z - 0.5 * math.log(2 * math.pi) - math.log(p[1] / 2) - np.log(tau)
            else:  # logt
                nu = _RHODES_DF
                out = _t_log_const(nu) - (nu + 1) / 2 * np.log1p(z * z / nu) - math.log(p[1] / 2) - np.log(tau)
            out = np.where(tau < 0, -np.inf, out)
            if f in ("lognormal", "logt"):
                out = np.where(tau == 0, -np.inf, out)
        return out

    def cdf(self, tau) -> np.ndarray:
        """P(τ' ≤ τ)."""
        z = self._z(np.maximum(np.asarray(tau, float), 0.0))
        f = self.family
        if f == "halfnormal":
            return special.erf(z / math.sqrt(2))
        if f == "halfcauchy":
            return 2 / math.pi * np.arctan(z)
        if f == "halfstudentt":
            return 2 * special.stdtr(self.params[1], z) - 1
        if f == "uniform":
            return np.minimum(z, 1.0)
        if f == "lognormal":
            return special.ndtr(z)
        return special.stdtr(_RHODES_DF, z)

    def sf(self, tau) -> np.ndarray:
        """P(τ' > τ), accurate in the far upper tail."""
        z = self._z(np.maximum(np.asarray(tau, float), 0.0))
        f = self.family
        if f == "halfnormal":
            return special.erfc(z / math.sqrt(2))
        if f == "halfcauchy":
            with np.errstate(divide="ignore"):
                return 2 / math.pi * np.arctan(1 / z)
        if f == "halfstudentt":
            return 2 * special.stdtr(self.params[1], -z)
        if f == "uniform":
            return np.maximum(1 - z, 0.0)
        if f == "lognormal":
            return special.ndtr(-z)
        return special.stdtr(_RHODES_DF, -z)

    def ppf(self, p) -> np.ndarray:
        """The p-quantile of τ."""
        p = np.asarray(p, float)
        f, q = self.family, self.params
        if f == "halfnormal":
            return q[0] * math.sqrt(2) * special.erfinv(p)
        if f == "halfcauchy":
            return q[0] * np.tan(math.pi * p / 2)
        if f == "halfstudentt":
            return q[0] * special.stdtrit(q[1], (1 + p) / 2)
        if f == "uniform":
            return q[0] * p
        z = special.ndtri(p) if f == "lognormal" else special.stdtrit(_RHODES_DF, p)
        return np.exp(q[0] / 2 + q[1] / 2 * z)

    def median(self) -> float:
        """The prior median of τ."""
        return float(self.ppf(0.5))

    def to_dict(self) -> dict:
        """family, parameters, spec, label and source, for JSON."""
        return {"spec": self.spec, "family": self.family, "params": list(self.params), "label": self.label,
                "source": self.source}  # fmt: skip


@dataclass(frozen=True)
class MuPrior:
    """Prior of the overall effect μ: improper uniform (``sd`` is None) or normal(mean, sd)."""

    mean: float = 0.0
    sd: float | None = None

    @property
    def proper(self) -> bool:
        """True for a normal prior."""
        return self.sd is not None

    @property
    def spec(self) -> str:
        """``uniform`` or ``normal:MEAN:SD``."""
        return f"normal:{_fmt(self.mean)}:{_fmt(self.sd)}" if self.proper else "uniform"

    @property
    def label(self) -> str:
        """How a reader sees it."""
        return f"normal(mean = {self.mean:g}, sd = {self.sd:g})" if self.proper else "uniform (improper)"


UNIFORM_MU = MuPrior()


def _fmt(x: float) -> str:
    """A number in a spec: short when that is exact, else 17 significant digits (round-trips)."""
    return f"{x:g}" if float(f"{x:g}") == x else f"{x:.17g}"


def _numbers(spec: str, parts: list[str], names: tuple[str, ...], field: str) -> tuple[float, ...]:
    """The numeric parts of a spec, checked for count and finiteness."""
    if len(parts) != len(names):
        want = ":".join([spec.split(":")[0].strip().lower(), *names])
        raise DataError(f"prior {spec!r} needs the form {want}", field=field)
    try:
        values = tuple(float(x) for x in parts)
    except ValueError:
        raise DataError(f"prior {spec!r}: {', '.join(names)} must be numbers", field=field) from None
    if not all(math.isfinite(x) for x in values):
        raise DataError(f"prior {spec!r}: numbers must be finite", field=field)
    return values


def _positive(spec: str, value: float, name: str, field: str) -> None:
    if value <= 0:
        raise DataError(f"prior {spec!r}: {name} must be > 0, got {value:g}", field=field)


def _pick(kind: str, key: str, table) -> str:
    key = key.strip().lower().replace("_", "-")
    if key not in table:
        raise UnknownNameError(kind, key, tuple(table))
    return key


def turner_prior(outcome: str = "any", comparison: str = "pharma-placebo") -> TauPrior:
    """Turner et al. (2015) log-normal prior on τ² for a log odds ratio (Table IV; "any": p. 993)."""
    if outcome.strip().lower() == "any":
        mean, sd = TURNER_ANY
        spec, what = "turner", "any outcome, any comparison"
    else:
        outcome = _pick("Turner outcome type", outcome, TURNER_OUTCOMES)
        comparison = _pick("Turner comparison type", comparison, TURNER_COMPARISONS)
        i = list(TURNER_OUTCOMES).index(outcome)
        mean, sd = _TURNER_MEAN[comparison][i], _TURNER_SD[comparison][i]
        spec = f"turner:{outcome}:{comparison}"
        what = f"{TURNER_OUTCOMES[outcome]}; {TURNER_COMPARISONS[comparison]}"
    label = f"Turner 2015 log-normal for tau^2 (mean {mean:g}, sd {sd:g}; {what})"
    return TauPrior("lognormal", (mean, sd), spec, label, TURNER_SOURCE)


def rhodes_prior(outcome: str = "any", comparison: str = "pharma-placebo", area: str = "other") -> TauPrior:
    """Rhodes et al. (2015) log-t₅ prior on τ² for a standardised mean difference (Table 3)."""
    if outcome.strip().lower() == "any":
        loc, scale = RHODES_ANY
        spec, what = "rhodes", "any outcome, any comparison"
    else:
        outcome = _pick("Rhodes outcome type", outcome, RHODES_OUTCOMES)
        comparison = _pick("Rhodes comparison type", comparison, RHODES_COMPARISONS)
        area = _pick("Rhodes medical area", area, RHODES_AREAS)
        i = list(RHODES_OUTCOMES).index(outcome)
        loc, scale = _RHODES_LOCATION[area][comparison][i], _RHODES_SCALE[area][comparison][i]
        spec = f"rhodes:{outcome}:{comparison}:{area}"
        what = f"{RHODES_OUTCOMES[outcome]}; {RHODES_COMPARISONS[comparison]}; {area}"
    label = f"Rhodes 2015 log-t(5) for tau^2 (location {loc:g}, scale {scale:g}; {what})"
    return TauPrior("logt", (loc, scale), spec, label, RHODES_SOURCE)


def parse_tau_prior(spec: str | TauPrior, *, field: str = "tau_prior") -> TauPrior:
    """A :class:`TauPrior` from a spec such as ``halfnormal:0.5`` (see the module docstring).

    Raises
    ------
    UnknownNameError
        for an unknown family or table key (the message lists the valid ones);
    DataError
        for missing, non-numeric or out-of-range numbers.
    """
    if isinstance(spec, TauPrior):
        return spec
    parts = [p.strip() for p in str(spec).strip().split(":")]
    name, rest = parts[0].lower().replace("-", "").replace("_", ""), parts[1:]
    if name in ("turner", "rhodes"):
        most = 2 if name == "turner" else 3
        if rest in ([], ["any"]):
            return turner_prior() if name == "turner" else rhodes_prior()
        if not 2 <= len(rest) <= most:
            form = "OUTCOME:COMPARISON" + ("" if name == "turner" else "[:AREA]")
            raise DataError(f"prior {spec!r} needs the form {name} or {name}:{form}", field=field)
        return turner_prior(*rest) if name == "turner" else rhodes_prior(*rest)
    if name in ("halfnormal", "halfcauchy"):
        (s,) = _numbers(spec, rest, ("SCALE",), field)
        _positive(spec, s, "SCALE", field)
        label = "half-normal" if name == "halfnormal" else "half-Cauchy"
        return TauPrior(name, (s,), f"{name}:{_fmt(s)}", f"{label}(scale = {s:g})")
    if name in ("halfstudentt", "halft"):
        s, df = _numbers(spec, rest, ("SCALE", "DF"), field)
        _positive(spec, s, "SCALE", field)
        _positive(spec, df, "DF", field)
        label = f"half-t(scale = {s:g}, df = {df:g})"
        return TauPrior("halfstudentt", (s, df), f"halfstudentt:{_fmt(s)}:{_fmt(df)}", label)
    if name == "uniform":
        (u,) = _numbers(spec, rest, ("UPPER",), field)
        _positive(spec, u, "UPPER", field)
        return TauPrior(name, (u,), f"uniform:{_fmt(u)}", f"uniform(0, {u:g})")
    if name == "lognormal":
        m, sd = _numbers(spec, rest, ("MEAN", "SD"), field)
        _positive(spec, sd, "SD", field)
        label = f"log-normal for tau^2 (mean {m:g}, sd {sd:g})"
        return TauPrior(name, (m, sd), f"lognormal:{_fmt(m)}:{_fmt(sd)}", label)
    raise UnknownNameError("tau prior", parts[0], FAMILIES)


def parse_mu_prior(spec: str | MuPrior | None, *, field: str = "mu_prior") -> MuPrior:
    """``None``/``uniform`` → improper uniform; ``normal:MEAN:SD`` → a normal prior on μ."""
    if spec is None or isinstance(spec, MuPrior):
        return spec or UNIFORM_MU
    parts = [p.strip() for p in str(spec).strip().split(":")]
    name = parts[0].lower()
    if name == "uniform" and len(parts) == 1:
        return UNIFORM_MU
    if name == "normal":
        mean, sd = _numbers(spec, parts[1:], ("MEAN", "SD"), field)
        _positive(spec, sd, "SD", field)
        return MuPrior(mean, sd)
    raise UnknownNameError("mu prior", parts[0], ("uniform", "normal"))


def unit_information_sd(n, vi) -> float:
    """Unit-information standard deviation σ_U = √(Σnᵢ / Σ(1/vᵢ)) (Röver et al. 2021; bayesmeta ``uisd``).

    If each study's variance is vᵢ ≈ σ_U²/nᵢ, complete pooling has variance 1/Σ(1/vᵢ) = σ_U²/Σnᵢ.
    """
    n, vi = np.asarray(n, float).ravel(), np.asarray(vi, float).ravel()
    if n.shape != vi.shape or n.size == 0:
        raise DataError("the unit-information SD needs one sample size per study", field="n")
    if not (np.all(np.isfinite(n)) and np.all(n > 0)):
        raise DataError("the unit-information SD needs positive sample sizes", field="n")
    if not (np.all(np.isfinite(vi)) and np.all(vi > 0)):
        raise DataError("the unit-information SD needs positive sampling variances", field="vi")
    return float(np.sqrt(n.sum() / (1.0 / vi).sum()))


#: Measures whose default is half-normal(0.5): log ratios, logits and standardised differences.
UNITLESS_MEASURES = frozenset({"RR", "OR", "ROM", "PLO", "SMD", "SMDH", "SMCC", "SMCR"})
#: Measures in natural units, whose default scale is half the unit-information SD.
NATURAL_UNIT_MEASURES = frozenset({"MD", "MC", "RD", "PR", "PAS", "PFT"})


@dataclass(frozen=True)
class DefaultPrior:
    """The default heterogeneity prior for a measure, and why (with its reference)."""

    prior: TauPrior
    reason: str


def default_tau_prior(measure: str, n=None, vi=None) -> DefaultPrior:
    """The default τ prior for ``measure``; natural-unit measures need sample sizes ``n`` and ``vi``.

    Log ratio measures and standardised mean differences: half-normal(0.5) (Friede et al. 2017;
    Röver et al. 2021).  MD, MC (and the other natural-unit measures): half-normal with scale
    σ_U/2, σ_U the unit-information SD (Röver et al. 2021; bayesmeta ``uisd``).
    """
    name = str(measure).upper()
    if name in UNITLESS_MEASURES:
        return DefaultPrior(parse_tau_prior("halfnormal:0.5"), f"half-normal(0.5) for {name} ({DEFAULT_SOURCE})")
    if name in NATURAL_UNIT_MEASURES:
        if n is None or vi is None:
            raise DataError(
                f"the default tau prior for {name} (natural units) is half-normal(UISD/2), which needs each "
                "study's sample size; give them or choose a prior (e.g. --tau-prior halfnormal:SCALE)",
                field="n",
            )
        scale = unit_information_sd(n, vi) / 2
        reason = f"half-normal(UISD/2 = {scale:.4g}) for {name} in natural units ({UISD_SOURCE})"
        return DefaultPrior(parse_tau_prior(f"halfnormal:{_fmt(scale)}"), reason)
    valid = sorted(UNITLESS_MEASURES | NATURAL_UNIT_MEASURES)
    raise UnknownNameError("effect measure with a default tau prior", measure, valid)
