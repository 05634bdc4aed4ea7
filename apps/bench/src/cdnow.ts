// CDNOW's sample (2,357 customers, 1997-01 to 1998-06), read from the file and
// resampled with replacement to a population of any size: what the analytics,
// the playbook signal and the distributed read benchmarks run on.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { NewEvent } from '@rapport/event-store';

export const CDNOW_FILE = process.env.RAPPORT_CDNOW_FILE ?? path.resolve(__dirname, '../../../../shared/data/cdnow/CDNOW_sample.txt');
export const SAMPLE_CUSTOMERS = 2_357;
export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The last day CDNOW's resampled histories can reach (1998-06-30 plus the 0–30 days each is shifted by). */
const CDNOW_END = Date.UTC(1998, 6, 31);

export interface Purchase {
  readonly dayMs: number;
  readonly cents: number;
}

/** CDNOW_sample.txt (`master_id sample_id YYYYMMDD n_cds dollars`): each customer's purchases. */
export function readCdnow(file: string = CDNOW_FILE): Purchase[][] {
  const byCustomer = new Map<string, Purchase[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 5) continue;
    const [, id, date, , dollars] = fields as [string, string, string, string, string];
    const [whole, fraction = ''] = dollars.split('.');
    const purchase = {
      dayMs: Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))),
      cents: Number(whole) * 100 + Number(fraction.padEnd(2, '0')),
    };
    byCustomer.set(id, [...(byCustomer.get(id) ?? []), purchase]);
  }
  const histories = [...byCustomer.values()];
  if (histories.length !== SAMPLE_CUSTOMERS) throw new Error(`${file}: expected ${SAMPLE_CUSTOMERS} customers, found ${histories.length}`);
  return histories;
}

/** Deterministic PRNG (mulberry32), so every run resamples the same population. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ResampledCustomer {
  /** 0 … count − 1. */
  readonly index: number;
  /** `cdnow-<index>`. */
  readonly customerId: string;
  /** The drawn customer's purchases, shifted. */
  readonly purchases: readonly Purchase[];
}

/**
 * `count` customers drawn with replacement from the sample, each history
 * shifted by 0–30 days so the population is not just copies (and by
 * `offsetMs` more, the same for everyone: to move the whole period in time).
 */
export function* resampled(histories: readonly Purchase[][], count: number, offsetMs = 0): Generator<ResampledCustomer> {
  const next = random(count);
  for (let index = 0; index < count; index++) {
    const history = histories[Math.floor(next() * histories.length)]!;
    const shift = Math.floor(next() * 31) * DAY_MS + offsetMs;
    yield { index, customerId: `cdnow-${index}`, purchases: history.map((p) => ({ dayMs: p.dayMs + shift, cents: p.cents })) };
  }
}

/** The offset for `resampled` that moves CDNOW's last possible day to yesterday (whole days). */
export function endingYesterday(now: number = Date.now()): number {
  return Math.floor((now - CDNOW_END) / DAY_MS) * DAY_MS - DAY_MS;
}

/** A resampled customer's purchases, as the events of its stream. */
export function purchaseEvents(customerId: string, purchases: readonly Purchase[]): NewEvent[] {
  return purchases.map((p, revision) => ({
    eventId: randomUUID(),
    type: 'purchased',
    occurredAt: new Date(p.dayMs + 12 * HOUR_MS).toISOString(),
    data: { orderId: `o-${customerId}-${revision}`, amount: p.cents, currency: 'USD' },
    metadata: { source: 'bench' },
  }));
}
