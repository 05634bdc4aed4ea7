// Readiness of a projection (SPEC section 8): one that keeps up is `up`; one
// that advances but is too far behind the log is `lagging`; one that is behind
// and failing, or has not committed a batch for too long, is `stalled`. A
// runner that is not running at all is `down`.
import type { ProjectionFailure, SubscriptionStatus } from './read-progress';

export type ProjectionHealthStatus = 'up' | 'lagging' | 'stalled' | 'down';

export interface ProjectionLagThresholds {
  /** Log positions the read models may trail the head by. */
  readonly maxLagEvents: number;
  /** Age the oldest event not yet projected may reach, and time a runner that is behind may go without committing. */
  readonly maxLagSeconds: number;
}

export const DEFAULT_PROJECTION_LAG: ProjectionLagThresholds = { maxLagEvents: 1000, maxLagSeconds: 30 };

export interface ProjectionObservation extends SubscriptionStatus {
  /** Position of the last event in the log. */
  readonly head: number;
  /** recordedAt of the first event after `position`, when there is one. */
  readonly oldestPendingAt: Date | undefined;
  readonly now: Date;
}

export interface ProjectionHealth {
  readonly status: ProjectionHealthStatus;
  readonly position: number;
  readonly head: number;
  readonly lagEvents: number;
  /** How long ago the oldest event not yet projected was recorded. */
  readonly lagSeconds: number;
  readonly lastAdvancedAt: string | null;
  readonly lastError: { readonly message: string; readonly at: string; readonly failures: number } | null;
}

export function classifyProjection(observed: ProjectionObservation, thresholds: ProjectionLagThresholds = DEFAULT_PROJECTION_LAG): ProjectionHealth {
  const lagEvents = Math.max(0, observed.head - observed.position);
  const pendingSince = lagEvents > 0 ? observed.oldestPendingAt : undefined;
  const lagSeconds = pendingSince ? Math.max(0, seconds(observed.now, pendingSince)) : 0;
  // Behind and silent since the later of its last commit and the first event it has yet to project.
  const progressFrom = latest(observed.lastAdvancedAt, pendingSince);
  const silentSeconds = lagEvents > 0 && progressFrom ? seconds(observed.now, progressFrom) : 0;
  let status: ProjectionHealthStatus = 'up';
  if (!observed.running) status = 'down';
  else if (lagEvents > 0 && (observed.lastError !== undefined || silentSeconds > thresholds.maxLagSeconds)) status = 'stalled';
  else if (lagEvents > thresholds.maxLagEvents || lagSeconds > thresholds.maxLagSeconds) status = 'lagging';
  return {
    status,
    position: observed.position,
    head: observed.head,
    lagEvents,
    lagSeconds: Math.round(lagSeconds * 1000) / 1000,
    lastAdvancedAt: observed.lastAdvancedAt?.toISOString() ?? null,
    lastError: observed.lastError ? renderFailure(observed.lastError) : null,
  };
}

function renderFailure(failure: ProjectionFailure) {
  return { message: failure.message, at: failure.at.toISOString(), failures: failure.failures };
}

function seconds(now: Date, since: Date): number {
  return (now.getTime() - since.getTime()) / 1000;
}

function latest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() >= b.getTime() ? a : b;
}
