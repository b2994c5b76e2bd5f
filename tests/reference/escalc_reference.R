# Reference values for evidence.measures: metafor::escalc (metafor 3.8-1) on random inputs.
#
# Run from the repository root:   Rscript tests/reference/escalc_reference.R
# Writes tests/reference/escalc_<family>_inputs.csv (one per input family) and
# tests/reference/escalc_expected.csv (family, row, measure, options, yi, vi).
# Numbers are written with 17 significant digits so the Python tests can check 1e-10 relative.
# Inputs include edge cases on purpose: n = 1 per group (no bias correction possible),
# zero SDs, negative means (ROM), zero cells, double-zero tables, all-event groups, r = 1.

suppressPackageStartupMessages(library(metafor))
stopifnot(packageVersion("metafor") == "3.8.1")
set.seed(20240519)
out_dir <- file.path("tests", "reference")

fmt <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))

write_inputs <- function(dat, family) {
  dat <- data.frame(row = seq_len(nrow(dat)), dat)
  for (col in names(dat)[-1]) dat[[col]] <- fmt(dat[[col]])
  write.csv(dat, file.path(out_dir, sprintf("escalc_%s_inputs.csv", family)),
            row.names = FALSE, quote = FALSE)
}

# ---- two independent groups, means (MD, SMD, SMDH, ROM)
k <- 60
means <- data.frame(
  m1i = round(runif(k, 5, 200), 2), sd1i = round(runif(k, 0.5, 40), 2), n1i = sample(2:60, k, TRUE),
  m2i = round(runif(k, 5, 200), 2), sd2i = round(runif(k, 0.5, 40), 2), n2i = sample(2:60, k, TRUE))
means$n1i[1:2] <- 1; means$n2i[1:2] <- 1          # m = n1 + n2 - 2 = 0: c(m) undefined
means$n1i[3] <- 2; means$n2i[3] <- 2              # m = 2, smallest defined
means$sd1i[4] <- 0; means$sd2i[4] <- 0            # zero SDs: d infinite
means$m1i[5] <- -12.5                              # negative mean: ROM undefined
means$m1i[6] <- means$m2i[6]                       # no difference

# ---- one group, two occasions (MC, SMCC, SMCR)
paired <- data.frame(
  m1i = round(rnorm(k, 60, 20), 2), m2i = round(rnorm(k, 50, 20), 2),
  sd1i = round(runif(k, 0.5, 30), 2), sd2i = round(runif(k, 0.5, 30), 2),
  ni = sample(2:60, k, TRUE), ri = round(runif(k, -0.9, 0.95), 3))
paired$ni[1] <- 1                                  # n - 1 = 0: c(m) undefined
paired$ri[2] <- 1; paired$sd2i[2] <- paired$sd1i[2] # change SD exactly 0
paired$ri[3] <- 0; paired$ri[4] <- -1

# ---- 2x2 tables (RR, OR, RD)
k2 <- 80
n1i <- sample(1:120, k2, TRUE); n2i <- sample(1:120, k2, TRUE)
ai <- rbinom(k2, n1i, runif(k2, 0.02, 0.9)); ci <- rbinom(k2, n2i, runif(k2, 0.02, 0.9))
ai[1:4] <- 0; ci[3:6] <- 0                         # single and double zeros
ai[7] <- n1i[7]; ci[8] <- n2i[8]                   # all events in one group
ai[9] <- n1i[9]; ci[9] <- n2i[9]                   # all events in both groups
tables <- data.frame(ai = ai, bi = n1i - ai, ci = ci, di = n2i - ci, n1i = n1i, n2i = n2i)

# ---- single proportions (PR, PLO, PAS, PFT)
ni <- sample(1:150, k, TRUE)
xi <- rbinom(k, ni, runif(k, 0.01, 0.95))
xi[1:3] <- 0; xi[4:5] <- ni[4:5]
props <- data.frame(xi = xi, ni = ni, mi = ni - xi)

write_inputs(means, "means"); write_inputs(paired, "paired")
write_inputs(tables, "tables"); write_inputs(props, "proportions")

# ---- expected values for each (family, measure, options) case
cases <- list(
  list("means", "MD", list()), list("means", "MD", list(vtype = "HO")),
  list("means", "SMD", list()), list("means", "SMD", list(vtype = "UB")),
  list("means", "SMD", list(vtype = "LS2")), list("means", "SMDH", list()),
  list("means", "ROM", list()), list("means", "ROM", list(vtype = "HO")),
  list("paired", "MC", list()), list("paired", "SMCC", list()),
  list("paired", "SMCC", list(vtype = "LS2")), list("paired", "SMCR", list()),
  list("paired", "SMCR", list(vtype = "LS2")),
  list("tables", "RR", list()), list("tables", "OR", list()), list("tables", "RD", list()),
  list("tables", "RD", list(vtype = "UB")), list("tables", "OR", list(to = "all")),
  list("tables", "RR", list(to = "if0all")), list("tables", "OR", list(drop00 = TRUE)),
  list("tables", "RR", list(add = 0)), list("tables", "RD", list(to = "none")),
  list("tables", "OR", list(add = 1)),
  list("proportions", "PR", list()), list("proportions", "PR", list(vtype = "UB")),
  list("proportions", "PLO", list()), list("proportions", "PAS", list()),
  list("proportions", "PFT", list()), list("proportions", "PLO", list(to = "all")),
  list("proportions", "PAS", list(add = 0.5)), list("proportions", "PR", list(to = "none")))

data_of <- list(means = means, paired = paired, tables = tables, props = props)
data_of$proportions <- props
args_of <- function(family, d) switch(family,
  means = list(m1i = d$m1i, sd1i = d$sd1i, n1i = d$n1i, m2i = d$m2i, sd2i = d$sd2i, n2i = d$n2i),
  paired = list(m1i = d$m1i, m2i = d$m2i, sd1i = d$sd1i, sd2i = d$sd2i, ni = d$ni, ri = d$ri),
  tables = list(ai = d$ai, bi = d$bi, ci = d$ci, di = d$di),
  proportions = list(xi = d$xi, ni = d$ni))

rows <- list()
for (case in cases) {
  family <- case[[1]]; measure <- case[[2]]; opts <- case[[3]]
  d <- data_of[[family]]
  res <- suppressWarnings(do.call(escalc, c(list(measure = measure), args_of(family, d), opts)))
  opt_text <- if (length(opts)) paste(names(opts), sapply(opts, as.character), sep = "=", collapse = ";") else ""
  rows[[length(rows) + 1]] <- data.frame(
    family = family, row = seq_len(nrow(d)), measure = measure, options = opt_text,
    yi = fmt(as.vector(res$yi)), vi = fmt(as.vector(res$vi)))
}
expected <- do.call(rbind, rows)
write.csv(expected, file.path(out_dir, "escalc_expected.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", nrow(expected), "expected rows for", length(cases), "cases\n")
