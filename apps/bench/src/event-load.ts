// The events the benchmarks record: valid for the HTTP edge and the decider,
// a mix every projection handles (identity, contacts, qualification,
// purchases, complaints), generated lazily so a million never sit in memory.
import { randomUUID } from 'node:crypto';
import type { BgNbdParams } from '@rapport/analytics';
import { simulateBgNbd } from '@rapport/analytics/testing';
import type { NewEvent } from '@rapport/event-store';

/** An event as a client sends it to `POST /v1/events`. */
export interface LoadEvent extends NewEvent {
  readonly customerId: string;
}

const CHANNELS = ['email', 'phone', 'sms', 'meeting', 'web'] as const;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const START = Date.UTC(2024, 0, 1);
/** Customers' first purchases are spread over this many days from START (2024-01-01). */
const BIRTHS_DAYS = 546;
/**
 * Purchases are drawn up to the start of today (UTC): the 360 predicts as of
 * now, and a population silent for months before it would look gone, which
 * is not the story the parameters tell.
 */
const END = Math.floor(Date.now() / DAY_MS) * DAY_MS;
/**
 * How customers buy: the BG/NBD story (Poisson purchases, dropout after each
 * repeat), per week; r, a and b near those fitted on CDNOW, α larger so that
 * few customers buy more often than their nine slots hold. So the purchase
 * models can be fitted on what the benchmarks record (with every customer on
 * one cadence they could not: everyone looks alike), and the 360s read under
 * load carry predictions, as they would for real customers.
 */
const PURCHASING: BgNbdParams = { r: 0.24, alpha: 12, a: 0.79, b: 2.43 };
/** Events after `identified` in each customer's batch slot. */
const MAX_PURCHASES = 9;

let planned: { readonly customer: number; readonly times: readonly number[] } | undefined;

/** When the customer buys (ms), first purchase first: drawn from PURCHASING with the customer's own seed, so every run of one day records the same. */
function purchaseTimes(customer: number): readonly number[] {
  if (planned?.customer === customer) return planned.times;
  const birth = START + (customer % BIRTHS_DAYS) * DAY_MS;
  const [drawn] = simulateBgNbd(PURCHASING, 1, (END - birth) / WEEK_MS, customer + 1);
  // A customer who bought more often than the slots hold is recorded from a later purchase on: cutting the
  // tail instead would make the busiest buyers look gone.
  const times = [birth, ...drawn!.purchases.map((weeks) => birth + Math.round(weeks * WEEK_MS))].slice(-MAX_PURCHASES);
  planned = { customer, times };
  return times;
}

/**
 * The `revision`-th event of a customer: identified first, then its
 * purchases (see PURCHASING), then a mix of qualifications, complaints and
 * contacts.
 */
export function loadEvent(prefix: string, customer: number, revision: number): LoadEvent {
  const customerId = `${prefix}-${customer}`;
  const purchases = purchaseTimes(customer);
  const base = {
    customerId,
    eventId: randomUUID(),
    occurredAt: new Date(purchases[0]! + (revision - 1) * DAY_MS).toISOString(),
    metadata: { source: 'bench' },
  };
  if (revision === 0) return { ...base, type: 'identified', data: { name: `Customer ${customer}`, email: `c${customer}@example.com` } };
  if (revision <= purchases.length) {
    return {
      ...base,
      occurredAt: new Date(purchases[revision - 1]!).toISOString(),
      type: 'purchased',
      data: { orderId: `o-${customer}-${revision}`, amount: 1000 + ((customer * 37 + revision * 11) % 9000), currency: 'USD' },
    };
  }
  switch ((customer + revision) % 3) {
    case 0:
      return { ...base, type: 'qualified', data: { score: (customer * 7 + revision) % 101 } };
    case 1:
      return { ...base, type: 'complained', data: { complaintId: `k-${customer}-${revision}`, category: 'delivery', severity: 'low' } };
    default:
      return { ...base, type: 'contacted', data: { channel: CHANNELS[revision % CHANNELS.length], direction: 'outbound', campaignId: `camp-${revision % 3}` } };
  }
}

export interface BatchShape {
  /** Events per batch (the API takes up to 500). */
  readonly size: number;
  /** Customers per batch; each gets size / customersPerBatch consecutive events. */
  readonly customersPerBatch: number;
}

/** 500 events of 50 customers, 10 each: what a sync job of a busy service would send. */
export const DEFAULT_BATCH: BatchShape = { size: 500, customersPerBatch: 50 };

/** The n-th batch: fresh customers, each with its first `size / customersPerBatch` events in order. */
export function loadBatch(prefix: string, n: number, shape: BatchShape = DEFAULT_BATCH): LoadEvent[] {
  const perCustomer = Math.ceil(shape.size / shape.customersPerBatch);
  const events: LoadEvent[] = [];
  for (let c = 0; c < shape.customersPerBatch; c++) {
    const customer = n * shape.customersPerBatch + c;
    for (let r = 0; r < perCustomer && events.length < shape.size; r++) events.push(loadEvent(prefix, customer, r));
  }
  return events;
}

/** A batch as the HTTP body of `POST /v1/events`. */
export function batchBody(events: readonly LoadEvent[]): string {
  return JSON.stringify({ events });
}

/** One event's body for `POST /v1/customers/{id}/events` (the customer is in the URL). */
export function singleBody(event: LoadEvent): string {
  const { customerId: _customerId, ...body } = event;
  return JSON.stringify(body);
}

/** Groups a batch by customer, keeping each customer's events in order. */
export function byCustomer(events: readonly LoadEvent[]): Map<string, LoadEvent[]> {
  const groups = new Map<string, LoadEvent[]>();
  for (const event of events) {
    const group = groups.get(event.customerId);
    if (group) group.push(event);
    else groups.set(event.customerId, [event]);
  }
  return groups;
}

/** A unique suffix for directories, topics, groups and databases of one run. */
export function runId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 10);
}
