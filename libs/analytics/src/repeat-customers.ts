// The per-customer summary (x, t_x, T) the three purchase models (BG/NBD,
// Pareto/NBD, MBG/NBD) are fitted on: its checks, and the grouping of equal
// summaries that makes a fit's likelihood cost the distinct customers, not all
// of them.
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One customer: x repeat purchase-days, recency t_x and age T in weeks. */
export interface PurchaseModelCustomer {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

/** Customers with equal (x, t_x, T) counted once, and the distinct x, t_x and T values they have. */
export interface GroupedCustomers {
  readonly xs: readonly number[];
  readonly txs: readonly number[];
  readonly Ts: readonly number[];
  readonly groups: readonly {
    readonly xi: number;
    readonly txi: number;
    readonly Ti: number;
    readonly x: number;
    readonly tx: number;
    readonly T: number;
    readonly count: number;
  }[];
}

/**
 * Groups equal (x, t_x, T): CDNOW's 2,357 customers are 1,016 distinct ones.
 * A resampled population has many more (235,700 customers: 30,625), but
 * few distinct values of each (33 x, 458 t_x, 114 T, as ages are whole days).
 * `xi`, `txi` and `Ti` index `xs`, `txs` and `Ts`, so a term that depends on
 * one of them alone (a logarithm of α + T, say) is computed once per value
 * rather than once per group.
 */
export function groupCustomers(customers: readonly PurchaseModelCustomer[]): GroupedCustomers {
  const distinct = (values: Iterable<number>) => {
    const list = [...new Set(values)];
    return { list, index: new Map(list.map((v, i) => [v, i])) };
  };
  const xs = distinct(customers.map((c) => c.x));
  const txs = distinct(customers.map((c) => c.tx));
  const Ts = distinct(customers.map((c) => c.T));
  // Keyed by the three indices as one number (a text key cost more than the rest together), in first-seen order.
  const byKey = new Map<number, Mutable<GroupedCustomers['groups'][number]>>();
  for (const c of customers) {
    const xi = xs.index.get(c.x)!;
    const txi = txs.index.get(c.tx)!;
    const Ti = Ts.index.get(c.T)!;
    const key = (xi * txs.list.length + txi) * Ts.list.length + Ti;
    const group = byKey.get(key);
    if (group) group.count += 1;
    else byKey.set(key, { xi, txi, Ti, x: c.x, tx: c.tx, T: c.T, count: 1 });
  }
  return { xs: xs.list, txs: txs.list, Ts: Ts.list, groups: [...byKey.values()] };
}

export function validateCustomer(c: PurchaseModelCustomer): void {
  if (!Number.isInteger(c.x) || c.x < 0) throw new RangeError(`x must be a non-negative integer, got ${c.x}`);
  if (!(c.tx >= 0 && c.tx <= c.T && Number.isFinite(c.T))) throw new RangeError(`need 0 ≤ t_x ≤ T, got t_x = ${c.tx}, T = ${c.T}`);
  if (c.x === 0 && c.tx !== 0) throw new RangeError('a customer without repeat purchases has t_x = 0');
}

/** Weeks per repeat purchase across customers (Σ T / Σ x): a starting α so that r/α ≈ the mean repeat rate when r = 1. */
export function weeksPerRepeat(customers: readonly PurchaseModelCustomer[]): number {
  let sumX = 0;
  let sumT = 0;
  for (const c of customers) {
    sumX += c.x;
    sumT += c.T;
  }
  return sumT > 0 ? sumT / Math.max(sumX, 1) : 1;
}

/** A horizon in weeks: finite and ≥ 0. */
export function checkHorizon(t: number): void {
  if (!(t >= 0) || t === Infinity) throw new RangeError(`the horizon must be a finite number of weeks ≥ 0, got ${t}`);
}

/** 1/(1 + e^{−z}) without overflow either way. */
export function logistic(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
