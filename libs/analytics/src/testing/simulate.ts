// Test support: customers drawn from the purchase models' own stories, with a
// seeded generator so every run sees the same data.
import type { BgNbdParams } from '../bgnbd';
import type { MbgNbdParams } from '../mbg-nbd';
import type { ParetoNbdParams } from '../pareto-nbd';
import type { PurchaseModelCustomer } from '../repeat-customers';

/** A deterministic uniform generator on [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gamma(shape, rate) by Marsaglia–Tsang, boosted for shape < 1. */
export function gammaVariate(rnd: () => number, shape: number, rate: number): number {
  if (shape < 1) return gammaVariate(rnd, shape + 1, rate) * Math.pow(rnd(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = rnd();
      const u2 = rnd();
      x = Math.sqrt(-2 * Math.log(u1 || 1e-300)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rnd();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

function betaVariate(rnd: () => number, a: number, b: number): number {
  const g = gammaVariate(rnd, a, 1);
  return g / (g + gammaVariate(rnd, b, 1));
}

const exponential = (rnd: () => number, rate: number) => -Math.log(1 - rnd()) / rate;

/** A simulated customer: repeat purchase times (weeks after the first purchase) up to `horizon`. */
export interface SimulatedCustomer {
  readonly purchases: readonly number[];
}

/** The (x, t_x, T) summary of a simulated customer observed for T weeks. */
export function summaryAt(c: SimulatedCustomer, T: number): PurchaseModelCustomer {
  const seen = c.purchases.filter((t) => t <= T);
  return { x: seen.length, tx: seen.length > 0 ? seen[seen.length - 1] : 0, T };
}

/** Pareto/NBD: Poisson purchases at λ ~ Gamma(r, α) until an Exp(μ) lifetime ends, μ ~ Gamma(s, β). */
export function simulateParetoNbd(p: ParetoNbdParams, n: number, horizon: number, seed: number): SimulatedCustomer[] {
  const rnd = random(seed);
  return Array.from({ length: n }, () => {
    const lambda = gammaVariate(rnd, p.r, p.alpha);
    const end = Math.min(horizon, exponential(rnd, gammaVariate(rnd, p.s, p.beta)));
    const purchases: number[] = [];
    for (let t = exponential(rnd, lambda); t <= end; t += exponential(rnd, lambda)) purchases.push(t);
    return { purchases };
  });
}

/** BG/NBD (dropout only after a repeat purchase) or MBG/NBD (after every purchase, the first included). */
function simulateBetaGeometric(p: BgNbdParams | MbgNbdParams, dropAtFirst: boolean, n: number, horizon: number, seed: number): SimulatedCustomer[] {
  const rnd = random(seed);
  return Array.from({ length: n }, () => {
    const lambda = gammaVariate(rnd, p.r, p.alpha);
    const dropout = betaVariate(rnd, p.a, p.b);
    const purchases: number[] = [];
    if (dropAtFirst && rnd() < dropout) return { purchases };
    for (let t = exponential(rnd, lambda); t <= horizon; t += exponential(rnd, lambda)) {
      purchases.push(t);
      if (rnd() < dropout) break;
    }
    return { purchases };
  });
}

export function simulateBgNbd(p: BgNbdParams, n: number, horizon: number, seed: number): SimulatedCustomer[] {
  return simulateBetaGeometric(p, false, n, horizon, seed);
}

export function simulateMbgNbd(p: MbgNbdParams, n: number, horizon: number, seed: number): SimulatedCustomer[] {
  return simulateBetaGeometric(p, true, n, horizon, seed);
}

/** Ages T spread over [from, from + span) weeks, one per customer, from a seeded generator. */
export function ages(n: number, from: number, span: number, seed: number): number[] {
  const rnd = random(seed);
  return Array.from({ length: n }, () => from + Math.floor(rnd() * span));
}
