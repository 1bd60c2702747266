# Reference values for tests/test_market_entities.py (analysis.market_entities.step.trend_comparison).
# Run: Rscript tests/r/market_entities.R   (output pasted as literals into the Python tests)
p <- function(label, x) cat(sprintf("%-60s %s\n", label, paste(sprintf("%.15g", x), collapse = " ")))

# National year-end stocks of all market entities (data/raw/market_entities.csv, SAMR, year-end):
# 2016 8705万, 2017 9814.8万, 2019 1.23亿 (baseline; 2018 not published), 2021 1.54亿 (target; 2020 not published).
yrs <- c(2016, 2017, 2019); y <- c(87050000, 98148000, 123000000); obs <- 154000000; target <- 2021; gap <- 2
cen <- mean(yrs)
fit <- glm(y ~ I(year - cen), family = quasipoisson, data = data.frame(y = y, year = yrs),
           control = glm.control(epsilon = 1e-10, maxit = 100))
phi <- summary(fit)$dispersion; dfr <- fit$df.residual; slope <- coef(fit)[2]
pr <- predict(fit, newdata = data.frame(year = target), type = "link", se.fit = TRUE)
mu <- exp(pr$fit); v <- pr$se.fit^2 / phi; sd <- sqrt(max(phi, 1) * (mu + mu^2 * v))
q <- qt(0.975, dfr); z <- (obs - mu) / sd
p("all_entities slope, exp(slope)-1, phi, df", c(slope, exp(slope) - 1, phi, dfr))
p("all_entities mu 2021, pi_low, pi_high", c(mu, max(0, mu - q * sd), mu + q * sd))
p("all_entities z, p", c(z, 2 * pt(-abs(z), dfr)))
p("all_entities trend change per year 2019-2021: mu*(1-exp(-2b))/2", mu * (1 - exp(-gap * slope)) / gap)
