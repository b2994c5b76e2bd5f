# Reference values for tests/evidence/meta/test_bayes.py: bayesmeta 3.4 (Roever C, J Stat Softw
# 2020;93(6), doi:10.18637/jss.v093.i06), the Bayesian normal-normal random-effects model computed
# by numerical integration.
#
# Run from the repository root:  Rscript tests/reference/bayesmeta_reference.R
# Writes tests/reference/bayesmeta_reference.json.  Install: see ../shared/r-packages/README.md
# (bayesmeta 3.4 and forestplot 3.1.6 from source; metafor etc. from Debian's r-cran-* packages).
#
# Accuracy: bayesmeta integrates the tau posterior with integrate() (rel.tol 1.5e-11) but
# approximates the marginal of mu (and the predictive and shrinkage distributions) by a discrete
# mixture whose accuracy is set by delta and epsilon (defaults 0.01 and 1e-4).  The references use
# delta = 0.0002 and epsilon = 2e-6, so mu-side quantiles carry errors of a few 1e-5.
# bayesmeta's shortest intervals come from optimize() at its default tolerance (about 1e-4 in the
# tail probability); the "shortest" values below are recomputed from the fit's own quantile and
# CDF functions with optimize(tol = 1e-12).
#
# Data sets (inline, with their published sources; checked against the package copies):
#  crins:       Crins ND, Roever C, Goralczyk AD, Friede T. Interleukin-2 receptor antagonists for
#               pediatric liver transplant recipients: a systematic review and meta-analysis of
#               controlled studies. Pediatr Transplant 2014;18(8):839-850 (bayesmeta's
#               CrinsEtAl2014): acute rejection, log odds ratios by escalc(measure = "OR").
#  rubin1981:   Rubin DB. Estimation in parallel randomized experiments. J Educ Stat
#               1981;6(4):377-401 (the eight schools; bayesmeta's Rubin1981): effects, standard
#               errors and sample sizes.
#  bcg:         BCG vaccine trials, Colditz GA et al. JAMA 1994;271:698-702, as metafor's dat.bcg
#               (package metadat); log risk ratios by escalc(measure = "RR").
#  k1:          one made-up study.
#  k2_unequal:  two made-up studies with variances 500-fold apart.
#  homogeneous: five made-up studies with Q < df: the posterior of tau piles up at 0.
suppressPackageStartupMessages({ library(bayesmeta); library(metafor) })
stopifnot(packageVersion("bayesmeta") == "3.4")
DELTA <- 0.0002
EPSILON <- 2e-6

crins_raw <- data.frame(
  publication = c("Heffron (2003)", "Gibelli (2004)", "Schuller (2005)", "Ganschow (2005)",
                  "Spada (2006)", "Gras (2008)"),
  exp.AR.events = c(14, 16, 3, 9, 4, 0), exp.total = c(61, 28, 18, 54, 36, 50),
  cont.AR.events = c(15, 19, 8, 29, 11, 3), cont.total = c(20, 28, 12, 54, 36, 34))
data("CrinsEtAl2014", package = "bayesmeta")
stopifnot(all.equal(crins_raw, CrinsEtAl2014[, names(crins_raw)], check.attributes = FALSE))
crins <- escalc(measure = "OR", ai = exp.AR.events, n1i = exp.total, ci = cont.AR.events,
                n2i = cont.total, slab = publication, data = crins_raw)

rubin <- data.frame(school = c("A", "B", "C", "D", "E", "F", "G", "H"),
                    n = c(50, 79, 39, 91, 99, 72, 94, 35),
                    effect = c(28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16),
                    stderr = c(14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6))
data("Rubin1981", package = "bayesmeta")
stopifnot(all.equal(rubin, Rubin1981, check.attributes = FALSE))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)

sets <- list(
  crins = list(labels = as.character(crins_raw$publication), yi = c(crins$yi), vi = crins$vi,
               n = crins_raw$exp.total + crins_raw$cont.total),
  rubin1981 = list(labels = rubin$school, yi = rubin$effect, vi = rubin$stderr^2, n = rubin$n),
  bcg = list(labels = paste(bcg$author, bcg$year), yi = c(bcg$yi), vi = bcg$vi,
             n = bcg$tpos + bcg$tneg + bcg$cpos + bcg$cneg),
  k1 = list(labels = "only", yi = 0.3, vi = 0.05, n = 40),
  k2_unequal = list(labels = c("big", "small"), yi = c(0.2, 1.4), vi = c(0.001, 0.5), n = c(2000, 8)),
  homogeneous = list(labels = paste("H", 1:5), yi = c(0.10, 0.12, 0.09, 0.11, 0.10),
                     vi = c(0.02, 0.03, 0.025, 0.04, 0.05), n = c(200, 130, 160, 100, 80))
)

# A prior spec in hairmeta's syntax -> bayesmeta's density of tau.
tau_density <- function(spec) {
  p <- strsplit(spec, ":", fixed = TRUE)[[1]]
  x <- suppressWarnings(as.numeric(p[-1]))
  switch(p[1],
    halfnormal = function(t) dhalfnormal(t, scale = x[1]),
    halfcauchy = function(t) dhalfcauchy(t, scale = x[1]),
    halfstudentt = function(t) dhalft(t, df = x[2], scale = x[1]),
    uniform = function(t) dunif(t, 0, x[1]),
    lognormal = function(t) dlnorm(t, meanlog = x[1] / 2, sdlog = x[2] / 2),
    turner = TurnerEtAlPrior(outcome = "surgical / device related success / failure",
                             comparator1 = "pharmacological", comparator2 = "placebo / control")$dprior,
    turnerany = TurnerEtAlPrior()$dprior,
    rhodes = RhodesEtAlPrior(outcome = "various subjectively measured outcomes",
                             comparator1 = "non-pharmacological",
                             comparator2 = "placebo / control")$dprior,
    rhodesany = RhodesEtAlPrior()$dprior,
    stop("unknown spec ", spec))
}
# the specs as hairmeta writes them
HAIRMETA_SPEC <- c(turner = "turner:surgical-device:pharma-placebo", turnerany = "turner",
                   rhodes = "rhodes:subjective:nonpharma:other", rhodesany = "rhodes")

tight_shortest <- function(fit, level, kind) {
  q <- switch(kind,
    mu = function(p) fit$qposterior(mu.p = p), pred = function(p) fit$qposterior(mu.p = p, predict = TRUE),
    tau = function(p) fit$qposterior(tau.p = p))
  cdf <- switch(kind,
    mu = function(x) fit$pposterior(mu = x), pred = function(x) fit$pposterior(mu = x, predict = TRUE),
    tau = function(x) fit$pposterior(tau = x))
  width <- function(p) q(p + level) - q(p)
  opt <- optimize(width, lower = 0, upper = 1 - level, tol = 1e-12)$minimum
  if (kind == "tau" && width(0) <= width(opt)) return(c(0, q(level)))
  c(q(opt), q(opt + level))
}

fit_one <- function(name, spec, level = 0.95, mu_prior = NULL, mid = NULL, uisd_scale = FALSE) {
  d <- sets[[name]]
  if (uisd_scale) spec <- sprintf("halfnormal:%.17g", uisd(n = d$n, sigma2 = d$vi) / 2)
  mp <- if (is.null(mu_prior)) c(NA, NA) else mu_prior
  t0 <- proc.time()[["elapsed"]]
  fit <- bayesmeta(d$yi, sqrt(d$vi), labels = d$labels, tau.prior = tau_density(spec),
                   mu.prior.mean = mp[1], mu.prior.sd = mp[2], interval.type = "central",
                   delta = DELTA, epsilon = EPSILON)
  seconds <- proc.time()[["elapsed"]] - t0
  a <- (1 - level) / 2
  mu_ci <- fit$post.interval(mu.level = level, method = "central")
  tau_ci <- fit$post.interval(tau.level = level, method = "central")
  pi_ci <- fit$post.interval(mu.level = level, method = "central", predict = TRUE)
  theta <- fit$theta
  shr <- sapply(seq_along(d$yi), function(i) fit$post.interval(mu.level = level, individual = i,
                                                               method = "central"))
  out <- list(
    dataset = name, tau_prior = if (spec %in% names(HAIRMETA_SPEC)) HAIRMETA_SPEC[[spec]] else spec,
    mu_prior = if (is.null(mu_prior)) "uniform" else sprintf("normal:%g:%g", mu_prior[1], mu_prior[2]),
    level = 100 * level, uisd_default = uisd_scale,
    mu_median = fit$summary["median", "mu"], mu_mean = fit$summary["mean", "mu"],
    mu_sd = fit$summary["sd", "mu"], mu_ci_low = mu_ci[1], mu_ci_high = mu_ci[2],
    tau_median = fit$summary["median", "tau"], tau_ci_low = tau_ci[1], tau_ci_high = tau_ci[2],
    pi_median = fit$summary["median", "theta"], pi_low = pi_ci[1], pi_high = pi_ci[2],
    prob_positive = 1 - fit$pposterior(mu = 0),
    theta_mean = unname(theta["mean", ]), theta_median = unname(theta["median", ]),
    theta_low = unname(shr[1, ]), theta_high = unname(shr[2, ]),
    bayesmeta_seconds = seconds)
  if (!is.null(mid)) { out$mid <- mid; out$prob_above_mid <- 1 - fit$pposterior(mu = mid) }
  if (level == 0.95 && name %in% c("crins", "rubin1981", "homogeneous", "k2_unequal")) {
    out$shortest <- list(mu = tight_shortest(fit, level, "mu"), tau = tight_shortest(fit, level, "tau"),
                         pi = tight_shortest(fit, level, "pred"))
  }
  cat(sprintf("%-12s %-40s %6.1f s\n", name, out$tau_prior, seconds))
  out
}

cases <- list(
  list("crins", "turner"),
  list("crins", "halfcauchy:1"),
  list("crins", "halfnormal:0.5", mid = -0.5),
  list("rubin1981", "halfcauchy:25"),
  list("rubin1981", "", uisd_scale = TRUE),
  list("rubin1981", "uniform:50", level = 0.9),
  list("bcg", "halfnormal:0.5"),
  list("bcg", "halfcauchy:0.5", mu_prior = c(0, 4)),
  list("bcg", "turnerany"),
  list("k1", "halfnormal:0.5"),
  list("k1", "halfcauchy:0.5"),
  list("k1", "turnerany"),
  list("k1", "rhodesany"),
  list("k1", "halfnormal:0.5", mu_prior = c(0, 1)),
  list("k2_unequal", "halfnormal:0.5"),
  list("k2_unequal", "halfstudentt:0.5:3"),
  list("k2_unequal", "lognormal:-2.5:1.5", level = 0.8),
  list("homogeneous", "halfnormal:0.5"),
  list("homogeneous", "rhodes"),
  list("homogeneous", "halfnormal:0.05")
)
# bayesmeta stops on some heavy-tailed priors at these accuracies ("the integral is probably
# divergent" while bracketing the 1 - epsilon quantile of tau); such cases are recorded with the
# error and checked in Python against closed forms and independent quadrature instead.
fits <- lapply(cases, function(a) tryCatch(do.call(fit_one, a), error = function(e) {
  cat(sprintf("%-12s %-40s bayesmeta error: %s\n", a[[1]], a[[2]], conditionMessage(e)))
  list(dataset = a[[1]], tau_prior = if (a[[2]] %in% names(HAIRMETA_SPEC)) HAIRMETA_SPEC[[a[[2]]]] else a[[2]],
       bayesmeta_error = conditionMessage(e))
}))

# the informative priors' tables as bayesmeta stores them (for the transcription test)
turner <- TurnerEtAlParameters
rhodes <- RhodesEtAlParameters
tables <- list(
  turner_mu = unname(turner[, , "mu"]), turner_sigma = unname(turner[, , "sigma"]),
  rhodes_location = lapply(dimnames(rhodes)[[4]], function(a) unname(rhodes[, , "location", a])),
  rhodes_scale = lapply(dimnames(rhodes)[[4]], function(a) unname(rhodes[, , "scale", a])),
  turner_any = unname(TurnerEtAlPrior()$parameters["tau^2", ]),
  rhodes_any = unname(RhodesEtAlPrior()$parameters["tau^2", ]),
  uisd = lapply(sets, function(d) uisd(n = d$n, sigma2 = d$vi)))

writeLines(jsonlite::toJSON(list(bayesmeta = as.character(packageVersion("bayesmeta")),
                                 delta = DELTA, epsilon = EPSILON, sets = sets, fits = fits,
                                 tables = tables),
                            auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "tests/reference/bayesmeta_reference.json")
