import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Max, Min } from 'class-validator';
import { IsInstant } from '@rapport/contract';
import { IsDecimalInteger } from '../http/decimal-integer';

export class HistoryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @IsDecimalInteger()
  @Min(0)
  fromRevision?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @IsDecimalInteger()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class StateDto {
  @ApiPropertyOptional({ description: 'RFC 3339 instant: the state the log held then (by recordedAt)' })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsDecimalInteger()
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
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'RFC 3339: events recorded at or before this instant' })
  @IsOptional()
  @IsInstant()
  to?: string;
}
