// What every analytics answer is scoped by, and the one check of a from/to
// window, so the API and the CLI refuse the same windows.
import { instantMs } from '@rapport/domain';
import type { AnalyticsWindow } from '../analytics.service';

/**
 * The start of the UTC hour of `now`: what the 360's and the playbooks' analytics
 * are as of, so that every read in that hour shares the same fits.
 */
export function startOfHourUtc(now: Date | number): string {
  const hour = new Date(now);
  hour.setUTCMinutes(0, 0, 0);
  return hour.toISOString();
}

/** The instant an answer is as of, and the currency its money is in. */
export interface AnalyticsScope {
  readonly asOf: string;
  readonly currency: string;
}

/**
 * The bounds as given, either end open; undefined when `from` is after `to`,
 * which each edge refuses in its own words. Both must be instants already
 * checked by parseInstant (the edges validate them first).
 */
export function orderedWindow(from: string | undefined, to: string | undefined): AnalyticsWindow | undefined {
  if (from !== undefined && to !== undefined && instantMs(from) > instantMs(to)) return undefined;
  return windowBounds({ from, to });
}

/** Only the ends that were given: an open end is absent, not undefined. */
export function windowBounds({ from, to }: AnalyticsWindow): AnalyticsWindow {
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
