import { Inject } from '@nestjs/common';
import { CommandHandler, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import {
  ActionAcknowledgement,
  CustomerReadModels,
  PlaybookCatalogue,
  PlaybookResultsService,
  PlaybookSimulator,
  type AcknowledgementOutcome,
  type Page,
  type PlaybookOutcome,
  type PlaybookResults,
  type SimulationResult,
} from '@rapport/application';
import type { PlaybookState } from '@rapport/playbooks';
import type { ActionDocument, EnrollmentDocument } from '@rapport/projections';
import { READ_MODELS } from '../infrastructure/tokens';
import { withCursor } from '../read/customer-query.handlers';
import type { InvalidCursor } from '../read/customer.queries';
import {
  AcknowledgeActionCommand,
  GetPlaybookQuery,
  GetPlaybookResultsQuery,
  ListEnrollmentsQuery,
  SimulatePlaybookQuery,
  ListActionsQuery,
  ListPlaybooksQuery,
  PublishPlaybookCommand,
  SetPlaybookPausedCommand,
} from './playbook.messages';

@CommandHandler(PublishPlaybookCommand)
export class PublishPlaybookHandler implements ICommandHandler<PublishPlaybookCommand, PlaybookOutcome> {
  constructor(private readonly catalogue: PlaybookCatalogue) {}

  execute({ playbookId, input, expectedVersion, actor }: PublishPlaybookCommand): Promise<PlaybookOutcome> {
    return this.catalogue.publish(playbookId, input, { actor, ...(expectedVersion !== undefined ? { expectedVersion } : {}) });
  }
}

@CommandHandler(SetPlaybookPausedCommand)
export class SetPlaybookPausedHandler implements ICommandHandler<SetPlaybookPausedCommand, PlaybookOutcome> {
  constructor(private readonly catalogue: PlaybookCatalogue) {}

  execute({ playbookId, paused, actor }: SetPlaybookPausedCommand): Promise<PlaybookOutcome> {
    return paused ? this.catalogue.pause(playbookId, actor) : this.catalogue.resume(playbookId, actor);
  }
}

@CommandHandler(AcknowledgeActionCommand)
export class AcknowledgeActionHandler implements ICommandHandler<AcknowledgeActionCommand, AcknowledgementOutcome> {
  constructor(private readonly acknowledgement: ActionAcknowledgement) {}

  execute({ actionId, status, detail, actor }: AcknowledgeActionCommand): Promise<AcknowledgementOutcome> {
    return this.acknowledgement.acknowledge(actionId, status, detail, actor);
  }
}

@QueryHandler(GetPlaybookQuery)
export class GetPlaybookHandler implements IQueryHandler<GetPlaybookQuery, PlaybookState | undefined> {
  constructor(private readonly catalogue: PlaybookCatalogue) {}

  execute({ playbookId }: GetPlaybookQuery): Promise<PlaybookState | undefined> {
    return this.catalogue.get(playbookId);
  }
}

@QueryHandler(ListPlaybooksQuery)
export class ListPlaybooksHandler implements IQueryHandler<ListPlaybooksQuery, ReadonlyMap<string, PlaybookState>> {
  constructor(private readonly catalogue: PlaybookCatalogue) {}

  execute(): Promise<ReadonlyMap<string, PlaybookState>> {
    return this.catalogue.all();
  }
}

@QueryHandler(ListActionsQuery)
export class ListActionsHandler implements IQueryHandler<ListActionsQuery, Page<ActionDocument> | InvalidCursor> {
  constructor(@Inject(READ_MODELS) private readonly readModels: CustomerReadModels) {}

  execute({ query }: ListActionsQuery): Promise<Page<ActionDocument> | InvalidCursor> {
    return withCursor(() => this.readModels.listActions(query));
  }
}

@QueryHandler(GetPlaybookResultsQuery)
export class GetPlaybookResultsHandler implements IQueryHandler<GetPlaybookResultsQuery, PlaybookResults | undefined> {
  constructor(private readonly results: PlaybookResultsService) {}

  execute({ playbookId, version }: GetPlaybookResultsQuery): Promise<PlaybookResults | undefined> {
    return this.results.results(playbookId, version);
  }
}

@QueryHandler(ListEnrollmentsQuery)
export class ListEnrollmentsHandler implements IQueryHandler<ListEnrollmentsQuery, Page<EnrollmentDocument> | InvalidCursor> {
  constructor(@Inject(READ_MODELS) private readonly readModels: CustomerReadModels) {}

  execute({ query }: ListEnrollmentsQuery): Promise<Page<EnrollmentDocument> | InvalidCursor> {
    return withCursor(() => this.readModels.listEnrollments(query));
  }
}

@QueryHandler(SimulatePlaybookQuery)
export class SimulatePlaybookHandler implements IQueryHandler<SimulatePlaybookQuery, SimulationResult> {
  constructor(private readonly simulator: PlaybookSimulator) {}

  execute({ request }: SimulatePlaybookQuery): Promise<SimulationResult> {
    return this.simulator.simulate(request);
  }
}
