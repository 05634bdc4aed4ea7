import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsRFC3339, Max, Min } from 'class-validator';

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

export class ExportDto {
  @ApiPropertyOptional({ enum: ['jsonl', 'csv'], default: 'jsonl' })
  @IsOptional()
  @IsIn(['jsonl', 'csv'])
  format?: 'jsonl' | 'csv';

  @ApiPropertyOptional({ description: 'RFC 3339: events recorded at or after this instant' })
  @IsOptional()
  @IsRFC3339({ message: 'from must be an RFC 3339 timestamp' })
  from?: string;

  @ApiPropertyOptional({ description: 'RFC 3339: events recorded at or before this instant' })
  @IsOptional()
  @IsRFC3339({ message: 'to must be an RFC 3339 timestamp' })
  to?: string;
}
