"""Model settings: one frozen options object with one default, used by every command and function
that fits a random-effects model.

The default is REML for τ² with the Knapp–Hartung adjustment and 95% intervals: with the few
studies typical of this review, the Knapp–Hartung (Hartung–Knapp–Sidik–Jonkman) interval keeps
its nominal coverage where the z interval does not (IntHout J, Ioannidis JPA, Borm GF. BMC Med Res
Methodol 2014;14:25; Röver C, Knapp G, Friede T. BMC Med Res Methodol 2015;15:99).  It applies wherever
it is defined (k ≥ 2).  metafor's own default is the z test (``test="z"``): pass ``knha=False``
(``--no-knha``) to reproduce it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hairmeta.evidence.errors import DataError
from hairmeta.evidence.meta.estimators import resolve


@dataclass(frozen=True)
class ModelOptions:
    """How to fit the random-effects model.

    Parameters
    ----------
    method : τ² estimator (EE alias FE, DL, HE, SJ, PM, ML, REML, EB), case-insensitive.
    knha : Knapp–Hartung adjustment: t tests on k − 1 df with the scaled SE.  ``None`` (the
        default) applies it wherever it is defined, k ≥ 2; a single study gets the z test and a note.
    level : confidence level in percent, 0 < level < 100 (CIs and prediction intervals).
    tau_prior : heterogeneity prior of the Bayesian model (:mod:`.bayes`), a spec such as
        ``"halfnormal:0.5"``; ``None`` (the default) chooses by measure (:func:`.priors.default_tau_prior`).
    """

    method: str = "REML"
    knha: bool | None = None
    level: float = 95.0
    tau_prior: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", resolve(self.method))
        level = float(self.level)
        if not 0.0 < level < 100.0:
            raise DataError(
                f"confidence level must be a percentage between 0 and 100 (e.g. 95), got {self.level:g}", field="level"
            )
        object.__setattr__(self, "level", level)
        if self.tau_prior is not None:
            from hairmeta.evidence.meta.priors import parse_tau_prior  # here: scipy stays out of `--help`'s start-up

            object.__setattr__(self, "tau_prior", parse_tau_prior(self.tau_prior).spec)

    @property
    def uses_knha(self) -> bool:
        """Whether Knapp–Hartung applies (to every fit with k ≥ 2)."""
        return self.knha is not False

    @property
    def label(self) -> str:
        """The model as a reader sees it, e.g. ``REML + Knapp-Hartung``."""
        return f"{self.method}{' + Knapp-Hartung' if self.uses_knha else ''}"

    def as_kwargs(self) -> dict:
        """``method``, ``knha`` and ``level`` as keyword arguments of :func:`.pooling.pool`."""
        return {"method": self.method, "knha": self.knha, "level": self.level}


DEFAULT = ModelOptions()
