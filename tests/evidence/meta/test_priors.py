"""Priors of the Bayesian random-effects model: parsing, densities, the Turner and Rhodes tables
(against bayesmeta 3.4's arrays, tests/reference/bayesmeta_reference.R), defaults by measure."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import integrate, stats
from testpaths import REFERENCE

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.meta import priors
from hairmeta.evidence.meta.priors import (
    default_tau_prior,
    parse_mu_prior,
    parse_tau_prior,
    rhodes_prior,
    turner_prior,
    unit_information_sd,
)

REF = json.loads((REFERENCE / "bayesmeta_reference.json").read_text())
TABLES = REF["tables"]

SPECS = (
    "halfnormal:0.5",
    "halfcauchy:1",
    "halfstudentt:0.5:3",
    "uniform:2",
    "lognormal:-2.5:1.5",
    "turner",
    "turner:pain:nonpharma-placebo",
    "rhodes",
    "rhodes:subjective:nonpharma:cancer",
)


@pytest.mark.parametrize("spec", SPECS)
def test_density_integrates_to_one_and_matches_cdf(spec):
    prior = parse_tau_prior(spec)

    def pdf(u):  # density of u = log tau, so the log families' spikes near 0 stay integrable
        return math.exp(float(prior.logpdf(math.exp(u))) + u)

    top = math.log(prior.upper) if math.isfinite(prior.upper) else 60.0
    total = integrate.quad(pdf, -60.0, top, limit=400, epsabs=0, epsrel=1e-10, points=[-3, 0])[0]
    assert total == pytest.approx(1.0, abs=2e-6 if spec.startswith(("halfcauchy", "rhodes")) else 1e-9)
    for p in (0.025, 0.3, 0.5, 0.9, 0.975):
        t = float(prior.ppf(p))
        assert float(prior.cdf(t)) == pytest.approx(p, abs=1e-12)
        assert float(prior.sf(t)) == pytest.approx(1 - p, abs=1e-12)
        below = integrate.quad(pdf, -60.0, math.log(t), limit=400, epsabs=0, epsrel=1e-10)[0]
        assert below == pytest.approx(p, abs=2e-6)


def test_densities_agree_with_scipy_distributions():
    tau = np.array([0.01, 0.1, 0.5, 1.3, 4.0])
    pairs = [
        ("halfnormal:0.5", stats.halfnorm(scale=0.5)),
        ("halfcauchy:1", stats.halfcauchy(scale=1)),
        ("uniform:2", stats.uniform(0, 2)),
        ("lognormal:-2.5:1.5", stats.lognorm(s=0.75, scale=math.exp(-1.25))),
    ]
    for spec, dist in pairs:
        np.testing.assert_allclose(parse_tau_prior(spec).logpdf(tau), dist.logpdf(tau), rtol=1e-12)
    half_t = parse_tau_prior("halfstudentt:0.5:3")
    np.testing.assert_allclose(half_t.logpdf(tau), math.log(2) + stats.t(3, scale=0.5).logpdf(tau), rtol=1e-12)


def test_outside_support_is_impossible():
    assert parse_tau_prior("uniform:2").logpdf(np.array([2.5]))[0] == -np.inf
    assert parse_tau_prior("halfnormal:1").logpdf(np.array([-0.1]))[0] == -np.inf
    assert parse_tau_prior("turner").logpdf(np.array([0.0]))[0] == -np.inf


@pytest.mark.parametrize("spec", SPECS)
def test_spec_round_trips(spec):
    prior = parse_tau_prior(spec)
    assert parse_tau_prior(prior.spec) == prior
    assert prior.to_dict()["spec"] == prior.spec


def test_turner_table_matches_bayesmeta():
    mu, sigma = np.array(TABLES["turner_mu"]), np.array(TABLES["turner_sigma"])
    assert mu.shape == (16, 5)
    for i, outcome in enumerate(priors.TURNER_OUTCOMES):
        for j, comparison in enumerate(priors.TURNER_COMPARISONS):
            assert turner_prior(outcome, comparison).params == (mu[i, j], sigma[i, j])
    assert turner_prior().params == tuple(TABLES["turner_any"])
    assert "Stat Med 2015" in turner_prior().source


def test_rhodes_tables_match_bayesmeta():
    for a, area in enumerate(priors.RHODES_AREAS):
        loc, scale = np.array(TABLES["rhodes_location"][a]), np.array(TABLES["rhodes_scale"][a])
        assert loc.shape == (8, 3)
        for i, outcome in enumerate(priors.RHODES_OUTCOMES):
            for j, comparison in enumerate(priors.RHODES_COMPARISONS):
                assert rhodes_prior(outcome, comparison, area).params == (loc[i, j], scale[i, j])
    assert rhodes_prior().params == tuple(TABLES["rhodes_any"])
    assert "J Clin Epidemiol 2015" in rhodes_prior().source


def test_table_priors_are_on_tau_squared():
    # Turner: log tau^2 ~ N(-2.14, 1.74^2) => median tau = exp(-1.07)
    prior = parse_tau_prior("turner:surgical-device:pharma-placebo")
    assert prior.median() == pytest.approx(math.exp(-2.14 / 2), rel=1e-12)
    assert parse_tau_prior("rhodes").median() == pytest.approx(math.exp(-3.44 / 2), rel=1e-12)


def test_unknown_family_lists_valid_names():
    with pytest.raises(UnknownNameError) as info:
        parse_tau_prior("halfnorm:0.5")
    message = str(info.value)
    for name in ("halfnormal", "halfcauchy", "halfstudentt", "uniform", "lognormal", "turner", "rhodes"):
        assert name in message
    with pytest.raises(UnknownNameError, match="subjective"):
        parse_tau_prior("turner:subjectiv:pharma-placebo")
    with pytest.raises(UnknownNameError, match="nonpharma"):
        parse_tau_prior("rhodes:subjective:herbal")
    with pytest.raises(UnknownNameError, match="respiratory"):
        parse_tau_prior("rhodes:subjective:nonpharma:lung")


@pytest.mark.parametrize(
    "spec, needle",
    [
        ("halfnormal", "halfnormal:SCALE"),
        ("halfnormal:-1", "must be > 0"),
        ("halfnormal:abc", "must be numbers"),
        ("halfstudentt:0.5", "halfstudentt:SCALE:DF"),
        ("uniform:0", "must be > 0"),
        ("lognormal:-2:0", "must be > 0"),
        ("halfcauchy:inf", "finite"),
        ("turner:pain", "turner:OUTCOME:COMPARISON"),
    ],
)
def test_bad_numbers_are_data_errors(spec, needle):
    with pytest.raises(DataError, match=needle.replace("[", r"\[")):
        parse_tau_prior(spec)


def test_mu_prior():
    assert not parse_mu_prior(None).proper
    assert parse_mu_prior("uniform").spec == "uniform"
    normal = parse_mu_prior("normal:0:4")
    assert (normal.mean, normal.sd, normal.proper, normal.spec) == (0.0, 4.0, True, "normal:0:4")
    with pytest.raises(DataError):
        parse_mu_prior("normal:0:-1")
    with pytest.raises(UnknownNameError, match="normal"):
        parse_mu_prior("cauchy:0:1")


def test_unit_information_sd_matches_bayesmeta():
    for name, data in REF["sets"].items():
        n, vi = np.atleast_1d(data["n"]), np.atleast_1d(data["vi"])
        assert unit_information_sd(n, vi) == pytest.approx(TABLES["uisd"][name], rel=1e-13)


def test_defaults_by_measure():
    for measure in ("RR", "or", "ROM", "SMD", "SMCR"):
        chosen = default_tau_prior(measure)
        assert chosen.prior.spec == "halfnormal:0.5"
        assert "Biom J 2017" in chosen.reason and "2021" in chosen.reason
    n, vi = np.array([40, 60]), np.array([4.0, 2.0])
    md = default_tau_prior("MD", n=n, vi=vi)
    assert md.prior.params[0] == pytest.approx(math.sqrt(100 / 0.75) / 2, rel=1e-15)
    assert "UISD" in md.reason
    with pytest.raises(DataError, match="sample size"):
        default_tau_prior("MC")
    with pytest.raises(UnknownNameError):
        default_tau_prior("HR")
