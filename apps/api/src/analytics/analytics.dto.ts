import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO4217CurrencyCode, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { CURRENCY_MESSAGE, CURRENCY_PATTERN, IsInstant } from '@rapport/contract';
import { GRANULARITIES, PURCHASE_MODEL_CHOICES, RFM_SEGMENTS, type PurchaseModelChoice } from '@rapport/analytics';
import { IsDecimalInteger } from '../http/decimal-integer';

export class AsOfDto {
  @ApiPropertyOptional({ description: 'RFC 3339: only events that occurred by then count (default now)' })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}

export class AnalyticsDto extends AsOfDto {
  @ApiPropertyOptional({ description: 'ISO 4217 code, upper case, one the standard lists (default the reporting currency)', pattern: CURRENCY_PATTERN.source, example: 'USD' })
  @IsOptional()
  @Matches(CURRENCY_PATTERN, { message: CURRENCY_MESSAGE })
  @IsISO4217CurrencyCode({ message: CURRENCY_MESSAGE })
  currency?: string;
}

/** `limit`: how many customers a ranking or page answers, 1–1000, default 50. */
export function LimitField(): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50 }), IsOptional(), IsDecimalInteger(), Min(1), Max(1000));
}

export class LimitDto extends AnalyticsDto {
  @LimitField()
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

export class ComplaintsDto extends AsOfDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 8760, description: 'An SLA in hours: each count then says how many complaints outlived it as of asOf (pastSla)' })
  @IsOptional()
  @IsDecimalInteger()
  @Min(1)
  @Max(8760)
  slaHours?: number;
}

/** `horizonWeeks`: 1–520 weeks, default 52, the same on every route that predicts. */
export function HorizonWeeksField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ minimum: 1, maximum: 520, default: 52, description: 'Prediction horizon in weeks' }),
    IsOptional(),
    IsDecimalInteger(),
    Min(1),
    Max(520),
  );
}

/** A horizon for routes that answer one value or a fixed shape (no limit: nothing is ranked). */
export class HorizonWeeksDto extends AnalyticsDto {
  @HorizonWeeksField()
  horizonWeeks?: number;
}

/** The rankings: a horizon and how many customers. */
export class HorizonDto extends LimitDto {
  @HorizonWeeksField()
  horizonWeeks?: number;
}

export class PredictionsDto extends HorizonWeeksDto {
  @ApiPropertyOptional({
    enum: PURCHASE_MODEL_CHOICES,
    description: 'Purchase model behind pAlive, expectedPurchases and clv (default RAPPORT_PURCHASE_MODEL, else bgnbd); best: the best-ranked by holdout MAPE',
  })
  @IsOptional()
  @IsIn(PURCHASE_MODEL_CHOICES)
  model?: PurchaseModelChoice;
}

/** Offers are counted in no currency: asOf, the offer and how many customers. */
export class OfferResponseDto extends AsOfDto {
  @LimitField()
  limit?: number;

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
