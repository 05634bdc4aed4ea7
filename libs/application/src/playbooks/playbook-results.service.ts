// A playbook's results (SPEC section 10, "Reading"): enrollments, treated and
// holdout groups, conversions in each, the uplift of treatment over holdout
// with Newcombe's 95% interval, and revenue within the goal window per
// currency. Counted from the enrollments read model and the analytics facts.
import { newcombeInterval, wilsonInterval, type Interval } from '@rapport/analytics';
import { durationMs, type PlaybookDefinition } from '@rapport/playbooks';
import type { EnrollmentDocument } from '@rapport/projections';
import type { CustomerReadModels } from '../customer-read-models';
import type { PlaybookCatalogue } from './playbook-catalogue.service';

export interface GroupResults {
  readonly enrollments: number;
  readonly converted: number;
  /** converted / enrollments (every enrollment counts, running ones too: intention to treat). */
  readonly conversionRate: number | null;
  /** Wilson's 95% interval of the rate. */
  readonly interval: Interval | null;
  /** Purchases after each enrollment's start within its goal window, minor units per currency (overlapping windows each count them); absent without a goal. */
  readonly revenue?: Readonly<Record<string, number>>;
}

export interface PlaybookResults {
  readonly playbookId: string;
  /** The version counted; all of them when absent. */
  readonly version?: number;
  readonly enrolled: number;
  readonly running: number;
  readonly treated: GroupResults;
  readonly holdout: GroupResults;
  /** Treated rate − holdout rate with Newcombe's 95% interval; null while either group is empty. */
  readonly uplift: { readonly difference: number; readonly interval: Interval; readonly confidence: 0.95 } | null;
}

const PAGE = 1_000;

interface Tally {
  enrollments: number;
  converted: number;
  revenue: Map<string, number>;
}

export class PlaybookResultsService {
  constructor(
    private readonly readModels: CustomerReadModels,
    private readonly catalogue: PlaybookCatalogue,
  ) {}

  /** Undefined when no such playbook (or version) was published. */
  async results(playbookId: string, version?: number): Promise<PlaybookResults | undefined> {
    const state = await this.catalogue.get(playbookId);
    if (!state || (version !== undefined && !state.versions.some((v) => v.version === version))) return undefined;
    const definitions = new Map<number, PlaybookDefinition>(state.versions.map((v) => [v.version, v.definition]));
    const groups = { treated: tally(), holdout: tally() };
    let running = 0;
    for (let cursor: string | undefined; ; ) {
      const page = await this.readModels.listEnrollments({ playbookId, ...(version !== undefined ? { version } : {}), limit: PAGE, ...(cursor ? { cursor } : {}) });
      const facts = await this.readModels.getFacts([...new Set(page.items.map((e) => e.customerId))]);
      for (const enrollment of page.items) {
        const group = enrollment.holdout ? groups.holdout : groups.treated;
        group.enrollments++;
        if (enrollment.outcome === 'converted') group.converted++;
        if (enrollment.status === 'running') running++;
        const window = goalWindow(enrollment, definitions.get(enrollment.version));
        if (!window) continue;
        for (const purchase of facts.get(enrollment.customerId)?.purchases ?? []) {
          const at = Date.parse(purchase.occurredAt);
          // Strictly after the start: a purchase that triggered the enrollment is not its result.
          if (at > window.from && at <= window.until) group.revenue.set(purchase.currency, (group.revenue.get(purchase.currency) ?? 0) + purchase.amount);
        }
      }
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    const withGoal = [...definitions.values()].some((d) => d.goal !== undefined);
    const { treated, holdout } = groups;
    return {
      playbookId,
      ...(version !== undefined ? { version } : {}),
      enrolled: treated.enrollments + holdout.enrollments,
      running,
      treated: summarise(treated, withGoal),
      holdout: summarise(holdout, withGoal),
      uplift:
        treated.enrollments > 0 && holdout.enrollments > 0
          ? {
              difference: treated.converted / treated.enrollments - holdout.converted / holdout.enrollments,
              interval: newcombeInterval(treated.converted, treated.enrollments, holdout.converted, holdout.enrollments),
              confidence: 0.95,
            }
          : null,
    };
  }
}

function tally(): Tally {
  return { enrollments: 0, converted: 0, revenue: new Map() };
}

function goalWindow(enrollment: EnrollmentDocument, definition: PlaybookDefinition | undefined): { from: number; until: number } | undefined {
  if (!definition?.goal) return undefined;
  const from = Date.parse(enrollment.enrolledAt);
  return { from, until: from + durationMs(definition.goal.within)! };
}

function summarise(group: Tally, withGoal: boolean): GroupResults {
  const rate = group.enrollments === 0 ? null : group.converted / group.enrollments;
  return {
    enrollments: group.enrollments,
    converted: group.converted,
    conversionRate: rate,
    interval: group.enrollments === 0 ? null : wilsonInterval(group.converted, group.enrollments),
    ...(withGoal ? { revenue: Object.fromEntries([...group.revenue].sort(([a], [b]) => a.localeCompare(b))) } : {}),
  };
}
