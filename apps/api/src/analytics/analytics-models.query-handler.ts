// The purchase models' questions (SPEC section 6, "More purchase models"): a
// model's fit as of an instant, its holdout validation, and the ranking of the
// three by holdout error. The analytics service fits and caches; a model that
// cannot be fitted is a refusal value the edge turns into a 422.
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AnalyticsService, ModelNotFittedError } from '@rapport/application';
import type { FitResult, HoldoutValidation, PurchaseModelName, PurchaseModelParams, RankedModel } from '@rapport/analytics';
import type { AnalyticsRefusal } from './analytics.query';

type AnyParams = PurchaseModelParams[PurchaseModelName];

export type PurchaseModelQuestion =
  | { readonly kind: 'fit'; readonly model: PurchaseModelName; readonly asOf: string }
  | { readonly kind: 'validation'; readonly model: PurchaseModelName; readonly calibrationEnd: string; readonly holdoutEnd: string }
  | { readonly kind: 'compare'; readonly calibrationEnd: string; readonly holdoutEnd: string };

/** The answer to each kind of question, so the bus types what a question returns. */
export interface PurchaseModelAnswers {
  readonly fit: { readonly fit: FitResult<AnyParams>; readonly customers: number };
  readonly validation: { readonly fit: FitResult<AnyParams>; readonly validation: HoldoutValidation };
  readonly compare: { readonly customers: number; readonly holdoutWeeks: number; readonly models: RankedModel[] };
}

export class PurchaseModelQuery<Q extends PurchaseModelQuestion = PurchaseModelQuestion> extends Query<PurchaseModelAnswers[Q['kind']] | AnalyticsRefusal> {
  constructor(readonly question: Q) {
    super();
  }
}

@QueryHandler(PurchaseModelQuery)
export class PurchaseModelQueryHandler implements IQueryHandler<PurchaseModelQuery> {
  constructor(@Inject(AnalyticsService) private readonly analytics: AnalyticsService) {}

  async execute({ question }: PurchaseModelQuery): Promise<PurchaseModelAnswers[PurchaseModelQuestion['kind']] | AnalyticsRefusal> {
    try {
      return await this.answer(question);
    } catch (error) {
      if (error instanceof ModelNotFittedError) return { refused: 'MODEL_NOT_FITTED', message: error.message };
      throw error;
    }
  }

  private async answer(q: PurchaseModelQuestion): Promise<PurchaseModelAnswers[PurchaseModelQuestion['kind']]> {
    switch (q.kind) {
      case 'fit':
        return this.analytics.purchaseModel(q.model, q.asOf);
      case 'validation':
        return this.analytics.holdoutValidation(q.model, q.calibrationEnd, q.holdoutEnd);
      case 'compare':
        return this.analytics.compareModels(q.calibrationEnd, q.holdoutEnd);
    }
  }
}
