// Aggregates the workspace draws (SPEC section 11) that the analyses above do
// not answer as such: the RFM grid with counts and value, a cell's customers,
// the CLV histogram and P(alive) against value. Each is computed here, on the
// server, so a page never downloads every customer to count them.
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RfmScore } from '@rapport/analytics';
import type { RapportConfig } from '@rapport/config';
import { Roles } from '../auth/access.decorators';
import { decodeCursor, encodeCursor } from '../http/page-cursor';
import { ProblemException } from '../http/problem';
import { answerOf } from '../http/refusal.mapper';
import { RAPPORT_CONFIG } from '../infrastructure/tokens';
import { AnalyticsDto } from './analytics.dto';
import { ClvHistogramDto, PAliveByValueDto, RfmCellCustomersDto } from './analytics-aggregates.dto';
import type { RfmCellCursor } from './rfm-grid.aggregate';
import { RfmCellCustomersQuery, RfmGridQuery } from './rfm-grid.query-handler';
import { ValueDistributionQuery } from './value-distribution.query-handler';
import { ApiProblems } from '../http/problem.openapi';
import { ClvHistogramReportDto, PAliveByValueReportDto, RfmCellCustomersPageDto, RfmGridDto } from './analytics.response';

const ANALYTICS_PROBLEMS = { 400: ['VALIDATION_FAILED'], 503: ['DEPENDENCY_UNAVAILABLE'] } as const;

const DEFAULT_LIMIT = 50;
const DEFAULT_HORIZON_WEEKS = 52;
const DEFAULT_BINS = 20;
const DEFAULT_P_ALIVE_BANDS = 10;
const DEFAULT_VALUE_BANDS = 5;

@ApiTags('analytics')
@Roles('analyst')
@Controller('v1/analytics')
export class AnalyticsAggregatesController {
  constructor(
    private readonly queryBus: QueryBus,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
  ) {}

  @Get('rfm/grid')
  @ApiOperation({ summary: 'The RFM grid: customers and total spend in each of the 25 cells of R × FM, with its segment' })
  @ApiOkResponse({ type: RfmGridDto, description: 'R 5 → 1, FM 1 → 5' })
  @ApiProblems(ANALYTICS_PROBLEMS)
  async grid(@Query() query: AnalyticsDto) {
    const { asOf, currency } = this.scope(query);
    return { asOf, currency, ...(await this.queryBus.execute(new RfmGridQuery(asOf, currency))) };
  }

  @Get('rfm/grid/customers')
  @ApiOperation({ summary: 'The customers of one RFM cell (r, fm), the highest spend first, paged' })
  @ApiOkResponse({ type: RfmCellCustomersPageDto })
  @ApiProblems({ ...ANALYTICS_PROBLEMS, 400: ['VALIDATION_FAILED', 'INVALID_CURSOR'] })
  async cellCustomers(@Query() query: RfmCellCustomersDto) {
    const { asOf, currency } = this.scope(query);
    const r = query.r as RfmScore;
    const fm = query.fm as RfmScore;
    const after = query.cursor === undefined ? undefined : cellCursor(query.cursor);
    const page = await this.queryBus.execute(new RfmCellCustomersQuery(asOf, currency, r, fm, query.limit ?? DEFAULT_LIMIT, after));
    return { asOf, currency, r, fm, items: page.items, nextCursor: page.next ? encodeCursor({ m: page.next.monetary, id: page.next.customerId }) : null };
  }

  @Get('clv/histogram')
  @ApiOperation({ summary: 'CLV over the horizon as a histogram: customers and CLV per bin, the long tail in one open last bin' })
  @ApiOkResponse({ type: ClvHistogramReportDto })
  @ApiProblems({ ...ANALYTICS_PROBLEMS, 422: ['MODEL_NOT_FITTED'] }, { 422: 'too few customers to fit BG/NBD' })
  async clvHistogram(@Query() query: ClvHistogramDto) {
    const { asOf, currency } = this.scope(query);
    const horizonWeeks = query.horizonWeeks ?? DEFAULT_HORIZON_WEEKS;
    const histogram = answerOf(
      await this.queryBus.execute(new ValueDistributionQuery(asOf, currency, horizonWeeks, { kind: 'clv-histogram', bins: query.bins ?? DEFAULT_BINS })),
    );
    return { asOf, currency, horizonWeeks, ...histogram };
  }

  @Get('p-alive/by-value')
  @ApiOperation({ summary: 'P(alive) against past value: customers, past value and value at risk per band pair' })
  @ApiOkResponse({ type: PAliveByValueReportDto })
  @ApiProblems({ ...ANALYTICS_PROBLEMS, 422: ['MODEL_NOT_FITTED'] }, { 422: 'too few customers to fit BG/NBD' })
  async pAliveByValue(@Query() query: PAliveByValueDto) {
    const { asOf, currency } = this.scope(query);
    const horizonWeeks = query.horizonWeeks ?? DEFAULT_HORIZON_WEEKS;
    const question = { kind: 'p-alive-by-value', pAliveBands: query.pAliveBands ?? DEFAULT_P_ALIVE_BANDS, valueBands: query.valueBands ?? DEFAULT_VALUE_BANDS } as const;
    const grid = answerOf(await this.queryBus.execute(new ValueDistributionQuery(asOf, currency, horizonWeeks, question)));
    return { asOf, currency, horizonWeeks, ...grid };
  }

  private scope(query: AnalyticsDto): { asOf: string; currency: string } {
    return { asOf: query.asOf ?? new Date().toISOString(), currency: query.currency ?? this.config.reportingCurrency };
  }
}

function cellCursor(cursor: string): RfmCellCursor {
  const key = decodeCursor(cursor);
  if (key && typeof key.m === 'number' && Number.isFinite(key.m) && typeof key.id === 'string') return { monetary: key.m, customerId: key.id };
  throw new ProblemException(400, 'INVALID_CURSOR', 'Invalid cursor', 'cursor is not one this server issued', [{ field: 'cursor', message: 'not a cursor this server issued' }]);
}
