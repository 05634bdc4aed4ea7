import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RapportConfig } from '@rapport/config';
import { EVENT_SCHEMAS, validateEnvelope } from '@rapport/contract';
import { ProblemException, validationFailed } from '../http/problem';
import { Roles } from '../auth/access.decorators';
import { Actor } from '../auth/principal';
import { encodeConsistencyToken } from '../infrastructure/consistency-token';
import { RAPPORT_CONFIG } from '../infrastructure/tokens';
import { ApiProblems } from '../http/problem.openapi';
import { BatchWrittenDto, batchBodySchema } from './write.response';
import { RecordBatchCommand, type BatchItem } from './record-event.command';

@ApiTags('write')
@ApiExtraModels(...EVENT_SCHEMAS)
@Roles('ingest')
@Controller('v1/events')
export class EventsBatchController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a batch of up to 500 events for any customers; one result per item, in order' })
  // 500 is RAPPORT_MAX_BATCH's default and its maximum.
  @ApiBody({ schema: batchBodySchema(500) })
  @ApiOkResponse({ type: BatchWrittenDto, description: 'The batch was processed, whatever each item’s outcome: one result per item, in order' })
  @ApiProblems(
    { 400: ['VALIDATION_FAILED', 'BATCH_TOO_LARGE'], 503: ['DEPENDENCY_UNAVAILABLE'], 507: ['STORAGE_FULL'] },
    { 400: 'the body is not {"events": [...]}, or has more than RAPPORT_MAX_BATCH items; nothing recorded', 507: 'the disk is full and nothing of the batch was recorded' },
  )
  async record(@Body() body: unknown, @Actor() actor: string) {
    const events = batchEvents(body);
    if (events.length > this.config.maxBatchSize) {
      throw new ProblemException(
        400,
        'BATCH_TOO_LARGE',
        'Batch too large',
        `A batch holds at most ${this.config.maxBatchSize} events; this one has ${events.length}. Nothing was recorded.`,
        [{ field: 'events', message: `at most ${this.config.maxBatchSize} items` }],
      );
    }
    const items: BatchItem[] = events.map((event, index) => {
      const validation = validateEnvelope(event);
      if (validation.ok) return { index, input: validation.value };
      const eventId = (event as { eventId?: unknown } | null)?.eventId;
      return { index, invalid: [...validation.errors], ...(validation.reserved ? { reserved: true as const } : {}), ...(typeof eventId === 'string' ? { eventId } : {}) };
    });
    const results = await this.commandBus.execute(new RecordBatchCommand(items, actor));
    const positions = results.flatMap((r) => (r.position === undefined ? [] : [r.position]));
    return {
      results: results.map(({ position: _position, ...result }) => result),
      consistencyToken: encodeConsistencyToken(positions.length ? Math.max(...positions) : -1),
    };
  }
}

function batchEvents(body: unknown): unknown[] {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && Array.isArray((body as { events?: unknown }).events)) {
    const extra = Object.keys(body).filter((k) => k !== 'events');
    if (extra.length === 0) return (body as { events: unknown[] }).events;
    throw validationFailed(extra.map((field) => ({ field, message: `unknown field ${field}` })));
  }
  throw validationFailed([{ field: 'events', message: 'the body must be {"events": [ ... ]}' }]);
}
