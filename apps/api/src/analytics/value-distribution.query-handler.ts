// The CLV histogram and P(alive) against past value, binned from the
// analytics service's ranked customers (cached per asOf, currency, horizon).
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AnalyticsService, ModelNotFittedError } from '@rapport/application';
import type { AnalyticsRefusal } from './analytics.query';
import { clvHistogram, pAliveByValue, type ClvHistogram, type PAliveByValue } from './value-distribution.aggregate';

export type ValueDistributionQuestion =
  | { readonly kind: 'clv-histogram'; readonly bins: number }
  | { readonly kind: 'p-alive-by-value'; readonly pAliveBands: number; readonly valueBands: number };

/** What each question answers, so the bus types the answer by the question's kind. */
export interface ValueDistributionAnswers {
  readonly 'clv-histogram': ClvHistogram;
  readonly 'p-alive-by-value': PAliveByValue;
}

export class ValueDistributionQuery<Q extends ValueDistributionQuestion = ValueDistributionQuestion> extends Query<ValueDistributionAnswers[Q['kind']] | AnalyticsRefusal> {
  constructor(
    readonly asOf: string,
    readonly currency: string,
    readonly horizonWeeks: number,
    readonly question: Q,
  ) {
    super();
  }
}

@QueryHandler(ValueDistributionQuery)
export class ValueDistributionQueryHandler implements IQueryHandler<ValueDistributionQuery> {
  constructor(@Inject(AnalyticsService) private readonly analytics: AnalyticsService) {}

  async execute({ asOf, currency, horizonWeeks, question }: ValueDistributionQuery): Promise<ClvHistogram | PAliveByValue | AnalyticsRefusal> {
    try {
      // Every customer with a purchase in the currency, ranked once and cached by the service.
      const ranked = await this.analytics.atRisk(asOf, currency, Number.MAX_SAFE_INTEGER, horizonWeeks);
      return question.kind === 'clv-histogram' ? clvHistogram(ranked, question.bins) : pAliveByValue(ranked, question.pAliveBands, question.valueBands);
    } catch (error) {
      if (error instanceof ModelNotFittedError) return { refused: 'MODEL_NOT_FITTED', message: error.message };
      throw error;
    }
  }
}
