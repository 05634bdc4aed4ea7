import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsRFC3339, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { GRANULARITIES, RFM_SEGMENTS } from '@rapport/analytics';

export class AsOfDto {
  @ApiPropertyOptional({ description: 'RFC 3339: only events that occurred by then count (default now)' })
  @IsOptional()
  @IsRFC3339({ message: 'asOf must be an RFC 3339 timestamp' })
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
  @Type(() => Number)
  @IsInt()
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
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(520)
  horizonWeeks?: number;
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

export class CohortsDto extends AnalyticsDto {
  @ApiPropertyOptional({ enum: ['month'], default: 'month' })
  @IsOptional()
  @IsIn(['month'])
  interval?: 'month';
}

export class RevenueDto extends AnalyticsDto {
  @ApiPropertyOptional({ enum: GRANULARITIES, default: 'month' })
  @IsOptional()
  @IsIn(GRANULARITIES)
  interval?: (typeof GRANULARITIES)[number];
}
