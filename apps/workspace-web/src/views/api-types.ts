// The shapes of the API answers the views read (docs/api.md, /openapi.json).

export type Stage = 'prospect' | 'qualified' | 'customer' | 'repeat' | 'churned';
export const STAGES: readonly Stage[] = ['prospect', 'qualified', 'customer', 'repeat', 'churned'];

export interface FunnelReport {
  readonly asOf: string;
  readonly customers: number;
  readonly byStage: Readonly<Record<Stage, number>>;
  readonly reached: Readonly<Record<Stage, number>>;
  readonly conversions: readonly { phase: string; from: Stage; to: readonly Stage[]; entered: number; converted: number; rate: number }[];
}

export interface RevenueReport {
  readonly currency: string;
  readonly periods: readonly { period: string; start: string; revenue: number; orders: number; customers: number }[];
}

export interface ComplaintStats {
  readonly opened: number;
  readonly open: number;
  readonly resolved: number;
  readonly medianHoursToResolve?: number;
  /** With ?slaHours=: the complaints that outlived the SLA as of asOf. */
  readonly pastSla?: { readonly open: number; readonly resolved: number };
}

export interface ComplaintsReport extends ComplaintStats {
  readonly byCategory: readonly ({ category: string } & ComplaintStats)[];
  readonly bySeverity: readonly ({ severity: string } & ComplaintStats)[];
}

export interface RfmRow {
  readonly customerId: string;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetary: number;
  readonly r: number;
  readonly f: number;
  readonly m: number;
  readonly fm: number;
  readonly segment: string;
}

export interface RfmGrid {
  readonly customers: number;
  readonly value: number;
  readonly cells: readonly { r: number; fm: number; segment: string; customers: number; value: number; meanRecencyDays: number | null; meanFrequency: number | null }[];
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface RankedCustomer {
  readonly customerId: string;
  readonly pAlive: number;
  readonly expectedPurchases: number;
  readonly expectedSpend: number | null;
  readonly clv: number | null;
  readonly pastValue: number;
  readonly valueAtRisk: number;
}

export interface ClvHistogram {
  readonly customers: number;
  readonly withoutClv: number;
  readonly totalClv: number;
  readonly binWidth: number | null;
  readonly bins: readonly { lower: number; upper: number | null; customers: number; clv: number }[];
}

export interface PAliveByValue {
  readonly customers: number;
  readonly pAliveBands: readonly { lower: number; upper: number }[];
  readonly valueBands: readonly { lower: number; upper: number | null }[];
  readonly cells: readonly { pAliveBand: number; valueBand: number; customers: number; pastValue: number; valueAtRisk: number }[];
}

export interface CohortsReport {
  readonly cohorts: readonly { cohort: string; customers: number; months: readonly { offset: number; month: string; active: number; share: number; complete: boolean }[] }[];
}

export interface FitReport {
  readonly customers: number;
  readonly converged: boolean;
  readonly params?: Readonly<Record<string, number>>;
  readonly logLikelihood?: number;
  readonly iterations?: number;
  readonly reason?: string;
}

export type PurchaseModelName = 'bgnbd' | 'pareto-nbd' | 'mbg-nbd';
export const PURCHASE_MODELS: readonly PurchaseModelName[] = ['bgnbd', 'pareto-nbd', 'mbg-nbd'];

/** GET /v1/analytics/models/compare: the three purchase models fitted at calibrationEnd, ranked by holdout MAPE. */
export interface ModelComparison {
  readonly calibrationEnd: string;
  readonly holdoutEnd: string;
  readonly holdoutWeeks: number;
  readonly customers: number;
  readonly models: readonly (
    | { readonly rank: number; readonly model: PurchaseModelName; readonly converged: true; readonly params: Readonly<Record<string, number>>; readonly logLikelihood: number; readonly mapePercent: number | null }
    | { readonly rank: null; readonly model: PurchaseModelName; readonly converged: false; readonly reason: string }
  )[];
}

/** GET /v1/analytics/models/{model}/validation. */
export interface HoldoutValidationReport {
  readonly model: PurchaseModelName;
  readonly calibrationEnd: string;
  readonly holdoutEnd: string;
  readonly holdoutWeeks: number;
  readonly customers: number;
  readonly fit: FitReport;
  readonly buckets: readonly { frequency: string; customers: number; meanActual: number | null; meanPredicted: number | null }[];
  readonly tracking: readonly { week: number; day: number; date: string; actual: number; predicted: number }[];
  readonly mapePercent: number | null;
}
