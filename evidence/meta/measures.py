"""The one registry of effect measures: metafor's names and formulas (``escalc``, metafor 3.8).

Each :class:`Measure` turns columns named as in metafor (``m1i, sd1i, n1i, m2i, sd2i, n2i``;
``ai, bi, ci, di`` or ``ai, n1i, ci, n2i``; ``xi, ni`` or ``xi, mi``; ``m1i, m2i, sd1i, sd2i,
ni, ri``) into effect sizes ``yi`` and sampling variances ``vi``, vectorised over numpy arrays.

The formulas are transcribed from ``metafor::escalc`` 3.8-1 (read with
``Rscript -e 'print(body(metafor::escalc))'``) with its defaults: ``vtype="LS"``,
``add=1/2, to="only0", drop00=FALSE`` for the 2×2-table and proportion measures (``add=0`` for
``PAS`` and ``PFT``), and the same clean-up at the end: a ``yi`` or ``vi`` that is ±Inf or NaN
makes both NaN, and a negative ``vi`` becomes NaN.  ``tests/reference/escalc_reference.R``
checks every measure against ``escalc`` to 1e-10 relative.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. *J Stat Softw*
36(3):1-48. doi:10.18637/jss.v036.i03
Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related
estimators. *J Educ Stat* 6(2):107-128.
Bonett DG (2008). Confidence intervals for standardized linear contrasts of means.
*Psychol Methods* 13(2):99-109 (SMDH).
Hedges LV, Gurevitch J, Curtis PS (1999). The meta-analysis of response ratios in experimental
ecology. *Ecology* 80(4):1150-1156 (ROM).
Becker BJ (1988). Synthesizing standardized mean-change measures. *Br J Math Stat Psychol*
41(2):257-278 (SMCR).
Gibbons RD, Hedeker DR, Davis JM (1993). Estimation of effect size from a series of experiments
involving paired comparisons. *J Educ Stat* 18(3):271-279 (SMCC).
Freeman MF, Tukey JW (1950). Transformations related to the angular and the square root.
*Ann Math Stat* 21(4):607-611 (PFT).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np
from scipy.special import gammaln

from hairmeta.evidence.errors import DataError, UnknownNameError

Arrays = Mapping[str, np.ndarray]

MEANS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
PAIRED = ("m1i", "m2i", "sd1i", "sd2i", "ni", "ri")
PAIRED_RAW = ("m1i", "m2i", "sd1i", "ni", "ri")
TABLE_CELLS = ("ai", "bi", "ci", "di")
TABLE_SIZES = ("ai", "n1i", "ci", "n2i")
PROPORTION = ("xi", "ni")
PROPORTION_NONEVENTS = ("xi", "mi")
ZERO_CELL_TO = ("all", "only0", "if0all", "none")


@dataclass(frozen=True)
class Computed:
    """``yi`` and ``vi`` plus the rows whose cells got metafor's zero-cell ``add``."""

    yi: np.ndarray
    vi: np.ndarray
    adjusted: np.ndarray


@dataclass(frozen=True)
class Measure:
    """One effect measure of the registry.

    Attributes
    ----------
    name : metafor's code (``"SMD"``, ``"OR"``, …).
    description : one line for help texts.
    inputs : alternative column sets, any one of which suffices (metafor's argument names).
    ratio : True when ``yi`` is a log ratio (RR, OR, ROM): back-transform with ``exp``.
    formula : ``formula(columns, **options) -> Computed``; use :meth:`compute`.
    vtypes : the ``vtype`` values supported (first = default, metafor's ``"LS"``).
    default_add : metafor's default ``add`` (1/2, but 0 for PAS and PFT).
    dichotomous : True when the measure is computed from event counts (2×2 tables, proportions).
    """

    name: str
    description: str
    inputs: tuple[tuple[str, ...], ...]
    ratio: bool
    formula: Callable[..., Computed] = field(repr=False)
    vtypes: tuple[str, ...] = ("LS",)
    default_add: float = 0.5
    dichotomous: bool = False

    def input_set(self, available) -> tuple[str, ...] | None:
        """The first of :attr:`inputs` whose columns are all in ``available`` (else None)."""
        for columns in self.inputs:
            if all(name in available for name in columns):
                return columns
        return None

    def detail(self, columns: Arrays, **options) -> Computed:
        """Like :meth:`compute` but also returns which rows got the zero-cell ``add``."""
        if self.input_set(columns) is None:
            wanted = " or ".join("(" + ", ".join(c) + ")" for c in self.inputs)
            raise DataError(f"measure {self.name} needs columns {wanted}", field=self.inputs[0][0])
        vtype = options.pop("vtype", self.vtypes[0])
        if vtype not in self.vtypes:
            raise UnknownNameError(f"vtype for {self.name}", vtype, self.vtypes)
        wanted = {name for names in self.inputs for name in names}
        arrays = {k: np.asarray(v, dtype=float) for k, v in columns.items() if k in wanted}
        options.setdefault("add", self.default_add)
        with np.errstate(all="ignore"):
            raw = self.formula(arrays, vtype=vtype, **options)
        return Computed(*_clean(raw.yi, raw.vi), raw.adjusted)

    def compute(self, columns: Arrays, **options) -> tuple[np.ndarray, np.ndarray]:
        """``(yi, vi)`` for every row of ``columns`` (NaN where inputs are missing or invalid).

        Options are metafor's: ``vtype`` (default ``"LS"``), and for 2×2 tables and proportions
        ``add`` (default 1/2; 0 for PAS/PFT), ``to`` (``"only0"``, ``"all"``, ``"if0all"``,
        ``"none"``) and ``drop00`` (False).  Rows are not validated here (negative SDs give
        NaN or nonsense): :func:`hairmeta.evidence.meta.escalc.compute_effects` validates tables first.
        """
        result = self.detail(columns, **options)
        return result.yi, result.vi


def _clean(yi: np.ndarray, vi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """metafor's last step: ±Inf or NaN in yi or vi → both NaN; negative vi → NaN."""
    yi = np.array(yi, dtype=float)
    vi = np.array(vi, dtype=float)
    bad = ~np.isfinite(yi) | ~np.isfinite(vi)
    yi[bad] = np.nan
    vi[bad] = np.nan
    vi[vi < 0] = np.nan
    return yi, vi


def cmicalc(mi: np.ndarray) -> np.ndarray:
    """Exact small-sample bias correction c(m) of Hedges (1981), metafor's ``.cmicalc``.

    c(m) = Γ(m/2) / (√(m/2) · Γ((m−1)/2)), computed on the log scale; NaN when m ≤ 1.
    """
    mi = np.asarray(mi, dtype=float)
    with np.errstate(all="ignore"):
        safe = np.where(mi > 1, mi, 2.0)
        value = np.exp(gammaln(safe / 2) - np.log(np.sqrt(safe / 2)) - gammaln((safe - 1) / 2))
    return np.where(mi > 1, value, np.nan)


def _no_adjustment(c: Arrays) -> np.ndarray:
    """No zero-cell correction: an all-False row mask."""
    return np.zeros(np.shape(next(iter(c.values()))), dtype=bool)


# ---------------------------------------------------------------- two independent groups, means


def _pooled_sd(c: Arrays) -> tuple[np.ndarray, np.ndarray]:
    """(m, sdp): m = n1+n2−2 and the pooled SD √(((n1−1)sd1² + (n2−1)sd2²)/m)."""
    mi = c["n1i"] + c["n2i"] - 2
    return mi, np.sqrt(((c["n1i"] - 1) * c["sd1i"] ** 2 + (c["n2i"] - 1) * c["sd2i"] ** 2) / mi)


def _md(c: Arrays, vtype: str, **_) -> Computed:
    """MD: yi = m1 − m2; vi = sd1²/n1 + sd2²/n2 (LS, UB) or sdp²(1/n1 + 1/n2) (HO)."""
    yi = c["m1i"] - c["m2i"]
    if vtype == "HO":
        vi = _pooled_sd(c)[1] ** 2 * (1 / c["n1i"] + 1 / c["n2i"])
    else:
        vi = c["sd1i"] ** 2 / c["n1i"] + c["sd2i"] ** 2 / c["n2i"]
    return Computed(yi, vi, _no_adjustment(c))


def _smd(c: Arrays, vtype: str, **_) -> Computed:
    """SMD (Hedges' g): yi = c(m)·(m1−m2)/sdp with c(m) the exact correction, m = n1+n2−2.

    vi (LS) = 1/n1 + 1/n2 + yi²/(2(n1+n2)); UB = 1/n1 + 1/n2 + (1 − (m−2)/(m·c²))·yi²;
    LS2 = c²·(1/n1 + 1/n2 + d²/(2(n1+n2))).
    """
    mi, sdp = _pooled_sd(c)
    di = (c["m1i"] - c["m2i"]) / sdp
    cmi = cmicalc(mi)
    yi = cmi * di
    base = 1 / c["n1i"] + 1 / c["n2i"]
    ni = c["n1i"] + c["n2i"]
    if vtype == "UB":
        vi = base + (1 - (mi - 2) / (mi * cmi**2)) * yi**2
    elif vtype == "LS2":
        vi = cmi**2 * (base + di**2 / (2 * ni))
    else:
        vi = base + yi**2 / (2 * ni)
    return Computed(yi, vi, _no_adjustment(c))


def _smdh(c: Arrays, vtype: str, **_) -> Computed:
    """SMDH (Bonett 2008): yi = c(m)(m1−m2)/√((sd1²+sd2²)/2), heteroscedastic variance (LS).

    vi = c²·[yi²(sd1⁴/(n1−1) + sd2⁴/(n2−1)) / (2(sd1²+sd2²)²) + (sd1²/(n1−1) + sd2²/(n2−1)) /
    ((sd1²+sd2²)/2)], exactly as metafor 3.8 (which uses the corrected yi inside).
    """
    cmi = cmicalc(c["n1i"] + c["n2i"] - 2)
    s1, s2 = c["sd1i"] ** 2, c["sd2i"] ** 2
    yi = cmi * (c["m1i"] - c["m2i"]) / np.sqrt((s1 + s2) / 2)
    n1m, n2m = c["n1i"] - 1, c["n2i"] - 1
    vi = yi**2 * (s1**2 / n1m + s2**2 / n2m) / (2 * (s1 + s2) ** 2) + (s1 / n1m + s2 / n2m) / ((s1 + s2) / 2)
    return Computed(yi, cmi**2 * vi, _no_adjustment(c))


def _rom(c: Arrays, vtype: str, **_) -> Computed:
    """ROM: yi = log(m1/m2); vi (LS) = sd1²/(n1·m1²) + sd2²/(n2·m2²); HO uses the pooled SD."""
    yi = np.log(c["m1i"] / c["m2i"])
    s1, s2 = (c["sd1i"], c["sd2i"]) if vtype == "LS" else (_pooled_sd(c)[1],) * 2
    vi = s1**2 / (c["n1i"] * c["m1i"] ** 2) + s2**2 / (c["n2i"] * c["m2i"] ** 2)
    return Computed(yi, vi, _no_adjustment(c))


# ---------------------------------------------------------------- one group, two occasions (paired)


def _mc(c: Arrays, vtype: str, **_) -> Computed:
    """MC: yi = m1 − m2; vi = (sd1² + sd2² − 2·r·sd1·sd2)/n."""
    yi = c["m1i"] - c["m2i"]
    vi = (c["sd1i"] ** 2 + c["sd2i"] ** 2 - 2 * c["ri"] * c["sd1i"] * c["sd2i"]) / c["ni"]
    return Computed(yi, vi, _no_adjustment(c))


def _smcc(c: Arrays, vtype: str, **_) -> Computed:
    """SMCC (change-score standardisation): d = (m1−m2)/sd_d, sd_d = √(sd1²+sd2²−2r·sd1·sd2).

    yi = c(n−1)·d; vi (LS) = 1/n + yi²/(2n); LS2 = c²(1/n + d²/(2n)).
    """
    sdd = np.sqrt(c["sd1i"] ** 2 + c["sd2i"] ** 2 - 2 * c["ri"] * c["sd1i"] * c["sd2i"])
    di = (c["m1i"] - c["m2i"]) / sdd
    cmi = cmicalc(c["ni"] - 1)
    yi = cmi * di
    ni = c["ni"]
    vi = cmi**2 * (1 / ni + di**2 / (2 * ni)) if vtype == "LS2" else 1 / ni + yi**2 / (2 * ni)
    return Computed(yi, vi, _no_adjustment(c))


def _smcr(c: Arrays, vtype: str, **_) -> Computed:
    """SMCR (raw-score standardisation, Becker 1988): d = (m1−m2)/sd1, yi = c(n−1)·d.

    vi (LS) = 2(1−r)/n + yi²/(2n); LS2 = c²(2(1−r)/n + d²/(2n)).
    """
    di = (c["m1i"] - c["m2i"]) / c["sd1i"]
    cmi = cmicalc(c["ni"] - 1)
    yi = cmi * di
    ni, part = c["ni"], 2 * (1 - c["ri"]) / c["ni"]
    vi = cmi**2 * (part + di**2 / (2 * ni)) if vtype == "LS2" else part + yi**2 / (2 * ni)
    return Computed(yi, vi, _no_adjustment(c))


# ---------------------------------------------------------------- 2×2 tables


def _zero_add(cells: list[np.ndarray], add: float, to: str) -> tuple[list[np.ndarray], np.ndarray]:
    """metafor's continuity correction: add ``add`` to every cell of rows chosen by ``to``."""
    if to not in ZERO_CELL_TO:
        raise UnknownNameError("zero-cell rule 'to'", to, ZERO_CELL_TO)
    has0 = np.zeros(cells[0].shape, dtype=bool)
    for cell in cells:
        has0 |= cell == 0
    rows = {
        "all": np.ones_like(has0),
        "only0": has0,
        "none": np.zeros_like(has0),
        "if0all": np.full_like(has0, bool(has0.any())),
    }[to]
    if add == 0:
        rows = np.zeros_like(has0)
    return [np.where(rows, cell + add, cell) for cell in cells], rows


def _table(c: Arrays, add: float, to: str, drop00: bool) -> tuple[list[np.ndarray], np.ndarray]:
    """Cells (a, b, c, d) after metafor's b = n1 − a fill-in, ``drop00`` and zero-cell ``add``."""
    b = c["bi"] if "bi" in c else np.full_like(c["ai"], np.nan)
    d = c["di"] if "di" in c else np.full_like(c["ci"], np.nan)
    if "n1i" in c:
        b = np.where(np.isnan(b), c["n1i"] - c["ai"], b)
    if "n2i" in c:
        d = np.where(np.isnan(d), c["n2i"] - c["ci"], d)
    cells = [c["ai"], b, c["ci"], d]
    if drop00:
        both = ((cells[0] == 0) & (cells[2] == 0)) | ((cells[1] == 0) & (cells[3] == 0))
        cells = [np.where(both, np.nan, cell) for cell in cells]
    return _zero_add(cells, add, to)


def _rr(c: Arrays, vtype: str, add: float = 0.5, to: str = "only0", drop00: bool = False) -> Computed:
    """RR: yi = log(a/n1) − log(c/n2); vi = 1/a − 1/n1 + 1/c − 1/n2 (after the zero-cell add)."""
    (a, b, cc, d), rows = _table(c, add, to, drop00)
    n1, n2 = a + b, cc + d
    return Computed(np.log(a / n1) - np.log(cc / n2), 1 / a - 1 / n1 + 1 / cc - 1 / n2, rows)


def _or(c: Arrays, vtype: str, add: float = 0.5, to: str = "only0", drop00: bool = False) -> Computed:
    """OR: yi = log(p1/(1−p1)) − log(p2/(1−p2)); vi = 1/a + 1/b + 1/c + 1/d."""
    (a, b, cc, d), rows = _table(c, add, to, drop00)
    p1, p2 = a / (a + b), cc / (cc + d)
    yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
    return Computed(yi, 1 / a + 1 / b + 1 / cc + 1 / d, rows)


def _rd(c: Arrays, vtype: str, add: float = 0.5, to: str = "only0", drop00: bool = False) -> Computed:
    """RD: yi = p1 − p2 (metafor 3.8 uses the corrected cells for yi too); vi (LS) =
    p1(1−p1)/n1 + p2(1−p2)/n2, UB divides by n−1."""
    (a, b, cc, d), rows = _table(c, add, to, drop00)
    n1, n2 = a + b, cc + d
    p1, p2 = a / n1, cc / n2
    k = 1 if vtype == "UB" else 0
    return Computed(p1 - p2, p1 * (1 - p1) / (n1 - k) + p2 * (1 - p2) / (n2 - k), rows)


# ---------------------------------------------------------------- single proportions


def _counts(c: Arrays, add: float, to: str, drop00: bool = False) -> tuple[list[np.ndarray], np.ndarray]:
    """(x, m) events and non-events (m = n − x when only n is given) after the zero add."""
    m = c["mi"] if "mi" in c else np.full_like(c["xi"], np.nan)
    if "ni" in c:
        m = np.where(np.isnan(m), c["ni"] - c["xi"], m)
    return _zero_add([c["xi"], m], add, to)


def _pr(c: Arrays, vtype: str, add: float = 0.5, to: str = "only0", drop00: bool = False) -> Computed:
    """PR: yi = x/n; vi (LS) = p(1−p)/n, UB = p(1−p)/(n−1)."""
    (x, m), rows = _counts(c, add, to)
    n = x + m
    p = x / n
    return Computed(p, p * (1 - p) / (n - (1 if vtype == "UB" else 0)), rows)


def _plo(c: Arrays, vtype: str, add: float = 0.5, to: str = "only0", drop00: bool = False) -> Computed:
    """PLO: yi = log(p/(1−p)); vi = 1/x + 1/(n−x)."""
    (x, m), rows = _counts(c, add, to)
    p = x / (x + m)
    return Computed(np.log(p / (1 - p)), 1 / x + 1 / m, rows)


def _pas(c: Arrays, vtype: str, add: float = 0.0, to: str = "only0", drop00: bool = False) -> Computed:
    """PAS: yi = arcsin(√p); vi = 1/(4n)."""
    (x, m), rows = _counts(c, add, to)
    n = x + m
    return Computed(np.arcsin(np.sqrt(x / n)), 1 / (4 * n), rows)


def _pft(c: Arrays, vtype: str, add: float = 0.0, to: str = "only0", drop00: bool = False) -> Computed:
    """PFT (Freeman-Tukey double arcsine): yi = ½[arcsin√(x/(n+1)) + arcsin√((x+1)/(n+1))];
    vi = 1/(4n + 2)."""
    (x, m), rows = _counts(c, add, to)
    n = x + m
    yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    return Computed(yi, 1 / (4 * n + 2), rows)


def _registry() -> dict[str, Measure]:
    two_by_two = (TABLE_CELLS, TABLE_SIZES)
    props = (PROPORTION, PROPORTION_NONEVENTS)
    items = [
        Measure("MD", "raw mean difference, two groups", (MEANS,), False, _md, ("LS", "UB", "HO")),
        Measure(
            "SMD",
            "standardised mean difference (Hedges' g, exact bias correction)",
            (MEANS,),
            False,
            _smd,
            ("LS", "UB", "LS2"),
        ),
        Measure("SMDH", "standardised mean difference with heteroscedastic SDs (Bonett)", (MEANS,), False, _smdh),
        Measure("ROM", "log ratio of means (response ratio)", (MEANS,), True, _rom, ("LS", "HO")),
        Measure("MC", "raw mean change, one group measured twice (paired)", (PAIRED,), False, _mc),
        Measure("SMCC", "standardised mean change, change-score SD (paired)", (PAIRED,), False, _smcc, ("LS", "LS2")),
        Measure(
            "SMCR", "standardised mean change, raw-score SD sd1i (paired)", (PAIRED_RAW,), False, _smcr, ("LS", "LS2")
        ),
        Measure("RR", "log risk ratio, 2×2 table", two_by_two, True, _rr),
        Measure("OR", "log odds ratio, 2×2 table", two_by_two, True, _or),
        Measure("RD", "risk difference, 2×2 table", two_by_two, False, _rd, ("LS", "UB")),
        Measure("PR", "raw proportion, one group", props, False, _pr, ("LS", "UB")),
        Measure("PLO", "logit-transformed proportion", props, False, _plo),
        Measure("PAS", "arcsine square-root transformed proportion", props, False, _pas, default_add=0.0),
        Measure("PFT", "Freeman-Tukey double-arcsine transformed proportion", props, False, _pft, default_add=0.0),
    ]
    counted = {"RR", "OR", "RD", "PR", "PLO", "PAS", "PFT"}  # computed from event counts
    return {m.name: replace(m, dichotomous=m.name in counted) for m in items}


MEASURES: dict[str, Measure] = _registry()
#: Measures whose ``yi`` is a log ratio (shown back-transformed with ``exp``).
RATIO_MEASURES = frozenset(name for name, m in MEASURES.items() if m.ratio)
#: Measures computed from event counts (GRADE's optimal information size for dichotomous outcomes).
DICHOTOMOUS_MEASURES = frozenset(name for name, m in MEASURES.items() if m.dichotomous)


def get_measure(name: str) -> Measure:
    """The registered measure called ``name`` (case-insensitive); else ``UnknownNameError``."""
    measure = MEASURES.get(str(name).upper())
    if measure is None:
        raise UnknownNameError("effect measure", name, tuple(MEASURES))
    return measure
