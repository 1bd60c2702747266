# Reference values for tests/test_proportions.py (analysis.stats.proportions).
# Run: Rscript tests/r/proportions.R   (base R only; R 4.2.2 produced the literals in the tests)
# Every count is a pass count: x = qualified = batches - unqualified.
# Figures: SAMR/CFDA notices on all-levels food-safety supervision sampling (source URLs in the sampling table).

out <- function(name, value) cat(sprintf("%-34s %s\n", name, paste(sprintf("%.15g", value), collapse = " ")))

cases <- list(
  h1_2021 = c(1808640, 42412), h1_2020 = c(1380697, 29153),
  q3_2021 = c(2459894, 63611), q3_2020 = c(2234829, 49534),
  q3_2018 = c(965727, 22819), q3_2017 = c(624423, 14943),
  fy_2021 = c(6954438, 187368),
  n12_u0 = c(12, 0), n7_u7 = c(7, 7), n40_u3 = c(40, 3), n35_u0 = c(35, 0),
  n1_u0 = c(1, 0), n1_u1 = c(1, 1)
)
passed <- function(case) case[1] - case[2]

cat("## pass_rates: Wilson = prop.test(x, n, correct=FALSE)$conf.int; CP = binom.test(x, n)$conf.int\n")
for (name in names(cases)) {
  n <- cases[[name]][1]; x <- passed(cases[[name]])
  out(paste0(name, " wilson"), suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int)
  out(paste0(name, " cp"), binom.test(x, n)$conf.int)
}

# Newcombe (1998) hybrid score interval, method 10, no continuity correction:
# Newcombe RG. Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Stat Med 1998;17:873-890. Built from the prop.test Wilson limits.
newcombe <- function(x1, n1, x2, n2) {
  p1 <- x1 / n1; p2 <- x2 / n2
  w1 <- suppressWarnings(prop.test(x1, n1, correct = FALSE))$conf.int
  w2 <- suppressWarnings(prop.test(x2, n2, correct = FALSE))$conf.int
  d <- p1 - p2
  c(d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2), d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}

compare <- function(label, target, baseline, fisher = FALSE) {
  x <- c(passed(target), passed(baseline)); n <- c(target[1], baseline[1])
  pt <- suppressWarnings(prop.test(x, n, correct = FALSE))
  out(paste0(label, " diff_pp"), 100 * (x[1] / n[1] - x[2] / n[2]))
  out(paste0(label, " newcombe_pp"), 100 * newcombe(x[1], n[1], x[2], n[2]))
  out(paste0(label, " z"), sign(x[1] / n[1] - x[2] / n[2]) * sqrt(pt$statistic))
  out(paste0(label, " p"), pt$p.value)
  if (fisher) {
    ft <- fisher.test(matrix(c(x[1], x[2], n[1] - x[1], n[2] - x[2]), 2))
    out(paste0(label, " fisher_p"), ft$p.value)
    out(paste0(label, " fisher_or"), ft$estimate)
  }
  invisible(pt$p.value)
}

cat("## compare: prop.test(x, n, correct=FALSE), newcombe() above, fisher.test(matrix(c(x1, x2, n1-x1, n2-x2), 2))\n")
compare("h1 2021 vs 2020", cases$h1_2021, cases$h1_2020)
pooled <- cases$q3_2017 + cases$q3_2018 + cases$q3_2020
q3_p <- c(compare("q3 2021 vs 2017", cases$q3_2021, cases$q3_2017),
          compare("q3 2021 vs 2018", cases$q3_2021, cases$q3_2018),
          compare("q3 2021 vs 2020", cases$q3_2021, cases$q3_2020),
          compare("q3 2021 vs pooled", cases$q3_2021, pooled))
out("q3 p.adjust holm", p.adjust(q3_p, "holm"))
# district-like: 2019 12/0, 2020 35/0, 2021 40/3 (batches/unqualified)
small_p <- c(compare("small 40/3 vs 12/0", cases$n40_u3, cases$n12_u0, fisher = TRUE),
             compare("small 40/3 vs 35/0", cases$n40_u3, cases$n35_u0, fisher = TRUE),
             compare("small 40/3 vs pooled", cases$n40_u3, cases$n12_u0 + cases$n35_u0, fisher = TRUE))
out("small p.adjust holm", p.adjust(small_p, "holm"))
compare("small 12/0 vs 7/7", cases$n12_u0, cases$n7_u7, fisher = TRUE)
# no unqualified batch in either group: X-squared is NaN in R; fisher.test's estimate 0 is an artefact
compare("small 12/0 vs 35/0", cases$n12_u0, cases$n35_u0, fisher = TRUE)

cat("## holm: p.adjust(p, 'holm'); NA is left out of the family\n")
out("holm c(.01,.04,.03,NA,.5)", p.adjust(c(0.01, 0.04, 0.03, NA, 0.5), "holm"))

cat("## trend: prop.trend.test(x, n, score=years); slope_pp = 100 * weighted lm slope of x/n on years\n")
trend <- function(label, counts, years) {
  n <- sapply(counts, `[`, 1); u <- sapply(counts, `[`, 2); x <- n - u
  tt <- prop.trend.test(x, n, score = years)
  out(paste0(label, " statistic"), tt$statistic)
  out(paste0(label, " p"), tt$p.value)
  out(paste0(label, " statistic(unqual)"), prop.trend.test(u, n, score = years)$statistic)
  out(paste0(label, " slope_pp"), 100 * coef(lm(x / n ~ years, weights = n))[["years"]])
}
trend("q3 2017-2021", list(cases$q3_2017, cases$q3_2018, cases$q3_2020, cases$q3_2021), c(2017, 2018, 2020, 2021))
trend("small 2019-2021", list(cases$n12_u0, cases$n35_u0, cases$n40_u3), c(2019, 2020, 2021))
