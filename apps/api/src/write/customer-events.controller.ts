import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EVENT_SCHEMAS, eventBodySchema, validateEnvelope } from '@rapport/contract';
import { assertCustomerId } from '../http/customer-id';
import { parseIfMatch } from '../http/if-match';
import { reservedEventType, validationFailed } from '../http/problem';
import { RecordEventCommand } from './record-event.command';
import { rejection, writtenBody } from './outcome.mapper';
import { Roles } from '../auth/access.decorators';
import { Actor } from '../auth/principal';
import { MetricsService } from '../operations/metrics.service';
import { ApiProblems } from '../http/problem.openapi';
import { EventWrittenDto } from './write.response';

@ApiTags('write')
@ApiExtraModels(...EVENT_SCHEMAS)
@Roles('ingest')
@Controller('v1/customers/:customerId/events')
export class CustomerEventsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Record one event on a customer stream (idempotent by eventId, orderId, complaintId)' })
  @ApiParam({ name: 'customerId', description: '1–64 characters of A-Z a-z 0-9 _ . : -' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'Quoted last revision, e.g. "3": the append is conditional' })
  @ApiBody({ schema: eventBodySchema() })
  @ApiCreatedResponse({ type: EventWrittenDto, description: 'Recorded: the event(s) and the new revision; ETag is the revision' })
  @ApiOkResponse({ type: EventWrittenDto, description: 'A duplicate (same eventId; or same orderId/complaintId with the same data): nothing new recorded' })
  @ApiProblems(
    {
      400: ['VALIDATION_FAILED', 'INVALID_IF_MATCH'],
      409: ['NOT_A_CUSTOMER', 'ALREADY_CHURNED', 'NOT_CHURNED', 'COMPLAINT_NOT_OPEN', 'CONFLICTING_DUPLICATE'],
      412: ['REVISION_MISMATCH'],
      422: ['FUTURE_EVENT', 'RESERVED_EVENT_TYPE'],
      503: ['CONCURRENCY_EXHAUSTED', 'DEPENDENCY_UNAVAILABLE'],
      507: ['STORAGE_FULL'],
    },
    {
      400: 'an invalid field, path parameter or body (errors names each), or an If-Match that is not one quoted revision',
      409: 'a rule of the loop refused the event; nothing recorded',
      412: 'If-Match did not hold; nothing recorded',
      422: 'occurredAt more than 5 minutes ahead, or a type only Rapport records',
      503: 'the stream kept changing, or (distributed) the key store did not answer; retry after Retry-After seconds',
      507: 'the disk is full; nothing recorded',
    },
  )
  async record(
    @Param('customerId') customerId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Actor() actor: string,
  ) {
    assertCustomerId(customerId);
    const expectedRevision = parseIfMatch(ifMatch);
    const validation = validateEnvelope(body, customerId);
    if (!validation.ok) {
      this.metrics.countInvalid();
      if (validation.reserved) throw reservedEventType(validation.errors);
      throw validationFailed(validation.errors);
    }

    const outcome = await this.commandBus.execute(new RecordEventCommand(validation.value, expectedRevision, actor));
    if (outcome.status === 'rejected') throw rejection(outcome);
    // 201 when recorded; a duplicate recorded nothing new.
    if (outcome.status === 'duplicate') reply.status(200);
    reply.header('etag', `"${outcome.revision}"`);
    return writtenBody(customerId, outcome);
  }
}
