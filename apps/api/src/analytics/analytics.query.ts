import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AnalyticsService, ModelNotFittedError } from '@rapport/application';
import { AnswerTooLargeError, type Granularity, type PurchaseModelChoice } from '@rapport/analytics';

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
      /** Default bgnbd. */
      readonly model?: PurchaseModelChoice;
    }
  | { readonly kind: 'at-risk' | 'value'; readonly asOf: string; readonly currency: string; readonly limit: number; readonly horizonWeeks: number }
  | { readonly kind: 'offer-response'; readonly asOf: string; readonly campaignId?: string; readonly offerId?: string }
  | { readonly kind: 'funnel' | 'win-back' | 'currencies'; readonly asOf: string }
  | { readonly kind: 'complaints'; readonly asOf: string; readonly slaHours?: number }
  | { readonly kind: 'cohorts'; readonly asOf: string; readonly currency: string; readonly from?: string; readonly to?: string }
  | {
      readonly kind: 'revenue';
      readonly asOf: string;
      readonly currency: string;
      readonly interval: Granularity;
      readonly from?: string;
      readonly to?: string;
    };

type AnalyticsKind = AnalyticsQuestion['kind'];

/** What the analytics service answers to a method, unwrapped from its promise. */
type ServiceAnswer<M extends keyof AnalyticsService> = AnalyticsService[M] extends (...args: never[]) => Promise<infer R> ? R : never;

/** The answer to each kind of question, so the bus types what a question returns. */
export interface AnalyticsAnswers {
  readonly rfm: ServiceAnswer<'rfm'>;
  readonly bgnbd: ServiceAnswer<'bgnbd'>;
  readonly 'gamma-gamma': ServiceAnswer<'gammaGamma'>;
  readonly predictions: ServiceAnswer<'predict'>;
  readonly 'at-risk': ServiceAnswer<'atRisk'>;
  readonly value: ServiceAnswer<'value'>;
  readonly 'offer-response': ServiceAnswer<'offerResponse'>;
  readonly funnel: ServiceAnswer<'funnel'>;
  readonly complaints: ServiceAnswer<'complaints'>;
  readonly 'win-back': ServiceAnswer<'winBack'>;
  readonly cohorts: ServiceAnswer<'cohorts'>;
  readonly revenue: ServiceAnswer<'revenue'>;
  readonly currencies: ServiceAnswer<'currencies'>;
}

/** Why a question has no answer: a value with a stable code, which the HTTP edge alone turns into a problem. */
export type AnalyticsRefusal =
  | { readonly refused: 'MODEL_NOT_FITTED'; readonly message: string }
  | { readonly refused: 'ANSWER_TOO_LARGE'; readonly message: string };

/** Typed by its question: `new AnalyticsQuery({ kind: 'rfm', ... })` answers an RfmResult or a refusal. */
export class AnalyticsQuery<Q extends AnalyticsQuestion = AnalyticsQuestion> extends Query<AnalyticsAnswers[Q['kind']] | AnalyticsRefusal> {
  constructor(readonly question: Q) {
    super();
  }
}

@QueryHandler(AnalyticsQuery)
export class AnalyticsQueryHandler implements IQueryHandler<AnalyticsQuery> {
  constructor(@Inject(AnalyticsService) private readonly analytics: AnalyticsService) {}

  async execute({ question }: AnalyticsQuery): Promise<AnalyticsAnswers[AnalyticsKind] | AnalyticsRefusal> {
    try {
      return await this.answer(question);
    } catch (error) {
      if (error instanceof ModelNotFittedError) return { refused: 'MODEL_NOT_FITTED', message: error.message };
      if (error instanceof AnswerTooLargeError) return { refused: 'ANSWER_TOO_LARGE', message: error.message };
      throw error;
    }
  }

  private async answer(q: AnalyticsQuestion): Promise<AnalyticsAnswers[AnalyticsKind]> {
    switch (q.kind) {
      case 'rfm':
        return this.analytics.rfm(q.asOf, q.currency, { maxStaleMs: q.maxStaleMs ?? 0 });
      case 'bgnbd':
        return this.analytics.bgnbd(q.asOf);
      case 'gamma-gamma':
        return this.analytics.gammaGamma(q.asOf, q.currency);
      case 'predictions':
        return this.analytics.predict(q.customerId, q.asOf, q.currency, q.horizonWeeks, { maxStaleMs: q.maxStaleMs ?? 0 }, q.model ?? 'bgnbd');
      case 'at-risk':
        return this.analytics.atRisk(q.asOf, q.currency, q.limit, q.horizonWeeks);
      case 'value':
        return this.analytics.value(q.asOf, q.currency, q.limit, q.horizonWeeks);
      case 'offer-response':
        return this.analytics.offerResponse(q.asOf, {
          ...(q.campaignId !== undefined ? { campaignId: q.campaignId } : {}),
          ...(q.offerId !== undefined ? { offerId: q.offerId } : {}),
        });
      case 'funnel':
        return this.analytics.funnel(q.asOf);
      case 'complaints':
        return this.analytics.complaints(q.asOf, q.slaHours);
      case 'win-back':
        return this.analytics.winBack(q.asOf);
      case 'cohorts':
        return this.analytics.cohorts(q.asOf, q.currency, { from: q.from, to: q.to });
      case 'revenue':
        return this.analytics.revenue(q.asOf, q.currency, q.interval, { from: q.from, to: q.to });
      case 'currencies':
        return this.analytics.currencies(q.asOf);
    }
  }
}
