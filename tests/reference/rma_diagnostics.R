# Reference values for tests/test_diagnostics.py: metafor 3.8.1 leave1out(), cumul(),
# regtest(), ranktest(), trimfill(), rma(mods = ...) and per-subgroup rma() fits.
#
# Run from the repository root:  Rscript tests/reference/rma_diagnostics.R
# Writes tests/reference/rma_diagnostics_data.csv and tests/reference/rma_diagnostics.json.
# Convergence control as in rma_pool.R: control = list(threshold = 1e-10, maxiter = 1000,
# tol = 1e-12) (metafor's default threshold 1e-5 is too loose for 1e-6 relative parity).
#
# Data sets
#  bcg:       BCG vaccine trials, Colditz et al. (1994) JAMA 271:698-702 (metadat dat.bcg),
#             log risk ratios (escalc "RR"); moderators ablat (absolute latitude), year, alloc.
#  hackshaw:  environmental tobacco smoke and lung cancer, Hackshaw et al. (1997) BMJ
#             315:980-988 (metadat dat.hackshaw1998), log odds ratios as given (yi, vi).
suppressPackageStartupMessages(library(metafor))
stopifnot(packageVersion("metafor") == "3.8.1")
ctrl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
sets <- list(
  bcg = data.frame(study = paste(bcg$author, bcg$year), yi = c(bcg$yi), vi = bcg$vi,
                   year = bcg$year, ablat = bcg$ablat, alloc = bcg$alloc),
  hackshaw = data.frame(study = paste(dat.hackshaw1998$author, dat.hackshaw1998$year),
                        yi = dat.hackshaw1998$yi, vi = dat.hackshaw1998$vi,
                        year = dat.hackshaw1998$year, ablat = NA, alloc = NA)
)

sweep <- function(s) list(estimate = s$estimate, se = s$se, stat = s$zval, p = s$pval,
                          ci_low = s$ci.lb, ci_high = s$ci.ub, q = s$Q, q_p = s$Qp,
                          tau2 = s$tau2, i2 = s$I2, h2 = s$H2)
out <- list()
for (name in names(sets)) {
  d <- sets[[name]]
  for (m in c("EE", "DL", "REML", "PM")) for (test in c("z", "knha")) {
    r <- suppressWarnings(rma(yi, vi, data = d, method = m, test = test, control = ctrl))
    l1 <- suppressWarnings(leave1out(r))
    cu <- suppressWarnings(cumul(r, order = d$year))
    rt <- suppressWarnings(regtest(r))
    rk <- suppressWarnings(ranktest(r))
    tf <- suppressWarnings(trimfill(r, control = ctrl))
    filled <- tf$fill
    case <- list(dataset = name, method = m, knha = test == "knha",
      leave1out = sweep(l1), cumul = c(sweep(cu), list(order = d$study[order(d$year)])),
      regtest = list(stat = rt$zval, p = rt$pval, estimate = c(rt$est), ci_low = rt$ci.lb,
                     ci_high = rt$ci.ub),
      ranktest = list(tau = c(rk$tau), p = rk$pval),
      trimfill = list(k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side,
                      filled_yi = c(tf$yi[filled]), filled_vi = tf$vi[filled],
                      estimate = c(tf$beta), se = tf$se, tau2 = tf$tau2, ci_low = tf$ci.lb,
                      ci_high = tf$ci.ub))
    if (name == "bcg") {
      mr <- suppressWarnings(rma(yi, vi, mods = ~ ablat + year, data = d, method = m,
                                 test = test, control = ctrl))
      case$metareg <- list(estimate = c(mr$beta), se = mr$se, stat = mr$zval, p = mr$pval,
        ci_low = mr$ci.lb, ci_high = mr$ci.ub, qm = mr$QM, qm_p = mr$QMp, qe = mr$QE,
        qe_p = mr$QEp, tau2 = mr$tau2, i2 = mr$I2, h2 = mr$H2, r2 = if (is.null(mr$R2)) NA else mr$R2)
      fa <- suppressWarnings(rma(yi, vi, mods = ~ factor(alloc), data = d, method = m,
                                 test = test, control = ctrl))
      levs <- sort(unique(d$alloc))
      per <- lapply(levs, function(a) suppressWarnings(rma(yi, vi, data = d, subset = alloc == a,
                                                           method = m, test = test, control = ctrl)))
      est <- sapply(per, function(x) c(x$beta)); se <- sapply(per, function(x) x$se)
      qb <- rma(est, sei = se, method = "EE")
      case$subgroups <- list(levels = levs, estimate = est, se = se,
        tau2 = sapply(per, function(x) x$tau2), q_between = qb$QE, q_between_p = qb$QEp,
        qm_common_tau2 = fa$QM, qm_common_tau2_p = fa$QMp)
    }
    out[[length(out) + 1]] <- case
  }
}
long <- do.call(rbind, lapply(names(sets), function(n) cbind(dataset = n, sets[[n]])))
write.csv(long, "tests/reference/rma_diagnostics_data.csv", row.names = FALSE)
writeLines(jsonlite::toJSON(list(metafor = as.character(packageVersion("metafor")),
                                 control = ctrl, cases = out),
                            auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "tests/reference/rma_diagnostics.json")
