import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AnalyticsService, ModelNotFittedError } from '@rapport/application';
import { AnswerTooLargeError, type Granularity } from '@rapport/analytics';
import { ProblemException } from '../http/problem';

/** One analytics question; the handler routes it to the analytics service. */
export type AnalyticsQuestion =
  | { readonly kind: 'rfm'; readonly asOf: string; readonly currency: string; readonly maxStaleMs?: number }
  | { readonly kind: 'bgnbd'; readonly asOf: string }
  | { readonly kind: 'gamma-gamma'; readonly asOf: string; readonly currency: string }
  | {
      readonly kind: 'predictions';
      readonly customerId: string;
      readonly asOf: string;
      readonly currency: string;
      readonly horizonWeeks: number;
      readonly maxStaleMs?: number;
    }
  | { readonly kind: 'at-risk' | 'value'; readonly asOf: string; readonly currency: string; readonly limit: number; readonly horizonWeeks: number }
  | { readonly kind: 'offer-response'; readonly asOf: string; readonly campaignId?: string; readonly offerId?: string }
  | { readonly kind: 'funnel' | 'complaints' | 'win-back'; readonly asOf: string }
  | { readonly kind: 'cohorts'; readonly asOf: string; readonly currency: string; readonly from?: string; readonly to?: string }
  | {
      readonly kind: 'revenue';
      readonly asOf: string;
      readonly currency: string;
      readonly interval: Granularity;
      readonly from?: string;
      readonly to?: string;
    };

export class AnalyticsQuery {
  constructor(readonly question: AnalyticsQuestion) {}
}

@QueryHandler(AnalyticsQuery)
export class AnalyticsQueryHandler implements IQueryHandler<AnalyticsQuery> {
  constructor(@Inject(AnalyticsService) private readonly analytics: AnalyticsService) {}

  async execute({ question: q }: AnalyticsQuery): Promise<unknown> {
    try {
      switch (q.kind) {
        case 'rfm':
          return await this.analytics.rfm(q.asOf, q.currency, { maxStaleMs: q.maxStaleMs ?? 0 });
        case 'bgnbd':
          return await this.analytics.bgnbd(q.asOf);
        case 'gamma-gamma':
          return await this.analytics.gammaGamma(q.asOf, q.currency);
        case 'predictions':
          return await this.analytics.predict(q.customerId, q.asOf, q.currency, q.horizonWeeks, { maxStaleMs: q.maxStaleMs ?? 0 });
        case 'at-risk':
          return await this.analytics.atRisk(q.asOf, q.currency, q.limit, q.horizonWeeks);
        case 'value':
          return await this.analytics.value(q.asOf, q.currency, q.limit, q.horizonWeeks);
        case 'offer-response':
          return await this.analytics.offerResponse(q.asOf, {
            ...(q.campaignId !== undefined ? { campaignId: q.campaignId } : {}),
            ...(q.offerId !== undefined ? { offerId: q.offerId } : {}),
          });
        case 'funnel':
          return await this.analytics.funnel(q.asOf);
        case 'complaints':
          return await this.analytics.complaints(q.asOf);
        case 'win-back':
          return await this.analytics.winBack(q.asOf);
        case 'cohorts':
          return await this.analytics.cohorts(q.asOf, q.currency, { from: q.from, to: q.to });
        case 'revenue':
          return await this.analytics.revenue(q.asOf, q.currency, q.interval, { from: q.from, to: q.to });
      }
    } catch (error) {
      if (error instanceof ModelNotFittedError) {
        throw new ProblemException(422, 'MODEL_NOT_FITTED', 'Model not fitted', error.message);
      }
      if (error instanceof AnswerTooLargeError) {
        throw new ProblemException(400, 'ANSWER_TOO_LARGE', 'Answer too large', `${error.message}: narrow from/to`, [
          { field: 'from', message: 'a later from narrows the answer' },
          { field: 'to', message: 'an earlier to narrows the answer' },
        ]);
      }
      throw error;
    }
  }
}
