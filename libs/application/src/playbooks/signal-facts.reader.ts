// What signal triggers read of every customer (SPEC section 10): stage and
// since when, last purchase, and P(alive), as of the instant the signal fires,
// from the analytics facts read model, one customer at a time.
import type { SignalFacts } from '@rapport/playbooks';
import type { CustomerFacts } from '@rapport/projections';
import { AnalyticsService, ModelNotFittedError } from '../analytics.service';
import type { CustomerReadModels } from '../customer-read-models';

export interface CustomerSignalFacts {
  readonly customerId: string;
  readonly facts: SignalFacts;
}

export interface SignalSource {
  /** Every customer's signal facts as of `at`; P(alive) only when asked for (it fits BG/NBD). */
  factsAt(at: string, options: { readonly pAlive: boolean }): AsyncIterable<CustomerSignalFacts>;
}

export class ReadModelSignalSource implements SignalSource {
  constructor(
    private readonly readModels: CustomerReadModels,
    private readonly analytics: AnalyticsService,
    private readonly onModelNotFitted?: (error: ModelNotFittedError) => void,
  ) {}

  async *factsAt(at: string, options: { readonly pAlive: boolean }): AsyncIterable<CustomerSignalFacts> {
    if (!options.pAlive) {
      // A page at a time: nothing else needs every customer in memory.
      for await (const facts of this.readModels.scanFacts()) yield { customerId: facts.customerId, facts: signalFactsOf(facts, at, null) };
      return;
    }
    const pAlive = await this.pAlive(at);
    // The analytics hold every customer's facts for the fit already: no second scan of the store.
    for (const facts of await this.analytics.everyCustomerFacts()) yield { customerId: facts.customerId, facts: signalFactsOf(facts, at, pAlive.get(facts.customerId) ?? null) };
  }

  private async pAlive(at: string): Promise<ReadonlyMap<string, number>> {
    try {
      return await this.analytics.pAliveByCustomer(at, { maxStaleMs: 60_000 });
    } catch (error) {
      // No model yet: p_alive_below holds for no one.
      if (!(error instanceof ModelNotFittedError)) throw error;
      this.onModelNotFitted?.(error);
      return new Map();
    }
  }
}

/** The customer's facts as they stood at `at`: later events do not count. */
export function signalFactsOf(facts: CustomerFacts, at: string, pAlive: number | null): SignalFacts {
  const atMs = Date.parse(at);
  const stage = [...facts.stages].reverse().find((s) => Date.parse(s.occurredAt) <= atMs);
  let lastPurchaseMs: number | undefined;
  for (const purchase of facts.purchases) {
    const ms = Date.parse(purchase.occurredAt);
    if (ms <= atMs && (lastPurchaseMs === undefined || ms > lastPurchaseMs)) lastPurchaseMs = ms;
  }
  return {
    stage: stage?.stage ?? null,
    stageSince: stage?.occurredAt ?? null,
    lastPurchaseAt: lastPurchaseMs === undefined ? null : new Date(lastPurchaseMs).toISOString(),
    pAlive,
  };
}
