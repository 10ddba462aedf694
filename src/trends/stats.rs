//! Tail probabilities for the burst scores, in log space.
//!
//! Layer A scores a window with the one-sided Poisson tail `P(X ≥ k | λ)`,
//! layer B with the binomial tail `P(X ≥ k | n, p)` (trending.md §1.2).
//! Bursts make these astronomically small (1e-19 and far below), so both are
//! computed as natural logarithms through the regularized incomplete gamma
//! and beta functions (series and Lentz continued fractions, as in Numerical
//! Recipes §6.2 and §6.4); nothing here overflows or panics on any input.

/// Relative accuracy the series and continued fractions stop at.
const EPS: f64 = 1e-14;
/// Guards the continued fractions against division by zero.
const TINY: f64 = 1e-300;
/// Iteration cap: the expansions converge in O(√k) steps near the mean and
/// much faster in the tails that matter; the cap only bounds the cost.
const MAX_ITER: usize = 100_000;

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, n = 9; ~15 significant digits).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the approximation in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEF[0];
    for (i, c) in COEF.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// `ln P(X ≥ k)` for `X ~ Poisson(lambda)`; `0.0` (probability 1) for
/// `k == 0`, `-inf` when `lambda ≤ 0` and `k > 0`.
pub(crate) fn ln_poisson_sf(k: u64, lambda: f64) -> f64 {
    if k == 0 || lambda.is_nan() {
        return 0.0;
    }
    if lambda <= 0.0 {
        return f64::NEG_INFINITY;
    }
    // P(X ≥ k) is the regularized lower incomplete gamma P(k, λ).
    ln_gamma_p(k as f64, lambda)
}

/// `ln P(a, x)`, the regularized lower incomplete gamma, for `a > 0, x > 0`.
fn ln_gamma_p(a: f64, x: f64) -> f64 {
    let ln_prefix = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // Series: P = e^-x x^a / Γ(a+1) · Σ x^n / ((a+1)…(a+n)).
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut ap = a;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term < sum * EPS {
                break;
            }
        }
        ln_prefix + sum.ln()
    } else {
        // Continued fraction for Q = 1 − P, then P = 1 − Q.
        let ln_q = ln_prefix + gamma_q_fraction(a, x).ln();
        ln_one_minus_exp(ln_q)
    }
}

/// Lentz's continued fraction for `Q(a, x) · Γ(a) e^x x^-a`.
fn gamma_q_fraction(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln P(X ≥ k)` for `X ~ Binomial(n, p)`.
pub(crate) fn ln_binomial_sf(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 || p.is_nan() {
        return 0.0;
    }
    if k > n || p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return 0.0;
    }
    // P(X ≥ k) = I_p(k, n − k + 1), the regularized incomplete beta.
    ln_beta_i(k as f64, (n - k + 1) as f64, p)
}

/// `ln I_x(a, b)` for `a, b > 0` and `0 < x < 1`.
fn ln_beta_i(a: f64, b: f64, x: f64) -> f64 {
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (-x).ln_1p();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front + beta_fraction(a, b, x).ln() - a.ln()
    } else {
        let ln_rest = ln_front + beta_fraction(b, a, 1.0 - x).ln() - b.ln();
        ln_one_minus_exp(ln_rest)
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln(1 − e^v)` for `v ≤ 0`, accurate at both ends.
fn ln_one_minus_exp(v: f64) -> f64 {
    if v >= 0.0 {
        // Rounding pushed the complement to 1: the probability is ~0, but a
        // tail probability in the bulk of the distribution is never tiny, so
        // clamp to the smallest normal value rather than return -inf.
        return f64::MIN_POSITIVE.ln();
    }
    if v > -std::f64::consts::LN_2 {
        (-v.exp_m1()).ln()
    } else {
        (-v.exp()).ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut fact = 1.0f64;
        for n in 1..30u32 {
            fact *= f64::from(n);
            assert!(close(ln_gamma(f64::from(n) + 1.0), fact.ln(), 1e-12), "{n}");
        }
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
    }

    #[test]
    fn poisson_tail_known_values() {
        // P(X ≥ 5 | 1) = 1 − Σ_{0..4} e^-1 / k!
        let direct: f64 = 1.0 - (-1.0f64).exp() * (1.0 + 1.0 + 0.5 + 1.0 / 6.0 + 1.0 / 24.0);
        assert!(close(ln_poisson_sf(5, 1.0).exp(), direct, 1e-10));
        // Bulk: P(X ≥ 3 | 10) = 1 − e^-10 (1 + 10 + 50).
        let bulk = 1.0 - (-10.0f64).exp() * 61.0;
        assert!(close(ln_poisson_sf(3, 10.0).exp(), bulk, 1e-10));
        assert_eq!(ln_poisson_sf(0, 3.0), 0.0);
        assert_eq!(ln_poisson_sf(1, 0.0), f64::NEG_INFINITY);
        // Deep tail, summed directly: P(X ≥ 43 | 3.1) ≈ 1.1e-33.
        let mut term = (-3.1f64).exp();
        let mut tail = 0.0;
        for i in 1..200u32 {
            term *= 3.1 / f64::from(i);
            if i >= 43 {
                tail += term;
            }
        }
        assert!(close(ln_poisson_sf(43, 3.1), tail.ln(), 1e-9));
        // Huge bursts stay finite in log space.
        assert!(ln_poisson_sf(100_000, 5.0).is_finite());
    }

    #[test]
    fn binomial_tail_known_values() {
        // P(Bin(10, 0.5) ≥ 8) = (45 + 10 + 1) / 1024.
        assert!(close(
            ln_binomial_sf(8, 10, 0.5).exp(),
            56.0 / 1024.0,
            1e-10
        ));
        // P(Bin(10, 0.5) ≥ 2) = 1 − 11/1024 (the complement branch).
        assert!(close(
            ln_binomial_sf(2, 10, 0.5).exp(),
            1013.0 / 1024.0,
            1e-10
        ));
        assert_eq!(ln_binomial_sf(11, 10, 0.5), f64::NEG_INFINITY);
        assert_eq!(ln_binomial_sf(0, 10, 0.5), 0.0);
        let big = ln_binomial_sf(500, 2_000_000, 1e-5);
        assert!(big.is_finite() && big < -500.0);
    }
}
