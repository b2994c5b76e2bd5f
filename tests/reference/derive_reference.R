# Reference values for evidence.derive, computed in R (base R only) from the published formulas:
#   Cochrane Handbook v6.4 ch. 6 (6.5.2.2, 6.5.2.3, 6.5.2.8, Table 6.5.a),
#   Wan et al. 2014 (BMC Med Res Methodol 14:135), Luo et al. 2018 (Stat Methods Med Res
#   27:1785), Shi et al. 2020 (Res Synth Methods 11:641).
# An independent second implementation (R's qnorm/qt) of the same formulas the Python code uses.
# Run from the repository root:  Rscript tests/reference/derive_reference.R
out <- file.path("tests", "reference", "derive_expected.csv")
xi  <- function(n) 2 * qnorm((n - 0.375) / (n + 0.25))
eta <- function(n) 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))
rows <- list()
add <- function(case, fn, args, out1, out2 = NA) {
  a <- c(args, rep(NA, 6 - length(args)))
  rows[[length(rows) + 1]] <<- data.frame(case = case, fn = fn,
    x1 = a[1], x2 = a[2], x3 = a[3], x4 = a[4], x5 = a[5], x6 = a[6], out1 = out1, out2 = out2)
}
# sd_from_se(se, n)
add("se_n25", "sd_from_se", c(1.2, 25), 1.2 * sqrt(25))
# sd_from_ci(low, high, n, level) with t (n - 1 df) and z
for (n in c(8, 25, 120)) {
  add(sprintf("ci_t_n%d", n), "sd_from_ci_t", c(10.2, 14.6, n, 95), sqrt(n) * (14.6 - 10.2) / (2 * qt(0.975, n - 1)))
  add(sprintf("ci_z_n%d", n), "sd_from_ci_z", c(10.2, 14.6, n, 95), sqrt(n) * (14.6 - 10.2) / (2 * qnorm(0.975)))
}
add("ci_t90_n12", "sd_from_ci_t", c(3, 7, 12, 90), sqrt(12) * 4 / (2 * qt(0.95, 11)))
# se_from_p(p, effect, df): t test and z test
add("p_t_df18", "se_from_p", c(0.034, 5.2, 18), 5.2 / qt(1 - 0.034 / 2, 18))
add("p_z", "se_from_p", c(0.0021, -0.8), 0.8 / qnorm(1 - 0.0021 / 2))
# median/IQR (Luo mean, Wan SD), median/range (Luo mean, Wan SD), five numbers (Luo, Shi)
for (n in c(5, 12, 40, 300)) {
  q1 <- 102; m <- 118; q3 <- 141; a <- 80; b <- 190
  w <- 0.7 + 0.39 / n
  add(sprintf("iqr_n%d", n), "median_iqr", c(q1, m, q3, n), w * (q1 + q3) / 2 + (1 - w) * m, (q3 - q1) / eta(n))
  w <- 4 / (4 + n^0.75)
  add(sprintf("range_n%d", n), "median_range", c(a, m, b, n), w * (a + b) / 2 + (1 - w) * m, (b - a) / xi(n))
  w1 <- 2.2 / (2.2 + n^0.75); w2 <- 0.7 - 0.72 / n^0.55
  ws <- 1 / (1 + 0.07 * n^0.6)
  add(sprintf("five_n%d", n), "five_numbers", c(a, q1, m, q3, b, n),
      w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m,
      ws * (b - a) / xi(n) + (1 - ws) * (q3 - q1) / eta(n))
}
# change-score SD and combined groups
for (r in c(0.2, 0.5, 0.8)) add(sprintf("change_r%.1f", r), "change_sd", c(21.4, 25.9, r), sqrt(21.4^2 + 25.9^2 - 2 * r * 21.4 * 25.9))
N <- 12 + 15; M <- (12 * 30.1 + 15 * 34.7) / N
add("combine", "combine_groups", c(12, 30.1, 6.2, 15, 34.7, 7.9), M,
    sqrt((11 * 6.2^2 + 14 * 7.9^2 + 12 * 15 / N * (30.1 - 34.7)^2) / (N - 1)))
res <- do.call(rbind, rows)
num <- sapply(res, is.numeric)
res[num] <- lapply(res[num], function(x) ifelse(is.na(x), "", sprintf("%.17g", x)))
write.csv(res, out, row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "rows to", out, "\n")
