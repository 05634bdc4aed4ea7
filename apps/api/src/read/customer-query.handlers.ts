import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { RfmSegment } from '@rapport/analytics';
import { AnalyticsService, CustomerReadModels, type CacheOptions, InvalidCursorError, minorUnitsOrNull, ModelNotFittedError, PlaybookRunner, presentIntervals, startOfHourUtc, type Page } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import { PersonalDataVault } from '@rapport/event-store';
import type { CustomerView, TimelineEntry } from '@rapport/projections';
import { RAPPORT_CONFIG, READ_MODELS } from '../infrastructure/tokens';
import {
  GetCustomer360Query,
  GetTimelineQuery,
  ListCustomersQuery,
  type Customer360,
  type CustomerRead,
  type InvalidCursor,
} from './customer.queries';

/** The 360 and the list may show analytics up to a minute older than the last purchase. */
const ANALYTICS_MAX_STALE_MS = 60_000;
/** The 360 shows a costly result however old while its next one is computed in the background. */
const ANALYTICS_CACHE: CacheOptions = { maxStaleMs: ANALYTICS_MAX_STALE_MS, staleWhileRevalidate: true };
const PREDICTION_HORIZON_WEEKS = 52;

@QueryHandler(GetCustomer360Query)
export class GetCustomer360Handler implements IQueryHandler<GetCustomer360Query> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: CustomerReadModels,
    @Inject(AnalyticsService) private readonly analytics: AnalyticsService,
    @Inject(PersonalDataVault) private readonly vault: PersonalDataVault,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
    @Inject(PlaybookRunner) private readonly runner: PlaybookRunner,
  ) {}

  async execute({ customerId }: GetCustomer360Query): Promise<Customer360 | undefined> {
    const found = await this.readModels.getCustomer(customerId);
    if (!found) return undefined;
    const erasure = await withErasureStatus(found, this.vault);
    // The next due step of each running enrollment, from the runner's due times (the projection cannot know them).
    const view = erasure.playbooks && erasure.playbooks.active.length > 0 ? { ...erasure, playbooks: { ...erasure.playbooks, nextDue: await this.runner.nextDue(customerId) } } : erasure;
    const currency = this.config.reportingCurrency;
    const now = analyticsAsOf();
    const { customers } = await this.analytics.rfm(now, currency, ANALYTICS_CACHE);
    const row = customers.find((c) => c.customerId === customerId);
    const rfm = row ? { asOf: now, currency, ...row } : null;
    // The fits over every customer are never computed while a 360 waits, once some exist: a new hour's are
    // prepared in the background while the 360 answers as of the last hour prepared, and says so.
    const asOf = this.analytics.predictionsAsOf(now, currency, this.config.purchaseModel);
    try {
      const prediction = await this.analytics.predict(customerId, asOf, currency, PREDICTION_HORIZON_WEEKS, ANALYTICS_CACHE, this.config.purchaseModel);
      const predictions =
        prediction && prediction.pAlive !== null
          ? {
              asOf,
              currency,
              horizonWeeks: PREDICTION_HORIZON_WEEKS,
              pAlive: prediction.pAlive,
              expectedPurchases: prediction.expectedPurchases,
              expectedSpend: minorUnitsOrNull(prediction.expectedSpend),
              clv: minorUnitsOrNull(prediction.clv),
              model: prediction.model,
              ...(prediction.modelSelection ? { modelSelection: prediction.modelSelection } : {}),
              intervals: presentIntervals(prediction.intervals),
            }
          : null;
      return { view, rfm, predictions };
    } catch (error) {
      // No fitted model yet (e.g. too few customers): the 360 still answers, and says why.
      if (error instanceof ModelNotFittedError) return { view, rfm, predictions: null, predictionsUnavailable: error.message };
      throw error;
    }
  }
}

@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<ListCustomersQuery> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: CustomerReadModels,
    @Inject(AnalyticsService) private readonly analytics: AnalyticsService,
    @Inject(PersonalDataVault) private readonly vault: PersonalDataVault,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
  ) {}

  async execute({ query: { segment, ...query } }: ListCustomersQuery): Promise<Page<CustomerRead> | InvalidCursor> {
    // A segment is the one the 360 shows: as of the start of the hour, in the reporting currency.
    const customerIds = segment === undefined ? undefined : await this.segmentMembers(segment);
    const page = await withCursor(() => this.readModels.listCustomers({ ...query, ...(customerIds !== undefined ? { customerIds } : {}) }));
    if ('refused' in page) return page;
    return { items: await Promise.all(page.items.map((view) => withErasureStatus(view, this.vault))), nextCursor: page.nextCursor };
  }

  private async segmentMembers(segment: RfmSegment): Promise<string[]> {
    const { customers } = await this.analytics.rfm(analyticsAsOf(), this.config.reportingCurrency, { maxStaleMs: ANALYTICS_MAX_STALE_MS });
    return customers.filter((c) => c.segment === segment).map((c) => c.customerId);
  }
}

@QueryHandler(GetTimelineQuery)
export class GetTimelineHandler implements IQueryHandler<GetTimelineQuery> {
  constructor(@Inject(READ_MODELS) private readonly readModels: CustomerReadModels) {}

  execute({ customerId, page }: GetTimelineQuery): Promise<Page<TimelineEntry> | InvalidCursor> {
    return withCursor(() => this.readModels.getTimeline(customerId, page));
  }
}

export async function withCursor<T>(read: () => Promise<T>): Promise<T | InvalidCursor> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) return { refused: 'INVALID_CURSOR', message: error.message };
    throw error;
  }
}

/**
 * The latest erasure with its status: `pending` while the key store still
 * holds a key made up to its revision (SPEC section 8), else `complete`.
 * Asked of the key store on every read, so it is right in both modes the
 * moment the keys go, whoever destroys them.
 */
async function withErasureStatus(view: CustomerView, vault: PersonalDataVault): Promise<CustomerRead> {
  const { erasure, ...rest } = view;
  if (!erasure) return rest;
  const pending = await vault.erasurePending(view.customerId, erasure.revision);
  return { ...rest, erasure: { status: pending ? 'pending' : 'complete', ...erasure } };
}

/**
 * The 360's analytics are as of the start of the current hour in the reporting
 * currency, so the model fits behind them are shared by every read in that hour,
 * refitted at most once a minute while purchases arrive (and computed ahead by
 * the AnalyticsWarmer).
 */
function analyticsAsOf(): string {
  return startOfHourUtc(Date.now());
}
