// Commands and queries of the playbooks' routes (SPEC section 10).
import type { ActionListQuery, EnrollmentListQuery, SimulationRequest } from '@rapport/application';
import type { AcknowledgementStatus } from '@rapport/domain';
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

/** The system that carried out an action reports it delivered or failed. */
export class AcknowledgeActionCommand {
  constructor(
    readonly actionId: string,
    readonly status: AcknowledgementStatus,
    readonly detail: string | undefined,
    /** The credential's name: the event's metadata.actor. */
    readonly actor: string,
  ) {}
}

export class GetPlaybookResultsQuery {
  constructor(
    readonly playbookId: string,
    readonly version: number | undefined,
  ) {}
}

export class ListEnrollmentsQuery {
  constructor(readonly query: EnrollmentListQuery) {}
}

export class SimulatePlaybookQuery {
  constructor(readonly request: SimulationRequest) {}
}
