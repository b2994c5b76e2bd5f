# Reference values for tests/test_pooling.py: metafor 3.8.1 rma() + predict() + confint().
#
# Run from the repository root:  Rscript tests/reference/rma_pool.R
# Writes tests/reference/rma_pool_data.csv (the data sets) and tests/reference/rma_pool.json.
#
# Convergence control: metafor's defaults (threshold = 1e-5 on the change of tau^2, uniroot
# tol = .Machine$double.eps^0.25) are too loose for 1e-6 relative parity, so every fit uses
# control = list(threshold = 1e-10, maxiter = 1000, tol = 1e-12) and confint() tol = 1e-12.
#
# Data sets
#  bcg:           BCG vaccine trials, Colditz et al. (1994) JAMA 271:698-702, as metafor's
#                 dat.bcg (package metadat); log risk ratios by escalc(measure = "RR").
#  normand1999:   length of hospital stay, specialist vs routine care, Normand (1999)
#                 Stat Med 18:321-359, as metadat's dat.normand1999; mean differences ("MD").
#  k2:            two made-up studies (small-k edge case).
#  homogeneous:   five made-up studies with Q < df (tau^2 truncated at 0).
#  heterogeneous: six made-up studies with I^2 near 99%.
# predict() gives no prediction interval for EE models (pi_low/pi_high are null there);
# hairmeta reports the CI as the PI of an EE model (tau^2 = 0), which the test checks.
suppressPackageStartupMessages(library(metafor))
stopifnot(packageVersion("metafor") == "3.8.1")

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
nor <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
              n2i = n2i, data = dat.normand1999)
sets <- list(
  bcg = data.frame(study = paste(bcg$author, bcg$year), yi = c(bcg$yi), vi = bcg$vi),
  normand1999 = data.frame(study = nor$source, yi = c(nor$yi), vi = nor$vi),
  k2 = data.frame(study = c("A", "B"), yi = c(0.2, 0.9), vi = c(0.04, 0.09)),
  homogeneous = data.frame(study = paste("H", 1:5), yi = c(0.10, 0.12, 0.09, 0.11, 0.10),
                           vi = c(0.02, 0.03, 0.025, 0.04, 0.05)),
  heterogeneous = data.frame(study = paste("X", 1:6), yi = c(-1.2, 0.3, 1.5, 2.8, -0.4, 0.9),
                             vi = c(0.01, 0.02, 0.015, 0.03, 0.012, 0.05))
)
ctrl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)
methods <- c("EE", "DL", "HE", "SJ", "PM", "ML", "REML", "EB")

fits <- list()
for (name in names(sets)) {
  d <- sets[[name]]
  for (m in methods) for (test in c("z", "knha")) {
    r <- suppressWarnings(rma(yi, vi, data = d, method = m, test = test, control = ctrl))
    p <- predict(r)
    ci <- if (m == "EE") c(NA, NA) else confint(r, control = list(tol = 1e-12))$random[1, 2:3]
    fits[[length(fits) + 1]] <- list(
      dataset = name, method = m, knha = test == "knha", k = r$k,
      estimate = c(r$beta), se = r$se, stat = r$zval, p = r$pval, ci_low = r$ci.lb,
      ci_high = r$ci.ub, pi_low = if (is.null(p$pi.lb)) NA else p$pi.lb,
      pi_high = if (is.null(p$pi.ub)) NA else p$pi.ub, tau2 = r$tau2,
      tau2_ci_low = ci[[1]], tau2_ci_high = ci[[2]], i2 = r$I2, h2 = r$H2, q = r$QE,
      q_p = r$QEp)
  }
}
long <- do.call(rbind, lapply(names(sets), function(n) cbind(dataset = n, sets[[n]])))
write.csv(long, "tests/reference/rma_pool_data.csv", row.names = FALSE)
writeLines(jsonlite::toJSON(list(metafor = as.character(packageVersion("metafor")),
                                 control = ctrl, fits = fits),
                            auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "tests/reference/rma_pool.json")
