// Holdout validation and the model ranking as GET /v1/analytics/models/{model}/validation,
// /models/compare and `rapport analytics models --validate` show them.
import type { FitResult, HoldoutValidation, PurchaseModelName, RankedModel } from '@rapport/analytics';
import { presentFit, type PresentedFit } from './model-fit.presenter';

export interface HoldoutScope {
  readonly calibrationEnd: string;
  readonly holdoutEnd: string;
}

export type HoldoutValidationReport<P> = HoldoutScope & {
  readonly model: PurchaseModelName;
  readonly timeUnit: 'week';
  readonly holdoutWeeks: number;
  readonly customers: number;
  readonly fit: PresentedFit<P>;
} & Pick<HoldoutValidation, 'buckets' | 'tracking' | 'mapePercent'>;

export function presentHoldoutValidation<P>(
  scope: HoldoutScope,
  model: PurchaseModelName,
  { fit, validation }: { readonly fit: FitResult<P>; readonly validation: HoldoutValidation },
): HoldoutValidationReport<P> {
  return {
    model,
    calibrationEnd: scope.calibrationEnd,
    holdoutEnd: scope.holdoutEnd,
    timeUnit: 'week',
    holdoutWeeks: validation.holdoutWeeks,
    customers: validation.customers,
    fit: presentFit(fit),
    buckets: validation.buckets,
    tracking: validation.tracking,
    mapePercent: validation.mapePercent,
  };
}

export type ModelComparisonReport = HoldoutScope & {
  readonly timeUnit: 'week';
  readonly holdoutWeeks: number;
  readonly customers: number;
  readonly models: readonly RankedModel[];
};

export function presentModelComparison(
  scope: HoldoutScope,
  comparison: { readonly customers: number; readonly holdoutWeeks: number; readonly models: readonly RankedModel[] },
): ModelComparisonReport {
  return {
    calibrationEnd: scope.calibrationEnd,
    holdoutEnd: scope.holdoutEnd,
    timeUnit: 'week',
    holdoutWeeks: comparison.holdoutWeeks,
    customers: comparison.customers,
    models: comparison.models,
  };
}
