import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { grouped, MAX_COHORT_CELLS, MAX_REVENUE_PERIODS } from '@rapport/analytics';
import {
  orderedWindow,
  presentBgNbd,
  presentCohorts,
  presentComplaints,
  presentFunnel,
  presentGammaGamma,
  presentOfferResponse,
  presentPrediction,
  presentRanking,
  presentRevenue,
  presentRfm,
  presentRfmCustomers,
  presentWinBack,
  type AnalyticsWindow,
} from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import { Roles } from '../auth/access.decorators';
import { assertCustomerId } from '../http/customer-id';
import { ProblemException, validationFailed } from '../http/problem';
import { answerOf, fittedOrRefused } from '../http/refusal.mapper';
import { RAPPORT_CONFIG } from '../infrastructure/tokens';
import { decodeCursor, encodeCursor } from '../http/page-cursor';
import { AnalyticsDto, AsOfDto, CohortsDto, ComplaintsDto, HorizonDto, OfferResponseDto, PredictionsDto, RevenueDto, RfmCustomersDto, type WindowDto } from './analytics.dto';
import { PredictionReportDto } from './prediction-report.dto';
import { AnalyticsQuery, type AnalyticsAnswers, type AnalyticsQuestion } from './analytics.query';
import { ApiProblems } from '../http/problem.openapi';
import {
  BgNbdFitDto,
  CohortsReportDto,
  ComplaintsReportDto,
  FunnelDto,
  GammaGammaFitDto,
  OfferResponseReportDto,
  RankingDto,
  RevenueReportDto,
  CurrenciesReportDto,
  RfmCustomersPageDto,
  RfmReportDto,
  WinBackReportDto,
} from './analytics.response';

/** Every analytics answer: a bad query; MongoDB in distributed mode. */
const ANALYTICS_PROBLEMS = { 400: ['VALIDATION_FAILED'], 503: ['DEPENDENCY_UNAVAILABLE'] } as const;
/** Answers that need a fitted model. */
const MODEL_PROBLEMS = { ...ANALYTICS_PROBLEMS, 422: ['MODEL_NOT_FITTED'] } as const;
const MODEL_NOT_FITTED = { 422: 'the model cannot be fitted on these data (detail says why)' };

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
  @ApiOkResponse({ type: RfmReportDto })
  @ApiProblems(ANALYTICS_PROBLEMS)
  async rfm(@Query() query: AnalyticsDto) {
    const { asOf, currency } = this.scope(query);
    const result = await this.answer({ kind: 'rfm', asOf, currency });
    return presentRfm({ asOf, currency }, result);
  }

  @Get('rfm/customers')
  @ApiOperation({ summary: 'Customers with their R, F, M scores and segment, paged by customerId' })
  @ApiOkResponse({ type: RfmCustomersPageDto })
  @ApiProblems({ ...ANALYTICS_PROBLEMS, 400: ['VALIDATION_FAILED', 'INVALID_CURSOR'] })
  async rfmCustomers(@Query() query: RfmCustomersDto) {
    const { asOf, currency } = this.scope(query);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.cursor === undefined ? undefined : cursorId(query.cursor);
    const result = await this.answer({ kind: 'rfm', asOf, currency });
    return presentRfmCustomers({ asOf, currency }, result, { segment: query.segment, after, limit }, (id) => encodeCursor({ id }));
  }

  @Get('models/bgnbd')
  @ApiOperation({ summary: 'BG/NBD fit (maximum likelihood, time in weeks): who is likely to defect' })
  @ApiOkResponse({ type: BgNbdFitDto })
  @ApiProblems(MODEL_PROBLEMS, MODEL_NOT_FITTED)
  async bgnbd(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    const { fit, customers } = fittedOrRefused('bgnbd', await this.answer({ kind: 'bgnbd', asOf }));
    return presentBgNbd(asOf, { fit, customers });
  }

  @Get('models/gamma-gamma')
  @ApiOperation({ summary: 'Gamma-Gamma spend model fit on customers with a repeat purchase' })
  @ApiOkResponse({ type: GammaGammaFitDto })
  @ApiProblems(MODEL_PROBLEMS, MODEL_NOT_FITTED)
  async gammaGamma(@Query() query: AnalyticsDto) {
    const { asOf, currency } = this.scope(query);
    const { fit, customers } = fittedOrRefused('gamma-gamma', await this.answer({ kind: 'gamma-gamma', asOf, currency }));
    return presentGammaGamma({ asOf, currency }, { fit, customers });
  }

  @Get('customers/:customerId/predictions')
  @ApiOperation({ summary: 'P(alive), expected purchases and spend, and CLV over a horizon, each with a 90 % interval from the fitted parameters' })
  @ApiOkResponse({ type: PredictionReportDto })
  @ApiProblems({ ...MODEL_PROBLEMS, 404: ['CUSTOMER_NOT_FOUND'] }, { ...MODEL_NOT_FITTED, 404: 'no such customer in the read models' })
  async predictions(@Param('customerId') customerId: string, @Query() query: PredictionsDto) {
    assertCustomerId(customerId);
    const { asOf, currency } = this.scope(query);
    const horizonWeeks = query.horizonWeeks ?? DEFAULT_HORIZON_WEEKS;
    const model = query.model ?? this.config.purchaseModel;
    const prediction = await this.answer({ kind: 'predictions', customerId, asOf, currency, horizonWeeks, model });
    if (!prediction) throw new ProblemException(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `No customer ${customerId} in the read models.`);
    return presentPrediction(prediction);
  }

  @Get('at-risk')
  @ApiOperation({ summary: 'Valuable customers ranked by the value at risk: past spend × (1 − P(alive))' })
  @ApiOkResponse({ type: RankingDto })
  @ApiProblems(MODEL_PROBLEMS, MODEL_NOT_FITTED)
  async atRisk(@Query() query: HorizonDto) {
    return this.ranking('at-risk', query);
  }

  @Get('value')
  @ApiOperation({ summary: 'Customers ranked by predicted CLV over the horizon' })
  @ApiOkResponse({ type: RankingDto })
  @ApiProblems(MODEL_PROBLEMS, MODEL_NOT_FITTED)
  async value(@Query() query: HorizonDto) {
    return this.ranking('value', query);
  }

  @Get('offer-response')
  @ApiOperation({ summary: 'Customers ranked by propensity to respond to an offer (Beta-Binomial, empirical Bayes)' })
  @ApiOkResponse({ type: OfferResponseReportDto })
  @ApiProblems(ANALYTICS_PROBLEMS)
  async offerResponse(@Query() query: OfferResponseDto) {
    const asOf = this.asOf(query);
    const result = await this.answer({
      kind: 'offer-response',
      asOf,
      ...(query.campaignId !== undefined ? { campaignId: query.campaignId } : {}),
      ...(query.offerId !== undefined ? { offerId: query.offerId } : {}),
    });
    return presentOfferResponse({ asOf, campaignId: query.campaignId, offerId: query.offerId, limit: query.limit ?? DEFAULT_LIMIT }, result);
  }

  @Get('funnel')
  @ApiOperation({ summary: 'Customers per loop stage and conversion between stages' })
  @ApiOkResponse({ type: FunnelDto })
  @ApiProblems(ANALYTICS_PROBLEMS)
  async funnel(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    return presentFunnel(asOf, await this.answer({ kind: 'funnel', asOf }));
  }

  @Get('cohorts')
  @ApiOperation({ summary: `Retention by first-purchase month; at most ${grouped(MAX_COHORT_CELLS)} cells (cohort × month since) per answer` })
  @ApiOkResponse({ type: CohortsReportDto })
  @ApiProblems({ ...ANALYTICS_PROBLEMS, 400: ['VALIDATION_FAILED', 'ANSWER_TOO_LARGE'] }, { 400: 'a bad query, from after to, or ANSWER_TOO_LARGE: more cells than the cap, narrow from/to' })
  async cohorts(@Query() query: CohortsDto) {
    const { asOf, currency } = this.scope(query);
    const window = this.window(query);
    return presentCohorts({ asOf, currency }, window, await this.answer({ kind: 'cohorts', asOf, currency, ...window }));
  }

  @Get('complaints')
  @ApiOperation({ summary: 'Open and resolved complaints, median time to resolve, by category and severity' })
  @ApiOkResponse({ type: ComplaintsReportDto })
  @ApiProblems(ANALYTICS_PROBLEMS)
  async complaints(@Query() query: ComplaintsDto) {
    const asOf = this.asOf(query);
    return presentComplaints(asOf, await this.answer({ kind: 'complaints', asOf, ...(query.slaHours !== undefined ? { slaHours: query.slaHours } : {}) }));
  }

  @Get('win-back')
  @ApiOperation({ summary: 'Churned, won back, rate and time to win back, by campaign and churn reason' })
  @ApiOkResponse({ type: WinBackReportDto })
  @ApiProblems(ANALYTICS_PROBLEMS)
  async winBack(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    return presentWinBack(asOf, await this.answer({ kind: 'win-back', asOf }));
  }

  @Get('currencies')
  @ApiOperation({ summary: 'The currencies purchased in by asOf, with customers, orders and revenue in each: what the single-currency routes can be asked in' })
  @ApiOkResponse({ type: CurrenciesReportDto })
  @ApiProblems(ANALYTICS_PROBLEMS)
  async currencies(@Query() query: AsOfDto) {
    const asOf = this.asOf(query);
    return { asOf, reportingCurrency: this.config.reportingCurrency, currencies: await this.answer({ kind: 'currencies', asOf }) };
  }

  @Get('revenue')
  @ApiOperation({ summary: `Revenue and orders per day, ISO week or month; at most ${grouped(MAX_REVENUE_PERIODS)} periods per answer` })
  @ApiOkResponse({ type: RevenueReportDto })
  @ApiProblems({ ...ANALYTICS_PROBLEMS, 400: ['VALIDATION_FAILED', 'ANSWER_TOO_LARGE'] }, { 400: 'a bad query, from after to, or ANSWER_TOO_LARGE: more periods than the cap, narrow from/to' })
  async revenue(@Query() query: RevenueDto) {
    const { asOf, currency } = this.scope(query);
    const interval = query.interval ?? 'month';
    const window = this.window(query);
    return presentRevenue({ asOf, currency }, interval, window, await this.answer({ kind: 'revenue', asOf, currency, interval, ...window }));
  }

  private async ranking(kind: 'at-risk' | 'value', query: HorizonDto) {
    const { asOf, currency } = this.scope(query);
    const horizonWeeks = query.horizonWeeks ?? DEFAULT_HORIZON_WEEKS;
    const items = await this.answer({ kind, asOf, currency, limit: query.limit ?? DEFAULT_LIMIT, horizonWeeks });
    return presentRanking({ asOf, currency }, horizonWeeks, items);
  }

  /** The bus types the answer by the question's kind; a refusal becomes its problem here, at the edge. */
  private async answer<Q extends AnalyticsQuestion>(question: Q): Promise<AnalyticsAnswers[Q['kind']]> {
    return answerOf(await this.queryBus.execute(new AnalyticsQuery(question)));
  }

  private asOf(query: AsOfDto): string {
    return query.asOf ?? new Date().toISOString();
  }

  /** from/to as given (either may be open); from after to is a bad request, not an empty answer. */
  private window(query: WindowDto): AnalyticsWindow {
    const window = orderedWindow(query.from, query.to);
    if (!window) throw validationFailed([{ field: 'from', message: 'from must not be after to' }]);
    return window;
  }

  private scope(query: AnalyticsDto): { asOf: string; currency: string } {
    return { asOf: this.asOf(query), currency: query.currency ?? this.config.reportingCurrency };
  }
}

function cursorId(cursor: string): string {
  const id = decodeCursor(cursor)?.id;
  if (typeof id === 'string') return id;
  throw new ProblemException(400, 'INVALID_CURSOR', 'Invalid cursor', 'cursor is not one this server issued', [{ field: 'cursor', message: 'not a cursor this server issued' }]);
}
