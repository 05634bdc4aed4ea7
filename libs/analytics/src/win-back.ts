// Win-back as of asOf: churn episodes, how many were won back, the rate and the
// median time to win back — overall, by churn reason, by the campaign and by
// the way the customer came back.
import { CHURN_REASONS, WIN_BACK_VIA, type ChurnReason, type WinBackVia } from '@rapport/domain';
import { groupItems, median, ratio } from './stats';
import { instant, MS_PER_DAY } from './time';

export interface ChurnInput {
  readonly occurredAt: string;
  readonly reason: ChurnReason;
}

export interface WinBackInput {
  readonly occurredAt: string;
  readonly via: WinBackVia;
  readonly campaignId?: string;
}

/**
 * A customer's churns and win-backs, each list in record order, as the
 * customer-facts read model keeps them (`churns`, `winBacks`). The decider
 * alternates them (churned only when not churned, won_back only when churned),
 * so the i-th win-back ends the i-th churn: pairing by position is the decider's
 * own pairing, whatever the events' business times.
 */
export interface CustomerChurnHistory {
  readonly customerId: string;
  readonly churns: readonly ChurnInput[];
  readonly winBacks: readonly WinBackInput[];
}

export interface WinBackStats {
  /** Churn episodes dated by asOf. */
  readonly churned: number;
  /** Of those, won back by asOf. */
  readonly wonBack: number;
  /** wonBack / churned. */
  readonly rate: number;
  /** Median days from churn to win-back over the won-back episodes. */
  readonly medianDaysToWinBack: number | undefined;
}

export interface WinBackReport extends WinBackStats {
  /** Distinct customers with a churn by asOf. */
  readonly customersChurned: number;
  /** Customers churned and not won back as of asOf. */
  readonly stillChurned: number;
  /** Per churn reason, every reason present. */
  readonly byReason: readonly ({ readonly reason: ChurnReason } & WinBackStats)[];
  /**
   * Won-back episodes per campaign of the win-back (`null`: none named), by
   * campaign id. `rate` is wonBack / all churn episodes, so the rates add up
   * to the overall rate.
   */
  readonly byCampaign: readonly ({ readonly campaignId: string | null } & WinBackStats)[];
  /** Won-back episodes per way back (offer, purchase, reactivation); rate as for campaigns. */
  readonly byVia: readonly ({ readonly via: WinBackVia } & WinBackStats)[];
}

interface Episode {
  readonly reason: ChurnReason;
  /** Days from churn to win-back when won back by asOf. */
  readonly days?: number;
  readonly via?: WinBackVia;
  readonly campaignId?: string;
}

/**
 * The win-back report as of `asOf`: a churn counts when dated by asOf, its
 * win-back only when dated by asOf too. A win-back dated before its churn
 * (a late churn event) counts as 0 days.
 */
export function winBackReport(histories: readonly CustomerChurnHistory[], asOf: string): WinBackReport {
  const cutoff = instant(asOf, 'asOf');
  const episodes: Episode[] = [];
  let customersChurned = 0;
  let stillChurned = 0;
  for (const h of histories) {
    let any = false;
    let lastOpen = false;
    h.churns.forEach((churn, i) => {
      const churnedAt = instant(churn.occurredAt, 'occurredAt');
      if (churnedAt > cutoff) return;
      any = true;
      const back = h.winBacks[i];
      const backAt = back === undefined ? undefined : instant(back.occurredAt, 'occurredAt');
      if (back !== undefined && backAt !== undefined && backAt <= cutoff) {
        episodes.push({ reason: churn.reason, days: Math.max(0, backAt - churnedAt) / MS_PER_DAY, via: back.via, campaignId: back.campaignId });
        lastOpen = false;
      } else {
        episodes.push({ reason: churn.reason });
        lastOpen = true;
      }
    });
    if (any) customersChurned += 1;
    if (lastOpen) stillChurned += 1;
  }
  const total = episodes.length;
  const wonBack = episodes.filter((e) => e.days !== undefined);
  const byReason = groupItems(episodes, (e) => e.reason);
  const byCampaign = groupItems(wonBack, (e) => e.campaignId ?? '');
  const byVia = groupItems(wonBack, (e) => e.via ?? '');
  return {
    ...stats(episodes, total),
    customersChurned,
    stillChurned,
    byReason: CHURN_REASONS.map((reason) => {
      const group = byReason.get(reason) ?? [];
      return { reason, ...stats(group, group.length) };
    }),
    byCampaign: [...byCampaign.keys()]
      .sort()
      .map((key) => ({ campaignId: key === '' ? null : key, ...stats(byCampaign.get(key) ?? [], total) })),
    byVia: WIN_BACK_VIA.map((via) => ({ via, ...stats(byVia.get(via) ?? [], total) })),
  };
}

function stats(episodes: readonly Episode[], churned: number): WinBackStats {
  const days = episodes.flatMap((e) => (e.days === undefined ? [] : [e.days]));
  return { churned, wonBack: days.length, rate: ratio(days.length, churned), medianDaysToWinBack: median(days) };
}
