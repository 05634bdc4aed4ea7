// The health routes' answers as the OpenAPI document shows them.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LiveDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

export class ReadinessChecksDto {
  @ApiProperty({ enum: ['up', 'down'] }) eventLog!: string;
  @ApiProperty({ enum: ['up', 'down'] }) readModels!: string;
  @ApiProperty({ enum: ['up', 'lagging', 'stalled', 'down'], description: 'The worst of the projections' }) projections!: string;
  @ApiPropertyOptional({ enum: ['up', 'down'], description: 'Distributed mode: the Kafka broker, as a background probe found it at most about two seconds ago' }) broker?: string;
}

export class ProjectionErrorDto {
  @ApiProperty() message!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ type: 'integer' }) failures!: number;
}

export class ProjectionHealthDto {
  @ApiProperty({ enum: ['up', 'lagging', 'stalled', 'down'] }) status!: string;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ type: 'integer' }) head!: number;
  @ApiProperty({ type: 'integer' }) lagEvents!: number;
  @ApiProperty() lagSeconds!: number;
  @ApiProperty({ type: String, nullable: true }) lastAdvancedAt!: string | null;
  @ApiProperty({ type: ProjectionErrorDto, nullable: true, description: 'The last attempt’s failure; null once a batch commits again' }) lastError!: ProjectionErrorDto | null;
}

export class ReadinessDto {
  @ApiProperty({
    enum: ['ok', 'degraded', 'unavailable'],
    description: 'ok: every check up (200). degraded: serving, but the broker is down or the projections are behind (200). unavailable: cannot serve (503)',
  })
  status!: 'ok' | 'degraded' | 'unavailable';
  @ApiProperty({ type: ReadinessChecksDto }) checks!: ReadinessChecksDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ProjectionHealthDto' },
    description: 'How the read models keep up with the log, under the name read-models: the in-process log subscription (embedded mode) or the projector processes as Kafka tells it (distributed mode, once Kafka has answered)',
  })
  projections?: Record<string, ProjectionHealthDto>;
}
