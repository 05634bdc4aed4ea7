import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { Page, PlaybookOutcome, PlaybookResults, SimulationResult } from '@rapport/application';
import { InstantField } from '@rapport/contract';
import { instantMs, isCustomerId } from '@rapport/domain';
import { checkPlaybook, latestVersion, PLAYBOOK_TEMPLATES, type PlaybookState } from '@rapport/playbooks';
import { ENROLLMENT_STATUSES, type EnrollmentDocument, type EnrollmentStatus } from '@rapport/projections';
import { IsDecimalInteger } from '../http/decimal-integer';
import { refusalProblem } from '../http/refusal.mapper';
import { PageDto } from '../read/customer-read.dto';
import type { InvalidCursor } from '../read/customer.queries';
import { ReadConsistency } from '../read/read-consistency.service';
import { Roles } from '../auth/access.decorators';
import { Actor } from '../auth/principal';
import { parseIfMatch } from '../http/if-match';
import { ProblemException, validationFailed } from '../http/problem';
import {
  GetPlaybookQuery,
  GetPlaybookResultsQuery,
  ListEnrollmentsQuery,
  ListPlaybooksQuery,
  PublishPlaybookCommand,
  SetPlaybookPausedCommand,
  SimulatePlaybookQuery,
} from './playbook.messages';
import { ApiProblems } from '../http/problem.openapi';
import {
  EnrollmentPageDto,
  PlaybookDetailDto,
  PlaybookListDto,
  PlaybookPublishedDto,
  PlaybookResultsDto,
  PlaybookTemplatesDto,
  SimulationDto,
} from './playbooks.response';

/** Playbook reads: the playbooks' log and the runner's read models (MongoDB in distributed mode). */
const PLAYBOOK_READ_PROBLEMS = { 400: ['VALIDATION_FAILED'], 404: ['PLAYBOOK_NOT_FOUND'], 503: ['DEPENDENCY_UNAVAILABLE'] } as const;

export class ResultsDto {
  @ApiPropertyOptional({ minimum: 1, description: 'Only enrollments of this version (default: every version)' })
  @IsOptional()
  @IsDecimalInteger()
  @Min(1)
  version?: number;
}

export class ListEnrollmentsDto extends PageDto {
  @ApiPropertyOptional({ enum: ENROLLMENT_STATUSES })
  @IsOptional()
  @IsIn(ENROLLMENT_STATUSES)
  status?: EnrollmentStatus;
}

/** The longest window a simulation replays: history is read whole, so a window is bounded like analytics answers. */
const MAX_SIMULATION_DAYS = 3_660;

export class SimulateDto {
  @ApiProperty({ type: Object, description: 'A definition, or {"template", "params"}, as PUT /v1/playbooks/{id} takes' })
  @IsObject({ message: 'playbook must be an object: a definition or {"template", "params"}' })
  playbook!: Record<string, unknown>;

  @InstantField({ description: 'Start of the window replayed (RFC 3339)' }) from!: string;
  @InstantField({ description: 'End of the window replayed (RFC 3339)' }) to!: string;
}

const PLAYBOOK_ID = { name: 'playbookId', description: '1–64 characters of A-Z a-z 0-9 _ . : -' } as const;

@ApiTags('playbooks')
@Controller('v1/playbooks')
export class PlaybooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get('templates')
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'The built-in templates and their parameters' })
  @ApiOkResponse({ type: PlaybookTemplatesDto })
  templates() {
    return { items: PLAYBOOK_TEMPLATES.map(({ name, description, parameters }) => ({ name, description, parameters })) };
  }

  @Get()
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'Every published playbook: its latest version and whether it runs' })
  @ApiOkResponse({ type: PlaybookListDto })
  @ApiProblems({ 503: ['DEPENDENCY_UNAVAILABLE'] })
  async list() {
    const playbooks: ReadonlyMap<string, PlaybookState> = await this.queryBus.execute(new ListPlaybooksQuery());
    const items = [...playbooks].map(([playbookId, state]) => summary(playbookId, state)).sort((a, b) => a.playbookId.localeCompare(b.playbookId));
    return { items };
  }

  @Post('simulate')
  @HttpCode(200)
  @Roles('analyst')
  @ApiOperation({
    summary: 'What a playbook would have done over recorded history, writing nothing',
    description: 'Signals fire daily at 00:00 UTC with models fitted as of that day; due steps, exits and goals run as the runner runs them.',
  })
  @ApiOkResponse({ type: SimulationDto, description: 'Enrollments, actions and outcomes, in total and per day, and each enrollment' })
  @ApiProblems(
    { 400: ['VALIDATION_FAILED'], 422: ['INVALID_PLAYBOOK', 'MODEL_NOT_FITTED'], 503: ['DEPENDENCY_UNAVAILABLE'] },
    { 400: 'the body is not {playbook, from, to}, to is before from, or the window is longer than 3,660 days', 422: 'the definition is not valid (errors under playbook.), or a signal needs a model these data cannot fit' },
  )
  async simulate(@Body() body: SimulateDto): Promise<SimulationResult> {
    const check = checkPlaybook(body.playbook);
    if (!check.ok) throw new ProblemException(422, 'INVALID_PLAYBOOK', 'Invalid playbook', 'the playbook definition is not valid; errors names each problem', check.errors.map((e) => ({ ...e, field: e.field ? `playbook.${e.field}` : 'playbook' })));
    const from = instantMs(body.from);
    const to = instantMs(body.to);
    if (from > to) throw validationFailed([{ field: 'to', message: 'to must not be before from' }]);
    if (to - from > MAX_SIMULATION_DAYS * 86_400_000) throw validationFailed([{ field: 'to', message: `a simulation window spans at most ${MAX_SIMULATION_DAYS} days` }]);
    return this.queryBus.execute(new SimulatePlaybookQuery({ definition: check.definition, from: new Date(from).toISOString(), to: new Date(to).toISOString() }));
  }

  @Get(':playbookId/results')
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'Enrolled, treated and holdout, conversions, the uplift with its 95% Newcombe interval, revenue within the goal window' })
  @ApiParam(PLAYBOOK_ID)
  @ApiOkResponse({ type: PlaybookResultsDto })
  @ApiProblems(PLAYBOOK_READ_PROBLEMS, { 404: 'no such playbook, or version' })
  async results(@Param('playbookId') playbookId: string, @Query() query: ResultsDto): Promise<PlaybookResults> {
    assertPlaybookId(playbookId);
    const results: PlaybookResults | undefined = await this.queryBus.execute(new GetPlaybookResultsQuery(playbookId, query.version));
    if (!results) throw playbookNotFound(playbookId);
    return results;
  }

  @Get(':playbookId/enrollments')
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'The playbook’s enrollments in the order they started, paged, by status' })
  @ApiParam(PLAYBOOK_ID)
  @ApiOkResponse({ type: EnrollmentPageDto })
  @ApiProblems({ 400: ['VALIDATION_FAILED', 'INVALID_CURSOR', 'INVALID_CONSISTENCY_TOKEN'], 503: ['CONSISTENCY_TIMEOUT', 'DEPENDENCY_UNAVAILABLE'] })
  async enrollments(@Param('playbookId') playbookId: string, @Query() query: ListEnrollmentsDto) {
    assertPlaybookId(playbookId);
    await this.consistency.ensure(query.consistentWith);
    const page: Page<EnrollmentDocument> | InvalidCursor = await this.queryBus.execute(
      new ListEnrollmentsQuery({
        playbookId,
        limit: query.limit ?? 50,
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      }),
    );
    if ('refused' in page) throw refusalProblem(page);
    return { items: page.items.map(({ _id: _id, revision: _revision, ...enrollment }) => enrollment), nextCursor: page.nextCursor };
  }

  @Get(':playbookId')
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'A playbook with every version published, who published it and when' })
  @ApiParam(PLAYBOOK_ID)
  @ApiOkResponse({ type: PlaybookDetailDto, description: 'The playbook; ETag is its latest version' })
  @ApiProblems(PLAYBOOK_READ_PROBLEMS, { 404: 'no playbook published under this id' })
  async get(@Param('playbookId') playbookId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    assertPlaybookId(playbookId);
    const state: PlaybookState | undefined = await this.queryBus.execute(new GetPlaybookQuery(playbookId));
    if (!state) throw playbookNotFound(playbookId);
    reply.header('etag', `"${latestVersion(state)!.version}"`);
    return detail(playbookId, state);
  }

  @Put(':playbookId')
  @Roles('admin')
  @ApiOperation({
    summary: 'Publish a new version of a playbook: a definition, or a template with its parameters',
    description: 'Each version is recorded in the playbooks’ log and kept. Publishing the definition the latest version already has records nothing (200, same version).',
  })
  @ApiParam(PLAYBOOK_ID)
  @ApiHeader({ name: 'If-Match', required: false, description: 'Quoted latest version, e.g. "2" ("0" or "-1": only if none is published yet)' })
  @ApiBody({ schema: { type: 'object', additionalProperties: true, description: 'A definition (docs/playbooks.md) or {"template", "params"}' } })
  @ApiCreatedResponse({ type: PlaybookPublishedDto, description: 'Version 1 published; Location and ETag' })
  @ApiOkResponse({ type: PlaybookPublishedDto, description: 'A new version published, or the definition was already the latest (published: false)' })
  @ApiProblems(
    { 400: ['VALIDATION_FAILED', 'INVALID_IF_MATCH'], 412: ['REVISION_MISMATCH'], 422: ['INVALID_PLAYBOOK'], 503: ['DEPENDENCY_UNAVAILABLE'], 507: ['STORAGE_FULL'] },
    { 412: 'If-Match did not hold', 422: 'the definition is not valid; errors names each problem by path' },
  )
  async publish(
    @Param('playbookId') playbookId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertPlaybookId(playbookId);
    // "-1" (as on a customer's stream) and "0" both mean: none published yet.
    const ifMatchVersion = parseIfMatch(ifMatch);
    const expectedVersion = ifMatchVersion === -1 ? 0 : ifMatchVersion;
    const outcome: PlaybookOutcome = await this.commandBus.execute(new PublishPlaybookCommand(playbookId, body, expectedVersion, actor));
    const state = settled(playbookId, outcome);
    const version = latestVersion(state)!.version;
    reply.status(outcome.status === 'recorded' && version === 1 ? 201 : 200).header('etag', `"${version}"`);
    if (version === 1 && outcome.status === 'recorded') reply.header('location', `/v1/playbooks/${encodeURIComponent(playbookId)}`);
    return { ...detail(playbookId, state), published: outcome.status === 'recorded' };
  }

  @Post(':playbookId/pause')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Pause a playbook: no one enrolls and no step runs until it is resumed (idempotent)' })
  @ApiParam(PLAYBOOK_ID)
  @ApiOkResponse({ type: PlaybookDetailDto })
  @ApiProblems({ ...PLAYBOOK_READ_PROBLEMS, 507: ['STORAGE_FULL'] })
  async pause(@Param('playbookId') playbookId: string, @Actor() actor: string) {
    return this.setPaused(playbookId, true, actor);
  }

  @Post(':playbookId/resume')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Resume a paused playbook: steps that fell due meanwhile run now (idempotent)' })
  @ApiParam(PLAYBOOK_ID)
  @ApiOkResponse({ type: PlaybookDetailDto })
  @ApiProblems({ ...PLAYBOOK_READ_PROBLEMS, 507: ['STORAGE_FULL'] })
  async resume(@Param('playbookId') playbookId: string, @Actor() actor: string) {
    return this.setPaused(playbookId, false, actor);
  }

  private async setPaused(playbookId: string, paused: boolean, actor: string) {
    assertPlaybookId(playbookId);
    const outcome: PlaybookOutcome = await this.commandBus.execute(new SetPlaybookPausedCommand(playbookId, paused, actor));
    return detail(playbookId, settled(playbookId, outcome));
  }
}

function assertPlaybookId(playbookId: string): void {
  if (!isCustomerId(playbookId)) throw validationFailed([{ field: 'playbookId', message: 'playbookId must be 1–64 characters of A-Z a-z 0-9 _ . : -' }]);
}

function playbookNotFound(playbookId: string): ProblemException {
  return new ProblemException(404, 'PLAYBOOK_NOT_FOUND', 'Playbook not found', `No playbook is published under ${JSON.stringify(playbookId)}.`);
}

function settled(playbookId: string, outcome: PlaybookOutcome): PlaybookState {
  if (outcome.status !== 'refused') return outcome.state;
  switch (outcome.code) {
    case 'PLAYBOOK_NOT_FOUND':
      throw playbookNotFound(playbookId);
    case 'REVISION_MISMATCH':
      throw new ProblemException(412, 'REVISION_MISMATCH', 'Precondition failed', `${outcome.message}; nothing recorded.`);
    case 'INVALID_PLAYBOOK':
      throw new ProblemException(422, 'INVALID_PLAYBOOK', 'Invalid playbook', outcome.message, outcome.errors ?? []);
  }
}

function summary(playbookId: string, state: PlaybookState) {
  const latest = latestVersion(state)!;
  return {
    playbookId,
    name: latest.definition.name,
    version: latest.version,
    status: state.paused ? ('paused' as const) : ('running' as const),
    trigger: latest.definition.trigger,
    publishedAt: latest.publishedAt,
  };
}

function detail(playbookId: string, state: PlaybookState) {
  return {
    ...summary(playbookId, state),
    definition: latestVersion(state)!.definition,
    versions: state.versions.map(({ version, publishedAt, publishedBy, definition, source }) => ({
      version,
      publishedAt,
      ...(publishedBy !== undefined ? { publishedBy } : {}),
      definition,
      source,
    })),
  };
}
