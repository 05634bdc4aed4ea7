// log ₂F₁(a, b; a+1; z) on 0 ≤ z < 1, the form the Pareto/NBD likelihood and
// P(alive) need (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD Model
// and Related Expressions", with b = s+1 or r+x and a = r+s+x, so a+1 > b).
//
// Written here rather than taken from stdlib's hyp2f1 (a Cephes port) because
// that one is wrong near z = 1 when c−a−b is an integer (₂F₁(1.2, 2; 2.2; 0.95)
// = 23.306…, it answers 25.2) and overflows for large b where the logarithm is
// finite; test-data/hyp2f1-reference.py checks this one against mpmath.
//
// Two routes, both sums of terms of one sign or with the poles cancelled
// analytically, so no region loses digits to cancellation:
//  - Euler's transformation ₂F₁(a,b;a+1;z) = (1−z)^{1−b} ₂F₁(1, a+1−b; a+1; z),
//    whose series has positive terms each below zⁿ: used while it converges
//    in a few thousand terms.
//  - Near z = 1, the 1−z transformation (Abramowitz & Stegun 15.3.6), a series
//    in y = 1−z. Its two terms have poles at integer b that cancel; they are
//    combined here with the pole divided out (see nearOne), so an integer or
//    nearly integer b (s = 1, r = 1 at the default start) is as accurate as any.
import { betaln } from './special';

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { abs, ceil, exp, expm1, log, log1p, max, round } = Math;

const EPSILON = 1e-17;
/** Beyond this many terms the z-series is not used (it needs about 40/(1−z)). */
const MAX_SERIES_TERMS = 4_000;
/** The y-series is used when a·y stays below this: its terms then stay below e^{a·y}. */
const MAX_A_Y = 1;
/** The y-series sums b terms before its tail: beyond this b it is not used. */
const MAX_B_NEAR_ONE = 1_000;
/**
 * A last resort for large a or b with 1−z small: the z-series, if it
 * converges within this many terms (about 0.1 ms) and a is one a customer
 * can have (r+s+x with hundreds of repeat purchase-days, not the 10⁸ an
 * optimiser reaches when the data favour no heterogeneity at all).
 */
const MAX_FALLBACK_TERMS = 20_000;
const MAX_FALLBACK_A = 10_000;

/**
 * log ₂F₁(a, b; a+1; z) for a > 0, 0 < b < a+1 and 0 ≤ z < 1. `y` is 1 − z
 * and `c` is a + 1 − b, passed separately when the caller has them without
 * rounding (z close to 1; b within rounding of a + 1, as when the Pareto/NBD's
 * r is tiny beside s). NaN where neither route applies within its budget
 * (1 − z < 0.01 with a·(1−z) > 1 or b > 1,000, unless a ≤ 10⁴ and
 * 1 − z ≥ 0.002: parameters at the edge of an optimiser's search box, or a
 * customer with thousands of repeat purchase-days), so an optimiser treats
 * the point as outside the domain.
 */
export function logHyp2f1APlus1(a: number, b: number, z: number, y = 1 - z, c = a + 1 - b): number {
  if (!(a > 0) || !(b > 0) || !(c > 0)) throw new RangeError(`need a > 0 and 0 < b < a + 1, got a = ${a}, b = ${b}, a + 1 − b = ${c}`);
  if (!(z >= 0) || !(y > 0) || abs(z + y - 1) > 1e-12) throw new RangeError(`need 0 ≤ z < 1 and y = 1 − z, got z = ${z}, y = ${y}`);
  if (z === 0) return 0;
  if (40 / y <= MAX_SERIES_TERMS) return eulerSeries(a, b, c, z, y, MAX_SERIES_TERMS);
  if (a * y <= MAX_A_Y && b <= MAX_B_NEAR_ONE) return nearOne(a, b, c, y);
  // Decided before summing, so an optimiser probing that corner pays nothing for it.
  return 40 / y <= MAX_FALLBACK_TERMS && a <= MAX_FALLBACK_A ? eulerSeries(a, b, c, z, y, MAX_FALLBACK_TERMS) : NaN;
}

/** (1−z)^{1−b} Σₙ (a+1−b)ₙ/(a+1)ₙ zⁿ with c = a+1−b: positive terms, the n-th below zⁿ. */
function eulerSeries(a: number, b: number, c: number, z: number, y: number, maxTerms: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    term *= ((c + n) / (a + 1 + n)) * z;
    sum += term;
    // The rest is below term · z/(1−z): the ratio of successive terms is below z.
    if (term * z <= EPSILON * sum * y) return (1 - b) * log(y) + log(sum);
  }
  return NaN;
}

/**
 * Near z = 1, by A&S 15.3.6 applied to ₂F₁(1, a+1−b; a+1; z) = H:
 *   H = a/(b−1) · ₂F₁(1, a+1−b; 2−b; y) + y^{b−1} · a·B(a, 1−b) · z^{−a}.
 * For b < ½ both terms are finite. Otherwise, with m = round(b) ≥ 1 and
 * ε = b − m, the first series' terms from n = m−1 on and the second term
 * both carry 1/ε; together they are K · D(ε)/ε with
 *   K = a (a+1−b)_{m−1} y^{m−1} / (1−b)_{m−1},
 *   D(ε) = Σₖ (a−ε)ₖ/(1−ε)ₖ yᵏ − y^ε Γ(a)Γ(1−ε)/Γ(a−ε) · z^{−a},  D(0) = 0,
 * and D(ε)/ε is computed term by term from quantities divided by ε
 * analytically (log1p(εw)/ε, expm1(εv)/ε, [lnΓ(a) − lnΓ(a−ε)]/ε), which keep
 * their digits as ε → 0 and at ε = 0 itself.
 */
function nearOne(a: number, b: number, c: number, y: number): number {
  const logZ = log1p(-y);
  if (b < 0.5) {
    // a/(b−1) Σ (a+1−b)ₙ/(2−b)ₙ yⁿ (negative) + y^{b−1} a B(a, 1−b) z^{−a} (positive, larger).
    let term = 1;
    let sum = 1;
    for (let n = 0; term > EPSILON * sum; n++) {
      term *= ((c + n) / (2 - b + n)) * y;
      sum += term;
    }
    const second = exp((b - 1) * log(y) + log(a) + betaln(a, 1 - b) - a * logZ);
    return (1 - b) * log(y) + log(second + (a / (b - 1)) * sum);
  }
  const m = round(b);
  const eps = b - m;
  // The regular head of the first series, n = 0 … m−2: −a (a+1−b)ₙ/(1−b)ₙ₊₁ yⁿ.
  let head = 0;
  let term = -a / (1 - b);
  for (let n = 0; n <= m - 2; n++) {
    head += term;
    term *= ((c + n) / (2 - b + n)) * y;
  }
  let k = a;
  for (let n = 0; n <= m - 2; n++) k *= ((c + n) / (1 - b + n)) * y;
  const h = head + k * poleFreeDifference(a, eps, y, logZ);
  return (1 - b) * log(y) + log(h);
}

/** D(ε)/ε of nearOne, continuous through ε = 0. */
function poleFreeDifference(a: number, eps: number, y: number, logZ: number): number {
  // Σₖ cₖ Eₖ with cₖ = (a)ₖ/k! yᵏ (Σ cₖ = z^{−a}) and Eₖ = [(a−ε)ₖ/(1−ε)ₖ / ((a)ₖ/k!) − 1]/ε.
  let c = 1;
  let uOverEps = 0; // log of the ratio above, divided by ε
  let sum = 0;
  let size = 0;
  for (let j = 0; j < 100_000; j++) {
    const e = uOverEps * expm1Ratio(eps * uOverEps);
    const term = c * e;
    sum += term;
    size += abs(term);
    // Once the terms shrink geometrically (ratio (a+j)y/(j+1) < ½), stop when they no longer count.
    if ((a + j) * y < 0.5 * (j + 1) && abs(term) <= EPSILON * size && c <= EPSILON * max(size, 1)) break;
    uOverEps += -log1pRatio(-eps / (a + j)) / (a + j) + log1pRatio(-eps / (1 + j)) / (1 + j);
    c *= ((a + j) / (j + 1)) * y;
  }
  const gOverEps = log(y) + lnGammaRatioOverEps(a, eps) - lnGammaRatioOverEps(1, eps);
  return sum - exp(-a * logZ) * gOverEps * expm1Ratio(eps * gOverEps);
}

/** log1p(w)/w, 1 at w = 0. */
function log1pRatio(w: number): number {
  return w === 0 ? 1 : log1p(w) / w;
}

/** expm1(v)/v, 1 at v = 0. */
function expm1Ratio(v: number): number {
  return v === 0 ? 1 : expm1(v) / v;
}

const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360];
/** Where the shifted argument starts for Stirling's series. */
const STIRLING_FROM = 15;

/**
 * [lnΓ(a) − lnΓ(a−ε)]/ε for a − ε > 0 and |ε| ≤ ½, ψ(a) at ε = 0: shifted up by
 * Γ(x+1) = xΓ(x) to A ≥ 15, then Stirling's series differenced term by term,
 * every difference written as log1p(·)/ε or expm1(·)/ε so nothing cancels.
 */
export function lnGammaRatioOverEps(a: number, eps: number): number {
  const shift = max(0, ceil(STIRLING_FROM - a));
  let sum = 0;
  for (let j = 0; j < shift; j++) sum -= log1pRatio(-eps / (a + j)) / (a + j);
  const A = a + shift;
  const w = -eps / A;
  const l1 = log1pRatio(w);
  // [(A−½)ln A − (A−ε−½)ln(A−ε)]/ε − 1
  sum += ((A - 0.5) * l1) / A + log(A - eps) - 1;
  // Σ cₖ [A^{−p} − (A−ε)^{−p}]/ε, p = 2k−1: −A^{−p} · (p l1/A) · expm1(p ε l1/A)/(p ε l1/A).
  let power = 1 / A;
  for (let i = 0; i < STIRLING.length; i++) {
    const p = 2 * i + 1;
    const v = (p * l1) / A;
    sum -= STIRLING[i] * power * v * expm1Ratio(eps * v);
    power /= A * A;
  }
  return sum;
}
