import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsDecimalInteger } from '../http/decimal-integer';
import { AnalyticsDto, HorizonWeeksDto, HorizonWeeksField, LimitDto } from './analytics.dto';

export class RfmCellCustomersDto extends LimitDto {
  @ApiProperty({ minimum: 1, maximum: 5, description: 'R score of the cell' })
  @IsDecimalInteger()
  @Min(1)
  @Max(5)
  r!: number;

  @ApiProperty({ minimum: 1, maximum: 5, description: 'FM score of the cell' })
  @IsDecimalInteger()
  @Min(1)
  @Max(5)
  fm!: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class ClvHistogramDto extends HorizonWeeksDto {
  @ApiPropertyOptional({ minimum: 2, maximum: 100, default: 20, description: 'Bins: all of one width up to the 99th percentile, then one open bin for the tail' })
  @IsOptional()
  @IsDecimalInteger()
  @Min(2)
  @Max(100)
  bins?: number;
}

export class PAliveByValueDto extends AnalyticsDto {
  @HorizonWeeksField()
  horizonWeeks?: number;

  @ApiPropertyOptional({ minimum: 2, maximum: 20, default: 10, description: 'Equal bands of P(alive) between 0 and 1' })
  @IsOptional()
  @IsDecimalInteger()
  @Min(2)
  @Max(20)
  pAliveBands?: number;

  @ApiPropertyOptional({ minimum: 2, maximum: 10, default: 5, description: 'Bands of past value at its quantiles (fewer when many customers spent the same)' })
  @IsOptional()
  @IsDecimalInteger()
  @Min(2)
  @Max(10)
  valueBands?: number;
}
