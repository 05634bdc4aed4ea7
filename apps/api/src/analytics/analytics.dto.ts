import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsInstant } from '@rapport/contract';
import { GRANULARITIES, PURCHASE_MODEL_CHOICES, RFM_SEGMENTS, type PurchaseModelChoice } from '@rapport/analytics';
import { IsDecimalInteger } from '../http/decimal-integer';

export class AsOfDto {
  @ApiPropertyOptional({ description: 'RFC 3339: only events that occurred by then count (default now)' })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}

export class AnalyticsDto extends AsOfDto {
  @ApiPropertyOptional({ description: 'ISO 4217 code (default the reporting currency)' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an upper-case ISO 4217 code such as USD' })
  currency?: string;
}

export class LimitDto extends AnalyticsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50 })
  @IsOptional()
  @IsDecimalInteger()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class RfmCustomersDto extends LimitDto {
  @ApiPropertyOptional({ enum: RFM_SEGMENTS })
  @IsOptional()
  @IsIn(RFM_SEGMENTS)
  segment?: (typeof RFM_SEGMENTS)[number];

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class HorizonDto extends LimitDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 520, default: 52, description: 'Prediction horizon in weeks' })
  @IsOptional()
  @IsDecimalInteger()
  @Min(1)
  @Max(520)
  horizonWeeks?: number;
}

export class PredictionsDto extends HorizonDto {
  @ApiPropertyOptional({
    enum: PURCHASE_MODEL_CHOICES,
    description: 'Purchase model behind pAlive, expectedPurchases and clv (default RAPPORT_PURCHASE_MODEL, else bgnbd); best: the best-ranked by holdout MAPE',
  })
  @IsOptional()
  @IsIn(PURCHASE_MODEL_CHOICES)
  model?: PurchaseModelChoice;
}

export class OfferResponseDto extends LimitDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  campaignId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  offerId?: string;
}

/** Bounds on occurredAt for answers that are series; the default is what the data span. */
export class WindowDto extends AnalyticsDto {
  @ApiPropertyOptional({ description: 'RFC 3339 lower bound on occurredAt (revenue: purchases; cohorts: first purchases); default the first purchase' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'RFC 3339 upper bound on occurredAt, as an earlier asOf; default asOf' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class CohortsDto extends WindowDto {
  @ApiPropertyOptional({ enum: ['month'], default: 'month' })
  @IsOptional()
  @IsIn(['month'])
  interval?: 'month';
}

export class RevenueDto extends WindowDto {
  @ApiPropertyOptional({ enum: GRANULARITIES, default: 'month' })
  @IsOptional()
  @IsIn(GRANULARITIES)
  interval?: (typeof GRANULARITIES)[number];
}
