import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { grouped, MAX_COHORT_CELLS, MAX_REVENUE_PERIODS, type BgNbdFit, type GammaGammaFit, type RepeatSummary, type RfmResult } from '@rapport/analytics';
import type { CustomerPrediction, RankedCustomer } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import { Roles } from '../auth/access.decorators';
import { assertCustomerId } from '../http/customer-id';
import { ProblemException, validationFailed } from '../http/problem';
import { RAPPORT_CONFIG } from '../infrastructure/tokens';
import { decodeCursor, encodeCursor } from '@rapport/read-store';
import { AnalyticsDto, AsOfDto, CohortsDto, HorizonDto, OfferResponseDto, RevenueDto, RfmCustomersDto, type WindowDto } from './analytics.dto';
import { AnalyticsQuery, type AnalyticsQuestion } from './analytics.query';

const DEFAULT_LIMIT = 50;
const DEFAULT_HORIZON_WEEKS = 52;

@ApiTags('analytics')
@Roles('analyst')
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(
    private readonly queryBus: QueryBus,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
  ) {}

  @Get('rfm')
  @ApiOperation({ summary: 'RFM segment counts (every segment of the SPEC grid, zeros included)' })
  async rfm(@Query() query: AnalyticsDto) {
    const { asOf, currency } = this.scope(query);
    const result = await this.ask<RfmResult>({ kind: 'rfm', asOf, currency });
    return { asOf, currency, customers: result.customers.length, segments: result.segments };
  }

  @Get('rfm/customers')
  @ApiOperation({ summary: 'Customers with their R, F, M scores and segment, paged by customerId' })
  async rfmCustomers(@Query() query: RfmCustomersDto) {
    const { asOf, currency } = this.scope(query);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.cursor === undefined ? undefined : cursorId(query.cursor);
    const result = await this.ask<RfmResult>({ kind: 'rfm', asOf, currency });
    const rows = result.customers
      .filter((c) => (query.segment === undefined || c.segment === query.segment) && (after === undefined || c.customerId > after))
      .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      asOf,
      currency,
      ...(query.segment !== undefined ? { segment: query.segment } : {}),
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ id: last.customerId }) : null,
    };
  }

  @Get('models/bgnbd')
  @ApiOperation({ summary: 'BG/NBD fit (maximum likelihood, time in weeks): who is likely to defect' })
  async bgnbd(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    const { fit, customers } = await this.ask<{ fit: BgNbdFit; customers: number }>({ kind: 'bgnbd', asOf });
    return { asOf, timeUnit: 'week', customers, ...renderFit(fit) };
  }

  @Get('models/gamma-gamma')
  @ApiOperation({ summary: 'Gamma-Gamma spend model fit on customers with a repeat purchase' })
  async gammaGamma(@Query() query: AnalyticsDto) {
    const { asOf, currency } = this.scope(query);
    const { fit, customers } = await this.ask<{ fit: GammaGammaFit; customers: number }>({ kind: 'gamma-gamma', asOf, currency });
    return { asOf, currency, customers, ...renderFit(fit) };
  }

  @Get('customers/:customerId/predictions')
  @ApiOperation({ summary: 'P(alive), expected purchases and spend, and CLV over a horizon' })
  async predictions(@Param('customerId') customerId: string, @Query() query: HorizonDto) {
    assertCustomerId(customerId);
    const { asOf, currency } = this.scope(query);
    const horizonWeeks = query.horizonWeeks ?? DEFAULT_HORIZON_WEEKS;
    const prediction = await this.ask<CustomerPrediction | undefined>({ kind: 'predictions', customerId, asOf, currency, horizonWeeks });
    if (!prediction) throw new ProblemException(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `No customer ${customerId} in the read models.`);
    return { ...prediction, summary: renderSummary(prediction.summary) };
  }

  @Get('at-risk')
  @ApiOperation({ summary: 'Valuable customers ranked by the value at risk: past spend × (1 − P(alive))' })
  async atRisk(@Query() query: HorizonDto) {
    return this.ranking('at-risk', query);
  }

  @Get('value')
  @ApiOperation({ summary: 'Customers ranked by predicted CLV over the horizon' })
  async value(@Query() query: HorizonDto) {
    return this.ranking('value', query);
  }

  @Get('offer-response')
  @ApiOperation({ summary: 'Customers ranked by propensity to respond to an offer (Beta-Binomial, empirical Bayes)' })
  async offerResponse(@Query() query: OfferResponseDto) {
    const asOf = this.asOf(query);
    const result = await this.ask<{ prior: { converged: boolean }; pooledRate: number; customers: readonly { customerId: string; propensity?: number; offers: number; responses: number }[] }>({
      kind: 'offer-response',
      asOf,
      ...(query.campaignId !== undefined ? { campaignId: query.campaignId } : {}),
      ...(query.offerId !== undefined ? { offerId: query.offerId } : {}),
    });
    const ranked = [...result.customers].sort(
      (a, b) => (b.propensity ?? -1) - (a.propensity ?? -1) || b.responses - a.responses || a.customerId.localeCompare(b.customerId),
    );
    return {
      asOf,
      ...(query.campaignId !== undefined ? { campaignId: query.campaignId } : {}),
      ...(query.offerId !== undefined ? { offerId: query.offerId } : {}),
      prior: result.prior,
      pooledRate: result.pooledRate,
      customers: result.customers.length,
      items: ranked.slice(0, query.limit ?? DEFAULT_LIMIT),
    };
  }

  @Get('funnel')
  @ApiOperation({ summary: 'Customers per loop stage and conversion between stages' })
  async funnel(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    return { asOf, ...(await this.ask<object>({ kind: 'funnel', asOf })) };
  }

  @Get('cohorts')
  @ApiOperation({ summary: `Retention by first-purchase month; at most ${grouped(MAX_COHORT_CELLS)} cells (cohort × month since) per answer` })
  @ApiResponse({ status: 400, description: 'Invalid input, or ANSWER_TOO_LARGE: more cells than the cap, narrow from/to (problem+json)' })
  async cohorts(@Query() query: CohortsDto) {
    const { asOf, currency } = this.scope(query);
    const window = this.window(query);
    return { asOf, currency, ...window, interval: 'month', cohorts: await this.ask<unknown>({ kind: 'cohorts', asOf, currency, ...window }) };
  }

  @Get('complaints')
  @ApiOperation({ summary: 'Open and resolved complaints, median time to resolve, by category and severity' })
  async complaints(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    return { asOf, ...(await this.ask<object>({ kind: 'complaints', asOf })) };
  }

  @Get('win-back')
  @ApiOperation({ summary: 'Churned, won back, rate and time to win back, by campaign and churn reason' })
  async winBack(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    return { asOf, ...(await this.ask<object>({ kind: 'win-back', asOf })) };
  }

  @Get('revenue')
  @ApiOperation({ summary: `Revenue and orders per day, ISO week or month; at most ${grouped(MAX_REVENUE_PERIODS)} periods per answer` })
  @ApiResponse({ status: 400, description: 'Invalid input, or ANSWER_TOO_LARGE: more periods than the cap, narrow from/to (problem+json)' })
  async revenue(@Query() query: RevenueDto) {
    const { asOf, currency } = this.scope(query);
    const interval = query.interval ?? 'month';
    const window = this.window(query);
    return { asOf, currency, interval, ...window, periods: await this.ask<unknown>({ kind: 'revenue', asOf, currency, interval, ...window }) };
  }

  private async ranking(kind: 'at-risk' | 'value', query: HorizonDto) {
    const { asOf, currency } = this.scope(query);
    const horizonWeeks = query.horizonWeeks ?? DEFAULT_HORIZON_WEEKS;
    const items = await this.ask<RankedCustomer[]>({ kind, asOf, currency, limit: query.limit ?? DEFAULT_LIMIT, horizonWeeks });
    return { asOf, currency, horizonWeeks, items };
  }

  private ask<T>(question: AnalyticsQuestion): Promise<T> {
    return this.queryBus.execute(new AnalyticsQuery(question));
  }

  private asOf(query: AsOfDto): string {
    return query.asOf ?? new Date().toISOString();
  }

  /** from/to as given (either may be open); from after to is a bad request, not an empty answer. */
  private window(query: WindowDto): { from?: string; to?: string } {
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to)) {
      throw validationFailed([{ field: 'from', message: 'from must not be after to' }]);
    }
    return { ...(query.from !== undefined ? { from: query.from } : {}), ...(query.to !== undefined ? { to: query.to } : {}) };
  }

  private scope(query: AnalyticsDto): { asOf: string; currency: string } {
    return { asOf: this.asOf(query), currency: query.currency ?? this.config.reportingCurrency };
  }
}

function cursorId(cursor: string): string {
  try {
    const { id } = decodeCursor(cursor);
    if (typeof id === 'string') return id;
  } catch {
    // fall through to the problem below
  }
  throw new ProblemException(400, 'INVALID_CURSOR', 'Invalid cursor', 'cursor is not one this server issued', [{ field: 'cursor', message: 'not a cursor this server issued' }]);
}

/** A fit that did not converge says so and gives no numbers. */
function renderFit<P>(fit: { converged: boolean; params?: P; logLikelihood?: number; iterations: number; reason?: string }) {
  return fit.converged
    ? { converged: true, params: fit.params, logLikelihood: fit.logLikelihood, iterations: fit.iterations }
    : { converged: false, reason: fit.reason, iterations: fit.iterations };
}

function renderSummary(summary: RepeatSummary | null) {
  return summary === null ? null : { frequency: summary.x, recencyWeeks: summary.tx, ageWeeks: summary.T, monetary: summary.monetary };
}
