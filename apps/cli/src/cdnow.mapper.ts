// CDNOW transaction lines (`master_id sample_id YYYYMMDD n_cds dollars`, see
// ../shared/data/cdnow/README.md) to `purchased` events.
import type { EventInput } from '@rapport/application';
import { parseInstant } from '@rapport/domain';
import { CLI_ACTOR, type ParsedLine } from './parsed-line';
import { v5 as uuidV5 } from 'uuid';

/** Namespace of the name-based eventIds of CDNOW lines. Never change it: re-imports would record everything again. */
export const CDNOW_NAMESPACE = '49c27e7a-61ed-4224-8a85-94670586dc27';
export const CDNOW_SOURCE = 'cdnow-import';
export const CDNOW_CURRENCY = 'USD';

export interface CdnowTransaction {
  readonly lineNumber: number;
  readonly masterId: string;
  /** sample_id without leading zeros, as cdnow_customers_summary.csv writes it (`0001` → `1`). */
  readonly customerId: string;
  /** YYYYMMDD as in the file. */
  readonly date: string;
  readonly cds: number;
  /** Dollars in integer cents. */
  readonly cents: number;
}

export type CdnowParse =
  | { readonly ok: true; readonly value: CdnowTransaction }
  | { readonly ok: false; readonly message: string }
  | { readonly ok: 'blank' };

const DIGITS = /^\d+$/;
const DATE = /^(\d{4})(\d{2})(\d{2})$/;
/** Up to 13 whole digits keeps every amount a safe integer of cents. */
const DOLLARS = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/**
 * Exact decimal dollars to integer cents, by string arithmetic (no float
 * multiply: 0.29 * 100 is 28.999999999999996). Undefined for anything that is
 * not a non-negative amount with at most two decimals.
 */
export function dollarsToCents(text: string): number | undefined {
  const match = DOLLARS.exec(text);
  if (!match) return undefined;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(2, '0'));
  return whole * 100 + fraction;
}

export function parseCdnowLine(text: string, lineNumber: number): CdnowParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: 'blank' };
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) return { ok: false, message: `expected 5 fields (master_id sample_id YYYYMMDD n_cds dollars), got ${fields.length}` };
  const [masterId, sampleId, date, cds, dollars] = fields as [string, string, string, string, string];
  if (!DIGITS.test(masterId)) return { ok: false, message: `master_id must be digits, got "${masterId}"` };
  if (!DIGITS.test(sampleId) || sampleId.length > 64) return { ok: false, message: `sample_id must be 1–64 digits, got "${sampleId}"` };
  if (!isCalendarDate(date)) return { ok: false, message: `date must be a real calendar date from 1900 on as YYYYMMDD, got "${date}"` };
  if (!DIGITS.test(cds) || !Number.isSafeInteger(Number(cds))) return { ok: false, message: `n_cds must be a whole number, got "${cds}"` };
  const cents = dollarsToCents(dollars);
  if (cents === undefined) return { ok: false, message: `dollars must be a non-negative amount with at most 2 decimals, got "${dollars}"` };
  return {
    ok: true,
    value: { lineNumber, masterId, customerId: sampleId.replace(/^0+(?=\d)/, ''), date, cds: Number(cds), cents },
  };
}

/** Derived from customer, date and line number (the README's suggestion). */
export function cdnowOrderId(tx: Pick<CdnowTransaction, 'customerId' | 'date' | 'lineNumber'>): string {
  return `cdnow-${tx.customerId}-${tx.date}-${tx.lineNumber}`;
}

/**
 * The line's identity (its place in the file and what it says) as a UUID v5:
 * the same file imported again gives the same ids, so it records nothing new.
 * A line whose content changed gets a new eventId but keeps its orderId, so the
 * decider refuses it as CONFLICTING_DUPLICATE instead of silently ignoring it.
 */
export function cdnowEventId(tx: CdnowTransaction): string {
  const name = `cdnow:v1:line=${tx.lineNumber}:master=${tx.masterId}:customer=${tx.customerId}:date=${tx.date}:cds=${tx.cds}:cents=${tx.cents}`;
  return uuidV5(name, CDNOW_NAMESPACE);
}

export function toPurchasedInput(tx: CdnowTransaction): EventInput {
  return {
    customerId: tx.customerId,
    eventId: cdnowEventId(tx),
    type: 'purchased',
    occurredAt: `${tx.date.slice(0, 4)}-${tx.date.slice(4, 6)}-${tx.date.slice(6, 8)}T00:00:00Z`,
    data: { orderId: cdnowOrderId(tx), amount: tx.cents, currency: CDNOW_CURRENCY },
    metadata: { source: CDNOW_SOURCE, actor: CLI_ACTOR },
  };
}

export function mapCdnowLine(text: string, lineNumber: number): ParsedLine {
  const parsed = parseCdnowLine(text, lineNumber);
  if (parsed.ok === 'blank') return { kind: 'blank' };
  if (!parsed.ok) return { kind: 'invalid', code: 'INVALID_LINE', message: parsed.message };
  return { kind: 'event', input: toPurchasedInput(parsed.value) };
}

/** A real day from 1900 on, judged by the parser every instant goes through: toPurchasedInput's occurredAt then passes it. */
function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  return match !== null && parseInstant(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`).ok;
}
