// Tables for the terminal (cli-table3, without colours so pipes and files get
// plain text), and the number formats the analytics views share.
import Table from 'cli-table3';

export type Align = 'left' | 'right';

/** A boxed table: `head` over `rows`, each column aligned as `align` says (left by default). */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const table = new Table({
    head: [...head],
    colAligns: head.map((_, i) => align[i] ?? 'left'),
    style: { head: [], border: [], compact: true },
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

/** 2357 → `2,357`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Fixed decimals with thousands separators: `-9,582.43`. */
export function formatFixed(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A model parameter: `digits` decimals, or scientific notation when that would hide it. */
export function formatParam(n: number, digits = 4): string {
  const magnitude = Math.abs(n);
  if (n !== 0 && (magnitude < 10 ** -(digits - 1) || magnitude >= 1e7)) return n.toExponential(digits);
  return n.toFixed(digits);
}

/** A share in percent: `12.3 %`. */
export function formatPercent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)} %`;
}

/** Decimal places of a currency's minor unit (2 for USD and EUR, 0 for JPY); 2 when the runtime does not know it. */
export function minorUnitDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** The minor unit's name as a person says it: `cents` for a currency with hundredths, else `minor units`. */
export function minorUnitName(currency: string): string {
  return minorUnitDigits(currency) === 2 ? 'cents' : 'minor units';
}

/** Minor units as major units of `currency`, with separators: 154435 → `1,544.35`. */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  return formatFixed(minor / 10 ** digits, digits);
}

/** Milliseconds for people: `85 ms`, `1.42 s`. */
export function formatDuration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(2)} s`;
}

/** `2,357 customers`, `1 customer`. */
export function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`;
}
