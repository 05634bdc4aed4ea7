import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiExtraModels, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
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
  @ApiResponse({ status: 201, description: 'Recorded: the event(s) and the new revision' })
  @ApiResponse({ status: 200, description: 'A duplicate: nothing new recorded' })
  @ApiResponse({ status: 400, description: 'Invalid input (problem+json)' })
  @ApiResponse({ status: 409, description: 'A rule refused the event (problem+json with its code)' })
  @ApiResponse({ status: 412, description: 'If-Match did not hold' })
  @ApiResponse({ status: 422, description: 'The event is in the future (FUTURE_EVENT), or of a type only Rapport records (RESERVED_EVENT_TYPE)' })
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
