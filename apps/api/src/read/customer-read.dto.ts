import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { STAGES } from '@rapport/domain';

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
  @Type(() => Number)
  @IsInt()
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

  @ApiPropertyOptional({ description: 'RFM segment (see analytics)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  segment?: string;

  @ApiPropertyOptional({ description: 'Case-insensitive text in customerId, name or email' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
