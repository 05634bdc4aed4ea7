// The predictions' response as the OpenAPI document shows it (the route answers
// presentPrediction's PredictionReport; these classes only describe it).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PURCHASE_MODELS } from '@rapport/analytics';

export class IntervalDto {
  @ApiProperty({ description: 'Lower end; low ≤ the point value' })
  low!: number;

  @ApiProperty({ description: 'Upper end; the point value ≤ high' })
  high!: number;
}

export class MoneyIntervalDto {
  @ApiProperty({ type: 'integer', description: 'Lower end, whole minor units; low ≤ the point value' })
  low!: number;

  @ApiProperty({ type: 'integer', description: 'Upper end, whole minor units; the point value ≤ high' })
  high!: number;
}

export class PredictionIntervalsDto {
  @ApiProperty({ example: 0.9, description: 'Nominal coverage of every interval' })
  level!: number;

  @ApiProperty({ type: IntervalDto, description: 'P(alive), delta method on the logit scale' })
  pAlive!: IntervalDto;

  @ApiProperty({ type: IntervalDto, description: 'Expected repeat purchase-days over the horizon, delta method on the log scale' })
  expectedPurchases!: IntervalDto;

  @ApiProperty({ type: MoneyIntervalDto, nullable: true, description: "Gamma-Gamma expected spend (its own fit's covariance); null when expectedSpend is" })
  expectedSpend!: MoneyIntervalDto | null;

  @ApiProperty({
    type: MoneyIntervalDto,
    nullable: true,
    description: 'CLV: the log-scale variances of the discounted expected purchases and of the expected spend added (the two fits independent); null when clv is',
  })
  clv!: MoneyIntervalDto | null;
}

export class ModelSelectionDto {
  @ApiProperty({ enum: ['best'] })
  choice!: 'best';

  @ApiProperty({ nullable: true, type: String, description: 'The models were fitted to here; the holdout is the later half of the days from the first purchase-day to asOf' })
  calibrationEnd!: string | null;

  @ApiProperty({ description: 'asOf' })
  holdoutEnd!: string;

  @ApiProperty({ nullable: true, type: Number, description: "The chosen model's holdout MAPE" })
  mapePercent!: number | null;

  @ApiPropertyOptional({ description: 'Why BG/NBD was used: no model could be ranked' })
  fallback?: string;
}

export class PresentedSummaryDto {
  @ApiProperty({ description: 'Repeat purchase-days' })
  frequency!: number;

  @ApiProperty()
  recencyWeeks!: number;

  @ApiProperty()
  ageWeeks!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: "Mean repeat purchase-day amount in the report's currency, whole minor units; null without a purchase in that currency" })
  monetary!: number | null;
}

export class PredictionReportDto {
  @ApiProperty()
  customerId!: string;

  @ApiProperty()
  asOf!: string;

  @ApiProperty()
  currency!: string;

  @ApiProperty()
  horizonWeeks!: number;

  @ApiProperty({ type: PresentedSummaryDto, nullable: true, description: 'Null when the customer has no purchase by asOf' })
  summary!: PresentedSummaryDto | null;

  @ApiProperty({ nullable: true, type: Number })
  pAlive!: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Expected repeat purchase-days over the horizon' })
  expectedPurchases!: number | null;

  @ApiProperty({ nullable: true, type: 'integer', description: 'Expected amount per purchase-day (Gamma-Gamma), whole minor units of currency' })
  expectedSpend!: number | null;

  @ApiProperty({ nullable: true, type: 'integer', description: 'Discounted value over the horizon, whole minor units of currency' })
  clv!: number | null;

  @ApiProperty({ enum: PURCHASE_MODELS, description: 'The purchase model behind pAlive, expectedPurchases and clv' })
  model!: string;

  @ApiPropertyOptional({ type: ModelSelectionDto, description: 'How model=best chose the model' })
  modelSelection?: ModelSelectionDto;

  @ApiProperty({ type: PredictionIntervalsDto, nullable: true, description: '90 % intervals from the fitted parameters’ covariance (inverse Hessian, delta method); null without a purchase or a covariance' })
  intervals!: PredictionIntervalsDto | null;

  @ApiPropertyOptional({ description: 'Why intervals is null although the customer has purchased' })
  intervalsUnavailable?: string;
}
