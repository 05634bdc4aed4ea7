// `purchased` v1 → v2. Version 1 is every purchase recorded before events
// carried a schema version. Its `amount` is integer minor units, except from
// the first emitters, which sent a decimal string of major units ("49.99").
// Version 2 (written since) is integer minor units only, so a reader of v2
// never parses money from text.
import type { PurchasedData } from '../events';
import { iso4217MinorUnits } from './currency-minor-units';
import { UpcastError } from './upcast-error';

/** The v1 payload: v2's, with `amount` possibly a decimal string of major units. */
export type PurchasedDataV1 = Omit<PurchasedData, 'amount'> & { amount: number | string };

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export function upcastPurchasedV1(data: PurchasedDataV1): PurchasedData {
  // A number is already minor units: what every v1 purchase written by this codebase holds.
  if (typeof data.amount !== 'string') return data as PurchasedData;
  return { ...data, amount: majorToMinorUnits(data.amount, data.currency) };
}

/**
 * "49.99" USD → 4999, exactly (string arithmetic: 0.29 * 100 is not 29 in
 * floating point). Trailing zeros past the currency's decimals are fine
 * ("1.50" JPY is not; "150.00" JPY is 150); anything that would need rounding
 * is refused.
 */
export function majorToMinorUnits(amount: string, currency: string): number {
  const digits = iso4217MinorUnits(currency);
  if (digits === undefined) throw new UpcastError(`purchased v1: ${currency} has no minor unit, so amount "${amount}" has no v2 form`);
  const match = DECIMAL.exec(amount);
  if (!match) throw new UpcastError(`purchased v1: amount "${amount}" is not a non-negative decimal`);
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  if (/[1-9]/.test(fraction.slice(digits))) {
    throw new UpcastError(`purchased v1: amount "${amount}" has more decimals than ${currency}'s ${digits}`);
  }
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.slice(0, digits).padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new UpcastError(`purchased v1: amount "${amount}" ${currency} is too large`);
  return Number(minor);
}
