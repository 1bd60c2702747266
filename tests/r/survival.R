# Reference values for tests/test_survival.py (analysis.stats.survival).
# Run: Rscript tests/r/survival.R   (R 4.2.2, survival 3.5.3; output pasted as literals into the Python tests)
suppressPackageStartupMessages(library(survival))
p <- function(label, x) cat(sprintf("%-48s %s\n", label, paste(sprintf("%.15g", x), collapse = " ")))

# --- Data (the same literals are in tests/test_survival.py) --------------------------------------
# A: ages at exit or censoring in days: ties, exits on the founding day (0), censorings tied with exits.
a_time  <- c(0, 0, 0, 30, 30, 45, 90, 90, 90, 120, 180, 180, 200, 365, 365, 400, 500, 730, 730, 800)
a_event <- c(1, 1, 0, 1,  0,  1,  1,  1,  0,  1,   1,   0,   1,   1,   0,   0,   1,   1,   0,   0)
# B: a cohort with no exits (all censored at the data's end).
b_time  <- c(10, 40, 40, 100, 250)
b_event <- c(0, 0, 0, 0, 0)
# C: a cohort born in the last month: at most 25 days of follow-up, one exit.
c_time  <- c(2, 5, 5, 11, 20, 25)
c_event <- c(0, 1, 0, 0, 0, 0)
# D: every entity exits, S ends at 0; S is exactly 0.5 between 2 and 3 (median midpoint).
d_time  <- c(1, 2, 3, 4)
d_event <- c(1, 1, 1, 1)

km <- function(name, time, event) {
  fit <- survfit(Surv(time, event) ~ 1)              # conf.type = "log", conf.int = 0.95 (defaults)
  s <- summary(fit, censored = TRUE)
  p(paste0(name, " time"), s$time)
  p(paste0(name, " n.risk"), s$n.risk)
  p(paste0(name, " n.event"), s$n.event)
  p(paste0(name, " surv"), s$surv)
  p(paste0(name, " std.err (summary)"), s$std.err)
  p(paste0(name, " std.err (fit, log scale)"), fit$std.err)
  p(paste0(name, " lower"), s$lower)
  p(paste0(name, " upper"), s$upper)
  q <- quantile(fit, 0.5)
  p(paste0(name, " median, lower, upper"), c(q$quantile, q$lower, q$upper))
  fit
}
fa <- km("A", a_time, a_event)
invisible(km("B", b_time, b_event))
invisible(km("C", c_time, c_event))
invisible(km("D", d_time, d_event))
# E: an exit on the founding day and one censoring: S stays at exactly 0.5 to the end (median: midpoint rule)
invisible(km("E", c(0, 243), c(1, 0)))

# survival at chosen times: summary(fa, times = c(15, 365, 365.25, 730))
s <- summary(fa, times = c(15, 365, 365.25, 730))
p("A at 15, 365, 365.25, 730: surv", s$surv)
p("A at ...: n.risk", s$n.risk)
p("A at ...: std.err", s$std.err)
p("A at ...: lower", s$lower)
p("A at ...: upper", s$upper)
# 90% interval: survfit(..., conf.int = 0.90)
f90 <- survfit(Surv(a_time, a_event) ~ 1, conf.int = 0.90)
p("A 90% lower", f90$lower)
p("A 90% upper", f90$upper)

# --- Log-rank: survdiff(Surv(time, event) ~ group) -----------------------------------------------
lr <- function(name, time, event, group) {
  d <- survdiff(Surv(time, event) ~ group)
  p(paste0(name, " obs"), d$obs)
  p(paste0(name, " exp"), d$exp)
  p(paste0(name, " var diag"), diag(d$var))
  p(paste0(name, " chisq, df, p"), c(d$chisq, length(d$n) - 1, pchisq(d$chisq, length(d$n) - 1, lower.tail = FALSE)))
  if (length(d$n) == 2) {  # O/E hazard ratio of the second group and exp(log HR -/+ z sqrt(1/E1 + 1/E2))
    hr <- (d$obs[2] / d$exp[2]) / (d$obs[1] / d$exp[1])
    p(paste0(name, " HR, lower, upper"), hr * exp(c(0, -1, 1) * qnorm(0.975) * sqrt(sum(1 / d$exp))))
  }
}
lr("A vs C", c(a_time, c_time), c(a_event, c_event), rep(c("a", "c"), c(20, 6)))
lr("A vs D", c(a_time, d_time), c(a_event, d_event), rep(c("a", "d"), c(20, 4)))
lr("A vs C vs D", c(a_time, c_time, d_time), c(a_event, c_event, d_event), rep(c("a", "c", "d"), c(20, 6, 4)))
# A cohort without exits against one with: survdiff(Surv(time, event) ~ group), B vs D
lr("B vs D", c(b_time, d_time), c(b_event, d_event), rep(c("b", "d"), c(5, 4)))

# --- Rates over an exposure (analysis.stats.rates): poisson.test ---------------------------------
r <- function(name, x, T) { t <- poisson.test(x, T); p(paste0(name, " rate, lower, upper"), c(t$estimate, t$conf.int)) }
r("rate 37 / 1250", 37, 1250)
r("rate 0 / 80.5", 0, 80.5)
rr <- function(name, x, T) {
  t <- poisson.test(x, T)
  p(paste0(name, " ratio, lower, upper, p"), c(t$estimate, t$conf.int, t$p.value))
}
rr("ratio c(37, 300) / c(1250, 8000)", c(37, 300), c(1250, 8000))
rr("ratio c(5, 0) / c(100, 400)", c(5, 0), c(100, 400))
rr("ratio c(0, 12) / c(50.5, 700.25)", c(0, 12), c(50.5, 700.25))
