// The series over time as both edges show them: revenue per period and
// retention per first-purchase month, with the window they were asked for.
import type { Cohort, Granularity, RevenuePeriod } from '@rapport/analytics';
import type { AnalyticsWindow } from '../analytics.service';
import { windowBounds, type AnalyticsScope } from './analytics-scope';

export interface RevenueReport extends AnalyticsScope, AnalyticsWindow {
  readonly interval: Granularity;
  readonly periods: readonly RevenuePeriod[];
}

export interface CohortsReport extends AnalyticsScope, AnalyticsWindow {
  /** Cohorts are by month only. */
  readonly interval: 'month';
  readonly cohorts: readonly Cohort[];
}

export function presentRevenue(
  { asOf, currency }: AnalyticsScope,
  interval: Granularity,
  window: AnalyticsWindow,
  periods: readonly RevenuePeriod[],
): RevenueReport {
  return { asOf, currency, interval, ...windowBounds(window), periods };
}

export function presentCohorts({ asOf, currency }: AnalyticsScope, window: AnalyticsWindow, cohorts: readonly Cohort[]): CohortsReport {
  return { asOf, currency, ...windowBounds(window), interval: 'month', cohorts };
}
