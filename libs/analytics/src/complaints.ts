// Complaints as of asOf: opened, still open, resolved, and the median time to
// resolve — overall, by category and by severity.
import { SEVERITIES, type Severity } from '@rapport/domain';
import { groupItems, median } from './stats';
import { instant } from './time';

/** A complaint and, if resolved, when (the customer-facts ComplaintFact fits this). */
export interface ComplaintInput {
  readonly complaintId: string;
  readonly category: string;
  readonly severity: Severity;
  readonly openedAt: string;
  readonly resolvedAt?: string;
}

export interface CustomerComplaints {
  readonly customerId: string;
  readonly complaints: readonly ComplaintInput[];
}

export interface ComplaintStats {
  /** Complaints opened by asOf. */
  readonly opened: number;
  /** Of those, not resolved by asOf. */
  readonly open: number;
  /** Of those, resolved by asOf. */
  readonly resolved: number;
  /** Median hours from opening to resolution over the resolved ones; undefined when none. */
  readonly medianHoursToResolve: number | undefined;
  /**
   * With an SLA: the complaints that outlived it as of asOf — still open more
   * than `slaHours` after opening, or resolved more than `slaHours` after it.
   */
  readonly pastSla?: { readonly open: number; readonly resolved: number };
}

export interface ComplaintsReport extends ComplaintStats {
  /** Per category seen, in alphabetical order. */
  readonly byCategory: readonly ({ readonly category: string } & ComplaintStats)[];
  /** Per severity, every severity present (zeros included), low to critical. */
  readonly bySeverity: readonly ({ readonly severity: Severity } & ComplaintStats)[];
}

const MS_PER_HOUR = 3_600_000;

/**
 * The complaints report as of `asOf`: a complaint counts once opened by asOf,
 * and as resolved only if its resolution is dated by asOf too. A resolution
 * dated before its complaint (late or skewed clocks) counts as 0 hours.
 */
export function complaintsReport(customers: readonly CustomerComplaints[], asOf: string, slaHours?: number): ComplaintsReport {
  if (slaHours !== undefined && !(slaHours > 0)) throw new RangeError(`slaHours must be positive, got ${slaHours}`);
  const cutoff = instant(asOf, 'asOf');
  const all: Complaint[] = [];
  for (const c of customers) {
    for (const k of c.complaints) {
      const opened = instant(k.openedAt, 'openedAt');
      if (opened > cutoff) continue;
      const resolved = k.resolvedAt === undefined ? undefined : instant(k.resolvedAt, 'resolvedAt');
      const hours = resolved !== undefined && resolved <= cutoff ? Math.max(0, resolved - opened) / MS_PER_HOUR : undefined;
      all.push({ category: k.category, severity: k.severity, hours, openHours: (cutoff - opened) / MS_PER_HOUR });
    }
  }
  const byCategory = groupItems(all, (c) => c.category);
  const bySeverity = groupItems(all, (c) => c.severity);
  return {
    ...stats(all, slaHours),
    byCategory: [...byCategory.keys()].sort().map((category) => ({ category, ...stats(byCategory.get(category) ?? [], slaHours) })),
    bySeverity: SEVERITIES.map((severity) => ({ severity, ...stats(bySeverity.get(severity) ?? [], slaHours) })),
  };
}

interface Complaint {
  readonly category: string;
  readonly severity: Severity;
  /** Opening to resolution, when resolved by asOf. */
  readonly hours: number | undefined;
  /** Opening to asOf. */
  readonly openHours: number;
}

function stats(complaints: readonly Complaint[], slaHours: number | undefined): ComplaintStats {
  const hours = complaints.flatMap((c) => (c.hours === undefined ? [] : [c.hours]));
  const base = {
    opened: complaints.length,
    open: complaints.length - hours.length,
    resolved: hours.length,
    medianHoursToResolve: median(hours),
  };
  if (slaHours === undefined) return base;
  return {
    ...base,
    pastSla: {
      open: complaints.filter((c) => c.hours === undefined && c.openHours > slaHours).length,
      resolved: complaints.filter((c) => c.hours !== undefined && c.hours > slaHours).length,
    },
  };
}
