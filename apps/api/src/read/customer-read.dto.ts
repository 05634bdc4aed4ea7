import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { RFM_SEGMENTS } from '@rapport/analytics';
import { STAGES } from '@rapport/domain';
import { IsDecimalInteger } from '../http/decimal-integer';

export class ConsistencyDto {
  @ApiPropertyOptional({ description: 'Token from a write: wait until the read models reflect it' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  consistentWith?: string;
}

/** Keyset paging shared by list reads. */
export class PageDto extends ConsistencyDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, description: 'Items per page (default 50 customers, 100 timeline entries)' })
  @IsOptional()
  @IsDecimalInteger()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class ListCustomersDto extends PageDto {
  @ApiPropertyOptional({ enum: STAGES })
  @IsOptional()
  @IsIn(STAGES)
  stage?: (typeof STAGES)[number];

  @ApiPropertyOptional({ enum: RFM_SEGMENTS, description: 'RFM segment as of the start of the current hour, reporting currency' })
  @IsOptional()
  @IsIn(RFM_SEGMENTS)
  segment?: (typeof RFM_SEGMENTS)[number];

  @ApiPropertyOptional({ description: 'Case-insensitive text in customerId, name or email' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
