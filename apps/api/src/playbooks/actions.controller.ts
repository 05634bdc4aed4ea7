import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Page } from '@rapport/application';
import { ACTION_KINDS } from '@rapport/playbooks';
import { ACTION_STATUSES, type ActionDocument, type ActionStatus } from '@rapport/projections';
import { Roles } from '../auth/access.decorators';
import { refusalProblem } from '../http/refusal.mapper';
import { PageDto } from '../read/customer-read.dto';
import type { InvalidCursor } from '../read/customer.queries';
import { ReadConsistency } from '../read/read-consistency.service';
import { ListActionsQuery } from './playbook.messages';

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

@ApiTags('playbooks')
@Controller('v1/actions')
export class ActionsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get()
  @Roles('analyst', 'ingest')
  @ApiOperation({ summary: 'The action queue: actions playbooks requested, in the order they fell due' })
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
}
