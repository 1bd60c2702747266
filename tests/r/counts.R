# Reference values for tests/test_counts.py (analysis.stats.counts).
# Run: Rscript tests/r/counts.R   (R 4.2.2, MASS 7.3; output pasted as literals into the Python tests)
suppressPackageStartupMessages(library(MASS))
p <- function(label, x) cat(sprintf("%-55s %s\n", label, paste(sprintf("%.15g", x), collapse = " ")))

# --- Data --------------------------------------------------------------------------------------
# Fujian patents granted 2015-2021 (福建统计年鉴2022 表16-5).
years <- 2015:2021
fujian <- list(
  invention     = c(5730, 7170, 8718, 9858, 8963, 10250, 12561),
  utility_model = c(34086, 42110, 39608, 67822, 61530, 99956, 105267),
  design        = c(21805, 17862, 19978, 24942, 28462, 35723, 35986),
  total         = c(61621, 67142, 68304, 102622, 98955, 145929, 153814))
# China utility-model grants (CNIPA): 2016 exact, 2020 rounded 237.7万, 2021 and 2022 exact; 2017-2019 gap.
cn_util_years <- c(2016, 2020, 2021, 2022)
cn_util <- c(903420, 2377000, 3119990, 2804155)
# China invention grants 2015-2020 rounded (35.9万 ... 53.0万), 2021 exact.
cn_inv <- c(359000, 404000, 420000, 432000, 453000, 530000, 695946)
# Illustrative district series 2017-2021 and a rare category with zeros 2016-2021.
district <- c(120, 135, 160, 150, 190); district_years <- 2017:2021
rare <- c(0, 2, 1, 3, 4, 7); rare_years <- 2016:2021

# --- growth_table: year-on-year and annualised growth ------------------------------------------
for (s in names(fujian)) { x <- fujian[[s]]; p(paste0("yoy ", s, " 2016..2021"), x[-1] / x[-7] - 1) }
p("annualised cn_util 2016->2020: (2377000/903420)^(1/4)-1", (2377000 / 903420)^(1 / 4) - 1)
p("yoy cn_util 2021, 2022", c(3119990 / 2377000 - 1, 2804155 / 3119990 - 1))

# --- cagr over the baseline 2015-2020 ----------------------------------------------------------
for (s in names(fujian)) { x <- fujian[[s]]; p(paste0("cagr ", s, " 2015-2020"), (x[6] / x[1])^(1 / 5) - 1) }

# --- target 2021 growth vs mean/sd of baseline 2016..2020 growth (pairs inside 2015-2020) -------
for (s in names(fujian)) {
  x <- fujian[[s]]; g <- x[2:6] / x[1:5] - 1
  p(paste0("tvb ", s, " target, mean(g), sd(g), diff_pp"),
    c(x[7] / x[6] - 1, mean(g), sd(g), 100 * (x[7] / x[6] - 1 - mean(g))))
}
# gap: China utility baseline 2016, 2020, 2021 has only one consecutive pair (2020->2021)
p("tvb cn_util target 2022, mean(g) n=1", c(2804155 / 3119990 - 1, 3119990 / 2377000 - 1))

# --- rate ratios: exact Poisson test, conditional on the total ----------------------------------
rr <- function(label, x1, x0) {
  t <- poisson.test(c(x1, x0), c(1, 1))
  p(paste0("rr ", label, " estimate, conf.int, p.value"), c(t$estimate, t$conf.int, t$p.value))
}
rr("cn invention 2022/2021", 798347, 695946)   # poisson.test(c(798347, 695946), c(1, 1))
rr("cn utility 2022/2021", 2804155, 3119990)   # poisson.test(c(2804155, 3119990), c(1, 1))
rr("fujian invention 2021/2020", 12561, 10250) # poisson.test(c(12561, 10250), c(1, 1))
rr("district 2021/2020", 190, 150)             # poisson.test(c(190, 150), c(1, 1))
rr("district 2020/2019", 150, 160)             # poisson.test(c(150, 160), c(1, 1))
rr("zero 0/4", 0, 4)                           # poisson.test(c(0, 4), c(1, 1))
rr("from zero 7/0", 7, 0)                      # poisson.test(c(7, 0), c(1, 1))
t90 <- poisson.test(c(190, 150), c(1, 1), conf.level = 0.9)
p("rr district 2021/2020 conf.level=0.9 conf.int", t90$conf.int)
# unequal exposures: poisson.test(c(x1, x0), T = c(T1, T0)), rate ratio (x1/T1) / (x0/T0)
rr_t <- function(label, x1, x0, T1, T0) {
  t <- poisson.test(c(x1, x0), T = c(T1, T0))
  p(paste0("rr ", label, " estimate, conf.int, p.value"), c(t$estimate, t$conf.int, t$p.value))
}
# SYNTHETIC example-district-like: 190 grants on 1.52 (x 10,000 entities) vs 150 on 1.31
rr_t("exposure 190/1.52 vs 150/1.31", 190, 150, 1.52, 1.31)
rr_t("exposure 53 weeks vs 52 weeks", 12561, 10250, 53, 52)  # years of unequal length
rr_t("exposure 0/2 vs 4/1", 0, 4, 2, 1)
rr_t("exposure 7/0.5 vs 0/3", 7, 0, 0.5, 3)
rr_t("exposure 798347/1.7 vs 695946/1.5", 798347, 695946, 1.7, 1.5)

# --- log-linear trend on the baseline, quasi-Poisson and negative binomial ---------------------
# PI formula (see analysis.stats.counts.loglinear_trend):
#   v = se.fit^2 / dispersion (unit-dispersion variance of the log mean), phi* = max(phi, 1)
#   sd = sqrt(phi* * (mu + mu^2 v)),  PI = max(0, mu -/+ qt(0.975, df.residual) * sd),  z = (obs - mu)/sd
# One rule: every SE and band uses phi*, so below phi = 1 the SEs printed are R's quasipoisson SEs times
# sqrt(phi* / phi), i.e. the family = poisson SEs.
trend_qp <- function(label, yrs, y, target, obs) {
  d <- data.frame(y = y, year = yrs); cen <- mean(yrs)
  fit <- glm(y ~ I(year - cen), family = quasipoisson, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
  s <- summary(fit); phi <- s$dispersion; dfr <- fit$df.residual
  pr <- predict(fit, newdata = data.frame(year = target), type = "link", se.fit = TRUE)
  mu <- exp(pr$fit); v <- pr$se.fit^2 / phi; sd <- sqrt(max(phi, 1) * (mu + mu^2 * v))
  q <- qt(0.975, dfr); z <- (obs - mu) / sd; floor <- sqrt(max(phi, 1) / phi)  # SEs at phi* = max(phi, 1)
  p(paste0("qp ", label, " slope, se(slope), phi, df"), c(coef(fit)[2], s$coefficients[2, 2] * floor, phi, dfr))
  p(paste0("qp ", label, " mu, se.fit(link)"), c(mu, pr$se.fit * floor))
  p(paste0("qp ", label, " pi_low, pi_high, z, p"),
    c(max(0, mu - q * sd), mu + q * sd, z, 2 * pt(-abs(z), dfr)))
}
for (s in names(fujian)) trend_qp(paste("fujian", s), 2015:2020, fujian[[s]][1:6], 2021, fujian[[s]][7])
trend_qp("district", 2017:2020, district[1:4], 2021, 190)
trend_qp("rare zeros", 2016:2020, rare[1:5], 2021, 7)
trend_qp("cn_util gap", c(2016, 2020, 2021), cn_util[1:3], 2022, 2804155)
trend_qp("cn_inv", 2015:2020, cn_inv[1:6], 2021, 695946)
# two baseline years: exact fit, residual df 0, dispersion NaN
fit2 <- glm(y ~ I(year - 2019.5), family = quasipoisson, data = data.frame(y = c(160, 150), year = 2019:2020))
p("qp district 2019-2020: slope, dispersion, df", c(coef(fit2)[2], summary(fit2)$dispersion, fit2$df.residual))
p("qp district 2019-2020: mu 2021", predict(fit2, data.frame(year = 2021), type = "response"))

trend_nb <- function(label, yrs, y, target, obs) {
  d <- data.frame(y = y, year = yrs); cen <- mean(yrs)
  fit <- glm.nb(y ~ I(year - cen), data = d, control = glm.control(epsilon = 1e-10, maxit = 100))
  s <- summary(fit); dfr <- fit$df.residual
  pr <- predict(fit, newdata = data.frame(year = target), type = "link", se.fit = TRUE)
  mu <- exp(pr$fit); sd <- sqrt(mu + mu^2 / fit$theta + mu^2 * pr$se.fit^2)
  q <- qt(0.975, dfr); z <- (obs - mu) / sd
  p(paste0("nb ", label, " slope, se(slope), theta"), c(coef(fit)[2], s$coefficients[2, 2], fit$theta))
  p(paste0("nb ", label, " mu, se.fit(link)"), c(mu, pr$se.fit))
  p(paste0("nb ", label, " pi_low, pi_high, z, p"),
    c(max(0, mu - q * sd), mu + q * sd, z, 2 * pt(-abs(z), dfr)))
}
for (s in names(fujian)) trend_nb(paste("fujian", s), 2015:2020, fujian[[s]][1:6], 2021, fujian[[s]][7])
trend_nb("cn_inv", 2015:2020, cn_inv[1:6], 2021, 695946)
# 3 points, 1 residual df: glm.nb warns "alternation limit reached", but its estimates are the same with
# maxit = 100, 1000 and 5000 (checked), and equal analysis.stats.counts to 1e-10.
trend_nb("cn_util gap", c(2016, 2020, 2021), cn_util[1:3], 2022, 2804155)
# No overdispersion (sum((y - mu)^2 - y) <= 0 under the Poisson fit): glm.nb runs theta up to ~5e6 with
# "iteration limit reached"; analysis.stats.counts takes theta = Inf and uses the Poisson fit, whose
# prediction sd is sqrt(mu + mu^2 se.fit^2).
trend_pois <- function(label, yrs, y, target, obs) {
  d <- data.frame(y = y, year = yrs); cen <- mean(yrs)
  fit <- glm(y ~ I(year - cen), family = poisson, data = d, control = glm.control(epsilon = 1e-14))
  mu0 <- fitted(fit)
  pr <- predict(fit, newdata = data.frame(year = target), type = "link", se.fit = TRUE)
  mu <- exp(pr$fit); sd <- sqrt(mu + mu^2 * pr$se.fit^2); q <- qt(0.975, fit$df.residual)
  p(paste0("pois ", label, " sum((y-mu)^2 - y)"), sum((y - mu0)^2 - y))
  p(paste0("pois ", label, " slope, se(slope), mu, se.fit"), c(coef(fit)[2], summary(fit)$coefficients[2, 2], mu, pr$se.fit))
  p(paste0("pois ", label, " pi_low, pi_high, z"), c(max(0, mu - q * sd), mu + q * sd, (obs - mu) / sd))
  nb <- suppressWarnings(glm.nb(y ~ I(year - cen), data = d))
  p(paste0("glm.nb ", label, " theta (diverges)"), nb$theta)
}
trend_pois("district", 2017:2020, district[1:4], 2021, 190)
trend_pois("rare zeros", 2016:2020, rare[1:5], 2021, 7)

# --- trend_predictions: the same fits evaluated at any years -----------------------------------
# mu = exp(fit), se = se.fit (link) from predict(fit, newdata, type = "link", se.fit = TRUE);
# confidence band of the mean: exp(fit -/+ qt(0.975, df.residual) * se.fit);
# prediction interval: the PI formula above at every year (v = se.fit^2 / dispersion for quasi-Poisson).
pred_out <- function(label, mu, se, q, sd) {
  p(paste0(label, " mu"), mu)
  p(paste0(label, " se.fit(link)"), se)
  p(paste0(label, " ci_low, ci_high (mean)"), c(exp(log(mu) - q * se), exp(log(mu) + q * se)))
  p(paste0(label, " pi_low, pi_high"), c(pmax(0, mu - q * sd), mu + q * sd))
}
pred_qp <- function(label, yrs, y, at) {
  d <- data.frame(y = y, year = yrs); cen <- mean(yrs)
  fit <- glm(y ~ I(year - cen), family = quasipoisson, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
  phi <- summary(fit)$dispersion
  pr <- predict(fit, newdata = data.frame(year = at), type = "link", se.fit = TRUE)
  se <- pr$se.fit * sqrt(max(phi, 1) / phi)  # phi* = max(phi, 1) for the mean's band too
  mu <- exp(pr$fit); sd <- sqrt(max(phi, 1) * mu + mu^2 * se^2)
  pred_out(paste0("pred qp ", label), mu, se, qt(0.975, fit$df.residual), sd)
}
pred_nb <- function(label, yrs, y, at) {
  d <- data.frame(y = y, year = yrs); cen <- mean(yrs)
  fit <- glm.nb(y ~ I(year - cen), data = d, control = glm.control(epsilon = 1e-10, maxit = 100))
  pr <- predict(fit, newdata = data.frame(year = at), type = "link", se.fit = TRUE)
  mu <- exp(pr$fit); sd <- sqrt(mu + mu^2 / fit$theta + mu^2 * pr$se.fit^2)
  pred_out(paste0("pred nb ", label), mu, pr$se.fit, qt(0.975, fit$df.residual), sd)
}
pred_pois <- function(label, yrs, y, at) {  # negbin without overdispersion: the Poisson fit
  d <- data.frame(y = y, year = yrs); cen <- mean(yrs)
  fit <- glm(y ~ I(year - cen), family = poisson, data = d, control = glm.control(epsilon = 1e-14))
  pr <- predict(fit, newdata = data.frame(year = at), type = "link", se.fit = TRUE)
  mu <- exp(pr$fit); sd <- sqrt(mu + mu^2 * pr$se.fit^2)
  pred_out(paste0("pred pois ", label), mu, pr$se.fit, qt(0.975, fit$df.residual), sd)
}
pred_qp("fujian invention 2015:2021", 2015:2020, fujian$invention[1:6], 2015:2021)
pred_nb("fujian utility_model 2015:2021", 2015:2020, fujian$utility_model[1:6], 2015:2021)
pred_qp("cn_util gap at 2016, 2018, 2022", c(2016, 2020, 2021), cn_util[1:3], c(2016, 2018, 2022))
pred_qp("district (phi < 1) at 2017, 2021", 2017:2020, district[1:4], c(2017, 2021))
pred_pois("district at 2017, 2021", 2017:2020, district[1:4], c(2017, 2021))
