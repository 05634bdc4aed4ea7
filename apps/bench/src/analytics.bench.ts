// Analytics: BG/NBD and Gamma-Gamma fits and RFM through AnalyticsService, from
// the customer-facts read model (the customerFacts collection of the SQLite
// document store, read through CustomerReadModels), on CDNOW resampled to 10× and 100×
// its 2,357 customers. Time should grow linearly with the customers.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AnalyticsService, CustomerReadModels } from '@rapport/application';
import { collectionsOf, put, type PutWrite } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { RecordedCustomerEvent } from '@rapport/domain';
import { customerFacts, FACTS_VERSION, projectCustomerFacts, PURCHASES_VERSION, READ_MODELS, type CustomerFacts } from '@rapport/projections';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { growthExponent, summarize } from './stats';

const CDNOW = process.env.RAPPORT_CDNOW_FILE ?? path.resolve(__dirname, '../../../../shared/data/cdnow/CDNOW_sample.txt');
const SAMPLE_CUSTOMERS = 2_357;
const AS_OF = '1998-06-30T23:59:59Z';
const DAY_MS = 86_400_000;

interface Purchase {
  readonly dayMs: number;
  readonly cents: number;
}

/** CDNOW_sample.txt (`master_id sample_id YYYYMMDD n_cds dollars`): each customer's purchases. */
function readCdnow(file: string): Purchase[][] {
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
  return [...byCustomer.values()];
}

/** Deterministic PRNG (mulberry32), so every run resamples the same population. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` customers drawn with replacement from the sample, each history
 * shifted by 0–30 days so the fitted population is not just copies.
 */
function* resampled(histories: readonly Purchase[][], count: number): Generator<CustomerFacts> {
  const next = random(count);
  for (let k = 0; k < count; k++) {
    const history = histories[Math.floor(next() * histories.length)]!;
    const shift = Math.floor(next() * 31) * DAY_MS;
    const customerId = `cdnow-${k}`;
    let facts: CustomerFacts | undefined;
    history.forEach((p, revision) => {
      const event = {
        eventId: `${k}-${revision}`,
        type: 'purchased',
        customerId,
        occurredAt: new Date(p.dayMs + shift).toISOString(),
        recordedAt: AS_OF,
        revision,
        position: 0,
        hash: '',
        metadata: {},
        data: { orderId: `o-${k}-${revision}`, amount: p.cents, currency: 'USD' },
      } as unknown as RecordedCustomerEvent;
      facts = projectCustomerFacts(facts, event);
    });
    yield facts!;
  }
}

/**
 * The read models' SQLite file with only the facts collection filled: puts of
 * the customers' facts documents, committed 5,000 at a time, each commit moving
 * the versions the facts projection moves (FACTS_VERSION, PURCHASES_VERSION),
 * which the analytics caches are keyed by.
 */
async function populate(file: string, histories: readonly Purchase[][], count: number): Promise<CustomerReadModels> {
  const store = SqliteDocumentStore.open(file, collectionsOf(READ_MODELS));
  let chunk: PutWrite[] = [];
  const flush = async () => {
    await store.commit({ writes: chunk, checkpoints: [], versions: [FACTS_VERSION, PURCHASES_VERSION] });
    chunk = [];
  };
  for (const facts of resampled(histories, count)) {
    chunk.push(put(customerFacts, { _id: facts.customerId, ...facts }));
    if (chunk.length === 5_000) await flush();
  }
  await flush();
  return new CustomerReadModels(store);
}

export const analyticsBench: Bench = {
  id: 'analytics',
  title: 'analytics, BG/NBD + Gamma-Gamma + RFM',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const histories = readCdnow(CDNOW);
    if (histories.length !== SAMPLE_CUSTOMERS) throw new Error(`${CDNOW}: expected ${SAMPLE_CUSTOMERS} customers, found ${histories.length}`);
    const sizes = context.quick ? [SAMPLE_CUSTOMERS, SAMPLE_CUSTOMERS * 10] : [SAMPLE_CUSTOMERS * 10, SAMPLE_CUSTOMERS * 100];
    const results: { customers: number; seconds: number[]; converged: boolean }[] = [];
    for (const customers of sizes) {
      const readModels = await populate(path.join(context.tmp, 'analytics', `facts-${customers}.sqlite`), histories, customers);
      const seconds: number[] = [];
      let converged = true;
      try {
        for (let run = 0; run <= context.runs; run++) {
          // A new service each run: nothing cached, the facts read from the store again.
          const service = new AnalyticsService(readModels);
          const started = performance.now();
          const bgnbd = await service.bgnbd(AS_OF);
          const gg = await service.gammaGamma(AS_OF, 'USD');
          const rfm = await service.rfm(AS_OF, 'USD');
          const elapsed = (performance.now() - started) / 1000;
          converged = converged && bgnbd.fit.converged && gg.fit.converged && rfm.customers.length > 0;
          if (run > 0) seconds.push(elapsed);
        }
      } finally {
        await readModels.close();
      }
      results.push({ customers, seconds, converged });
      context.log(`analytics ${customers} customers: ${summarize(seconds).median.toFixed(2)} s`);
    }
    const exponent = growthExponent(results.map((r) => ({ x: r.customers, y: summarize(r.seconds).median })));
    const largest = results[results.length - 1]!;
    return results.map((r, i) => {
      const last = i === results.length - 1;
      return {
        id: `analytics-${r.customers}`,
        figure: `analytics, ${events(r.customers)} customers`,
        unit: 's',
        rapport: { label: last ? `fits and RFM; time ∝ customers^${exponent.toFixed(2)}` : 'fits and RFM', summary: summarize(r.seconds) },
        goal: r.customers === SAMPLE_CUSTOMERS * 100 ? 'linear; ≤ 10 s' : 'linear',
        met: last ? exponent <= 1.2 && (largest.customers < SAMPLE_CUSTOMERS * 100 || summarize(largest.seconds).median <= 10) : null,
        details: { customers: r.customers, converged: r.converged, growthExponent: exponent, resampling: 'CDNOW customers with replacement, each shifted 0–30 days', asOf: AS_OF },
      };
    });
  },
};
