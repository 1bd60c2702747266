# Reference values for tests/test_proportions.py (analysis.stats.proportions).
# Run: Rscript tests/r/proportions.R   (base R only; R 4.2.2 produced the literals in the tests)
# Every call behind a literal in the tests is cited beside it there.
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
  invisible(if (fisher) ft$p.value else pt$p.value)  # the p-value reported: Fisher's where it is applied
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
out("small p.adjust holm (Fisher p)", p.adjust(small_p, "holm"))
compare("small 12/0 vs 7/7", cases$n12_u0, cases$n7_u7, fisher = TRUE)
# no unqualified batch in either group: X-squared is NaN in R; fisher.test's estimate 0 is an artefact
compare("small 12/0 vs 35/0", cases$n12_u0, cases$n35_u0, fisher = TRUE)


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

cat("## prop.test(x, n, correct=TRUE): Yates-corrected z-test (z = signed sqrt of X-squared)\n")
yates <- function(label, target, baseline) {
  x <- c(passed(target), passed(baseline)); n <- c(target[1], baseline[1])
  pt <- suppressWarnings(prop.test(x, n, correct = TRUE))
  out(paste0(label, " yates z"), sign(x[1] / n[1] - x[2] / n[2]) * sqrt(pt$statistic))
  out(paste0(label, " yates p"), pt$p.value)
}
yates("h1 2021 vs 2020", cases$h1_2021, cases$h1_2020)
yates("small 40/3 vs 35/0", cases$n40_u3, cases$n35_u0)
yates("small 12/0 vs 7/7", cases$n12_u0, cases$n7_u7)
yates("tiny diff 100/4 vs 101/4", c(100, 4), c(101, 4))  # |delta|/sum(1/n) < 0.5: YATES shrinks

cat("## fisher.test(matrix(c(x1, x2, n1-x1, n2-x2), 2))$conf.int (conditional MLE odds ratio interval)\n")
# fisher.test solves for the limits with uniroot's default tolerance (.Machine$double.eps^0.25, about 1e-4),
# so its conf.int is good to about 1e-4 only. fisher_limits() is fisher.test's own code for the two-sided
# limits (R 4.2.2, stats:::fisher.test, ncp.L and ncp.U) with uniroot(tol = 1e-14): the exact limits.
fisher_limits <- function(tab, conf.level = 0.95) {
  m <- sum(tab[, 1L]); n <- sum(tab[, 2L]); k <- sum(tab[1L, ]); x <- tab[1L, 1L]
  lo <- max(0L, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dnhyper <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d / sum(d) }
  pnhyper <- function(q, ncp, upper.tail = FALSE) {
    if (ncp == 1) return(if (upper.tail) phyper(x - 1, m, n, k, lower.tail = FALSE) else phyper(x, m, n, k))
    if (ncp == 0) return(as.numeric(if (upper.tail) q <= lo else q >= lo))
    if (ncp == Inf) return(as.numeric(if (upper.tail) q <= hi else q >= hi))
    sum(dnhyper(ncp)[if (upper.tail) support >= q else support <= q])
  }
  root <- function(f, interval) uniroot(f, interval, tol = 1e-14)$root
  alpha <- (1 - conf.level) / 2
  ncp.U <- if (x == hi) Inf else {
    p <- pnhyper(x, 1)
    if (p < alpha) root(function(t) pnhyper(x, t) - alpha, c(0, 1))
    else if (p > alpha) 1 / root(function(t) pnhyper(x, 1 / t) - alpha, c(.Machine$double.eps, 1)) else 1
  }
  ncp.L <- if (x == lo) 0 else {
    p <- pnhyper(x, 1, upper.tail = TRUE)
    if (p > alpha) root(function(t) pnhyper(x, t, upper.tail = TRUE) - alpha, c(0, 1))
    else if (p < alpha) 1 / root(function(t) pnhyper(x, 1 / t, upper.tail = TRUE) - alpha, c(.Machine$double.eps, 1))
    else 1
  }
  c(ncp.L, ncp.U)
}
fisher_ci <- function(label, target, baseline) {
  x <- c(passed(target), passed(baseline)); n <- c(target[1], baseline[1]); tab <- matrix(c(x, n - x), 2)
  out(paste0(label, " fisher conf.int"), fisher.test(tab)$conf.int)
  out(paste0(label, " fisher_limits"), fisher_limits(tab))
}
fisher_ci("small 40/3 vs 12/0", cases$n40_u3, cases$n12_u0)
fisher_ci("small 40/3 vs 35/0", cases$n40_u3, cases$n35_u0)
fisher_ci("small 40/3 vs pooled", cases$n40_u3, cases$n12_u0 + cases$n35_u0)
fisher_ci("small 12/0 vs 7/7", cases$n12_u0, cases$n7_u7)
fisher_ci("100/4 vs 100/5", c(100, 4), c(100, 5))
fisher_ci("2000/1 vs 2000/2", c(2000, 1), c(2000, 2))

cat("## p.adjust(p, method) for holm, hochberg, bonferroni, BH, BY\n")
adjust_cases <- list(
  unsorted = c(0.04, 0.001, 0.3, 0.02, 0.012, 0.9),
  ties = c(0.03, 0.01, 0.03, 0.03, 0.2),
  single = 0.03,
  zero_one = c(0, 1, 0.5, 0.01),
  tiny = c(1e-300, 3e-301, 0.04, 2e-300),
  with_na = c(0.01, 0.04, 0.03, NA, 0.5))
for (name in names(adjust_cases)) for (method in c("holm", "hochberg", "bonferroni", "BH", "BY"))
  out(paste0("p.adjust ", name, " ", method), p.adjust(adjust_cases[[name]], method))

# Mantel-Haenszel, 2x2xK: rows target year, baseline year; columns unqualified, qualified.
# strata: list of c(target batches, target unqualified, baseline batches, baseline unqualified).
mh_array <- function(strata) {
  array(unlist(lapply(strata, function(s) c(s[2], s[4], s[1] - s[2], s[3] - s[4]))), c(2, 2, length(strata)))
}
# Breslow-Day test of homogeneous odds ratios at the MH estimate psi (DescTools::BreslowDayTest is not
# installed; this is its formula). Per stratum with margins r1 = a + b (target batches), c1 = a + c
# (unqualified) and N, the fitted A is the root in [max(0, r1 + c1 - N), min(r1, c1)] of
#   (1 - psi) A^2 + (N - r1 - c1 + psi (r1 + c1)) A - psi r1 c1 = 0,
# V = 1 / (1/A + 1/(r1 - A) + 1/(c1 - A) + 1/(N - r1 - c1 + A)),  X2 = sum (a - A)^2 / V  on K - 1 df;
# Tarone's correction subtracts (sum a - sum A)^2 / sum V.
breslow_day <- function(x, psi, tarone = FALSE) {
  margins <- function(k) c(r1 = sum(x[1, , k]), c1 = sum(x[, 1, k]), N = sum(x[, , k]))
  # a stratum with a zero margin has no fitted table (V = 0): it has no term, and K counts the others
  keep <- Filter(function(k) { m <- margins(k); all(m[1:2] > 0 & m[1:2] < m[3]) }, seq_len(dim(x)[3]))
  A <- V <- numeric(length(keep))
  for (i in seq_along(keep)) {
    m <- margins(keep[i]); r1 <- m[["r1"]]; c1 <- m[["c1"]]; N <- m[["N"]]
    f <- function(a) (1 - psi) * a^2 + (N - r1 - c1 + psi * (r1 + c1)) * a - psi * r1 * c1
    A[i] <- uniroot(f, c(max(0, r1 + c1 - N), min(r1, c1)), tol = 1e-15 * min(r1, c1))$root
    V[i] <- 1 / (1 / A[i] + 1 / (r1 - A[i]) + 1 / (c1 - A[i]) + 1 / (N - r1 - c1 + A[i]))
  }
  X2 <- sum((x[1, 1, keep] - A)^2 / V)
  if (tarone) X2 <- X2 - (sum(x[1, 1, keep]) - sum(A))^2 / sum(V)
  c(X2, pchisq(X2, length(keep) - 1, lower.tail = FALSE))
}
mh <- function(label, strata, correct = TRUE) {
  x <- mh_array(strata); t <- mantelhaen.test(x, correct = correct)
  out(paste0(label, " mh estimate conf.int"), c(t$estimate, t$conf.int))
  out(paste0(label, " mh statistic p.value"), c(t$statistic, t$p.value))
  out(paste0(label, " crude OR"), sum(x[1, 1, ]) * sum(x[2, 2, ]) / (sum(x[1, 2, ]) * sum(x[2, 1, ])))
  out(paste0(label, " breslow-day X2 p"), breslow_day(x, t$estimate))
  out(paste0(label, " breslow-day tarone X2 p"), breslow_day(x, t$estimate, tarone = TRUE))
}
cat("## mantelhaen.test(x, correct) for x <- mh_array(strata); breslow_day() above\n")
# SYNTHETIC example district (analysis.example_district, seed 2021), FY 2021 vs 2016, the 11 food categories
# in the order 食用农产品 餐饮食品 粮食加工品 肉制品 糕点 食用油、油脂及其制品 酒类 饮料 调味品 蔬菜制品 乳制品
district_2021_2016 <- list(c(222, 8, 75, 1), c(99, 5, 34, 3), c(50, 0, 17, 0), c(53, 2, 12, 0), c(27, 0, 13, 0),
                           c(34, 0, 15, 1), c(53, 0, 21, 0), c(50, 0, 9, 0), c(42, 2, 13, 0), c(35, 0, 15, 1),
                           c(43, 0, 9, 0))
mh("district 2021 vs 2016", district_2021_2016)
# the same without the 5 strata with no unqualified batch in either year: identical MH and Breslow-Day
# results (only the crude odds ratio, which pools every batch of the strata, changes)
mh("district 2021 vs 2016 informative", district_2021_2016[c(1, 2, 4, 6, 9, 10)])
# national Q3 2021 vs Q3 2017, the categories published with counts in both: 炒货食品及坚果制品, 蔬菜制品
national_q3 <- list(c(29099, 1060, 6439, 228), c(52620, 1536, 15006, 755))
mh("national q3 2021 vs 2017", national_q3)
mh("national q3 2021 vs 2017 correct=FALSE", national_q3, correct = FALSE)
# numeric edge case: a stratum of millions (national 食用农产品 counts, FY 2022 and H2 2019) beside a tiny one
mh("millions and tiny", list(c(2665660, 96634, 1649916, 31154), c(12, 1, 7, 0), c(3, 1, 2, 1)))
# |DELTA| < 0.5: no continuity correction is applied even with correct = TRUE
mh("balanced", list(c(10, 1, 10, 1), c(10, 2, 10, 2), c(20, 3, 21, 3)))
# the target year has no unqualified batch at all: estimate 0, its interval NaN (0 * exp(NaN))
t0 <- mantelhaen.test(mh_array(list(c(40, 0, 35, 2), c(20, 0, 25, 1))))
out("no target failures mh estimate conf.int", c(t0$estimate, t0$conf.int))
out("no target failures mh statistic p.value", c(t0$statistic, t0$p.value))
