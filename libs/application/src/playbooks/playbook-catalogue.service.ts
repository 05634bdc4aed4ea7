// Publishing, pausing and reading playbooks (SPEC section 10). Each playbook is
// a stream in the playbooks' own log (the customer log's adapters, opened on
// their own file or stream prefix), decided by the pure playbook decider, so
// every published version stays readable, audited and hash-chained.
import {
  decidePlaybook,
  foldPlaybook,
  initialPlaybookState,
  type PlaybookCommand,
  type PlaybookEventType,
  type PlaybookRefusalCode,
  type PlaybookState,
  type RecordedPlaybookEvent,
  type DefinitionError,
} from '@rapport/playbooks';
import { WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '@rapport/event-store';
import type { Clock, IdGenerator } from '../customer-commands.service';

/** The playbooks' log: one stream per playbook, named by its id. */
export type PlaybookLog = EventStore<PlaybookEventType>;

export type PlaybookOutcome =
  | { readonly status: 'recorded' | 'unchanged'; readonly state: PlaybookState }
  | { readonly status: 'refused'; readonly code: PlaybookRefusalCode; readonly message: string; readonly errors?: readonly DefinitionError[] };

/** Re-decide this many times when another writer changed the playbook meanwhile. */
const MAX_ATTEMPTS = 10;
const PAGE = 1_000;

export class PlaybookCatalogue {
  /** Every playbook folded up to `position` of the playbooks' log. */
  private known: { position: number; states: Map<string, PlaybookState> } = { position: -1, states: new Map() };
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly log: PlaybookLog,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  publish(playbookId: string, input: unknown, options: { expectedVersion?: number; actor?: string } = {}): Promise<PlaybookOutcome> {
    return this.execute(playbookId, { kind: 'publish', input, ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}) }, options.actor);
  }

  pause(playbookId: string, actor?: string): Promise<PlaybookOutcome> {
    return this.execute(playbookId, { kind: 'pause' }, actor);
  }

  resume(playbookId: string, actor?: string): Promise<PlaybookOutcome> {
    return this.execute(playbookId, { kind: 'resume' }, actor);
  }

  /** The playbook as its stream says now, or undefined when none was published under the id. */
  async get(playbookId: string): Promise<PlaybookState | undefined> {
    const events: RecordedPlaybookEvent[] = [];
    for (let from = 0; ; from += PAGE) {
      const page = await this.log.readStream(playbookId, { fromRevision: from, maxCount: PAGE });
      events.push(...page.map(toPlaybookEvent));
      if (page.length < PAGE) break;
    }
    return events.length === 0 ? undefined : foldPlaybook(events);
  }

  /** Every published playbook, by id, as of the log's head. */
  async all(): Promise<ReadonlyMap<string, PlaybookState>> {
    const head = await this.log.headPosition();
    // One reader at a time folds what is new; the others wait for it, and go again if it began before the head they saw.
    while (this.known.position < head) {
      this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    return this.known.states;
  }

  private async refresh(): Promise<void> {
    const states = new Map(this.known.states);
    let position = this.known.position;
    for (;;) {
      const page = await this.log.readAll({ after: position, maxCount: PAGE });
      for (const recorded of page) states.set(recorded.customerId, foldPlaybook([toPlaybookEvent(recorded)], states.get(recorded.customerId)));
      if (page.length > 0) position = page[page.length - 1]!.position;
      if (page.length < PAGE) break;
    }
    this.known = { position, states };
  }

  private async execute(playbookId: string, command: PlaybookCommand, actor: string | undefined): Promise<PlaybookOutcome> {
    for (let attempt = 1; ; attempt++) {
      const state = (await this.get(playbookId)) ?? initialPlaybookState;
      const decision = decidePlaybook(command, state);
      if (decision.outcome === 'refused') return { status: 'refused', code: decision.code, message: decision.message, ...(decision.errors ? { errors: decision.errors } : {}) };
      if (decision.events.length === 0) return { status: 'unchanged', state };
      const occurredAt = this.clock.now().toISOString();
      const events = decision.events.map((body) => ({ ...body, eventId: this.ids.next(), occurredAt, metadata: actor !== undefined ? { actor } : {} }));
      try {
        const result = await this.log.append(playbookId, events, state.revision < 0 ? 'no_stream' : state.revision);
        return { status: 'recorded', state: foldPlaybook(result.events.map(toPlaybookEvent), state) };
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }
}

/** A playbook event as the log recorded it, as the decider folds it. */
export function toPlaybookEvent(recorded: RecordedEvent<PlaybookEventType>): RecordedPlaybookEvent {
  const { actor } = recorded.metadata;
  return { type: recorded.type, data: recorded.data, recordedAt: recorded.recordedAt, revision: recorded.revision, ...(actor !== undefined ? { actor } : {}) } as RecordedPlaybookEvent;
}
