import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { PlaybookOutcome } from '@rapport/application';
import { isCustomerId } from '@rapport/domain';
import { latestVersion, PLAYBOOK_TEMPLATES, type PlaybookState } from '@rapport/playbooks';
import { Roles } from '../auth/access.decorators';
import { Actor } from '../auth/principal';
import { parseIfMatch } from '../http/if-match';
import { ProblemException, validationFailed } from '../http/problem';
import { GetPlaybookQuery, ListPlaybooksQuery, PublishPlaybookCommand, SetPlaybookPausedCommand } from './playbook.messages';

const PLAYBOOK_ID = { name: 'playbookId', description: '1–64 characters of A-Z a-z 0-9 _ . : -' } as const;

@ApiTags('playbooks')
@Controller('v1/playbooks')
export class PlaybooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Get('templates')
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'The built-in templates and their parameters' })
  templates() {
    return { items: PLAYBOOK_TEMPLATES.map(({ name, description, parameters }) => ({ name, description, parameters })) };
  }

  @Get()
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'Every published playbook: its latest version and whether it runs' })
  async list() {
    const playbooks: ReadonlyMap<string, PlaybookState> = await this.queryBus.execute(new ListPlaybooksQuery());
    const items = [...playbooks].map(([playbookId, state]) => summary(playbookId, state)).sort((a, b) => a.playbookId.localeCompare(b.playbookId));
    return { items };
  }

  @Get(':playbookId')
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'A playbook with every version published, who published it and when' })
  @ApiParam(PLAYBOOK_ID)
  @ApiResponse({ status: 200, description: 'The playbook; ETag is its latest version' })
  @ApiResponse({ status: 404, description: 'No playbook published under this id (PLAYBOOK_NOT_FOUND)' })
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
  @ApiHeader({ name: 'If-Match', required: false, description: 'Quoted latest version, e.g. "2" ("0": only if none is published yet)' })
  @ApiBody({ schema: { type: 'object', description: 'A definition (docs/playbooks.md) or {"template", "params"}' } })
  @ApiResponse({ status: 201, description: 'Version 1 published' })
  @ApiResponse({ status: 200, description: 'A new version published, or the definition was already the latest' })
  @ApiResponse({ status: 412, description: 'If-Match did not hold (REVISION_MISMATCH)' })
  @ApiResponse({ status: 422, description: 'The definition is not valid (INVALID_PLAYBOOK); errors names each problem by path' })
  async publish(
    @Param('playbookId') playbookId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertPlaybookId(playbookId);
    const expectedVersion = parseIfMatch(ifMatch);
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
  @ApiResponse({ status: 404, description: 'PLAYBOOK_NOT_FOUND' })
  async pause(@Param('playbookId') playbookId: string, @Actor() actor: string) {
    return this.setPaused(playbookId, true, actor);
  }

  @Post(':playbookId/resume')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Resume a paused playbook: steps that fell due meanwhile run now (idempotent)' })
  @ApiParam(PLAYBOOK_ID)
  @ApiResponse({ status: 404, description: 'PLAYBOOK_NOT_FOUND' })
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
