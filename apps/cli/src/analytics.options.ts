// The options of `rapport analytics <view>`: the views, the limits, and the
// check that turns commander's strings into them (a bad one is exit code 2).
import { GRANULARITIES, holdoutSpanDays, MAX_HOLDOUT_DAYS, type Granularity } from '@rapport/analytics';
import { orderedWindow } from '@rapport/application';
import { isCurrencyCode } from '@rapport/contract';
import { UserError } from './cli-errors';
import { instantOption } from './instant-option';

export const ANALYTICS_VIEWS = ['rfm', 'models', 'at-risk', 'value', 'funnel', 'revenue'] as const;
export type AnalyticsView = (typeof ANALYTICS_VIEWS)[number];

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 1_000;
export const DEFAULT_HORIZON_WEEKS = 52;
export const MAX_HORIZON_WEEKS = 520;

/** The options as commander hands them over: strings, checked by parseAnalyticsOptions. */
export interface RawAnalyticsOptions {
  readonly asOf?: string;
  readonly currency?: string;
  readonly limit?: string;
  readonly horizonWeeks?: string;
  readonly interval?: string;
  readonly from?: string;
  readonly to?: string;
  /** models: validate the fits on (asOf, holdoutEnd]. */
  readonly validate?: boolean;
  readonly holdoutEnd?: string;
}

export interface AnalyticsOptions {
  readonly asOf: string;
  /** Undefined: the configured reporting currency. */
  readonly currency?: string;
  readonly limit: number;
  readonly horizonWeeks: number;
  readonly interval: Granularity;
  /** RFC 3339 bounds on occurredAt for revenue; undefined: the data's own. */
  readonly from?: string;
  readonly to?: string;
  /** models --validate: the holdout's end; asOf is the calibration end. */
  readonly holdoutEnd?: string;
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Checks the options; a bad one is a UserError (exit code 2, one line). */
export function parseAnalyticsOptions(raw: RawAnalyticsOptions, now: () => Date = () => new Date()): AnalyticsOptions {
  if (raw.asOf !== undefined) instantOption('as-of', raw.asOf);
  let currency: string | undefined;
  if (raw.currency !== undefined) {
    // The API's rule exactly: `usd` is refused here as it is over HTTP.
    if (!isCurrencyCode(raw.currency)) throw new UserError(`--currency must be an upper-case ISO 4217 code such as USD, got ${JSON.stringify(raw.currency)}`);
    currency = raw.currency;
  }
  const interval = raw.interval ?? 'month';
  if (!(GRANULARITIES as readonly string[]).includes(interval)) {
    throw new UserError(`--interval must be one of ${GRANULARITIES.join(', ')}, got ${JSON.stringify(raw.interval)}`);
  }
  const from = raw.from === undefined ? undefined : instantOption('from', raw.from);
  const to = raw.to === undefined ? undefined : instantOption('to', raw.to);
  const window = orderedWindow(from, to);
  if (!window) throw new UserError('--from must not be after --to');
  const asOf = raw.asOf ?? now().toISOString();
  if (raw.holdoutEnd !== undefined && !raw.validate) throw new UserError('--holdout-end goes with --validate');
  const holdoutEnd = raw.validate ? (raw.holdoutEnd === undefined ? now().toISOString() : instantOption('holdout-end', raw.holdoutEnd)) : undefined;
  if (holdoutEnd !== undefined) {
    const days = holdoutSpanDays(asOf, holdoutEnd);
    if (days < 1) throw new UserError('--holdout-end must be on a later day (UTC) than --as-of, the calibration end');
    if (days > MAX_HOLDOUT_DAYS) throw new UserError(`--holdout-end must be at most ${MAX_HOLDOUT_DAYS} days after --as-of`);
  }
  return {
    asOf,
    ...(currency !== undefined ? { currency } : {}),
    limit: integerOption('limit', raw.limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
    horizonWeeks: integerOption('horizon-weeks', raw.horizonWeeks, DEFAULT_HORIZON_WEEKS, 1, MAX_HORIZON_WEEKS),
    interval: interval as Granularity,
    ...window,
    ...(holdoutEnd !== undefined ? { holdoutEnd } : {}),
  };
}
