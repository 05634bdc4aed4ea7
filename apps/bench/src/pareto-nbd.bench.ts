// Pareto/NBD: the maximum-likelihood fit on CDNOW resampled to 10× and 100×
// its 2,357 customers (23,570 and 235,700), from the purchase-day summaries.
// Customers with equal (x, t_x, T) are summed once, so the cost follows the
// distinct summaries (bounded by the calendar), not the customers; the
// summaries themselves are prepared outside the timing.
import { fitParetoNbd, summarizePurchaseDays, toRepeatSummary, type CustomerPurchases } from '@rapport/analytics';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { readCdnow, resampled, SAMPLE_CUSTOMERS, type Purchase } from './cdnow';
import { summarize } from './stats';

const AS_OF = '1998-06-30T23:59:59Z';
const GOAL_SECONDS = 10;

function population(histories: readonly Purchase[][], count: number): CustomerPurchases[] {
  return [...resampled(histories, count)].map(({ customerId, purchases }) => ({
    customerId,
    purchases: purchases.map((p) => ({ occurredAt: new Date(p.dayMs).toISOString(), amount: p.cents })),
  }));
}

export const paretoNbdBench: Bench = {
  id: 'pareto-nbd',
  title: 'analytics, Pareto/NBD fit',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const histories = readCdnow();
    const sizes = context.quick ? [SAMPLE_CUSTOMERS, SAMPLE_CUSTOMERS * 10] : [SAMPLE_CUSTOMERS * 10, SAMPLE_CUSTOMERS * 100];
    const figures: FigureResult[] = [];
    for (const customers of sizes) {
      const summaries = summarizePurchaseDays(population(histories, customers), AS_OF).map(toRepeatSummary);
      const distinct = new Set(summaries.map((s) => `${s.x}|${s.tx}|${s.T}`)).size;
      const seconds: number[] = [];
      let fit = fitParetoNbd(summaries);
      for (let run = 0; run <= context.runs; run++) {
        const started = performance.now();
        fit = fitParetoNbd(summaries);
        // The first run warms the JIT up.
        if (run > 0) seconds.push((performance.now() - started) / 1000);
      }
      const summary = summarize(seconds);
      context.log(`pareto-nbd ${customers} customers (${distinct} distinct (x, t_x, T)): ${summary.median.toFixed(2)} s`);
      const largest = customers === SAMPLE_CUSTOMERS * 100;
      figures.push({
        id: `pareto-nbd-${customers}`,
        figure: `Pareto/NBD fit, ${events(customers)} customers`,
        unit: 's',
        rapport: { label: `${events(distinct)} distinct (x, t_x, T)`, summary },
        goal: largest ? `≤ ${GOAL_SECONDS} s` : 'converges',
        met: fit.converged && (!largest || summary.median <= GOAL_SECONDS),
        details: {
          customers,
          distinct,
          asOf: AS_OF,
          converged: fit.converged,
          ...(fit.converged ? { params: fit.params, logLikelihood: fit.logLikelihood, iterations: fit.iterations, evaluations: fit.evaluations } : { reason: fit.reason }),
          resampling: 'CDNOW customers with replacement, each shifted 0–30 days',
        },
      });
    }
    return figures;
  },
};
