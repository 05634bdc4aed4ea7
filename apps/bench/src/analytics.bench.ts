// Analytics: BG/NBD and Gamma-Gamma fits and RFM through AnalyticsService, from
// the customer-facts read model (the customerFacts collection of the SQLite
// document store, read through CustomerReadModels), on CDNOW resampled to 10× and 100×
// its 2,357 customers. Time should grow linearly with the customers.
import * as path from 'node:path';
import { AnalyticsService, CustomerReadModels } from '@rapport/application';
import { collectionsOf, put, type PutWrite } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { RecordedCustomerEvent } from '@rapport/domain';
import { customerFacts, FACTS_VERSION, projectCustomerFacts, PURCHASES_VERSION, READ_MODELS, type CustomerFacts } from '@rapport/projections';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { readCdnow, resampled, SAMPLE_CUSTOMERS, type Purchase } from './cdnow';
import { growthExponent, summarize } from './stats';

const AS_OF = '1998-06-30T23:59:59Z';

/** The resampled customers' facts, as the facts projection folds their purchases. */
function* resampledFacts(histories: readonly Purchase[][], count: number): Generator<CustomerFacts> {
  for (const { index: k, customerId, purchases } of resampled(histories, count)) {
    let facts: CustomerFacts | undefined;
    purchases.forEach((p, revision) => {
      const event = {
        eventId: `${k}-${revision}`,
        type: 'purchased',
        customerId,
        occurredAt: new Date(p.dayMs).toISOString(),
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
  for (const facts of resampledFacts(histories, count)) {
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
    const histories = readCdnow();
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
