import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuditedEvent, AuditedState } from '@rapport/application';
import { instantMs, streamName } from '@rapport/domain';
import { Roles } from '../auth/access.decorators';
import { ProblemException, validationFailed } from '../http/problem';
import { assertCustomerId } from '../http/customer-id';
import { renderEvent } from '../write/outcome.mapper';
import { HistoryDto, StateDto } from './audit.dto';
import { ApiProblems } from '../http/problem.openapi';
import { AuditHistoryDto, AuditStateDto, AuditVerifyDto } from './audit.response';
import { GetHistoryQuery, GetStateQuery, VerifyStreamQuery } from './audit.queries';

@ApiTags('audit')
@Roles('auditor')
@Controller('v1/audit/customers/:customerId')
export class AuditController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('history')
  @ApiOperation({ summary: 'Recorded events from the log, with metadata and hashes' })
  @ApiOkResponse({ type: AuditHistoryDto })
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: ['CUSTOMER_NOT_FOUND'], 503: ['DEPENDENCY_UNAVAILABLE'] }, { 404: 'the log holds no events of the customer (asked from revision 0)' })
  async history(@Param('customerId') customerId: string, @Query() query: HistoryDto) {
    assertCustomerId(customerId);
    const page = await this.queryBus.execute(new GetHistoryQuery(customerId, query.fromRevision ?? 0, query.limit ?? 100));
    if (page.events.length === 0 && (query.fromRevision ?? 0) === 0) throw customerNotFound(customerId);
    return { customerId, stream: streamName(customerId), events: page.events.map(renderRecorded),
      nextRevision: page.nextRevision };
  }

  @Get('state')
  @ApiOperation({ summary: 'State replayed through the decider as of an instant (asOf) or a revision (atRevision)' })
  @ApiOkResponse({ type: AuditStateDto })
  @ApiProblems(
    { 400: ['VALIDATION_FAILED', 'REVISION_OUT_OF_RANGE'], 404: ['CUSTOMER_NOT_FOUND'], 503: ['DEPENDENCY_UNAVAILABLE'] },
    { 400: 'neither or both of asOf and atRevision, or atRevision past the stream’s last revision', 404: 'the log holds no events of the customer' },
  )
  async state(@Param('customerId') customerId: string, @Query() query: StateDto) {
    assertCustomerId(customerId);
    if ((query.asOf === undefined) === (query.atRevision === undefined)) {
      throw validationFailed([{ field: 'asOf', message: 'give exactly one of asOf or atRevision' }]);
    }
    const at = query.asOf !== undefined ? { asOf: new Date(instantMs(query.asOf)) } : { atRevision: query.atRevision! };
    const replayed = await this.queryBus.execute(new GetStateQuery(customerId, at));
    if (!replayed) throw customerNotFound(customerId);
    // A revision the stream has not reached is a question with no answer, not the head's state.
    if (query.atRevision !== undefined && query.atRevision > replayed.revision) {
      throw new ProblemException(400, 'REVISION_OUT_OF_RANGE', 'Revision out of range', `The stream of customer ${customerId} ends at revision ${replayed.revision}.`, [
        { field: 'atRevision', message: `atRevision must be at most ${replayed.revision}, the stream's last revision` },
      ]);
    }
    return {
      customerId,
      stream: streamName(customerId),
      ...(query.asOf !== undefined ? { asOf: query.asOf } : { atRevision: query.atRevision }),
      revision: replayed.revision,
      eventsApplied: replayed.eventsApplied,
      state: renderState(replayed.state),
    };
  }

  @Get('verify')
  @ApiOperation({ summary: 'Check the hash chain; names the first bad revision' })
  @ApiOkResponse({ type: AuditVerifyDto, description: 'The verdict: ok, or the first bad revision and why (still 200)' })
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: ['CUSTOMER_NOT_FOUND'], 503: ['DEPENDENCY_UNAVAILABLE'] }, { 404: 'the log holds no events of the customer' })
  async verify(@Param('customerId') customerId: string) {
    assertCustomerId(customerId);
    const result = await this.queryBus.execute(new VerifyStreamQuery(customerId));
    if (result.ok && result.checked === 0) throw customerNotFound(customerId);
    return { stream: streamName(customerId), ...result };
  }
}

/** The decider's state, minus its bookkeeping (fingerprints), with the identity sealed. */
/**
 * The envelope as recorded: the payload in the schema version it was written
 * in (never upcast), with that version when it is not 1, so each event
 * re-hashes from what this shows.
 */
function renderRecorded(event: AuditedEvent) {
  const { data, metadata, hash, ...ids } = renderEvent(event);
  return {
    ...ids,
    ...(event.schemaVersion !== undefined ? { schemaVersion: event.schemaVersion } : {}),
    data,
    metadata,
    hash,
    ...(event.personalData ? { personalData: event.personalData } : {}),
  };
}

function renderState(state: AuditedState) {
  return {
    stage: state.stage,
    identity: state.identity,
    score: state.score,
    orders: Object.keys(state.orders).sort(),
    openComplaints: Object.entries(state.complaints)
      .filter(([, c]) => c.open)
      .map(([id]) => id)
      .sort(),
    resolvedComplaints: Object.entries(state.complaints)
      .filter(([, c]) => !c.open)
      .map(([id]) => id)
      .sort(),
    churns: state.churns,
    winBacks: state.winBacks,
    personalDataErasedAt: state.lastErasure?.occurredAt ?? null,
    events: state.version,
  };
}


function customerNotFound(customerId: string): ProblemException {
  return new ProblemException(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `The log holds no events for customer ${customerId}.`);
}
