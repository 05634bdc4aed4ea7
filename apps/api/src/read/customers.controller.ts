import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { CustomerView, TimelineEntry } from '@rapport/projections';
import type { Page } from '@rapport/read-store';
import { streamName } from '@rapport/domain';
import type { RfmResult } from '@rapport/analytics';
import type { CustomerPrediction } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import { PersonalDataVault } from '@rapport/event-store';
import { ProblemException } from '../http/problem';
import { Roles } from '../auth/access.decorators';
import { AnalyticsQuery } from '../analytics/analytics.query';
import { RAPPORT_CONFIG } from '../infrastructure/tokens';
import { assertCustomerId } from '../http/customer-id';
import { ConsistencyDto, ListCustomersDto, PageDto } from './customer-read.dto';
import { GetCustomerQuery, GetTimelineQuery, ListCustomersQuery } from './customer.queries';
import { ReadConsistency } from './read-consistency.service';

@ApiTags('customers')
@Roles('analyst')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
    private readonly vault: PersonalDataVault,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List customers, paged, by stage, segment or text' })
  async list(@Query() query: ListCustomersDto) {
    await this.consistency.ensure(query.consistentWith);
    const page: Page<CustomerView> = await this.queryBus.execute(
      new ListCustomersQuery({
        limit: query.limit ?? 50,
        ...(query.stage !== undefined ? { stage: query.stage } : {}),
        ...(query.segment !== undefined ? { customerIds: await this.segmentMembers(query.segment) } : {}),
        ...(query.q !== undefined ? { q: query.q } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      }),
    );
    const items = await Promise.all(page.items.map(async (view) => ({ ...(await this.withErasureStatus(view)), stream: streamName(view.customerId) })));
    return { items, nextCursor: page.nextCursor };
  }

  @Get(':customerId')
  @ApiOperation({ summary: 'The customer 360' })
  @ApiResponse({ status: 404, description: 'No such customer (problem+json)' })
  async get(@Param('customerId') customerId: string, @Query() query: ConsistencyDto) {
    assertCustomerId(customerId);
    await this.consistency.ensure(query.consistentWith);
    const view: CustomerView | undefined = await this.queryBus.execute(new GetCustomerQuery(customerId));
    if (!view) throw notFound(customerId);
    return { ...(await this.withErasureStatus(view)), stream: streamName(view.customerId), ...(await this.analyticsOf(customerId)) };
  }

  /**
   * The latest erasure with its status: `pending` while the key store still
   * holds a key made up to its revision (SPEC section 8), else `complete`.
   * Asked of the key store on every read, so it is right in both modes the
   * moment the keys go, whoever destroys them.
   */
  private async withErasureStatus(view: CustomerView) {
    const { erasure, ...rest } = view;
    if (!erasure) return rest;
    const pending = await this.vault.erasurePending(view.customerId, erasure.revision);
    return { ...rest, erasure: { status: pending ? ('pending' as const) : ('complete' as const), ...erasure } };
  }

  private async rfm(): Promise<{ asOf: string; currency: string; result: RfmResult }> {
    const asOf = analyticsAsOf();
    const currency = this.config.reportingCurrency;
    const result: RfmResult = await this.queryBus.execute(new AnalyticsQuery({ kind: 'rfm', asOf, currency, maxStaleMs: ANALYTICS_MAX_STALE_MS }));
    return { asOf, currency, result };
  }

  private async segmentMembers(segment: string): Promise<string[]> {
    const { result } = await this.rfm();
    return result.customers.filter((c) => c.segment === segment).map((c) => c.customerId);
  }

  private async analyticsOf(customerId: string) {
    const { asOf, currency, result } = await this.rfm();
    const row = result.customers.find((c) => c.customerId === customerId);
    const rfm = row ? { asOf, currency, ...row } : null;
    try {
      const prediction: CustomerPrediction | undefined = await this.queryBus.execute(
        new AnalyticsQuery({ kind: 'predictions', customerId, asOf, currency, horizonWeeks: 52, maxStaleMs: ANALYTICS_MAX_STALE_MS }),
      );
      const predictions = prediction && prediction.pAlive !== null
        ? { asOf, currency, horizonWeeks: 52, pAlive: prediction.pAlive, expectedPurchases: prediction.expectedPurchases, expectedSpend: prediction.expectedSpend, clv: prediction.clv }
        : null;
      return { rfm, predictions };
    } catch (error) {
      // No fitted model yet (e.g. too few customers): the 360 still answers, and says why.
      if (error instanceof ProblemException && error.code === 'MODEL_NOT_FITTED') return { rfm, predictions: null, predictionsUnavailable: error.message };
      throw error;
    }
  }

  @Get(':customerId/timeline')
  @ApiOperation({ summary: "A customer's events in business-time order (occurredAt)" })
  async timeline(@Param('customerId') customerId: string, @Query() query: PageDto) {
    assertCustomerId(customerId);
    await this.consistency.ensure(query.consistentWith);
    const page: Page<TimelineEntry> = await this.queryBus.execute(
      new GetTimelineQuery(customerId, { limit: query.limit ?? 100, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) }),
    );
    if (page.items.length === 0 && query.cursor === undefined) throw notFound(customerId);
    return {
      customerId,
      items: page.items.map(({ occurredAtMs: _ms, customerId: _id, ...entry }) => entry),
      nextCursor: page.nextCursor,
    };
  }
}

/** The 360 may show analytics up to a minute older than the last purchase. */
const ANALYTICS_MAX_STALE_MS = 60_000;

/**
 * The 360's analytics are as of the start of the current hour in the reporting
 * currency, so the model fits behind them are shared by every read in that hour,
 * refitted at most once a minute while purchases arrive.
 */
function analyticsAsOf(): string {
  const now = new Date();
  now.setUTCMinutes(0, 0, 0);
  return now.toISOString();
}


function notFound(customerId: string): ProblemException {
  return new ProblemException(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `No customer ${customerId} in the read models.`);
}
