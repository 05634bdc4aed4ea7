// The analytics routes' answers as the OpenAPI document shows them (the routes
// answer @rapport/application's presenters and the aggregates here; these
// classes only describe them).
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { GRANULARITIES, PURCHASE_MODELS, RFM_SEGMENTS } from '@rapport/analytics';
import { PHASES, SEVERITIES, STAGES, CHURN_REASONS, WIN_BACK_VIA } from '@rapport/domain';
import { RfmRowDto } from '../read/customer-360.response';

const INTEGER = { type: 'integer' } as const;
/** An object with exactly these keys, each of one schema (counts per stage, a model's parameters). */
// `required` lists the keys inside; `selfRequired` says whether the property itself is.
const byKeys = (keys: readonly string[], value: Record<string, unknown> = INTEGER, selfRequired = true): ApiPropertyOptions =>
  ({ type: 'object', additionalProperties: false, properties: Object.fromEntries(keys.map((k) => [k, value])), required: [...keys], selfRequired }) as ApiPropertyOptions;
const params = (names: readonly string[], description: string, selfRequired = true): ApiPropertyOptions =>
  ({ ...byKeys(names, { type: 'number' }, selfRequired), description }) as ApiPropertyOptions;

// ---- RFM

export class RfmReportDto {
  @ApiProperty({ example: '2026-11-24T14:00:00Z' }) asOf!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ type: 'integer', description: 'Customers with a purchase in currency by asOf' }) customers!: number;
  @ApiProperty({ ...byKeys(RFM_SEGMENTS), description: 'Customers per segment, every segment (zeros included)' }) segments!: Record<string, number>;
}

export class RfmCustomersPageDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiPropertyOptional({ enum: RFM_SEGMENTS }) segment?: string;
  @ApiProperty({ type: [RfmRowDto], description: 'By customerId' }) items!: RfmRowDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RfmGridCellDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) r!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) fm!: number;
  @ApiProperty({ enum: RFM_SEGMENTS }) segment!: string;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: 'integer', description: 'Total spend of the cell’s customers, minor units' }) value!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Null for an empty cell' }) meanRecencyDays!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Null for an empty cell' }) meanFrequency!: number | null;
}

export class RfmGridDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: 'integer' }) value!: number;
  @ApiProperty({ type: [RfmGridCellDto], description: 'R 5 → 1, FM 1 → 5 within each R' }) cells!: RfmGridCellDto[];
}

export class RfmCellCustomersPageDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) r!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) fm!: number;
  @ApiProperty({ type: [RfmRowDto], description: 'The highest spend first' }) items!: RfmRowDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

// ---- Model fits

class FitDto {
  @ApiProperty({ description: 'False: no estimate, reason says why' }) converged!: boolean;
  @ApiPropertyOptional({ description: 'Converged: the maximised log-likelihood' }) logLikelihood?: number;
  @ApiProperty({ type: 'integer' }) iterations!: number;
  @ApiPropertyOptional({ description: 'Not converged: why there is no estimate' }) reason?: string;
}

const BG_NBD = ['r', 'alpha', 'a', 'b'];
const PARETO_NBD = ['r', 'alpha', 's', 'beta'];
const GAMMA_GAMMA = ['p', 'q', 'v'];

/** A fit route answers an estimate; a fit that does not converge is 422 MODEL_NOT_FITTED. */
class ConvergedFitDto {
  @ApiProperty({ type: Boolean, enum: [true] }) converged!: true;
  @ApiProperty({ description: 'The maximised log-likelihood' }) logLikelihood!: number;
  @ApiProperty({ type: 'integer' }) iterations!: number;
}

export class PurchaseModelFitDto extends ConvergedFitDto {
  @ApiProperty() asOf!: string;
  @ApiProperty({ enum: ['week'] }) timeUnit!: 'week';
  @ApiProperty({ type: 'integer', description: 'Customers fitted on' }) customers!: number;
}

export class BgNbdFitDto extends PurchaseModelFitDto {
  @ApiProperty(params(BG_NBD, 'r, alpha, a, b')) params!: { r: number; alpha: number; a: number; b: number };
}

export class ParetoNbdFitDto extends PurchaseModelFitDto {
  @ApiProperty(params(PARETO_NBD, 'r, alpha, s, beta')) params!: { r: number; alpha: number; s: number; beta: number };
}

export class MbgNbdFitDto extends PurchaseModelFitDto {
  @ApiProperty(params(BG_NBD, 'r, alpha, a, b')) params!: { r: number; alpha: number; a: number; b: number };
}

export class GammaGammaFitDto extends ConvergedFitDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer', description: 'Customers with a repeat purchase, fitted on' }) customers!: number;
  @ApiProperty(params(GAMMA_GAMMA, 'p, q, v (v and the log-likelihood in minor units of currency)')) params!: { p: number; q: number; v: number };
}

const ANY_MODEL_PARAMS: ApiPropertyOptions = { type: 'object', additionalProperties: { type: 'number' }, description: 'The model’s parameters (BG/NBD and MBG/NBD: r, alpha, a, b; Pareto/NBD: r, alpha, s, beta)' } as ApiPropertyOptions;

export class ValidationFitDto extends FitDto {
  @ApiPropertyOptional(ANY_MODEL_PARAMS) params?: Record<string, number>;
}

export class HoldoutBucketDto {
  @ApiProperty({ enum: ['0', '1', '2', '3', '4', '5', '6', '7+'], description: 'Calibration frequency' }) frequency!: string;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: Number, nullable: true }) meanActual!: number | null;
  @ApiProperty({ type: Number, nullable: true }) meanPredicted!: number | null;
}

export class HoldoutWeekDto {
  @ApiProperty({ type: 'integer' }) week!: number;
  @ApiProperty({ type: 'integer' }) day!: number;
  @ApiProperty({ example: '2026-03-01' }) date!: string;
  @ApiProperty() actual!: number;
  @ApiProperty() predicted!: number;
}

export class HoldoutValidationDto {
  @ApiProperty({ enum: PURCHASE_MODELS }) model!: string;
  @ApiProperty() calibrationEnd!: string;
  @ApiProperty() holdoutEnd!: string;
  @ApiProperty({ enum: ['week'] }) timeUnit!: 'week';
  @ApiProperty() holdoutWeeks!: number;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: ValidationFitDto }) fit!: ValidationFitDto;
  @ApiProperty({ type: [HoldoutBucketDto] }) buckets!: HoldoutBucketDto[];
  @ApiProperty({ type: [HoldoutWeekDto], description: 'Cumulative, week by week' }) tracking!: HoldoutWeekDto[];
  @ApiProperty({ type: Number, nullable: true }) mapePercent!: number | null;
}

export class RankedModelDto {
  @ApiProperty({ type: 'integer', nullable: true, description: 'Null when the model could not be fitted' }) rank!: number | null;
  @ApiProperty({ enum: PURCHASE_MODELS }) model!: string;
  @ApiProperty() converged!: boolean;
  @ApiPropertyOptional(ANY_MODEL_PARAMS) params?: Record<string, number>;
  @ApiPropertyOptional() logLikelihood?: number;
  @ApiPropertyOptional({ type: Number, nullable: true }) mapePercent?: number | null;
  @ApiPropertyOptional({ description: 'Not fitted: why' }) reason?: string;
}

export class ModelComparisonDto {
  @ApiProperty() calibrationEnd!: string;
  @ApiProperty() holdoutEnd!: string;
  @ApiProperty({ enum: ['week'] }) timeUnit!: 'week';
  @ApiProperty() holdoutWeeks!: number;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: [RankedModelDto], description: 'The smallest mapePercent first; models not fitted last' }) models!: RankedModelDto[];
}

// ---- Rankings and offers

export class RankedCustomerDto {
  @ApiProperty() customerId!: string;
  @ApiProperty() pAlive!: number;
  @ApiProperty() expectedPurchases!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Whole minor units of currency' }) expectedSpend!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Whole minor units of currency' }) clv!: number | null;
  @ApiProperty({ type: 'integer', description: 'Spend so far in currency, minor units' }) pastValue!: number;
  @ApiProperty({ type: 'integer', description: 'pastValue × (1 − pAlive), whole minor units' }) valueAtRisk!: number;
}

export class RankingDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer' }) horizonWeeks!: number;
  @ApiProperty({ type: [RankedCustomerDto] }) items!: RankedCustomerDto[];
}

export class OfferPropensityDto {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: 'integer', description: 'Decided offers' }) offers!: number;
  @ApiProperty({ type: 'integer' }) responses!: number;
  @ApiProperty({ type: 'integer', description: 'Offers still inside their response window' }) pending!: number;
  @ApiPropertyOptional({ description: 'Posterior mean; absent when the prior could not be fitted' }) propensity?: number;
}

export class BetaPriorFitDto extends FitDto {
  @ApiPropertyOptional(params(['alpha', 'beta'], 'Converged: the Beta prior', false)) params?: Record<string, number>;
  @ApiPropertyOptional({ type: 'integer' }) evaluations?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, description: 'Not converged: where the search stopped (diagnosis only)' }) lastParams?: Record<string, number>;
  @ApiPropertyOptional({ description: 'Not converged: diagnosis only' }) lastLogLikelihood?: number;
}

export class OfferResponseReportDto {
  @ApiProperty() asOf!: string;
  @ApiPropertyOptional() campaignId?: string;
  @ApiPropertyOptional() offerId?: string;
  @ApiProperty({ type: BetaPriorFitDto }) prior!: BetaPriorFitDto;
  @ApiProperty({ description: 'Σ responses / Σ offers' }) pooledRate!: number;
  @ApiProperty({ type: 'integer', description: 'Customers with a decided offer' }) customers!: number;
  @ApiProperty({ type: [OfferPropensityDto], description: 'The top limit' }) items!: OfferPropensityDto[];
}

// ---- The loop

export class ConversionDto {
  @ApiProperty({ enum: PHASES }) phase!: string;
  @ApiProperty({ enum: STAGES }) from!: string;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...STAGES] } }) to!: string[];
  @ApiProperty({ type: 'integer' }) entered!: number;
  @ApiProperty({ type: 'integer' }) converted!: number;
  @ApiProperty() rate!: number;
}

export class FunnelDto {
  @ApiProperty() asOf!: string;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ ...byKeys(STAGES), description: 'Current stage, every stage' }) byStage!: Record<string, number>;
  @ApiProperty({ ...byKeys(STAGES), description: 'Ever in each stage' }) reached!: Record<string, number>;
  @ApiProperty({ type: [ConversionDto] }) conversions!: ConversionDto[];
}

class PastSlaDto {
  @ApiProperty({ type: 'integer', description: 'Still open more than slaHours after opening, as of asOf' }) open!: number;
  @ApiProperty({ type: 'integer', description: 'Resolved more than slaHours after opening' }) resolved!: number;
}

class ComplaintStatsDto {
  @ApiProperty({ type: 'integer' }) opened!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: 'integer' }) resolved!: number;
  @ApiPropertyOptional({ description: 'Absent when none is resolved' }) medianHoursToResolve?: number;
  @ApiPropertyOptional({ type: PastSlaDto, description: 'Only with ?slaHours=' }) pastSla?: PastSlaDto;
}

export class ComplaintCategoryDto extends ComplaintStatsDto {
  @ApiProperty() category!: string;
}

export class ComplaintSeverityDto extends ComplaintStatsDto {
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
}

export class ComplaintsReportDto extends ComplaintStatsDto {
  @ApiProperty() asOf!: string;
  @ApiProperty({ type: [ComplaintCategoryDto] }) byCategory!: ComplaintCategoryDto[];
  @ApiProperty({ type: [ComplaintSeverityDto] }) bySeverity!: ComplaintSeverityDto[];
}

class WinBackStatsDto {
  @ApiProperty({ type: 'integer' }) churned!: number;
  @ApiProperty({ type: 'integer' }) wonBack!: number;
  @ApiProperty() rate!: number;
  @ApiPropertyOptional({ description: 'Absent when none was won back' }) medianDaysToWinBack?: number;
}

export class WinBackReasonDto extends WinBackStatsDto {
  @ApiProperty({ enum: CHURN_REASONS }) reason!: string;
}

export class WinBackCampaignDto extends WinBackStatsDto {
  @ApiProperty({ type: String, nullable: true, description: 'Null: none named' }) campaignId!: string | null;
}

export class WinBackViaDto extends WinBackStatsDto {
  @ApiProperty({ enum: WIN_BACK_VIA }) via!: string;
}

export class WinBackReportDto extends WinBackStatsDto {
  @ApiProperty() asOf!: string;
  @ApiProperty({ type: 'integer' }) customersChurned!: number;
  @ApiProperty({ type: 'integer' }) stillChurned!: number;
  @ApiProperty({ type: [WinBackReasonDto] }) byReason!: WinBackReasonDto[];
  @ApiProperty({ type: [WinBackCampaignDto] }) byCampaign!: WinBackCampaignDto[];
  @ApiProperty({ type: [WinBackViaDto] }) byVia!: WinBackViaDto[];
}

// ---- Series

export class RevenuePeriodDto {
  @ApiProperty({ description: 'YYYY-MM-DD, ISO week YYYY-Www, or YYYY-MM', example: '2026-03' }) period!: string;
  @ApiProperty({ description: 'First day, YYYY-MM-DD', example: '2026-03-01' }) start!: string;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) revenue!: number;
  @ApiProperty({ type: 'integer' }) orders!: number;
  @ApiProperty({ type: 'integer' }) customers!: number;
}

export class RevenueReportDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: GRANULARITIES }) interval!: string;
  @ApiPropertyOptional() from?: string;
  @ApiPropertyOptional() to?: string;
  @ApiProperty({ type: [RevenuePeriodDto] }) periods!: RevenuePeriodDto[];
}

export class CurrencyTotalDto {
  @ApiProperty({ example: 'USD', description: 'ISO 4217 code, upper case' }) currency!: string;
  @ApiProperty({ type: 'integer', description: 'Customers with a purchase in the currency by asOf' }) customers!: number;
  @ApiProperty({ type: 'integer', description: 'Purchases in the currency by asOf' }) orders!: number;
  @ApiProperty({ type: 'integer', description: 'Their amounts summed, minor units of the currency' }) revenue!: number;
}

export class CurrenciesReportDto {
  @ApiProperty() asOf!: string;
  @ApiProperty({ example: 'USD', description: 'RAPPORT_REPORTING_CURRENCY: what a route without ?currency= answers in' }) reportingCurrency!: string;
  @ApiProperty({ type: [CurrencyTotalDto], description: 'Every currency purchased in by asOf, the most customers first, then the code' }) currencies!: CurrencyTotalDto[];
}

export class CohortMonthDto {
  @ApiProperty({ type: 'integer', description: 'Months since the cohort month' }) offset!: number;
  @ApiProperty({ example: '2026-03' }) month!: string;
  @ApiProperty({ type: 'integer' }) active!: number;
  @ApiProperty() share!: number;
  @ApiProperty({ description: 'False for the month asOf falls in before its last day' }) complete!: boolean;
}

export class CohortDto {
  @ApiProperty({ example: '2026-01' }) cohort!: string;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: [CohortMonthDto] }) months!: CohortMonthDto[];
}

export class CohortsReportDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiPropertyOptional() from?: string;
  @ApiPropertyOptional() to?: string;
  @ApiProperty({ enum: ['month'] }) interval!: 'month';
  @ApiProperty({ type: [CohortDto] }) cohorts!: CohortDto[];
}

// ---- Value distributions

export class HistogramBinDto {
  @ApiProperty({ type: 'integer', description: 'Inclusive, minor units' }) lower!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Exclusive; null for the open last bin' }) upper!: number | null;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: 'integer', description: "The bin's CLVs summed, each in whole minor units" }) clv!: number;
}

export class ClvHistogramReportDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer' }) horizonWeeks!: number;
  @ApiProperty({ type: 'integer', description: 'Customers with a CLV' }) customers!: number;
  @ApiProperty({ type: 'integer', description: 'Customers with a purchase in currency but no CLV' }) withoutClv!: number;
  @ApiProperty({ type: 'integer', description: 'Every CLV summed, each in whole minor units' }) totalClv!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Minor units; null when no customer has a CLV' }) binWidth!: number | null;
  @ApiProperty({ type: [HistogramBinDto] }) bins!: HistogramBinDto[];
}

export class PAliveBandDto {
  @ApiProperty() lower!: number;
  @ApiProperty() upper!: number;
}

export class ValueBandDto {
  @ApiProperty() lower!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Null for the top band' }) upper!: number | null;
}

export class PAliveValueCellDto {
  @ApiProperty({ type: 'integer' }) pAliveBand!: number;
  @ApiProperty({ type: 'integer' }) valueBand!: number;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) pastValue!: number;
  @ApiProperty({ type: 'integer', description: "The cell's values at risk summed, each in whole minor units" }) valueAtRisk!: number;
}

export class PAliveByValueReportDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer' }) horizonWeeks!: number;
  @ApiProperty({ type: 'integer' }) customers!: number;
  @ApiProperty({ type: [PAliveBandDto] }) pAliveBands!: PAliveBandDto[];
  @ApiProperty({ type: [ValueBandDto] }) valueBands!: ValueBandDto[];
  @ApiProperty({ type: [PAliveValueCellDto], description: 'Every band pair, valueBand-major' }) cells!: PAliveValueCellDto[];
}
