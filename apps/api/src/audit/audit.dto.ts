import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsRFC3339, Max, Min } from 'class-validator';

export class HistoryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromRevision?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class StateDto {
  @ApiPropertyOptional({ description: 'RFC 3339 instant: the state the log held then (by recordedAt)' })
  @IsOptional()
  @IsRFC3339({ message: 'asOf must be an RFC 3339 timestamp' })
  asOf?: string;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  atRevision?: number;
}
