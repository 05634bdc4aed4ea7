import type { ActionListQuery } from '@rapport/application';
// Commands and queries of the playbooks' routes (SPEC section 10).
export class PublishPlaybookCommand {
  constructor(
    readonly playbookId: string,
    readonly input: unknown,
    readonly expectedVersion: number | undefined,
    readonly actor: string,
  ) {}
}

export class SetPlaybookPausedCommand {
  constructor(
    readonly playbookId: string,
    readonly paused: boolean,
    readonly actor: string,
  ) {}
}

export class GetPlaybookQuery {
  constructor(readonly playbookId: string) {}
}

export class ListPlaybooksQuery {}

export class ListActionsQuery {
  constructor(readonly query: ActionListQuery) {}
}
