import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { AcknowledgementOutcome, Page } from '@rapport/application';
import { ClosedSchema, EnumField, TextField } from '@rapport/contract';
import { ACKNOWLEDGEMENT_DETAIL_MAX, ACKNOWLEDGEMENT_STATUSES, type AcknowledgementStatus } from '@rapport/domain';
import { ACTION_KINDS } from '@rapport/playbooks';
import { ACTION_STATUSES, type ActionDocument, type ActionStatus } from '@rapport/projections';
import { Roles } from '../auth/access.decorators';
import { Actor } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { refusalProblem } from '../http/refusal.mapper';
import { PageDto } from '../read/customer-read.dto';
import type { InvalidCursor } from '../read/customer.queries';
import { ReadConsistency } from '../read/read-consistency.service';
import { rejection, writtenBody } from '../write/outcome.mapper';
import { AcknowledgeActionCommand, ListActionsQuery } from './playbook.messages';
import { ApiProblems } from '../http/problem.openapi';
import { ActionAcknowledgedDto, ActionPageDto } from './playbooks.response';

export class ListActionsDto extends PageDto {
  @ApiPropertyOptional({ enum: ACTION_STATUSES })
  @IsOptional()
  @IsIn(ACTION_STATUSES)
  status?: ActionStatus;

  @ApiPropertyOptional({ enum: ACTION_KINDS })
  @IsOptional()
  @IsIn(ACTION_KINDS)
  kind?: (typeof ACTION_KINDS)[number];

  @ApiPropertyOptional({ description: 'Only this playbook’s actions' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'playbookId must be 1–64 characters of A-Z a-z 0-9 _ . : -' })
  playbookId?: string;
}

/** What the system that carried out an action reports of it. */
@ClosedSchema('ActionAcknowledgement')
export class AcknowledgeActionDto {
  @EnumField(ACKNOWLEDGEMENT_STATUSES, { description: 'delivered: carried out; failed: it could not be' }) status!: AcknowledgementStatus;
  @TextField({ optional: true, maxLength: ACKNOWLEDGEMENT_DETAIL_MAX, description: 'What the delivering system says of it, e.g. why it failed' }) detail?: string;
}

@ApiTags('playbooks')
@Controller('v1/actions')
export class ActionsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get()
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'The action queue: actions playbooks requested, in the order they fell due' })
  @ApiOkResponse({ type: ActionPageDto })
  @ApiProblems({ 400: ['VALIDATION_FAILED', 'INVALID_CURSOR', 'INVALID_CONSISTENCY_TOKEN'], 503: ['CONSISTENCY_TIMEOUT', 'DEPENDENCY_UNAVAILABLE'] })
  async list(@Query() query: ListActionsDto) {
    await this.consistency.ensure(query.consistentWith);
    const page: Page<ActionDocument> | InvalidCursor = await this.queryBus.execute(
      new ListActionsQuery({
        limit: query.limit ?? 50,
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.kind !== undefined ? { kind: query.kind } : {}),
        ...(query.playbookId !== undefined ? { playbookId: query.playbookId } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      }),
    );
    if ('refused' in page) throw refusalProblem(page);
    return { items: page.items.map(({ _id, revision: _revision, ...action }) => ({ actionId: _id, ...action })), nextCursor: page.nextCursor };
  }

  @Post(':actionId/ack')
  @HttpCode(200)
  @Roles('ingest')
  @ApiOperation({
    summary: 'Acknowledge an action: the system that carried it out reports it delivered or failed',
    description:
      'Records action_acknowledged on the customer’s stream; the action queue shows the status (while the action is pending) and the 360 the delivery. ' +
      'Once per action: the same acknowledgement again answers duplicate: true; a different one is 409 CONFLICTING_DUPLICATE.',
  })
  @ApiParam({ name: 'actionId', description: 'The actionId from the action queue, sent URL-encoded: its slashes as %2F', example: 'complaint-sla/1/grace/1/1' })
  @ApiOkResponse({ type: ActionAcknowledgedDto, description: 'Acknowledged, or already acknowledged alike (duplicate: true)' })
  @ApiProblems(
    { 400: ['VALIDATION_FAILED'], 404: ['ACTION_NOT_FOUND'], 409: ['CONFLICTING_DUPLICATE'], 503: ['CONCURRENCY_EXHAUSTED', 'DEPENDENCY_UNAVAILABLE'], 507: ['STORAGE_FULL'] },
    { 400: 'the body is not {status, detail?}', 404: 'no action was requested under this actionId', 409: 'the action was already acknowledged otherwise' },
  )
  async acknowledge(@Param('actionId') actionId: string, @Body() body: AcknowledgeActionDto, @Actor() actor: string) {
    const answer: AcknowledgementOutcome = await this.commandBus.execute(new AcknowledgeActionCommand(actionId, body.status, body.detail, actor));
    if (!answer.found) throw actionNotFound(actionId);
    const { customerId, outcome } = answer;
    if (outcome.status === 'rejected') throw rejection(outcome);
    const { duplicate, revision, consistencyToken } = writtenBody(customerId, outcome);
    const recorded = outcome.status === 'duplicate' ? outcome.event : outcome.events[0]!;
    return { actionId, customerId, status: (recorded.data as { status: AcknowledgementStatus }).status, duplicate, revision, consistencyToken };
  }
}

function actionNotFound(actionId: string): ProblemException {
  return new ProblemException(404, 'ACTION_NOT_FOUND', 'Action not found', `No playbook requested an action under ${JSON.stringify(actionId)}.`);
}
